//! What the `serve` example tells a new user when it starts the CRM sample: where the API and
//! its OpenAPI document are, and, while there is no admin, how to make one. Runs the built
//! example on a free loopback port with a database of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The `serve` example as this test's profile builds it (cargo builds it only if it changed).
/// With `--workspace`, its features are resolved as `cargo test --workspace` resolves them, so
/// the example that run built already is reused.
fn serve_binary() -> PathBuf {
    let mut build = Command::new(env!("CARGO"));
    build
        .args(["build", "--workspace", "--example", "serve", "--message-format", "json-render-diagnostics"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit());
    if !cfg!(debug_assertions) {
        build.arg("--release");
    }
    let output = build.output().unwrap();
    assert!(output.status.success(), "cargo build --example serve failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["reason"] == "compiler-artifact" && message["target"]["name"] == "serve")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the serve example's executable")
}

/// One start of `serve` on the CRM sample: its start-up output, its base URL, and its answer to
/// `GET /` once it listens.
struct Started {
    output: String,
    base: String,
    index: String,
}

fn start(binary: &Path, work: &Path, admin: Option<(&str, &str)>) -> Started {
    let config = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/crm.json");
    start_with(binary, work, &config, admin)
}

fn start_with(binary: &Path, work: &Path, config: &Path, admin: Option<(&str, &str)>) -> Started {
    let mut command = Command::new(binary);
    command
        .arg(config)
        .args(["--database", &format!("sqlite://{}", work.join("crm.db").display())])
        .args(["--files", &work.join("files").display().to_string()])
        .args(["--bind", "127.0.0.1:0"])
        .current_dir(work)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for variable in ["OMNERA_ADMIN_EMAIL", "OMNERA_ADMIN_PASSWORD", "OMNERA_DATABASE_URL", "OMNERA_BIND"] {
        command.env_remove(variable);
    }
    if let Some((email, password)) = admin {
        command.env("OMNERA_ADMIN_EMAIL", email).env("OMNERA_ADMIN_PASSWORD", password);
    }
    let mut child = Running(command.spawn().unwrap());
    let (lines, received) = mpsc::channel();
    for stream in [
        Box::new(child.0.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.0.stderr.take().unwrap()),
    ] {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
    }
    drop(lines);
    // A line names the address; the rest is printed before the first request is served.
    let mut output = Vec::new();
    let base = loop {
        let Ok(line) = received.recv_timeout(Duration::from_secs(60)) else {
            panic!("serve did not say where it listens:\n{}", output.join("\n"));
        };
        let base =
            line.split_whitespace().find(|word| word.starts_with("http://127.0.0.1:")).map(str::to_owned);
        output.push(line);
        if let Some(base) = base {
            break base;
        }
    };
    let address = base.trim_start_matches("http://").to_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !get(&address, "/health/live").starts_with("HTTP/1.1 200") {
        assert!(Instant::now() < deadline, "serve at {base} never became live");
        std::thread::sleep(Duration::from_millis(50));
    }
    let index = get(&address, "/");
    drop(child);
    output.extend(received.iter());
    Started { output: output.join("\n"), base, index }
}

/// A started server, stopped when dropped (a failed assertion included).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A GET over plain HTTP/1.1: the whole response, or nothing when nobody answers.
fn get(address: &str, path: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(address) else { return String::new() };
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_string(&mut response);
    }
    response
}

#[test]
fn serve_says_where_the_api_is_and_how_to_get_an_admin() {
    let binary = serve_binary();
    let work = std::env::temp_dir().join(format!("omnera_serve_start_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    let first = start(&binary, &work, None);
    let (output, base) = (&first.output, &first.base);
    for wanted in [
        format!("{base}/api/tables/{{table}}/records"),
        format!("{base}/api/openapi.json"),
        format!("{base}/health/live"),
        "companies, contacts, deals, activities".to_owned(),
        "5 pages, 5 automations".to_owned(),
        "admin UI (/_/)".to_owned(),
        "auth emails to the log: the config names no auth.emailConnection".to_owned(),
        "at most 1000 connections".to_owned(),
        "off       CORS (--cors-origin), the request limit per address (--rate-limit), trusted proxies"
            .to_owned(),
        work.join("crm.db").display().to_string(),
        "No admin account exists".to_owned(),
        "OMNERA_ADMIN_PASSWORD=... ".to_owned(),
        format!(
            "create-admin {}",
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/crm.json").display()
        ),
        "--email you@example.com".to_owned(),
        "OMNERA_ADMIN_EMAIL=you@example.com".to_owned(),
    ] {
        assert!(output.contains(&wanted), "the start-up output lacks {wanted:?}:\n{output}");
    }
    assert!(first.index.starts_with("HTTP/1.1 200"), "GET / answers an index: {}", first.index);
    assert!(first.index.contains("\"/api/openapi.json\""), "the index links the document: {}", first.index);

    // Started with an admin's address and password, it makes the admin and stops telling how.
    let second = start(&binary, &work, Some(("admin@example.com", "a long enough password")));
    assert!(second.output.contains("created the admin admin@example.com"), "{}", second.output);
    assert!(second.output.contains("an admin account exists"), "{}", second.output);
    for gone in ["No admin account", "create-admin", "OMNERA_ADMIN_PASSWORD"] {
        assert!(!second.output.contains(gone), "{gone:?} is still said:\n{}", second.output);
    }

    // Later starts know the admin from the database.
    let third = start(&binary, &work, None);
    assert!(third.output.contains("an admin account exists"), "{}", third.output);
    assert!(!third.output.contains("create-admin"), "{}", third.output);

    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn serve_says_which_connection_sends_auth_emails() {
    let binary = serve_binary();
    let work = std::env::temp_dir().join(format!("omnera_serve_mail_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("club.json");
    std::fs::write(
        &config,
        r#"{"name": "Club",
        "connections": [{"type": "smtp", "name": "club-mail", "host": "127.0.0.1", "port": 2525,
                         "security": "none", "from": "Club <club@example.com>"}],
        "auth": {"signUp": "open", "emailConnection": "club-mail"}}"#,
    )
    .unwrap();
    let started = start_with(&binary, &work, &config, None);
    assert!(
        started.output.contains("mail      auth emails through connection club-mail (smtp)"),
        "{}",
        started.output
    );
    let _ = std::fs::remove_dir_all(&work);
}
