//! Logging in and out, bearer and cookie sessions, CSRF.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{path, spawn_app, PASSWORD};

#[tokio::test]
async fn each_login_gets_a_new_token_and_logout_ends_only_that_session() {
    let app = spawn_app().await;
    let email = "two@example.com";
    let first = app.provider(email).await;
    let second = app.login(email, PASSWORD).await;
    assert_ne!(first, second);
    assert_eq!(first.len(), 43, "a 256-bit token, base64url");

    let a = app.logout(&first).await;
    a.assert_status(StatusCode::NO_CONTENT);
    app.me(&first).await.assert_status(StatusCode::UNAUTHORIZED);
    app.me(&second).await.assert_status(StatusCode::OK);

    // Only the token's hash is stored.
    let db = app.db().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM sessions")
        .fetch_all(&db)
        .await
        .expect("rows");
    assert_eq!(stored.len(), 1);
    assert!(!stored.contains(&second));
}

#[tokio::test]
async fn wrong_credentials_are_401_and_anonymous_requests_are_refused() {
    let app = spawn_app().await;
    app.provider("p@example.com").await;
    let a = app.try_login("p@example.com", "wrong password").await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "invalid_credentials");
    let a = app.try_login("nobody@example.com", PASSWORD).await;
    assert_eq!(a.code(), "invalid_credentials");
    let a = app.get(path::ME).await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "unauthenticated");
    app.me("not-a-token")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let a = app
        .raw(
            app.client
                .get(app.url(path::ME))
                .header("authorization", "Basic abc"),
        )
        .await;
    a.assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_down() {
    let app = spawn_app().await;
    app.provider("brute@example.com").await;
    for _ in 0..5 {
        let a = app.try_login("brute@example.com", "guess guess").await;
        a.assert_status(StatusCode::UNAUTHORIZED);
    }
    let a = app.try_login("brute@example.com", PASSWORD).await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.code(), "rate_limited");
    assert!(a.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn the_cookie_session_works_and_state_changes_need_the_csrf_token() {
    let app = spawn_app().await;
    let email = "cookie@example.com";
    app.provider(email).await;
    let resp = app
        .client
        .post(app.url(path::SESSIONS))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let set_cookie = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .expect("session cookie")
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let body: serde_json::Value = resp.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    let csrf = body["csrf_token"].as_str().expect("csrf");
    assert!(set_cookie.starts_with(&format!("berth_session={token};")));
    let cookie = format!("berth_session={token}");

    let me = app
        .raw(app.client.get(app.url(path::ME)).header("cookie", &cookie))
        .await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["csrf_token"], csrf);

    let a = app
        .raw(
            app.client
                .delete(app.url(path::CURRENT_SESSION))
                .header("cookie", &cookie),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "csrf_failed");
    let a = app
        .raw(
            app.client
                .delete(app.url(path::CURRENT_SESSION))
                .header("cookie", &cookie)
                .header("x-csrf-token", "0".repeat(64)),
        )
        .await;
    assert_eq!(a.code(), "csrf_failed");
    let a = app
        .raw(
            app.client
                .delete(app.url(path::CURRENT_SESSION))
                .header("cookie", &cookie)
                .header("x-csrf-token", csrf),
        )
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    assert!(a
        .headers
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("Max-Age=0")));
    // Bearer requests are exempt from the CSRF check (tested in every other test).
}
