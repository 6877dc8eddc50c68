//! The binary as an operator uses it: serve (banner, SIGTERM), user add, backup, bad config.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::helpers::berth_bin;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// One request on a fresh connection: the status line and the body.
fn http_get(port: u16, path: &str) -> std::io::Result<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes())?;
    let mut out = String::new();
    std::io::Read::read_to_string(&mut s, &mut out)?;
    Ok(out)
}

/// Starts `berth serve` on a fresh data directory and waits until it answers.
fn serve(dir: &std::path::Path, port: u16, env: &[(&str, &str)]) -> std::process::Child {
    let mut child = berth_bin()
        .args([
            "--data-dir",
            dir.to_str().expect("utf-8"),
            "serve",
            "--listen",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .envs(env.iter().copied())
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while http_get(port, "/healthz").is_err() {
        assert!(Instant::now() < deadline, "serve did not start");
        assert!(child.try_wait().expect("wait").is_none(), "serve exited");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// Issue 12: on SIGTERM a load balancer must stop sending before the process goes away. Now
/// `/readyz` answers 503 at once, requests are still served for `shutdown_grace_secs`, a request
/// in flight finishes with its answer, and the process then exits.
#[test]
fn on_sigterm_readiness_drops_at_once_and_in_flight_requests_finish() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut child = serve(dir.path(), port, &[("BERTH_SHUTDOWN_GRACE_SECS", "2")]);
    assert!(http_get(port, "/readyz")
        .expect("readyz")
        .starts_with("HTTP/1.1 200"));

    // A request in flight: its head is sent, its body trickles in across the SIGTERM.
    let body = br#"{"email": "inflight@example.com"}"#;
    let mut slow = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    slow.write_all(
        format!(
            "POST /api/v1/password-resets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .expect("head");
    slow.write_all(&body[..5]).expect("part of the body");

    let terminated = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let mut readiness = String::new();
    while Instant::now() - terminated < Duration::from_millis(1500) {
        readiness = http_get(port, "/readyz").expect("still served during the grace period");
        if readiness.starts_with("HTTP/1.1 503") {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(readiness.starts_with("HTTP/1.1 503"), "{readiness}");
    assert!(readiness.contains("shutting down"), "{readiness}");
    assert!(http_get(port, "/healthz")
        .expect("healthz")
        .starts_with("HTTP/1.1 200"));

    std::thread::sleep(Duration::from_millis(2500));
    slow.write_all(&body[5..]).expect("the rest of the body");
    let mut answer = String::new();
    std::io::Read::read_to_string(&mut slow, &mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        http_get(port, "/healthz").is_err(),
        "nothing listens afterwards"
    );
}

#[test]
fn serve_explains_the_first_admin_then_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let mut child = berth_bin()
        .args([
            "--data-dir",
            dir.path().to_str().expect("utf-8"),
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let mut banner = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        banner.push_str(&line);
        banner.push('\n');
        if line.contains("berth user add") {
            break;
        }
    }
    assert!(
        banner.contains(&format!("http://127.0.0.1:{port}")),
        "{banner}"
    );
    assert!(banner.contains("berth user add --email"), "{banner}");
    assert!(dir.path().join("berth.db").exists());
    assert!(dir.path().join("master.key").exists());

    let health = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut s| {
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
        let mut out = String::new();
        std::io::Read::read_to_string(&mut s, &mut out)?;
        Ok(out)
    });
    assert!(health.expect("healthz answers").starts_with("HTTP/1.1 200"));

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            assert!(exit.success(), "{exit:?}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn user_add_reads_the_password_from_stdin_and_backup_copies_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().to_str().expect("utf-8");
    let mut child = berth_bin()
        .args([
            "--data-dir",
            data,
            "user",
            "add",
            "--email",
            "Admin@Example.com",
            "--role",
            "admin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"a long admin password\n")
        .expect("write");
    let out = child.wait_with_output().expect("done");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Created a staff account admin@example.com")
            && stderr.contains("with the roles admin."),
        "{stderr}"
    );
    assert!(!stderr.contains("a long admin password"));

    // Granting a second role to the same account needs no password.
    let out = berth_bin()
        .args([
            "--data-dir",
            data,
            "user",
            "add",
            "--email",
            "admin@example.com",
            "--role",
            "operator",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("grant");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // `operator` is the former name of reviewer + finance.
    assert!(stderr.contains("Granted reviewer, finance"), "{stderr}");

    // Roles repeat or come as a list; an unknown one is refused before anything is written.
    let out = berth_bin()
        .args([
            "--data-dir",
            data,
            "user",
            "add",
            "--email",
            "admin@example.com",
            "--role",
            "reviewer,bogus",
        ])
        .stdin(Stdio::null())
        .output()
        .expect("bogus");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bogus"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A too-short password is refused with the field named.
    let mut child = berth_bin()
        .args([
            "--data-dir",
            data,
            "user",
            "add",
            "--email",
            "op@example.com",
            "--role",
            "operator",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"short\n")
        .expect("write");
    let out = child.wait_with_output().expect("done");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("password"));

    let copy = dir.path().join("backup");
    let out = berth_bin()
        .args(["--data-dir", data, "backup", copy.to_str().expect("utf-8")])
        .output()
        .expect("backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = berth_bin()
        .args([
            "--data-dir",
            data,
            "--database-url",
            &format!("sqlite://{}/berth.db", copy.display()),
            "audit",
            "verify",
        ])
        .output()
        .expect("verify the copy");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // Created, granted admin, then granted reviewer and finance (`operator`): one event each.
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 4 events"));

    // The backup is not overwritten.
    let out = berth_bin()
        .args(["--data-dir", data, "backup", copy.to_str().expect("utf-8")])
        .output()
        .expect("backup again");
    assert!(!out.status.success());
}

#[test]
fn a_bad_configuration_value_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("berth.toml");
    std::fs::write(&file, "session_ttl_hours = \"forever\"\n").expect("write");
    let out = berth_bin()
        .args(["--config", file.to_str().expect("utf-8"), "migrate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("session_ttl_hours"));

    let out = berth_bin()
        .env("BERTH_LISTEN", "nowhere")
        .args(["--data-dir", dir.path().to_str().expect("utf-8"), "migrate"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("listen"));

    let out = berth_bin().args(["--help"]).output().expect("help");
    let help = String::from_utf8_lossy(&out.stdout);
    for cmd in [
        "serve", "migrate", "user", "audit", "storage", "jobs", "backup", "restore",
    ] {
        assert!(help.contains(cmd), "{help}");
    }
}
