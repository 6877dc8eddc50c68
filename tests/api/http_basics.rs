//! The conventions every endpoint shares: errors, request ids, limits, idempotency, health,
//! metrics, the OpenAPI document, and no secrets in the log.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{captured_log, path, spawn_app, PASSWORD};

#[tokio::test]
async fn broken_bodies_get_the_documented_errors() {
    let app = spawn_app().await;
    let url = app.url(path::ACCOUNTS);
    let a = app
        .raw(
            app.client
                .post(&url)
                .header("content-type", "application/json")
                .body("{\"email\": "),
        )
        .await;
    a.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), "malformed_request");

    let a = app
        .raw(
            app.client
                .post(&url)
                .header("content-type", "text/plain")
                .body("hello"),
        )
        .await;
    a.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(a.code(), "unsupported_media_type");

    let a = app
        .post(
            path::ACCOUNTS,
            json!({"email": "x@example.com", "password": PASSWORD, "admin": true}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("admin".to_string(), "unknown_field".to_string())]
    );

    let a = app
        .post(path::ACCOUNTS, json!({"email": 42, "password": PASSWORD}))
        .await;
    assert_eq!(
        a.fields(),
        vec![("email".to_string(), "invalid_type".to_string())]
    );

    let big = "x".repeat(2 * 1024 * 1024);
    let a = app
        .raw(
            app.client
                .post(&url)
                .header("content-type", "application/json")
                .body(big),
        )
        .await;
    a.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(a.code(), "too_large");
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape_with_a_request_id() {
    let app = spawn_app().await;
    let a = app.get("/api/v1/nothing-here").await;
    a.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "not_found");
    let id = a
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("request id")
        .to_string();
    assert_eq!(a.body["error"]["request_id"], id.as_str());

    let a = app.raw(app.client.put(app.url(path::ACCOUNTS))).await;
    a.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(a.code(), "method_not_allowed");

    // A request id sent by a proxy is kept.
    let a = app
        .raw(
            app.client
                .get(app.url("/healthz"))
                .header("x-request-id", "abc-123"),
        )
        .await;
    assert_eq!(
        a.headers.get("x-request-id").and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = spawn_app().await;
    app.get("/healthz").await.assert_status(StatusCode::OK);
    let r = app.get("/readyz").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(r.body["status"], "ready");
    app.register("m@example.com").await;
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("berth_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api/v1/accounts\""), "{text}");
    assert!(
        text.contains("berth_http_request_duration_seconds"),
        "{text}"
    );
    // The storefront's index is loaded once, at start (readiness waited for it); requests
    // afterwards do not load it again.
    assert!(text.contains("berth_storefront_reloads_total 1"), "{text}");
    app.storefront("").await.assert_status(StatusCode::OK);
    app.storefront("").await.assert_status(StatusCode::OK);
    let text = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("berth_storefront_reloads_total 1"), "{text}");
    assert!(text.contains("berth_storefront_products 0"), "{text}");
    assert!(text.contains("berth_storefront_generation 1"), "{text}");
}

/// Duplicates sent at once with one key: the key is taken before the request runs, so exactly
/// one of them does the work; the others answer `409 idempotency_key_in_progress` (or, once the
/// first has answered, its answer). They were each done when the key was only looked up (a
/// prober recorded ten deposit payments with one key). A refused request frees its key.
#[tokio::test]
async fn duplicates_sent_at_once_with_one_key_are_done_once() {
    let app = spawn_app().await;
    let p = app
        .with_moved_in_provider(
            "idem@race.test",
            "并发科技有限公司",
            &crate::helpers::uscc(41),
        )
        .await;
    let send = |body: serde_json::Value| {
        app.raw(
            app.client
                .post(app.url("/api/v1/provider/products"))
                .bearer_auth(&p.token)
                .header("idempotency-key", "race-1")
                .json(&body),
        )
    };
    // Refused: the key stays free for the corrected request.
    let mut bad = crate::products::product_form("并发", "iot");
    bad["name"] = json!("");
    send(bad)
        .await
        .assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let form = crate::products::product_form("并发", "iot");
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let request = app
            .client
            .post(app.url("/api/v1/provider/products"))
            .bearer_auth(&p.token)
            .header("idempotency-key", "race-1")
            .json(&form);
        tasks.push(tokio::spawn(async move { request.send().await }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        let sent = t.await.expect("task").expect("sent");
        answers.push(crate::helpers::Answer::read(sent).await);
    }
    let mut created = Vec::new();
    for a in &answers {
        match a.status {
            StatusCode::CREATED => created.push(a.body["id"].clone()),
            StatusCode::CONFLICT => {
                assert_eq!(a.code(), "idempotency_key_in_progress");
                assert_eq!(
                    a.headers.get("retry-after").and_then(|v| v.to_str().ok()),
                    Some("1")
                );
            }
            other => panic!("unexpected {other}: {:?}", a.body),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|id| *id == created[0]), "{created:?}");
    let db = app.db().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(n, 1, "duplicates were each done");
    // Afterwards every repeat is the first answer.
    let again = send(form).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.body["id"], created[0]);
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_answer() {
    let app = spawn_app().await;
    let send = |body: serde_json::Value| {
        app.raw(
            app.client
                .post(app.url(path::ACCOUNTS))
                .header("idempotency-key", "k-1")
                .json(&body),
        )
    };
    let first = send(json!({"email": "idem@example.com", "password": PASSWORD})).await;
    first.assert_status(StatusCode::CREATED);
    let again = send(json!({"email": "idem@example.com", "password": PASSWORD})).await;
    again.assert_status(StatusCode::CREATED);
    assert_eq!(again.body, first.body);
    assert_eq!(
        again
            .headers
            .get("idempotent-replayed")
            .and_then(|v| v.to_str().ok()),
        Some("true")
    );
    let other = send(json!({"email": "other@example.com", "password": PASSWORD})).await;
    other.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), "idempotency_key_reused");

    let db = app.db().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(n, 1);
    let mails = app.mail_to("idem@example.com");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mails.len() <= 1 && app.mail_to("idem@example.com").len() == 1);
}

