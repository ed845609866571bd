//! What `serve` tells when it starts: where the API, its document and the health checks are,
//! where the data goes, its limits and which host settings are off, what of the config this
//! version does not serve, and, while the app has no admin, how to make one.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::Path;

use omnera::http::{ApiOptions, ConnectionLimits, OpenApiAccess};
use omnera::{App, Schema};

/// Where a started server keeps things and how it was started.
pub(crate) struct StartUp<'a> {
    /// The program as it was invoked, for commands to copy.
    pub(crate) program: &'a str,
    /// The config file.
    pub(crate) config: &'a Path,
    /// The database URL.
    pub(crate) database: &'a str,
    /// Whether the database was named (`--database`, `OMNERA_DATABASE_URL`), so that
    /// `create-admin` must be given it too.
    pub(crate) database_named: bool,
    /// The attachments' directory.
    pub(crate) files: &'a Path,
    /// The address the listener is bound to.
    pub(crate) address: SocketAddr,
    /// Who may read the OpenAPI document.
    pub(crate) openapi: OpenApiAccess,
    /// The router's options, to say which of them are off.
    pub(crate) options: &'a ApiOptions,
    /// The limits on connections.
    pub(crate) limits: &'a ConnectionLimits,
    /// The fingerprint of the secret vault's key, when the host gave one.
    pub(crate) vault_key: Option<&'a str>,
}

/// Whether the app has an admin who can sign in; `None` when that cannot be told.
pub(crate) async fn admin_exists(app: &App) -> Option<bool> {
    match app.account_store()?.has_admin().await {
        Ok(exists) => Some(exists),
        Err(error) => {
            eprintln!("could not tell whether an admin account exists: {error}");
            None
        }
    }
}

/// The lines `serve` prints once it listens.
pub(crate) fn text(schema: &Schema, start: &StartUp<'_>, admin: Option<bool>) -> String {
    let base = base_url(start.address);
    let every =
        if start.address.ip().is_unspecified() { " and on every address of this machine" } else { "" };
    let mut text = format!("{} is served at {base}{every}\n", schema.name());
    let records = format!("{base}/api/tables/{{table}}/records  ({})", tables(schema));
    line(&mut text, "records", &records);
    let shown = match start.openapi {
        OpenApiAccess::Admins => "  (to admins only)",
        OpenApiAccess::Permitted if schema.has_auth() => "  (each caller sees what it may use)",
        _ => "",
    };
    line(&mut text, "OpenAPI", &format!("{base}/api/openapi.json{shown}"));
    line(&mut text, "health", &format!("{base}/health/live, {base}/health/ready"));
    line(&mut text, "database", &database_place(start.database));
    line(&mut text, "files", &absolute(start.files));
    line(&mut text, "mail", &auth_emails(schema));
    line(&mut text, "access", &access(schema));
    let limits = start.limits;
    let connections = format!(
        "at most {} connections, headers within {}, closed after {} idle",
        limits.max_connections,
        humantime::format_duration(limits.header_read_timeout),
        humantime::format_duration(limits.idle_timeout)
    );
    line(&mut text, "limits", &connections);
    if let Some(key) = start.vault_key {
        line(&mut text, "secrets", &format!("the vault in the database, opened with the key {key}"));
    }
    if let Some(off) = switched_off(start) {
        line(&mut text, "off", &off);
    }
    line(&mut text, "not yet", &not_served(schema));
    match admin {
        Some(true) => {
            line(&mut text, "admin", "an admin account exists; sign in with POST /api/auth/sign-in");
        }
        Some(false) => text.push_str(&admin_instructions(start)),
        None => {}
    }
    text
}

/// Where auth emails (verification and reset codes) go.
fn auth_emails(schema: &Schema) -> String {
    match schema.auth().email_connection() {
        Some(name) => {
            let kind = schema.connection(name).map_or("?", |connection| connection.type_name());
            format!("auth emails through connection {name} ({kind})")
        }
        None => "auth emails to the log: the config names no auth.emailConnection".to_owned(),
    }
}

