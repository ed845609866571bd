//! A real SMTP server on loopback for tests: the one `OMNERA_TEST_SMTP_PORT` and
//! `OMNERA_TEST_MAILDIR` name (`.ci/services.sh`'s `ensure_smtp`), or aiosmtpd (PyPI) started
//! here from `~/.cache/omnera/aiosmtpd` or the PATH, writing a maildir of its own. Outside CI a
//! missing server skips the test with one line saying how to enable it; under CI (`CI=true`) it
//! fails the test. Shared by omnera-automation's and the facade's tests (`#[path]`).
#![allow(dead_code, clippy::print_stderr, clippy::panic, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running server and the maildir it writes; a server started here stops when this is dropped.
pub(crate) struct SmtpServer {
    pub(crate) port: u16,
    pub(crate) maildir: PathBuf,
    started: Option<(Child, PathBuf)>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        if let Some((child, dir)) = &mut self.started {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The server, or `None` (after one line saying how to get one) outside CI.
pub(crate) fn start(test: &str) -> Option<SmtpServer> {
    let port = std::env::var("OMNERA_TEST_SMTP_PORT").ok().and_then(|port| port.parse::<u16>().ok());
    let maildir = std::env::var_os("OMNERA_TEST_MAILDIR").map(PathBuf::from);
    if let (Some(port), Some(maildir)) = (port, maildir) {
        wait_until_listening(test, port, None);
        return Some(SmtpServer { port, maildir, started: None });
    }
    let Some(python) = aiosmtpd_python() else {
        if std::env::var("CI").is_ok_and(|ci| ci == "true") {
            panic!(
                "{test}: no SMTP server: set OMNERA_TEST_SMTP_PORT and OMNERA_TEST_MAILDIR, or install aiosmtpd (CI must run the SMTP tests)"
            );
        }
        eprintln!(
            "skipping {test}: `python3 -m venv ~/.cache/omnera/aiosmtpd && ~/.cache/omnera/aiosmtpd/bin/pip install aiosmtpd`, or set OMNERA_TEST_SMTP_PORT and OMNERA_TEST_MAILDIR"
        );
        return None;
    };
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |t| t.as_nanos());
    let dir = std::env::temp_dir().join(format!("omnera-smtp-{}-{nanos}", std::process::id()));
    let maildir = dir.join("maildir");
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(maildir.join(sub)).expect("a maildir in the temp dir");
    }
    let port = free_port();
    let mut child = Command::new(python)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(&maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("aiosmtpd starts");
    wait_until_listening(test, port, Some(&mut child));
    Some(SmtpServer { port, maildir, started: Some((child, dir)) })
}

impl SmtpServer {
    /// The raw messages (headers and body, CRLF line ends) addressed to `to`, oldest first;
    /// waits up to ten seconds for at least `count` of them.
    pub(crate) fn messages_to(&self, to: &str, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut found: Vec<(std::time::SystemTime, String)> = ["new", "cur"]
                .iter()
                .flat_map(|sub| std::fs::read_dir(self.maildir.join(sub)).into_iter().flatten().flatten())
                .filter_map(|entry| {
                    let modified = entry.metadata().and_then(|meta| meta.modified()).ok()?;
                    Some((modified, std::fs::read_to_string(entry.path()).ok()?))
                })
                .filter(|(_, raw)| header(raw, "To").is_some_and(|value| value.contains(to)))
                .collect();
            found.sort();
            if found.len() >= count || Instant::now() > deadline {
                return found.into_iter().map(|(_, raw)| raw).collect();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The value of header `name` of a raw message (folded lines joined).
pub(crate) fn header(raw: &str, name: &str) -> Option<String> {
    let head = raw.split("\r\n\r\n").next().unwrap_or(raw).replace("\r\n", "\n");
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    unfolded.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim().to_owned())
    })
}

/// The body of a raw message, quoted-printable soft breaks undone.
pub(crate) fn body(raw: &str) -> String {
    let body = raw.replace("\r\n", "\n");
    let body = body.split_once("\n\n").map_or(body.as_str(), |(_, body)| body);
    body.replace("=\n", "")
}

fn wait_until_listening(test: &str, port: u16, mut child: Option<&mut Child>) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = child.as_mut().and_then(|child| child.try_wait().ok().flatten());
        if exited.is_some() || Instant::now() > deadline {
            panic!("{test}: the SMTP server on 127.0.0.1:{port} is not reachable");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn aiosmtpd_python() -> Option<PathBuf> {
    let cached =
        std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/omnera/aiosmtpd/bin/python"));
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .filter(|dir| dir.join("aiosmtpd").is_file())
        .map(|dir| dir.join("python3"));
    cached.into_iter().chain(on_path).find(|python| python.is_file() && has_aiosmtpd(python))
}

fn has_aiosmtpd(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
