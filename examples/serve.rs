//! The main job: a config file in, an app out.
//!
//! ```sh
//! cargo run --example serve -- check examples/apps/crm.json   # every problem, or a summary
//! cargo run --example serve -- schema                         # the JSON Schema of the format
//! ```
//!
//! `check` prints one problem per line as `<path>: <message> [<code>]` and exits with code 2 when
//! the config has problems, 0 when it is valid.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use omnera::{Schema, load_schema};

/// Exit code for a config with problems.
const INVALID_CONFIG: u8 = 2;

#[derive(Parser)]
#[command(about = "Run an Omnera app from its config file")]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Check { config } => check(&config),
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

fn check(path: &std::path::Path) -> ExitCode {
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
