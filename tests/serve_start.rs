//! What the `serve` example tells a new user when it starts the CRM sample: where the API and
//! its OpenAPI document are, and, while there is no admin, how to make one; and how it keeps
//! an app's secrets in its vault without ever showing one. Runs the built example on a free
//! loopback port with a database of its own.

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

/// The CRM sample.
fn crm() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/apps/crm.json")
}

/// `serve` with `args`, in `work`, with `env` and none of the settings the test's own
/// environment may hold.
fn serve(binary: &Path, work: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(binary);
    command.args(args).current_dir(work).stdout(Stdio::piped()).stderr(Stdio::piped());
    for variable in [
        "OMNERA_ADMIN_EMAIL",
        "OMNERA_ADMIN_PASSWORD",
        "OMNERA_DATABASE_URL",
        "OMNERA_BIND",
        "OMNERA_SECRET_KEY",
        "OMNERA_SECRET_KEY_FILE",
    ] {
        command.env_remove(variable);
    }
    command.env("RUST_LOG", "warn").envs(env.iter().copied());
    command
}

/// Starts `serve` on `config`, with a database and files in `work`.
fn start(binary: &Path, work: &Path, config: &Path, env: &[(&str, &str)]) -> Started {
    let database = format!("sqlite://{}", work.join("crm.db").display());
    let files = work.join("files").display().to_string();
    let config = config.display().to_string();
    let args = [&*config, "--database", &database, "--files", &files, "--bind", "127.0.0.1:0"];
    let mut child = Running(serve(binary, work, &args, env).spawn().unwrap());
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

    let first = start(&binary, &work, &crm(), &[]);
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
        "the secret vault (OMNERA_SECRET_KEY".to_owned(),
        work.join("crm.db").display().to_string(),
        "No admin account exists".to_owned(),
        "OMNERA_ADMIN_PASSWORD=... ".to_owned(),
        format!("create-admin {}", crm().display()),
        "--email you@example.com".to_owned(),
        "OMNERA_ADMIN_EMAIL=you@example.com".to_owned(),
    ] {
        assert!(output.contains(&wanted), "the start-up output lacks {wanted:?}:\n{output}");
    }
    assert!(first.index.starts_with("HTTP/1.1 200"), "GET / answers an index: {}", first.index);
    assert!(first.index.contains("\"/api/openapi.json\""), "the index links the document: {}", first.index);

    // Started with an admin's address and password, it makes the admin and stops telling how.
    let admin =
        [("OMNERA_ADMIN_EMAIL", "admin@example.com"), ("OMNERA_ADMIN_PASSWORD", "a long enough password")];
    let second = start(&binary, &work, &crm(), &admin);
    assert!(second.output.contains("created the admin admin@example.com"), "{}", second.output);
    assert!(second.output.contains("an admin account exists"), "{}", second.output);
    for gone in ["No admin account", "create-admin", "OMNERA_ADMIN_PASSWORD"] {
        assert!(!second.output.contains(gone), "{gone:?} is still said:\n{}", second.output);
    }

    // Later starts know the admin from the database.
    let third = start(&binary, &work, &crm(), &[]);
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
    let started = start(&binary, &work, &config, &[]);
    assert!(
        started.output.contains("mail      auth emails through connection club-mail (smtp)"),
        "{}",
        started.output
    );
    let _ = std::fs::remove_dir_all(&work);
}

fn as_args(all: &[String]) -> Vec<&str> {
    all.iter().map(String::as_str).collect()
}

/// Runs `serve` with `args` to its end, `stdin` piped in; its exit status and all it printed.
fn run(binary: &Path, work: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> (bool, String) {
    let mut command = serve(binary, work, args, env);
    let mut child = command.stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    let printed =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), printed)
}

