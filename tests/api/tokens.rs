//! API tokens for machines: made with scopes and shown once, stored hashed, listed without the
//! token, revoked; a token opens only the routes that need one of its scopes, a provider's token
//! only its own data; expired and revoked tokens are 401; uses are audited.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{captured_log, spawn_app, TestApp};

const TOKENS: &str = "/api/v1/tokens";

fn profile(account_id: &str) -> String {
    format!("/api/v1/review/providers/{account_id}")
}

async fn make_token(app: &TestApp, session: &str, body: Value) -> Value {
    let a = app.post_as(session, TOKENS, body).await;
    a.assert_status(StatusCode::CREATED);
    a.body
}

#[tokio::test]
async fn an_operator_token_is_shown_once_stored_hashed_and_revocable() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let provider = app.with_provider("p1@tokens.test").await;

    let made = make_token(
        &app,
        &operator,
        json!({"name": "CRM sync", "scopes": ["providers:read", "events:read"]}),
    )
    .await;
    let token = made["token"].as_str().expect("token").to_string();
    let id = made["id"].as_str().expect("id").to_string();
    assert!(token.starts_with(&format!("berth_{id}_")), "{token}");
    assert_eq!(made["scopes"], json!(["events:read", "providers:read"]));
    assert_eq!(made["status"], "active");
    assert!(made["expires_at"].as_str().is_some(), "a default expiry");

    // Only the hash is stored.
    let stored: (String,) = sqlx::query_as("SELECT token_hash FROM api_tokens WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.db().await)
        .await
        .expect("row");
    assert_ne!(stored.0, token);
    assert_eq!(stored.0.len(), 64);

    // The list never shows the token.
    let list = app.get_as(&operator, TOKENS).await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.body["items"][0]["id"], id.as_str());
    assert!(!list.body.to_string().contains(&token));

    // The token reads a provider's profile (providers:read).
    let a = app.get_as(&token, &profile(&provider.id)).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["account_id"], provider.id.as_str());
    assert_eq!(a.body["move_in"], "in_progress");

    // Its use is audited by token id, never with the token.
    let audit = app.audit_log(&operator, "limit=200").await;
    let text = audit.body.to_string();
    assert!(text.contains("api_token.created") && text.contains("api_token.used"));
    assert!(!text.contains(&token));
    assert!(!captured_log().contains(&token), "the token is in the log");

    // Revoked: 401 from the next request on.
    let del = app
        .send(
            Method::DELETE,
            &format!("{TOKENS}/{id}"),
            Some(&operator),
            None,
        )
        .await;
    del.assert_status(StatusCode::NO_CONTENT);
    let a = app.get_as(&token, &profile(&provider.id)).await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    let again = app
        .send(
            Method::DELETE,
            &format!("{TOKENS}/{id}"),
            Some(&operator),
            None,
        )
        .await;
    again.assert_status(StatusCode::NOT_FOUND);
    let list = app.get_as(&operator, TOKENS).await;
    assert_eq!(list.body["items"][0]["status"], "revoked");
}

