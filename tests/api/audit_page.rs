//! The console's audit page reads as words: after flows of many kinds (a provider's whole
//! move-in, a rejection with reasons, finance's deposit, an API token made and used, a webhook,
//! a colleague invited and given other roles, a reason of the library, an export and a closure),
//! neither language shows a raw timestamp, an id, a JSON key, true/false, or "no longer exists"
//! for something that does.

use berth::domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::deposits::{pay, provider_owing, set_iot_deposit};
use crate::helpers::*;
use crate::pages::{html, Visitor};
use crate::staff::invitation_token;

/// The text a person reads in the audit table of `page` (tags and attributes left out).
fn table_text(page: &str) -> String {
    let start = page.find("<table").unwrap_or(0);
    let end = page[start..]
        .find("</table>")
        .map_or(page.len(), |e| start + e);
    let mut out = String::new();
    let mut in_tag = false;
    for c in page[start..end].chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#x2F;", "/").replace("&quot;", "\"")
}

/// The words of `text` (split at anything that is not a letter, digit, `_`, `-` or `:`).
fn words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == ':'))
        .filter(|w| !w.is_empty())
        .collect()
}

fn is_uuid(w: &str) -> bool {
    let parts: Vec<&str> = w.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_rfc3339(w: &str) -> bool {
    let b = w.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
}

fn is_snake_case(w: &str) -> bool {
    w.contains('_')
        && w.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// What a person should never read on the page, with the word that shows it.
fn raw_values(text: &str) -> Vec<String> {
    words(text)
        .into_iter()
        .filter(|w| {
            is_uuid(w)
                || is_rfc3339(w)
                || is_snake_case(w)
                || *w == "true"
                || *w == "false"
                || (w.len() >= 24 && w.chars().all(|c| c.is_ascii_hexdigit()))
        })
        .map(str::to_string)
        .collect()
}

/// Every row of the log on the console's audit page in `lang`, following the older pages.
async fn audit_pages(app: &TestApp, admin: &str, lang: &str) -> String {
    let mut v = Visitor::new(app);
    v.cookies.push(("berth_session".into(), admin.to_string()));
    v.cookies.push(("berth_lang".into(), lang.into()));
    let mut text = String::new();
    let mut path = "/console/audit".to_string();
    for _ in 0..20 {
        let page = v.get(&path).await;
        page.assert_status(StatusCode::OK);
        let body = html(&page).to_string();
        text.push_str(&table_text(&body));
        let Some(at) = body.find("before=") else {
            break;
        };
        let seq: String = body[at + "before=".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        path = format!("/console/audit?before={seq}");
    }
    text
}

#[tokio::test]
async fn the_audit_page_shows_every_detail_in_words() {
    let app = spawn_app_with(|c| {
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
    })
    .await;
    let op = app.with_operator().await;
    let admin = app.staff("admin@berth.test", &[Role::Admin]).await;
    let finance = app.staff("finance@berth.test", &[Role::Finance]).await;
    set_iot_deposit(&app, &admin, 100_000).await;
    let (token, id) = provider_owing(&app, &op, "words@example.com", 51).await;
    pay(&app, &finance, &id, 100_000, "BOC-1").await;

    // A rejection with a reason about a field.
    let (_, item) = app
        .with_submitted_provider("returned@example.com", "退回测试科技有限公司", &uscc(52))
        .await;
    app.reject(
        &op,
        &item,
        json!([{"field": "uscc", "message": "与执照不符"}]),
    )
    .await;
    app.post_as(
        &admin,
        "/api/v1/review/reasons",
        json!({"code": "seal_missing", "kind": "enterprise_verification", "field": "uscc",
               "text": {"zh-CN": "执照缺少公章。", "en": "The licence has no seal."}}),
    )
    .await
    .assert_status(StatusCode::CREATED);

    // An API token, made and used.
    let made = app
        .post_as(
            &op,
            "/api/v1/tokens",
            json!({"name": "CRM sync", "scopes": ["providers:read"]}),
        )
        .await;
    made.assert_status(StatusCode::CREATED);
    let secret = made.body["token"].as_str().expect("token").to_string();
    app.get_as(&secret, &format!("/api/v1/review/providers/{id}"))
        .await
        .assert_status(StatusCode::OK);
    let tokens = app.get_as(&op, "/api/v1/tokens").await;
    assert_eq!(
        tokens.body["items"][0]["status"], "active",
        "{:?}",
        tokens.body
    );

    // A webhook, registered and switched off.
    let hook = app
        .post_as(
            &op,
            "/api/v1/webhooks",
            json!({"url": "http://127.0.0.1:9/hook", "event_types": ["provider.suspended"]}),
        )
        .await;
    hook.assert_status(StatusCode::CREATED);
    let hook_id = hook.body["id"].as_str().expect("id").to_string();
    app.send(
        Method::PATCH,
        &format!("/api/v1/webhooks/{hook_id}"),
        Some(&op),
        Some(json!({"enabled": false})),
    )
    .await
    .assert_status(StatusCode::OK);

    // A colleague invited, joining, then given other roles.
    app.post_as(
        &admin,
        path::STAFF_INVITATIONS,
        json!({"email": "colleague@berth.test", "roles": ["admin"]}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let invitation = invitation_token(&app, "colleague@berth.test", 0).await;
    let joined = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": invitation, "password": PASSWORD}),
        )
        .await;
    joined.assert_status(StatusCode::CREATED);
    let colleague = joined.body["id"].as_str().expect("id").to_string();
    app.send(
        Method::PATCH,
        &path::staff(&colleague),
        Some(&admin),
        Some(json!({"roles": ["reviewer"]})),
    )
    .await
    .assert_status(StatusCode::OK);

    // The provider takes its data and leaves.
    app.get_as(&token, "/api/v1/me/export")
        .await
        .assert_status(StatusCode::OK);
    app.close_account(&token)
        .await
        .assert_status(StatusCode::ACCEPTED);

    for lang in ["zh-CN", "en"] {
        let text = audit_pages(&app, &admin, lang).await;
        let raw = raw_values(&text);
        assert!(
            raw.is_empty(),
            "{lang}: raw values on the audit page: {raw:?}"
        );
        for gone in ["（已不存在）", "(no longer exists)"] {
            assert!(!text.contains(gone), "{lang}: {gone} on the audit page");
        }
        assert!(text.contains("CRM sync"), "{lang}: the token is not named");
        assert!(
            text.contains("http://127.0.0.1:9/hook"),
            "{lang}: the webhook is not named"
        );
    }
    let en = audit_pages(&app, &admin, "en").await;
    for words in [
        "Roles before",
        "Administrator",
        "Reviewer",
        "Stops working",
        "Personal data erased after",
        "Credit code",
        "Invited by",
    ] {
        assert!(en.contains(words), "{words} missing from the audit page");
    }
    app.stop().await;
}
