//! The main job: a config file in, an app out.
//!
//! ```sh
//! cargo run --example serve -- examples/apps/crm.json         # migrate, then serve on 127.0.0.1:8080
//! cargo run --example serve -- check examples/apps/crm.json   # every problem, or a summary
//! cargo run --example serve -- schema                         # the JSON Schema of the format
//! cargo run --example serve -- plan examples/apps/crm.json    # the migration plan, not applied
//! OMNERA_ADMIN_PASSWORD=… cargo run --example serve -- create-admin examples/apps/crm.json --email ann@example.com
//! cargo run --example serve -- secrets generate-key                 # a key for OMNERA_SECRET_KEY
//! printf %s "$PASSWORD" | cargo run --example serve -- secrets set smtp-password examples/apps/crm.json
//! ```
//!
//! `{"secret": "name"}` references in the config are read from the vault in the database, opened
//! with the key in `OMNERA_SECRET_KEY` (or the file `OMNERA_SECRET_KEY_FILE` names).
//!
//! The database is `--database URL`, else `OMNERA_DATABASE_URL`, else a SQLite file named after
//! the config (`crm.json` → `sqlite://crm.db`) in the current directory.
//!
//! `check` prints one problem per line as `<path>: <message> [<code>]` and exits with code 2 when
//! the config has problems, 0 when it is valid.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use omnera::accounts::ensure_admin;
use omnera::automation::MailConnections;
use omnera::automation::connections::LiveChecks;
use omnera::backend::{LogMailer, Storage};
use omnera::config::load_schema;
use omnera::http::{
    ApiOptions, AppRouter, ConnectionLimits, CorsOrigins, ForwardedHeader, ObjectStoreBlobs, RateLimit,
    TrustedProxies,
};
use omnera::secrets::Vault;
use omnera::sql::SqlStorage;
use omnera::{App, Config, Schema};
use tracing_subscriber::EnvFilter;

#[path = "serve/secrets.rs"]
mod secrets;
#[path = "serve/start_up.rs"]
mod start_up;

// Rows are decoded on sqlx's SQLite worker threads and freed on tokio's, and SQLite allocates
// from C: under glibc's malloc a quarter of a list request went to cross-thread frees and arena
// locks. mimalloc serves Rust (global allocator) and, with its `override` feature, SQLite too.
// The allocator is the host binary's choice; the library does not set one.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for a config with problems.
const INVALID_CONFIG: u8 = 2;

#[derive(Parser)]
#[command(about = "Run an Omnera app from its config file", args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

