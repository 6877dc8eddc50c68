//! The webhook pages as a browser uses them: the console's for operators, the provider
//! backend's for providers (each refuses the other), the secret shown once on the answer to the
//! form, a refused address kept as typed, and the test button.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{uscc, Answer, TestApp};
use crate::webhooks::{app_for_webhooks, Receiver};

/// A page fetched with the session cookie of `token`.
async fn page(app: &TestApp, token: &str, path: &str) -> Answer {
    let req = app.client.get(app.url(path));
    app.raw(req.header("cookie", format!("berth_session={token}")))
        .await
}

/// A form posted with the session cookie and the page's CSRF token.
async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> Answer {
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf)];
    form.extend_from_slice(fields);
    let req = app.client.post(app.url(path)).form(&form);
    app.raw(req.header("cookie", format!("berth_session={token}")))
        .await
}

fn html(a: &Answer) -> &str {
    a.body.as_str().unwrap_or_default()
}

fn csrf_of(a: &Answer) -> String {
    html(a)
        .split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .expect("a csrf_token field")
}

#[tokio::test]
async fn operators_manage_marketplace_webhooks_in_the_console() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(0).await;
    let list = page(&app, &operator, "/console/webhooks").await;
    list.assert_status(StatusCode::OK);
    assert!(html(&list).contains(r#"href="/console/webhooks""#));
    let csrf = csrf_of(&list);

    // A refused address: 422, the error beside the field, the address kept as typed.
    let refused = post(
        &app,
        &operator,
        "/console/webhooks",
        &csrf,
        &[("url", "ftp://files.example.com/in"), ("event_types", "*")],
    )
    .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&refused).contains(r#"id="e-url""#));
    assert!(html(&refused).contains(r#"value="ftp://files.example.com/in""#));

    let made = post(
        &app,
        &operator,
        "/console/webhooks",
        &csrf,
        &[
            ("url", &receiver.url),
            ("event_types", "product.listed"),
            ("event_types", "provider.moved_in"),
        ],
    )
    .await;
    made.assert_status(StatusCode::OK);
    assert_eq!(
        made.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let secret = html(&made)
        .split_once(r#"value="whsec_"#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| format!("whsec_{v}"))
        .expect("the secret on the page");
    let hooks = app.get_as(&operator, "/api/v1/webhooks").await;
    let id = hooks.body["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_eq!(
        hooks.body["items"][0]["event_types"],
        json!(["product.listed", "provider.moved_in"])
    );

    let detail = page(&app, &operator, &format!("/console/webhooks/{id}")).await;
    detail.assert_status(StatusCode::OK);
    assert!(!html(&detail).contains(&secret), "the secret is shown once");
    let tested = post(
        &app,
        &operator,
        &format!("/console/webhooks/{id}/test"),
        &csrf,
        &[],
    )
    .await;
    tested.assert_status(StatusCode::SEE_OTHER);
    let got = receiver.wait_for("the test event", |g| !g.is_empty()).await;
    assert!(crate::webhooks::signed_by(
        &got[0].signature,
        &secret,
        &got[0].raw
    ));

    // Switched off from its page.
    let off = post(
        &app,
        &operator,
        &format!("/console/webhooks/{id}"),
        &csrf,
        &[("url", &receiver.url), ("event_types", "*")],
    )
    .await;
    off.assert_status(StatusCode::SEE_OTHER);
    let hook = app
        .get_as(&operator, &format!("/api/v1/webhooks/{id}"))
        .await;
    assert_eq!(hook.body["enabled"], false);
    assert_eq!(hook.body["event_types"], json!(["*"]));
}

#[tokio::test]
async fn each_side_has_its_own_webhook_pages() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let provider = app
        .with_approved_provider("pages@example.com", "页面科技有限公司", &uscc(921))
        .await;
    page(&app, &provider.token, "/provider/webhooks")
        .await
        .assert_status(StatusCode::OK);
    page(&app, &provider.token, "/console/webhooks")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    page(&app, &operator, "/provider/webhooks")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Not yet let into the backend: the page says what is still due.
    let newcomer = app.with_provider("early@example.com").await;
    let early = page(&app, &newcomer.token, "/provider/webhooks").await;
    early.assert_status(StatusCode::FORBIDDEN);
    assert!(html(&early).contains(r#"id="not-yet""#));
    // Someone else's webhook page is not found.
    let made = app
        .post_as(
            &operator,
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/x", "event_types": ["*"]}),
        )
        .await;
    let id = made.body["id"].as_str().expect("id");
    page(&app, &provider.token, &format!("/provider/webhooks/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
