//! The root keys: the app's name, version and format version.

use super::context::CheckContext;
use super::{ConfigPath, IssueCode};

/// The newest config format this engine reads.
pub const FORMAT_VERSION: u64 = 1;

/// The longest app name.
const MAX_APP_NAME_LENGTH: usize = 100;

pub(crate) fn check_root(cx: &mut CheckContext<'_>) -> Option<semver::Version> {
    let config = cx.config;
    let length = config.name.chars().count();
    if length == 0 || length > MAX_APP_NAME_LENGTH || config.name.trim().is_empty() {
        let message =
            format!("the app's name has 1 to {MAX_APP_NAME_LENGTH} characters; this one has {length}");
        cx.report(ConfigPath::root().key("name"), IssueCode::InvalidLength, message);
    }
    if let Some(format) = &config.schema_version {
        check_format_version(format, cx);
    }
    let version = config.version.as_deref()?;
    match semver::Version::parse(version) {
        Ok(parsed) => Some(parsed),
        Err(error) => {
            let message = format!("`{version}` is not a SemVer version such as 1.2.0: {error}");
            cx.report(ConfigPath::root().key("version"), IssueCode::InvalidVersion, message);
            None
        }
    }
}

/// `schemaVersion` is `1`, `1.0` or `1.0.0`; a newer major version is refused.
fn check_format_version(format: &str, cx: &mut CheckContext<'_>) {
    let path = ConfigPath::root().key("schemaVersion");
    let parts: Vec<Option<u64>> = format.split('.').map(|part| part.parse().ok()).collect();
    match parts.as_slice() {
        [Some(major), rest @ ..] if rest.len() <= 2 && rest.iter().all(Option::is_some) => {
            if *major > FORMAT_VERSION || *major == 0 {
                let message = format!(
                    "format version {format} is not known to this engine, which reads format {FORMAT_VERSION}"
                );
                cx.report(path, IssueCode::UnsupportedSchemaVersion, message);
            }
        }
        _ => {
            let message = format!("`{format}` is not a format version such as 1 or 1.0.0");
            cx.report(path, IssueCode::InvalidVersion, message);
        }
    }
}