/// Serving an app: `serve app.json [--database URL] [--files DIR] [--bind ADDRESS]
/// [--cors-origin ORIGIN].. [--rate-limit N] [--public-origin URL] [--header-read-timeout 10s]
/// [--idle-timeout 75s] [--max-connections 1000] [--trusted-proxy NETWORK].. [--forwarded-header H]`.
#[derive(clap::Args)]
struct RunArgs {
    /// The config file (.json, .yaml, .yml or .toml).
    config: Option<PathBuf>,
    /// The database URL (default: a SQLite file named after the config).
    #[arg(long, env = "OMNERA_DATABASE_URL")]
    database: Option<String>,
    /// Where attachments are kept.
    #[arg(long, env = "OMNERA_FILES_DIR", default_value = "files")]
    files: PathBuf,
    /// The address to listen on.
    #[arg(long, env = "OMNERA_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// An origin browsers may call the API from (CORS); repeat for several, or comma-separate.
    #[arg(long = "cors-origin", env = "OMNERA_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// Requests per second allowed per client address (bursts of twice as many); off unless set.
    #[arg(long, env = "OMNERA_RATE_LIMIT")]
    rate_limit: Option<NonZeroU32>,
    /// The origin browsers reach the app at (`https://app.example.com`), for OAuth callback
    /// URLs; without it they are made from each request's Host.
    #[arg(long, env = "OMNERA_PUBLIC_ORIGIN")]
    public_origin: Option<String>,
    /// A reverse proxy (an address, or a network such as 10.0.0.0/8) whose word on the client's
    /// address is believed; repeat for several, or comma-separate. None unless set.
    #[arg(long = "trusted-proxy", env = "OMNERA_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<String>,
    /// The header trusted proxies name the client in: x-forwarded-for or forwarded (RFC 7239).
    #[arg(long, env = "OMNERA_FORWARDED_HEADER", default_value = "x-forwarded-for", value_parser = ["x-forwarded-for", "forwarded"])]
    forwarded_header: String,
    /// How long a client has to send a request's headers before it is disconnected.
    #[arg(long, env = "OMNERA_HEADER_READ_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    header_read_timeout: Duration,
    /// How long a connection may stay open without a request in progress.
    #[arg(long, env = "OMNERA_IDLE_TIMEOUT", default_value = "75s", value_parser = humantime::parse_duration)]
    idle_timeout: Duration,
    /// How many connections may be open at once (keep it below `ulimit -n`).
    #[arg(long, env = "OMNERA_MAX_CONNECTIONS", default_value_t = 1000)]
    max_connections: usize,
    /// Who may read /api/openapi.json: `everyone` (the whole document), `permitted` (each
    /// caller the tables and operations it may use) or `admins`.
    #[arg(long, env = "OMNERA_OPENAPI", default_value = "permitted")]
    openapi: omnera::http::OpenApiAccess,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a config and print every problem, or a summary when it is valid.
    Check {
        /// The config file (.json, .yaml, .yml or .toml).
        config: PathBuf,
    },
    /// Print the JSON Schema of the config format.
    Schema,
    /// Print the steps that would bring the database to the config, without running them.
    Plan {
        /// The config file.
        config: PathBuf,
        /// The database URL: sqlite://FILE, sqlite::memory: or postgres://..
        #[arg(long, env = "OMNERA_DATABASE_URL")]
        database: Option<String>,
    },
    /// Manage the secret vault: generate-key, set, list, delete, rotate-key.
    Secrets {
        #[command(subcommand)]
        command: secrets::SecretsCommand,
    },
    /// Create an admin account (its address counts as verified) unless the address is taken.
    CreateAdmin {
        /// The config file.
        config: PathBuf,
        /// The admin's sign-in address.
        #[arg(long, env = "OMNERA_ADMIN_EMAIL")]
        email: String,
        /// The admin's password (prefer the environment variable over the command line).
        #[arg(long, env = "OMNERA_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        /// The database URL: sqlite://FILE or postgres://..
        #[arg(long, env = "OMNERA_DATABASE_URL")]
        database: Option<String>,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        return match cli.run.config.clone() {
            Some(config) => run(&config, cli.run).await,
            None => {
                eprintln!(
                    "usage: serve APP.json [--database URL] [--files DIR] [--bind ADDRESS], or serve --help"
                );
                ExitCode::from(INVALID_CONFIG)
            }
        };
    };
    match command {
        Command::Check { config } => check(&config),
        Command::Plan { config, database } => plan(&config, database).await,
        Command::CreateAdmin { config, email, password, database } => {
            create_admin(&config, &email, &password, database).await
        }
        Command::Secrets { command } => secrets::run(command).await,
        Command::Schema => {
            let schema = omnera::validate::format_json_schema();
            match serde_json::to_string_pretty(&schema) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("cannot print the schema: {error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn check(path: &Path) -> ExitCode {
    match load_schema(path) {
        Ok(schema) => {
            println!("{}", summary(&schema));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            println!("{errors}");
            eprintln!(
                "{}: {} problem{}",
                path.display(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            ExitCode::from(INVALID_CONFIG)
        }
    }
}

/// Migrates the database to the config, then serves the API until Ctrl-C.
async fn run(path: &Path, args: RunArgs) -> ExitCode {
    let config = match Config::from_path(path) {
        Ok(config) => config,
        Err(errors) => {
            println!("{errors}");
            return ExitCode::from(INVALID_CONFIG);
        }
    };
    let database_named = args.database.is_some();
    let url = args.database.unwrap_or_else(|| default_database_url(path));
    let storage = match SqlStorage::connect(&url).await {
        Ok(storage) => storage,
        Err(error) => {
            eprintln!("{url}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let blobs = match ObjectStoreBlobs::local(&args.files) {
        Ok(blobs) => blobs,
        Err(error) => {
            eprintln!("{}: {error}", args.files.display());
            return ExitCode::FAILURE;
        }
    };
    let key = match secrets::host_key() {
        Ok(key) => key,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let vault = key.map(|key| Vault::new(key, storage.clone()));
    let vault_key = vault.as_ref().map(Vault::key_fingerprint);
    // The automation runtime is not built yet: the app serves its API without automations.
    let mut builder = App::from_config(config)
        .with_storage(storage.clone())
        .with_accounts(storage)
        .with_blob_store(blobs)
        .with_mailer(LogMailer)
        // Auth emails go through the connection `auth.emailConnection` names (SMTP with the
        // `smtp` feature, or a mail API); without one, to the log.
        .with_connection_mailers(MailConnections::new())
        // POST /api/connections/{name}/check: http and stripe connections answer a cheap
        // authenticated request (storage and mail connections are checked by the app itself).
        .with_connection_checks(LiveChecks::new())
        .without_automations();
    if let Some(vault) = vault {
        builder = builder.with_vault(vault);
    }
    // Attachment fields may keep their files in a storage connection of their own (s3, gcs,
    // azure: each needs the omnera feature of its name; without it, such a field answers 503
    // and the log names the feature).
    let builder = builder.with_connection_blob_stores(omnera::http::StorageConnections::new());
    let built = builder.build().await;
    let app = match built {
        Ok(app) => app,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::from(INVALID_CONFIG);
        }
    };
    match (std::env::var("OMNERA_ADMIN_EMAIL"), std::env::var("OMNERA_ADMIN_PASSWORD"), app.account_store()) {
        (Ok(email), Ok(password), Some(accounts)) => {
            match ensure_admin(accounts.as_ref(), &email, &password).await {
                Ok(true) => println!("created the admin {email}"),
                Ok(false) => {}
                Err(error) => eprintln!("could not create the admin {email}: {error:?}"),
            }
        }
        (Ok(email), Err(_), _) => {
            eprintln!("OMNERA_ADMIN_EMAIL is {email} but OMNERA_ADMIN_PASSWORD is not set: no admin created");
        }
        _ => {}
    }
    let listener = match tokio::net::TcpListener::bind(args.bind).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {}: {error}", args.bind);
            return ExitCode::FAILURE;
        }
    };
    // The peer address feeds the per-address limit on failed sign-ins.
    let origins = match CorsOrigins::new(args.cors_origins.iter().map(String::as_str)) {
        Ok(origins) => origins,
        Err(error) => {
            eprintln!("--cors-origin: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut options = ApiOptions::default().allowing_origins(origins).showing_openapi_to(args.openapi);
    if let Some(per_second) = args.rate_limit {
        options = options
            .limiting_requests(RateLimit::new(per_second, per_second.saturating_add(per_second.get())));
    }
    if let Some(origin) = &args.public_origin {
        options = options.with_public_origin(origin);
    }
    match TrustedProxies::new(args.trusted_proxies.iter().map(String::as_str)) {
        Ok(proxies) if args.forwarded_header == "forwarded" => {
            options = options.trusting_proxies(proxies.reading(ForwardedHeader::Forwarded));
        }
        Ok(proxies) => options = options.trusting_proxies(proxies),
        Err(error) => {
            eprintln!("--trusted-proxy: {error}");
            return ExitCode::FAILURE;
        }
    }
    let limits = ConnectionLimits::default()
        .with_header_read_timeout(args.header_read_timeout)
        .with_idle_timeout(args.idle_timeout)
        .with_max_connections(args.max_connections);
    let start = start_up::StartUp {
        program: &std::env::args().next().unwrap_or_else(|| "serve".to_owned()),
        config: path,
        database: &url,
        database_named,
        files: &args.files,
        address: listener.local_addr().unwrap_or(args.bind),
        openapi: args.openapi,
        options: &options,
        limits: &limits,
        vault_key: vault_key.as_deref(),
    };
    print!("{}", start_up::text(app.schema(), &start, start_up::admin_exists(&app).await));
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = omnera::http::serve(listener, app.router_with(&options), limits, shutdown).await;
    app.shutdown();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn plan(path: &Path, database: Option<String>) -> ExitCode {
    let schema = match load_schema(path) {
        Ok(schema) => schema,
        Err(errors) => {
            println!("{errors}");
            return ExitCode::from(INVALID_CONFIG);
        }
    };
    let url = database.unwrap_or_else(|| default_database_url(path));
    let planned = match SqlStorage::connect(&url).await {
        Ok(storage) => storage.plan_schema(&schema).await,
        Err(error) => Err(error),
    };
    match planned {
        Ok(plan) if plan.is_empty() => {
            println!("{url} already matches {}", path.display());
            ExitCode::SUCCESS
        }
        Ok(plan) => {
            println!("{} step(s) for {url}:", plan.steps.len());
            for step in &plan.steps {
                let warning = if step.loses_data { "  [loses data: refused unless allowed]" } else { "" };
                println!("  {}{warning}", step.description);
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{url}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn create_admin(path: &Path, email: &str, password: &str, database: Option<String>) -> ExitCode {
    let url = database.unwrap_or_else(|| default_database_url(path));
    let storage = match SqlStorage::connect(&url).await {
        Ok(storage) => storage,
        Err(error) => {
            eprintln!("{url}: {error}");
            return ExitCode::FAILURE;
        }
    };
    match ensure_admin(&storage, email, password).await {
        Ok(true) => {
            println!("created the admin {email} in {url}");
            ExitCode::SUCCESS
        }
        Ok(false) => {
            eprintln!("an account with the address {email} exists in {url}; nothing changed");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("could not create the admin {email}: {error:?}");
            ExitCode::FAILURE
        }
    }
}

/// A SQLite file named after the config, in the current directory.
fn default_database_url(config: &Path) -> String {
    let stem = config.file_stem().and_then(|stem| stem.to_str()).unwrap_or("omnera");
    format!("sqlite://{stem}.db")
}

fn summary(schema: &Schema) -> String {
    let fields: usize = schema.tables().iter().map(|table| table.fields().len()).sum();
    let mut lines = vec![format!(
        "{}: valid — {} tables, {} fields, {} pages, {} automations, {} connections",
        schema.name(),
        schema.tables().len(),
        fields,
        schema.pages().len(),
        schema.automations().len(),
        schema.connections().len()
    )];
    for table in schema.tables() {
        let names: Vec<&str> = table.fields().iter().map(|field| field.name()).collect();
        lines.push(format!("  table {} ({})", table.name(), names.join(", ")));
    }
    lines.join("\n")
}
