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

/// Every use of a token is audited (not once a minute): N requests → N `api_token.used` entries,
/// each naming the token by id (never its secret) and the route it called.
#[tokio::test]
async fn every_use_of_a_token_is_audited_with_its_route() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let provider = app.with_provider("p9@tokens.test").await;
    let made = make_token(
        &app,
        &operator,
        json!({"name": "audited", "scopes": ["providers:read", "events:read"]}),
    )
    .await;
    let token = made["token"].as_str().expect("token");
    let id = made["id"].as_str().expect("id");
    for _ in 0..3 {
        app.get_as(token, &profile(&provider.id))
            .await
            .assert_status(StatusCode::OK);
    }
    for _ in 0..2 {
        app.get_as(token, "/api/v1/events")
            .await
            .assert_status(StatusCode::OK);
    }
    // A refused use (no scope for the route) is no use.
    app.get_as(token, "/api/v1/me")
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let audit = app.audit_log(&operator, "limit=200").await;
    assert!(!audit.body.to_string().contains(token));
    let uses: Vec<Value> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == "api_token.used")
        .cloned()
        .collect();
    assert_eq!(uses.len(), 5, "{uses:#?}");
    assert!(uses
        .iter()
        .all(|e| e["subject"] == id && e["detail"]["token"] == id));
    let routes = |r: &str| uses.iter().filter(|e| e["detail"]["route"] == r).count();
    assert_eq!(routes("GET /api/v1/review/providers/{account_id}"), 3);
    assert_eq!(routes("GET /api/v1/events"), 2);
    // `last_used_at` follows every use too.
    let list = app.get_as(&operator, TOKENS).await;
    assert!(list.body["items"][0]["last_used_at"].is_string());
}

