//! What happens on the wire, tested over raw TCP where a client library would hide it: slow
//! clients, the connection limit, kept-alive connections after an early refusal, heads that are
//! too long, and `Idempotency-Key` that never outruns authentication.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{path, pdf, spawn_app, spawn_app_with, TestApp};

async fn connect(app: &TestApp) -> TcpStream {
    let addr = app.base.trim_start_matches("http://").to_string();
    TcpStream::connect(addr).await.expect("connect")
}

/// Reads one HTTP/1.1 response (head and a `Content-Length` body); `None` when the connection
/// was closed first.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())
                        .flatten()
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = stream.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let status = head.split(' ').nth(1)?.parse().ok()?;
            let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
            return Some((status, head.to_ascii_lowercase(), body));
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Whether the server closes the connection within `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(within, stream.read(&mut byte)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// Issue 9, hole 8: connections that never finished their headers stayed open forever.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = spawn_app_with(|c| c.header_read_timeout_secs = 1).await;
    let mut slow = connect(&app).await;
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .expect("write");
    let started = Instant::now();
    assert!(closed_within(&mut slow, Duration::from_secs(10)).await);
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A kept-alive connection left idle is closed too.
    let mut idle = connect(&app).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(read_response(&mut idle).await.map(|r| r.0), Some(200));
    assert!(closed_within(&mut idle, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn past_the_connection_limit_clients_wait_for_a_free_slot() {
    let app = spawn_app_with(|c| {
        c.max_connections = 2;
        c.header_read_timeout_secs = 3;
    })
    .await;
    let mut hogs = Vec::new();
    for _ in 0..2 {
        let mut s = connect(&app).await;
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .expect("write");
        hogs.push(s);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let quick = reqwest::Client::builder()
        .timeout(Duration::from_millis(700))
        .build()
        .expect("client");
    assert!(
        quick.get(app.url("/healthz")).send().await.is_err(),
        "a third connection is not served while two are held"
    );
    drop(hogs);
    let a = app.get("/healthz").await;
    a.assert_status(StatusCode::OK);
}

/// Issue 9, hole 9: a POST refused before its body arrived was answered, then the connection
/// closed without `Connection: close`, and the client's next request on it failed.
#[tokio::test]
async fn a_refused_post_leaves_the_kept_alive_connection_usable_or_says_close() {
    let app = spawn_app().await;
    // A small body sent after the head: read first, so the connection stays usable.
    let mut s = connect(&app).await;
    let body = br#"{"name": "x"}"#;
    s.write_all(
        format!(
            "POST /api/v1/provider/products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .expect("head");
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(body).await.expect("body");
    let (status, head, _) = read_response(&mut s).await.expect("answered");
    assert_eq!(status, 401);
    assert!(!head.contains("connection: close"), "{head}");
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("second request");
    assert_eq!(read_response(&mut s).await.map(|r| r.0), Some(200));

    // A large body left unread: the answer says the connection ends.
    let mut s = connect(&app).await;
    let size = 300 * 1024;
    s.write_all(
        format!(
            "POST /api/v1/me/enterprise/documents HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: {size}\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .expect("head");
    let (status, head, _) = read_response(&mut s).await.expect("answered");
    assert_eq!(status, 401);
    assert!(head.contains("connection: close"), "{head}");
}

/// Issue 9, hole 12: 414 and 431 came with empty bodies.
#[tokio::test]
async fn heads_that_are_too_long_get_the_error_shape() {
    let app = spawn_app().await;
    let a = app.storefront(&format!("q={}", "a".repeat(10_000))).await;
    a.assert_status(StatusCode::URI_TOO_LONG);
    assert_eq!(a.code(), "uri_too_long");
    assert!(a.body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));

    let mut req = app.client.get(app.url(path::STOREFRONT));
    for i in 0..80 {
        req = req.header(format!("x-filler-{i}"), "y");
    }
    let a = app.raw(req).await;
    a.assert_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert_eq!(a.code(), "headers_too_large");

    let a = app
        .raw(
            app.client
                .get(app.url("/help"))
                .header("x-big", "z".repeat(40 * 1024)),
        )
        .await;
    a.assert_status(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    assert!(
        a.body.as_str().is_some_and(|html| html.contains("<html")),
        "a page gets a page"
    );
}

/// Issue 9, hole 10: a POST with key K replayed its stored 201 after the session was deleted.
#[tokio::test]
async fn an_idempotent_replay_needs_a_live_session() {
    let app = spawn_app().await;
    let token = app.provider("replay@example.com").await;
    // The same bytes each time (a client library would pick a new boundary per request).
    let mut body =
        b"--b\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nbusiness_license\r\n\
        --b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"licence.pdf\"\r\n\
        Content-Type: application/pdf\r\n\r\n"
            .to_vec();
    body.extend_from_slice(&pdf());
    body.extend_from_slice(b"\r\n--b--\r\n");
    let upload = || {
        app.client
            .post(app.url(path::DOCUMENTS))
            .bearer_auth(&token)
            .header("idempotency-key", "upload-1")
            .header("content-type", "multipart/form-data; boundary=b")
            .body(body.clone())
    };
    let first = app.raw(upload()).await;
    first.assert_status(StatusCode::CREATED);
    let again = app.raw(upload()).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.body["id"], first.body["id"]);

    let out = app.logout(&token).await;
    out.assert_status(StatusCode::NO_CONTENT);
    let after = app.raw(upload()).await;
    after.assert_status(StatusCode::UNAUTHORIZED);
    assert!(after.headers.get("idempotent-replayed").is_none());
}

/// Issue 9, hole 7: `Idempotency-Key` buffered unauthenticated bodies up to 11 MB before
/// authentication and the body limit.
#[tokio::test]
async fn an_idempotency_key_holds_no_more_than_the_json_limit_before_authentication() {
    let app = spawn_app().await;
    let big = vec![b'a'; 5 * 1024 * 1024];
    let a = app
        .raw(
            app.client
                .post(app.url(path::ACCOUNTS))
                .header("idempotency-key", "big-1")
                .header("content-type", "application/json")
                .body(big.clone()),
        )
        .await;
    a.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "too_large");
    // With credentials that do not authenticate, the request is refused as it would be
    // without the key.
    let a = app
        .raw(
            app.client
                .post(app.url(path::DOCUMENTS))
                .bearer_auth("not-a-session")
                .header("idempotency-key", "big-2")
                .header("content-type", "multipart/form-data; boundary=x")
                .body(big),
        )
        .await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    let a = app
        .consult(json!({"name": "访客", "email": "v@example.com", "message": "你好"}))
        .await;
    a.assert_status(StatusCode::CREATED);
}

/// Found by the attacker's probe: requests whose clients hang up half-way (a reset right after
/// the request) could leave a transaction open on a pooled connection — cancelled after SQLite
/// began it, before the transaction was handed over — and then every write failed with
/// "database is locked" until a restart.
#[tokio::test]
async fn clients_that_hang_up_mid_request_leave_no_transaction_open() {
    let app = spawn_app().await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut tasks = Vec::new();
    for t in 0..20u64 {
        let addr = addr.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..8u64 {
                let Ok(mut s) = TcpStream::connect(&addr).await else { continue };
                let body = format!(r#"{{"email":"hangup{t}-{i}@example.com"}}"#);
                let req = format!(
                    "POST /api/v1/password-resets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(req.as_bytes()).await;
                tokio::time::sleep(Duration::from_micros((t * 7 + i * 13) % 4000)).await;
                // A linger of zero resets the connection at once (it never blocks; a positive
                // linger is what tokio deprecates).
                #[allow(deprecated)]
                let _ = s.set_linger(Some(Duration::ZERO));
                drop(s);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let a = app
        .consult(json!({"name": "访客", "email": "after@example.com", "message": "还能写吗"}))
        .await;
    a.assert_status(StatusCode::CREATED);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}