#[test]
fn serve_keeps_secrets_in_its_vault_and_never_shows_them() {
    const VALUE: &str = "smtp-pass-7f3a9c-never-shown";
    let binary = serve_binary();
    let work = std::env::temp_dir().join(format!("omnera_serve_secrets_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("mail.json");
    std::fs::write(
        &config,
        r#"{"name": "Mail", "tables": [{"id": 1, "name": "notes", "fields": [{"id": 1, "name": "body", "type": "long-text"}]}],
            "connections": [{"name": "mail", "type": "s3", "bucket": "notes", "accessKeyId": "crm",
            "secretAccessKey": {"secret": "s3-secret"}}]}"#,
    )
    .unwrap();
    let database = format!("sqlite://{}", work.join("crm.db").display());
    let on_database = |args: &[&'static str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
        all.extend([config.display().to_string(), "--database".to_owned(), database.clone()]);
        all
    };

    // Without a key the vault stays shut, and the app that needs it does not start.
    let (ok, printed) = run(&binary, &work, &as_args(&on_database(&["secrets", "list"])), &[], "");
    assert!(!ok && printed.contains("the vault needs its key: set OMNERA_SECRET_KEY"), "{printed}");
    let (ok, printed) = run(&binary, &work, &as_args(&on_database(&[])), &[], "");
    assert!(!ok, "{printed}");
    assert!(printed.contains("a secret vault is needed by connections[mail].secretAccessKey"), "{printed}");

    let (ok, key) = run(&binary, &work, &["secrets", "generate-key"], &[], "");
    assert!(ok, "{key}");
    let key = key.trim().to_owned();
    let with_key = [("OMNERA_SECRET_KEY", key.as_str())];

    // A missing secret is named; set from standard input, it is listed by name only.
    let (ok, printed) = run(&binary, &work, &as_args(&on_database(&[])), &with_key, "");
    assert!(!ok && printed.contains("the vault has no secret named s3-secret"), "{printed}");
    let (ok, printed) = run(
        &binary,
        &work,
        &as_args(&on_database(&["secrets", "set", "s3-secret"])),
        &with_key,
        &format!("{VALUE}\n"),
    );
    assert!(ok && printed.contains("set the secret s3-secret"), "{printed}");
    let (ok, listed) = run(&binary, &work, &as_args(&on_database(&["secrets", "list"])), &with_key, "");
    assert!(ok && listed.starts_with("s3-secret  set "), "{listed}");

    // Served with its key: the start-up text says the vault is open; nothing shows the value.
    let started = start(&binary, &work, &config, &[("OMNERA_SECRET_KEY", &key), ("RUST_LOG", "debug")]);
    assert!(
        started.output.contains("secrets   the vault in the database, opened with the key"),
        "{}",
        started.output
    );
    let address = started.base.trim_start_matches("http://");
    let answers: Vec<String> = ["/api/openapi.json", "/health/ready", "/api/tables/notes/records"]
        .into_iter()
        .map(|path| get(address, path))
        .collect();

    // With another key, the app is refused and told which key sealed the secret.
    let (ok, refused) =
        run(&binary, &work, &as_args(&on_database(&[])), &[("OMNERA_SECRET_KEY", &"ab".repeat(32))], "");
    assert!(!ok && refused.contains("the secret `s3-secret` was sealed with the key"), "{refused}");

    let mut stored = std::fs::read(work.join("crm.db")).unwrap();
    stored.extend(std::fs::read(work.join("crm.db-wal")).unwrap_or_default());
    for (what, text) in
        [("list", &listed), ("start-up and debug log", &started.output), ("refusal", &refused)]
            .into_iter()
            .chain(answers.iter().map(|answer| ("an answer", answer)))
    {
        assert!(!text.contains(VALUE), "the {what} shows the secret:\n{text}");
    }
    assert!(
        !stored.windows(VALUE.len()).any(|window| window == VALUE.as_bytes()),
        "the database holds it in clear"
    );
    let _ = std::fs::remove_dir_all(&work);
}

#[test]
fn serve_refuses_a_cors_origin_that_could_never_match() {
    let binary = serve_binary();
    let work = std::env::temp_dir().join(format!("omnera_serve_cors_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let crm = crm().display().to_string();
    let database = format!("sqlite://{}", work.join("crm.db").display());
    let args = [&*crm, "--database", &database, "--bind", "127.0.0.1:0", "--cors-origin", "app.example.com"];
    let (ok, printed) = run(&binary, &work, &args, &[], "");
    assert!(!ok, "before, the origin was dropped without a word and CORS stayed off: {printed}");
    assert!(printed.contains("--cors-origin: `app.example.com` is not an origin"), "{printed}");
    let _ = std::fs::remove_dir_all(&work);
}