#[tokio::test]
async fn the_openapi_document_matches_its_snapshot() {
    let app = spawn_app().await;
    let a = app.get("/api/v1/openapi.json").await;
    a.assert_status(StatusCode::OK);
    let served = serde_json::to_string_pretty(&a.body).expect("json") + "\n";
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/snapshots/openapi.json");
    if std::env::var("BERTH_UPDATE_SNAPSHOTS").is_ok() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, &served).expect("write snapshot");
    }
    let stored = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        stored == served,
        "the OpenAPI document changed; review it and run BERTH_UPDATE_SNAPSHOTS=1 cargo test openapi"
    );
    for path in [
        path::ACCOUNTS,
        path::ACTIVATE,
        path::ACTIVATION_CODES,
        path::SESSIONS,
        path::CURRENT_SESSION,
        path::ME,
        path::PASSWORD_RESETS,
        path::PASSWORD_RESET_CONFIRM,
        path::AUDIT,
    ] {
        assert!(a.body["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn no_password_token_or_code_reaches_the_log() {
    let app = spawn_app().await;
    let email = "secret@example.com";
    let token = app.provider(email).await;
    let code = crate::helpers::six_digit_code(&app.mail_to(email)[0]).expect("code");
    app.me(&token).await;
    app.try_login(email, "a wrong password 1").await;
    let log = captured_log();
    assert!(log.contains(path::ME), "the log is captured");
    assert!(!log.contains(PASSWORD));
    assert!(!log.contains("a wrong password 1"));
    assert!(!log.contains(&token));
    assert!(!log.contains(&format!("code={code}")) && !log.contains(&format!("\"{code}\"")));
}

#[tokio::test]
async fn mail_committed_before_a_crash_is_delivered_after_the_restart() {
    // The workflow commits the account and its outbox row; no worker runs, as if the process
    // died right after the commit.
    let dir = tempfile::tempdir().expect("tempdir");
    let app = spawn_app().await;
    let config = berth::config::Config {
        data_dir: dir.path().to_path_buf(),
        database_url: Some(app.database_url.clone()),
        ..berth::config::Config::default()
    };
    app.stop().await;
    let (db, key) = berth::app::open(&config).await.expect("open");
    let ctx = berth::app::context(&config, db.clone(), key.clone()).expect("context");
    berth::workflows::accounts::register(
        &ctx,
        berth::workflows::accounts::Registration {
            email: Some("later@example.com"),
            password: Some(PASSWORD),
            mobile: None,
            password_confirm: None,
        },
        berth::i18n::Lang::En,
        &berth::domain::client::Client::new(std::net::Ipv4Addr::LOCALHOST.into()),
    )
    .await
    .expect("registered");
    let pool = db.pool();
    let pending: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL")
        .fetch_one(pool)
        .await
        .expect("count");
    assert_eq!(pending, 1);
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_one(pool)
        .await
        .expect("payload");
    assert!(
        payload.starts_with("v1:"),
        "the queued message (it carries the code) is encrypted"
    );

    // After the restart the worker's first pass delivers it.
    let mailer = berth::mail::Mailer::from_config(&config).expect("mailer");
    assert_eq!(
        berth::mail::drain_once(&db, &key, &mailer)
            .await
            .expect("drain"),
        1
    );
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
        .expect("mail dir")
        .collect();
    assert_eq!(files.len(), 1);
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_one(pool)
        .await
        .expect("payload");
    assert_eq!(payload, "", "a delivered message's body is dropped");
    assert_eq!(
        berth::mail::drain_once(&db, &key, &mailer)
            .await
            .expect("drain"),
        0,
        "delivered once"
    );
}