#[tokio::test]
async fn a_token_opens_only_routes_of_its_scopes() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let provider = app.with_provider("p2@tokens.test").await;
    let made = make_token(
        &app,
        &operator,
        json!({"name": "feed", "scopes": ["events:read"]}),
    )
    .await;
    let token = made["token"].as_str().expect("token");

    // A scope-aware route without the scope: 403 insufficient_scope.
    let a = app.get_as(token, &profile(&provider.id)).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "insufficient_scope");
    // A route that takes no token at all: 403, whatever the owner may do with a session.
    for path in [
        "/api/v1/me",
        "/api/v1/review/items",
        "/api/v1/tokens",
        "/api/v1/audit",
    ] {
        let a = app.get_as(token, path).await;
        a.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(a.code(), "insufficient_scope", "{path}");
    }
    let a = app
        .post_as(
            token,
            TOKENS,
            json!({"name": "more", "scopes": ["events:read"]}),
        )
        .await;
    assert_eq!(a.code(), "insufficient_scope");
    // Something shaped like a token that is none: 401.
    let fake = format!("berth_{}_{}", "0".repeat(32), "x".repeat(43));
    let a = app.get_as(&fake, &profile(&provider.id)).await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    let a = app.get_as("berth_nonsense", "/api/v1/me").await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    // Sessions pass scope-aware routes as before.
    app.get_as(&operator, &profile(&provider.id))
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn a_provider_token_reads_its_own_provider_only() {
    let app = spawn_app().await;
    let one = app.with_provider("one@tokens.test").await;
    let other = app.with_provider("other@tokens.test").await;
    let made = make_token(
        &app,
        &one.token,
        json!({"name": "mine", "scopes": ["providers:read"]}),
    )
    .await;
    assert_eq!(made["provider_id"], one.id.as_str());
    let token = made["token"].as_str().expect("token");
    app.get_as(token, &profile(&one.id))
        .await
        .assert_status(StatusCode::OK);
    app.get_as(token, &profile(&other.id))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The provider's own session reads its own profile, not another's.
    app.get_as(&one.token, &profile(&one.id))
        .await
        .assert_status(StatusCode::OK);
    app.get_as(&one.token, &profile(&other.id))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Its token list holds its own tokens only.
    let list = app.get_as(&other.token, TOKENS).await;
    assert_eq!(list.body["items"], json!([]));
}

#[tokio::test]
async fn bad_requests_name_their_field_and_expired_tokens_are_401() {
    let app = spawn_app().await;
    let provider = app.with_provider("p3@tokens.test").await;
    let a = app
        .post_as(
            &provider.token,
            TOKENS,
            json!({"name": "", "scopes": ["admin:everything"], "expires_at": "2001-01-01T00:00:00Z"}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    assert!(
        fields.contains(&("name".into(), "required".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("scopes".into(), "unknown_scope".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("expires_at".into(), "in_the_past".into())),
        "{fields:?}"
    );
    let a = app
        .post_as(
            &provider.token,
            TOKENS,
            json!({"name": "x", "scopes": ["events:read"], "expires_at": "2999-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(a.fields(), vec![("expires_at".into(), "too_far".into())]);
    let a = app
        .post_as(
            &provider.token,
            TOKENS,
            json!({"name": "x", "scopes": ["events:read"], "expires_at": "tomorrow"}),
        )
        .await;
    assert_eq!(a.fields(), vec![("expires_at".into(), "format".into())]);

    let made = make_token(
        &app,
        &provider.token,
        json!({"name": "short", "scopes": ["providers:read"]}),
    )
    .await;
    let token = made["token"].as_str().expect("token");
    app.get_as(token, &profile(&provider.id))
        .await
        .assert_status(StatusCode::OK);
    // 91 days later the default expiry (90 days) has passed.
    app.state.ctx.clock.advance(91 * 24 * 3600 * 1000);
    app.get_as(token, &profile(&provider.id))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let list = app.get_as(&provider.token, TOKENS).await;
    assert_eq!(list.body["items"][0]["status"], "expired");
}

#[tokio::test]
async fn staff_make_tokens_with_a_fresh_second_factor() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    // Long after the sign-in, the second factor is no longer fresh.
    app.state.ctx.clock.advance(10 * 60 * 1000);
    let a = app
        .post_as(
            &operator,
            TOKENS,
            json!({"name": "x", "scopes": ["events:read"]}),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "step_up_required");
    let a = app
        .post_as(
            &operator,
            TOKENS,
            json!({"name": "x", "scopes": ["events:read"], "second_factor_code": "000000"}),
        )
        .await;
    assert!(
        a.fields()
            .contains(&("second_factor_code".into(), "second_factor_wrong".into())),
        "{:?}",
        a.body
    );
}