/// The host settings left off, each with the option that turns it on.
fn switched_off(start: &StartUp<'_>) -> Option<String> {
    let options = start.options;
    let mut off = Vec::new();
    if !options.allows_cross_origin() {
        off.push("CORS (--cors-origin)");
    }
    if options.rate_limit().is_none() {
        off.push("the request limit per address (--rate-limit)");
    }
    if options.trusted_proxies().is_empty() {
        off.push("trusted proxies (--trusted-proxy; see docs/deploy.md)");
    }
    if start.vault_key.is_none() {
        off.push("the secret vault (OMNERA_SECRET_KEY; `serve secrets --help`)");
    }
    (!off.is_empty()).then(|| off.join(", "))
}

fn line(text: &mut String, label: &str, value: &str) {
    let _ = writeln!(text, "  {label:<9} {value}");
}

/// The URL of the bound address; an unspecified address is reached on loopback.
fn base_url(address: SocketAddr) -> String {
    let mut address = address;
    if address.ip().is_unspecified() {
        address.set_ip(match address {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{address}")
}

/// The tables' names, the first few of them.
fn tables(schema: &Schema) -> String {
    const SHOWN: usize = 6;
    let names: Vec<&str> = schema.tables().iter().take(SHOWN).map(|table| table.name()).collect();
    match schema.tables().len() {
        0 => "the config has no tables".to_owned(),
        count if count > SHOWN => format!("{} and {} more", names.join(", "), count - SHOWN),
        _ => names.join(", "),
    }
}

/// Who may use the tables without signing in.
fn access(schema: &Schema) -> String {
    if !schema.has_auth() {
        return "open: the config has no auth section, so every caller may read and change every table"
            .to_owned();
    }
    let mut anonymous: Vec<&str> = Vec::new();
    for permission in schema.auth().permissions() {
        if permission.role() == "anonymous" && !anonymous.contains(&permission.table()) {
            anonymous.push(permission.table());
        }
    }
    if anonymous.is_empty() {
        "every table needs a signed-in user (anonymous callers get 401)".to_owned()
    } else {
        format!("anonymous callers may use {}; the other tables need a signed-in user", anonymous.join(", "))
    }
}

/// What the config has that this version does not serve.
fn not_served(schema: &Schema) -> String {
    let count = |number: usize, what: &str| format!("{number} {what}{}", if number == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if !schema.pages().is_empty() {
        parts.push(count(schema.pages().len(), "page"));
    }
    if !schema.automations().is_empty() {
        parts.push(count(schema.automations().len(), "automation"));
    }
    parts.push("the admin UI (/_/)".to_owned());
    format!("{}: not served by this version", parts.join(", "))
}

/// How to make the first admin, with this server's config and database.
fn admin_instructions(start: &StartUp<'_>) -> String {
    let database = if start.database_named {
        format!(" --database '{}'", redacted(start.database))
    } else {
        String::new()
    };
    format!(
        "No admin account exists yet. Make one with\n  \
         OMNERA_ADMIN_PASSWORD=... {program} create-admin {config}{database} --email you@example.com\n\
         or start with OMNERA_ADMIN_EMAIL=you@example.com OMNERA_ADMIN_PASSWORD=... set; then sign in with\n\
         POST /api/auth/sign-in {{\"email\", \"password\"}} and send Authorization: Bearer <token>\n",
        program = start.program,
        config = start.config.display(),
    )
}

/// Where the database is: a SQLite file's full path, or the URL without its password.
fn database_place(url: &str) -> String {
    let Some(rest) = url.strip_prefix("sqlite:") else { return redacted(url) };
    let file = rest.trim_start_matches("//");
    let file = file.split('?').next().unwrap_or(file);
    if file.is_empty() || file == ":memory:" {
        return format!("{url} (in memory: gone when the server stops)");
    }
    format!("{url} ({})", absolute(Path::new(file)))
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string()
}

/// The URL with its password, if it has one, as `***`.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else { return url.to_owned() };
    match rest[..at].split_once(':') {
        Some((user, _password)) => format!("{scheme}://{user}:***{}", &rest[at..]),
        None => url.to_owned(),
    }
}
