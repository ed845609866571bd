//! `single-attachment` and `multiple-attachments`: files kept in a blob store.

use super::FieldKind;
use crate::ValueProblem;
use crate::config::FieldConfig;
use crate::validate::context::CheckContext;
use crate::validate::{ConfigPath, IssueCode};

/// The default largest file: 10 MiB.
const DEFAULT_MAX_SIZE: u64 = 10 * 1024 * 1024;
/// The default `maxFiles` of `multiple-attachments`.
const DEFAULT_MAX_FILES: u64 = 10;

/// Where an attachment field keeps files and which it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentOptions {
    /// `None`: the host's blob store; otherwise the name of an s3, gcs or azure connection.
    pub connection: Option<String>,
    /// Overrides the connection's bucket.
    pub bucket: Option<String>,
    /// The largest file in bytes.
    pub max_size: u64,
    /// Accepted MIME types or patterns such as `image/*`.
    pub allowed_types: Vec<String>,
}

impl AttachmentOptions {
    /// Whether a detected MIME type is accepted.
    ///
    /// ```
    /// use omnera_core::fields::AttachmentOptions;
    ///
    /// let options = AttachmentOptions {
    ///     connection: None,
    ///     bucket: None,
    ///     max_size: 1024,
    ///     allowed_types: vec!["image/*".into(), "application/pdf".into()],
    /// };
    /// assert!(options.accepts("image/png"));
    /// assert!(!options.accepts("text/html"));
    /// ```
    pub fn accepts(&self, mime_type: &str) -> bool {
        self.allowed_types.iter().any(|allowed| match allowed.strip_suffix("/*") {
            Some("*") => true,
            Some(family) => mime_type.split('/').next() == Some(family),
            None => allowed.eq_ignore_ascii_case(mime_type),
        })
    }
}

pub(super) fn storage(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> AttachmentOptions {
    let storage = field.storage.clone().unwrap_or_default();
    let path = path.key("storage");
    let connection = storage.provider.filter(|provider| provider != "local");
    if let Some(name) = &connection {
        cx.require_connection(name, &path.key("provider"), "an s3, gcs or azure", |found| {
            found.stores_files()
        });
    }
    if storage.max_size == Some(0) {
        cx.report(path.key("maxSize"), IssueCode::OutOfRange, "maxSize must be at least 1 byte".to_owned());
    }
    let allowed_types =
        storage.allowed_types.unwrap_or_else(|| vec!["image/*".to_owned(), "application/pdf".to_owned()]);
    for (index, pattern) in allowed_types.iter().enumerate() {
        if !is_mime_pattern(pattern) {
            let message = format!("`{pattern}` is not a MIME type or pattern such as image/png or image/*");
            cx.report(path.key("allowedTypes").index(index), IssueCode::InvalidMimeType, message);
        }
    }
    AttachmentOptions {
        connection,
        bucket: storage.bucket,
        max_size: storage.max_size.unwrap_or(DEFAULT_MAX_SIZE),
        allowed_types,
    }
}

pub(super) fn multiple_options(
    field: &FieldConfig,
    path: &ConfigPath,
    cx: &mut CheckContext<'_>,
) -> FieldKind {
    let storage = storage(field, path, cx);
    if field.max_files == Some(0) {
        cx.report(path.key("maxFiles"), IssueCode::OutOfRange, "maxFiles must be at least 1".to_owned());
    }
    FieldKind::MultipleAttachments { storage, max_files: field.max_files.unwrap_or(DEFAULT_MAX_FILES) }
}

/// Attachments are written through the files API, not as record values.
pub(super) fn written_directly() -> ValueProblem {
    ValueProblem::new("read_only", "attachments are uploaded through the files API")
}

fn is_mime_pattern(pattern: &str) -> bool {
    let token = |part: &str| {
        !part.is_empty()
            && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'))
    };
    match pattern.split_once('/') {
        Some(("*", "*")) => true,
        Some((family, "*")) => token(family),
        Some((family, subtype)) => token(family) && token(subtype),
        None => false,
    }
}