/// An admin oversees every staff token: `?all=true` lists them with their owners, and an admin
/// revokes a colleague's token (audited: whose, and who revoked it); the console page shows the
/// colleagues' tokens with a revoke button. An operator sees and revokes only its own; a
/// provider only its own, and never `all`.
#[tokio::test]
async fn an_admin_sees_and_revokes_colleagues_tokens() {
    use berth::domain::account::Role;
    let app = spawn_app().await;
    let admin = app.staff("admin@tokens.test", &[Role::Admin]).await;
    let operator = app.with_operator().await;
    let provider = app.with_provider("p10@tokens.test").await;
    let theirs = make_token(
        &app,
        &operator,
        json!({"name": "operator sync", "scopes": ["events:read"]}),
    )
    .await;
    let mine = make_token(
        &app,
        &admin,
        json!({"name": "admin own", "scopes": ["events:read"]}),
    )
    .await;
    make_token(
        &app,
        &provider.token,
        json!({"name": "provider sync", "scopes": ["events:read"]}),
    )
    .await;
    let (their_id, my_id) = (
        theirs["id"].as_str().expect("id").to_string(),
        mine["id"].as_str().expect("id").to_string(),
    );

    let all = app.get_as(&admin, &format!("{TOKENS}?all=true")).await;
    all.assert_status(StatusCode::OK);
    let items = all.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 2, "staff tokens only: {items:?}");
    let of_operator = items
        .iter()
        .find(|t| t["id"] == their_id.as_str())
        .expect("theirs");
    assert_eq!(of_operator["owner"]["email"], "operator@berth.test");
    assert!(!all
        .body
        .to_string()
        .contains(theirs["token"].as_str().unwrap_or("-")));
    // Without `all`, an admin own list is its own.
    let own = app.get_as(&admin, TOKENS).await;
    assert_eq!(own.body["items"].as_array().map(Vec::len), Some(1));
    // Others may not ask for everything.
    for who in [&operator, &provider.token] {
        let a = app.get_as(who, &format!("{TOKENS}?all=true")).await;
        a.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(a.code(), "forbidden");
    }
    let a = app.get_as(&admin, &format!("{TOKENS}?all=maybe")).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // An operator cannot revoke the admin's token.
    app.send(
        Method::DELETE,
        &format!("{TOKENS}/{my_id}"),
        Some(&operator),
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);

    // The console page lists the colleague's token with a revoke button, and revokes it.
    let page = app
        .raw(
            app.client
                .get(app.url("/console/tokens"))
                .header("cookie", format!("berth_session={admin}")),
        )
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.body.as_str().unwrap_or_default().to_string();
    let table = html
        .split_once(r#"id="colleague-tokens""#)
        .map(|(_, t)| t.split_once("</table>").map_or(t, |(t, _)| t))
        .expect("the colleagues' tokens");
    assert!(table.contains("operator sync") && table.contains("operator@berth.test"));
    assert!(!table.contains("admin own"));
    let revoke = format!("/console/tokens/{their_id}/revoke");
    assert!(table.contains(&format!(r#"href="{revoke}""#)), "{table}");
    let confirm = app
        .raw(
            app.client
                .get(app.url(&revoke))
                .header("cookie", format!("berth_session={admin}")),
        )
        .await;
    confirm.assert_status(StatusCode::OK);
    let text = confirm.body.as_str().unwrap_or_default();
    assert!(text.contains("operator@berth.test"));
    let csrf = text
        .split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .expect("csrf");
    let done = app
        .raw(
            app.client
                .post(app.url(&revoke))
                .form(&[("csrf_token", csrf.as_str())])
                .header("cookie", format!("berth_session={admin}")),
        )
        .await;
    done.assert_status(StatusCode::SEE_OTHER);
    let a = app
        .get_as(theirs["token"].as_str().expect("token"), "/api/v1/events")
        .await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    let list = app.get_as(&operator, TOKENS).await;
    assert_eq!(list.body["items"][0]["status"], "revoked");

    // Audited: who revoked whose.
    let audit = app.audit_log(&admin, "limit=200").await;
    let entry = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "api_token.revoked" && e["subject"] == their_id.as_str())
        .cloned()
        .expect("the revocation in the log");
    let admin_id = app.account_id(&admin).await;
    assert_eq!(entry["actor"], admin_id.as_str());
    assert_eq!(entry["detail"]["revoked_by"], admin_id.as_str());
    assert_eq!(
        entry["detail"]["owner"],
        app.account_id(&operator).await.as_str()
    );

    // The admin revokes through the API too; a provider's token is not a colleague's.
    let again = make_token(
        &app,
        &operator,
        json!({"name": "second", "scopes": ["events:read"]}),
    )
    .await;
    app.send(
        Method::DELETE,
        &format!("{TOKENS}/{}", again["id"].as_str().expect("id")),
        Some(&admin),
        None,
    )
    .await
    .assert_status(StatusCode::NO_CONTENT);
    let providers = app.get_as(&provider.token, TOKENS).await;
    let provider_token = providers.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    app.send(
        Method::DELETE,
        &format!("{TOKENS}/{provider_token}"),
        Some(&admin),
        None,
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
}

/// A password reset takes an account back: the tokens made before it stop working with the
/// sessions, and the confirming mail says so.
#[tokio::test]
async fn a_password_reset_revokes_the_accounts_tokens() {
    let app = spawn_app().await;
    let p = app.with_provider("reset@tokens.test").await;
    let made = make_token(
        &app,
        &p.token,
        json!({"name": "left by an intruder", "scopes": ["providers:read"]}),
    )
    .await;
    let token = made["token"].as_str().expect("token");
    app.get_as(token, &profile(&p.id))
        .await
        .assert_status(StatusCode::OK);

    let seen = app.mail_to("reset@tokens.test").len();
    app.request_password_reset("reset@tokens.test")
        .await
        .assert_status(StatusCode::ACCEPTED);
    let code = app.code_from_mail("reset@tokens.test", seen).await;
    app.reset_password("reset@tokens.test", &code, "a brand new passphrase")
        .await
        .assert_status(StatusCode::OK);

    app.get_as(token, &profile(&p.id))
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let fresh = app
        .login("reset@tokens.test", "a brand new passphrase")
        .await;
    let list = app.get_as(&fresh, TOKENS).await;
    list.assert_status(StatusCode::OK);
    assert!(
        list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| !t["revoked_at"].is_null()),
        "{:?}",
        list.body
    );
    let mail = app.wait_for_mail("reset@tokens.test", seen + 1).await;
    assert!(mail.contains("API"), "{mail}");
}
