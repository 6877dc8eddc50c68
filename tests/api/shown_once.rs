//! Forms whose answer shows a secret once (a new API token, a new webhook's secret, a rotated
//! webhook secret, a rotated integration key) are sent twice — a double click — with the same
//! one-time form address: the first makes the secret, the second makes nothing and is sent to
//! the list with a notice that the form was already sent.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{uscc, Answer, TestApp};
use crate::webhooks::{app_for_webhooks, register, Receiver};

async fn page(app: &TestApp, token: &str, path: &str) -> Answer {
    let req = app.client.get(app.url(path));
    app.raw(req.header("cookie", format!("berth_session={token}")))
        .await
}

async fn post(app: &TestApp, token: &str, path: &str, form: &[(&str, &str)]) -> Answer {
    let req = app.client.post(app.url(path)).form(form);
    app.raw(req.header("cookie", format!("berth_session={token}")))
        .await
}

fn html(a: &Answer) -> &str {
    a.body.as_str().unwrap_or_default()
}

/// The page's CSRF token and the one-time address of its form posting to `action`.
fn form_of(page: &Answer, action: &str) -> (String, String) {
    let text = html(page);
    let csrf = text
        .split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .expect("a csrf_token field");
    let start = format!(r#"action="{action}?once="#);
    let once = text
        .split_once(&start)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .unwrap_or_else(|| panic!("no one-time form posting to {action}: {text}"));
    (csrf, format!("{action}?once={once}"))
}

/// Posts the form of `on` that goes to `action` twice with the same one-time address: the first
/// answer shows the secret (200, not cached); the second is sent to `list` with the notice,
/// which the list then shows.
async fn sent_twice(
    app: &TestApp,
    token: &str,
    on: &str,
    action: &str,
    fields: &[(&str, &str)],
    list: &str,
) -> Answer {
    let shown = page(app, token, on).await;
    shown.assert_status(StatusCode::OK);
    let (csrf, address) = form_of(&shown, action);
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let first = post(app, token, &address, &form).await;
    first.assert_status(StatusCode::OK);
    let second = post(app, token, &address, &form).await;
    second.assert_status(StatusCode::SEE_OTHER);
    let location = second
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(location, format!("{list}?notice=form_already_sent"));
    let after = page(app, token, &location).await;
    assert!(
        html(&after).contains("此表单已提交过"),
        "no notice on {location}"
    );
    first
}

#[tokio::test]
async fn a_double_click_never_makes_a_second_secret() {
    let app = app_for_webhooks().await;
    let p = app
        .with_moved_in_provider("twice@example.com", "两次科技有限公司", &uscc(914))
        .await;
    let receiver = Receiver::start(0).await;

    // A token.
    sent_twice(
        &app,
        &p.token,
        "/provider/tokens",
        "/provider/tokens",
        &[
            ("name", "同步"),
            ("scopes", "events:read"),
            ("expiry", "30"),
        ],
        "/provider/tokens",
    )
    .await;
    let tokens = app.get_as(&p.token, "/api/v1/tokens").await;
    assert_eq!(tokens.body["items"].as_array().map(Vec::len), Some(1));

    // A webhook.
    sent_twice(
        &app,
        &p.token,
        "/provider/webhooks",
        "/provider/webhooks",
        &[("url", &receiver.url), ("event_types", "product.listed")],
        "/provider/webhooks",
    )
    .await;
    let hooks = app.get_as(&p.token, "/api/v1/webhooks").await;
    assert_eq!(hooks.body["items"].as_array().map(Vec::len), Some(1));

    // A webhook's secret rotated: once (the old secret keeps signing through one overlap).
    let (id, _) = register(&app, &p.token, &receiver.url, json!(["product.listed"])).await;
    let detail = format!("/provider/webhooks/{id}");
    let first = sent_twice(
        &app,
        &p.token,
        &detail,
        &format!("{detail}/rotate"),
        &[],
        &detail,
    )
    .await;
    assert!(html(&first).contains("whsec_"));
    let db = app.db().await;
    let rotated: (Option<String>,) =
        sqlx::query_as("SELECT previous_secret_enc FROM webhook_endpoints WHERE id = $1")
            .bind(&id)
            .fetch_one(&db)
            .await
            .expect("endpoint");
    assert!(rotated.0.is_some());
    let rotations: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'webhook.secret_rotated' AND subject = $1",
    )
    .bind(&id)
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(rotations.0, 1);

    // The integration key.
    sent_twice(
        &app,
        &p.token,
        "/provider/info/integration",
        "/provider/info/integration",
        &[],
        "/provider/info/integration",
    )
    .await;
    let key = app
        .get_as(&p.token, "/api/v1/provider/integration-key")
        .await;
    assert_eq!(key.body["key"]["version"], 1);
}
