//! Versioned provider agreements (issue 15, item 2): admins publish a version; providers are
//! mailed in their language; before its day a provider is told (and may accept early), after it
//! a provider that has not accepted cannot submit products until it does; acceptances are kept
//! and audited; every version stays readable. Time moves with the test clock.

use berth::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const CURRENT: &str = "/api/v1/agreements/current";
const PUBLISH: &str = "/api/v1/review/agreements";
const ACCEPT: &str = "/api/v1/me/agreement";
const DAY_MS: i64 = 24 * 3_600_000;

fn product(name: &str) -> Value {
    json!({
        "name": name, "category": "iot", "service_type": "saas", "delivery": "download",
        "summary": "Fleet management for IoT devices",
        "description": "# Features\n\n- OTA updates",
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets and phone, 5×8", "warranty": "99.9% availability"}
    })
}

/// The day `days` after today in the marketplace's zone (the server's test clock), `YYYY-MM-DD`.
fn day_after(app: &TestApp, days: i64) -> String {
    let zone = berth::display::Zone::named("Asia/Shanghai").expect("zone");
    zone.date_field(app.state.ctx.clock.now_ms() + days * DAY_MS)
}

fn version_form(app: &TestApp, version: &str, in_days: i64) -> Value {
    json!({
        "version": version,
        "effective_at": day_after(app, in_days),
        "summary": "第 5 条：数据保存期限改为 3 年。Section 5: data kept for 3 years.",
        "text_markdown": {
            "zh-CN": format!("# 服务商协议（{version}）\n\n## 5. 数据\n\n数据保存 3 年。<script>alert(1)</script>"),
            "en": format!("# Service Provider Agreement ({version})\n\n## 5. Data\n\nData is kept for 3 years.")
        }
    })
}

/// Two live providers, `zh@<tag>.test` reading Chinese and `en@<tag>.test` English (credit
/// codes `n` and `n + 1`).
async fn zh_and_en(app: &TestApp, tag: &str, n: u32) -> (Provider, Provider) {
    let zh = app
        .with_moved_in_provider(&format!("zh@{tag}.test"), "甲公司", &uscc(n))
        .await;
    let en = app
        .with_moved_in_provider(&format!("en@{tag}.test"), "乙公司", &uscc(n + 1))
        .await;
    sqlx::query("UPDATE accounts SET lang = 'en' WHERE id = $1")
        .bind(&en.id)
        .execute(&app.db().await)
        .await
        .expect("english");
    (zh, en)
}

fn html(a: &Answer) -> &str {
    a.body.as_str().unwrap_or_default()
}

/// A draft product of `token`, its id.
async fn draft(app: &TestApp, token: &str, name: &str) -> String {
    let a = app.create_product(token, product(name)).await;
    a.assert_status(StatusCode::CREATED);
    a.body["id"].as_str().expect("id").to_string()
}

/// The audit events with `action` about `actor`.
async fn audited(app: &TestApp, staff: &str, action: &str, actor: &str) -> Vec<Value> {
    let a = app.audit_log(staff, "limit=200").await;
    a.assert_status(StatusCode::OK);
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == action && e["actor"] == actor)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_new_version_blocks_product_submission_after_its_day_until_accepted() {
    let app = spawn_app().await;
    let admin = app.staff("admin@agree.test", &[Role::Admin]).await;
    let (zh, en) = zh_and_en(&app, "agree", 151).await;

    // Today: the version that was a constant is version 2026-01, in force, and accepted by both
    // (their move-in applications accepted it).
    let current = app.get(CURRENT).await;
    current.assert_status(StatusCode::OK);
    assert_eq!(current.body["version"], "2026-01");
    assert_eq!(current.body["effective_at"], "2026-01-01");
    assert_eq!(current.body["status"], "in_force");
    assert!(current.body["text_markdown"]["zh-CN"]
        .as_str()
        .is_some_and(|t| t.starts_with("# 服务商协议")));
    let m = app.move_in(&zh.token).await;
    assert!(m.body.get("agreement").is_none(), "{:?}", m.body);

    let published = app
        .post_as(&admin, PUBLISH, version_form(&app, "2026-12", 2))
        .await;
    published.assert_status(StatusCode::CREATED);
    assert_eq!(published.body["status"], "upcoming");
    assert_eq!(published.body["effective_at"], day_after(&app, 2));

    // Every provider is mailed, in its language.
    let mail = app
        .wait_for_mail_containing("zh@agree.test", "2026-12")
        .await;
    assert!(mail.contains("服务商协议新版本"), "{mail}");
    assert!(mail.contains("数据保存期限改为 3 年"), "{mail}");
    let mail = app
        .wait_for_mail_containing("en@agree.test", "2026-12")
        .await;
    assert!(
        mail.contains("A new version of the provider agreement"),
        "{mail}"
    );

    // Before its day: told, and submissions still work.
    let m = app.move_in(&zh.token).await;
    assert_eq!(m.body["agreement"]["version"], "2026-12", "{:?}", m.body);
    assert_eq!(m.body["agreement"]["overdue"], false);
    assert_eq!(m.body["state"], "moved_in");
    let first = draft(&app, &zh.token, "早于生效日").await;
    app.submit_product(&zh.token, &first)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(app.get(CURRENT).await.body["version"], "2026-01");

    // Past its day: the new version is in force, the old one readable, submissions refused.
    app.state.ctx.clock.advance(3 * DAY_MS);
    let current = app.get(CURRENT).await;
    assert_eq!(current.body["version"], "2026-12");
    assert_eq!(current.body["status"], "in_force");
    let old = app.get("/api/v1/agreements/2026-01").await;
    old.assert_status(StatusCode::OK);
    assert_eq!(old.body["status"], "earlier");
    let m = app.move_in(&zh.token).await;
    assert_eq!(m.body["agreement"]["overdue"], true, "{:?}", m.body);
    let second = draft(&app, &zh.token, "晚于生效日").await;
    let refused = app.submit_product(&zh.token, &second).await;
    refused.assert_status(StatusCode::CONFLICT);
    assert_eq!(refused.code(), "agreement_not_accepted");

    // An old version cannot be accepted instead.
    let a = app
        .post_as(&zh.token, ACCEPT, json!({"version": "2026-01"}))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("version".to_string(), "agreement_outdated".to_string())]
    );
    let accepted = app
        .post_as(&zh.token, ACCEPT, json!({"version": "2026-12"}))
        .await;
    accepted.assert_status(StatusCode::OK);
    assert_eq!(accepted.body["version"], "2026-12");
    let again = app
        .post_as(&zh.token, ACCEPT, json!({"version": "2026-12"}))
        .await;
    again.assert_status(StatusCode::OK);
    assert_eq!(again.body["accepted_at"], accepted.body["accepted_at"]);
    app.submit_product(&zh.token, &second)
        .await
        .assert_status(StatusCode::OK);
    let m = app.move_in(&zh.token).await;
    assert!(m.body.get("agreement").is_none(), "{:?}", m.body);

    // Audited as the first acceptance is, once, and in the event feed.
    let op = app.with_operator().await;
    let events = audited(&app, &admin, "agreement.accepted", &zh.id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(
        events[0]["detail"].to_string().contains("2026-12"),
        "{events:?}"
    );
    let feed = app.get_as(&op, "/api/v1/events?limit=200").await;
    feed.assert_status(StatusCode::OK);
    let accepted_events: Vec<&Value> = feed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| {
            e["type"] == "agreement.accepted" && e["data"]["agreement_version"] == "2026-12"
        })
        .collect();
    assert_eq!(accepted_events.len(), 1, "{:?}", feed.body);

    // The other provider is still blocked.
    let other = draft(&app, &en.token, "其他").await;
    let refused = app.submit_product(&en.token, &other).await;
    assert_eq!(refused.code(), "agreement_not_accepted");
}

#[tokio::test]
async fn accepting_before_the_day_keeps_submissions_open() {
    let app = spawn_app().await;
    let admin = app.staff("admin@early.test", &[Role::Admin]).await;
    let p = app
        .with_moved_in_provider("early@agree.test", "丙公司", &uscc(153))
        .await;
    app.post_as(&admin, PUBLISH, version_form(&app, "2027-01", 1))
        .await
        .assert_status(StatusCode::CREATED);
    let a = app
        .post_as(&p.token, ACCEPT, json!({"version": "2027-01"}))
        .await;
    a.assert_status(StatusCode::OK);
    assert!(app.move_in(&p.token).await.body.get("agreement").is_none());
    app.state.ctx.clock.advance(2 * DAY_MS);
    assert_eq!(app.get(CURRENT).await.body["version"], "2027-01");
    let id = draft(&app, &p.token, "提前接受").await;
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn publishing_is_for_admins_and_every_bad_field_is_named() {
    let app = spawn_app().await;
    let admin = app.staff("admin@rules.test", &[Role::Admin]).await;
    let op = app.with_operator().await;
    let p = app.with_provider("p@rules.test").await;
    for token in [&op, &p.token] {
        let a = app
            .post_as(token, PUBLISH, version_form(&app, "2027-03", 5))
            .await;
        a.assert_status(StatusCode::FORBIDDEN);
    }
    let a = app
        .post_as(
            &admin,
            PUBLISH,
            json!({"version": "2025-13", "effective_at": day_after(&app, -1), "summary": " ",
                   "text_markdown": {"zh-CN": "x".repeat(100_001)}}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![
            ("version".to_string(), "invalid_version".to_string()),
            ("effective_at".to_string(), "date_in_past".to_string()),
            ("summary".to_string(), "required".to_string()),
            ("text_markdown.zh-CN".to_string(), "too_long".to_string()),
            ("text_markdown.en".to_string(), "required".to_string()),
        ]
    );
    let a = app
        .post_as(&admin, PUBLISH, version_form(&app, "2025-12", 5))
        .await;
    assert_eq!(
        a.fields(),
        vec![("version".to_string(), "version_not_newer".to_string())]
    );
    app.post_as(&admin, PUBLISH, version_form(&app, "2027-03", 5))
        .await
        .assert_status(StatusCode::CREATED);
    let a = app
        .post_as(&admin, PUBLISH, version_form(&app, "2027-04", 5))
        .await;
    assert_eq!(
        a.fields(),
        vec![("effective_at".to_string(), "not_after_latest".to_string())]
    );
    let a = app
        .post_as(&admin, PUBLISH, version_form(&app, "2027-03", 9))
        .await;
    assert_eq!(a.code(), "validation_failed");
    let a = app
        .post_as(&admin, PUBLISH, json!({"version": "2027-05", "extra": 1}))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing was half-written: 2027-03 is the only new version.
    let v = app.get("/api/v1/agreements/2027-04").await;
    v.assert_status(StatusCode::NOT_FOUND);
    let v = app.get("/api/v1/agreements/2027-03").await;
    v.assert_status(StatusCode::OK);
    assert_eq!(v.body["status"], "upcoming");
    let audit = audited(
        &app,
        &admin,
        "agreement.published",
        &app.account_id(&admin).await,
    )
    .await;
    assert_eq!(audit.len(), 1, "{audit:?}");
}

#[tokio::test]
async fn every_version_is_readable_as_a_page_with_its_text_rendered_safely() {
    let app = spawn_app().await;
    let admin = app.staff("admin@pages.test", &[Role::Admin]).await;
    app.post_as(&admin, PUBLISH, version_form(&app, "2026-12", 3))
        .await
        .assert_status(StatusCode::CREATED);
    for (path, needle) in [
        ("/agreements", "2026-12"),
        ("/agreements/2026-01", "服务商协议"),
        ("/agreements/2026-12?text=en", "Data is kept for 3 years."),
        ("/agreement", "2026-01"),
    ] {
        let a = app.raw(app.client.get(app.url(path))).await;
        a.assert_status(StatusCode::OK);
        assert!(html(&a).contains(needle), "{path}: {}", html(&a));
        assert!(!html(&a).contains("<script>alert"), "{path}");
    }
    let list = app.raw(app.client.get(app.url("/agreements"))).await;
    assert!(
        html(&list).contains("/agreements/2026-01"),
        "{}",
        html(&list)
    );
    let upcoming = app
        .raw(app.client.get(app.url("/agreements/2026-12")))
        .await;
    assert!(html(&upcoming).contains("数据保存期限改为 3 年"));
    for missing in [
        "/agreements/2020-01",
        "/agreements/nonsense",
        "/api/v1/agreements/2020-01",
    ] {
        let a = app.raw(app.client.get(app.url(missing))).await;
        a.assert_status(StatusCode::NOT_FOUND);
    }
}

/// The summary of changes may be published in both languages: each provider reads its own in
/// the mail and on the version's page; one text (the older form) still reaches everyone; a
/// summary object without one of its languages is refused naming it.
#[tokio::test]
async fn a_summary_in_both_languages_reaches_each_provider_in_its_own() {
    let app = spawn_app().await;
    let admin = app.staff("admin@summary.test", &[Role::Admin]).await;
    let (zh, en) = zh_and_en(&app, "summary", 153).await;

    let mut form = version_form(&app, "2026-12", 2);
    form["summary"] = json!({"zh-CN": "第 7 条：退款期限改为 14 天。"});
    let refused = app.post_as(&admin, PUBLISH, form.clone()).await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.field_names(), vec!["summary.en"]);

    form["summary"] = json!({"zh-CN": "第 7 条：退款期限改为 14 天。",
                             "en": "Section 7: refunds within 14 days."});
    let published = app.post_as(&admin, PUBLISH, form).await;
    published.assert_status(StatusCode::CREATED);
    assert_eq!(
        published.body["summary_texts"],
        json!({"zh-CN": "第 7 条：退款期限改为 14 天。", "en": "Section 7: refunds within 14 days."})
    );
    let mail = app
        .wait_for_mail_containing("zh@summary.test", "2026-12")
        .await;
    assert!(mail.contains("退款期限改为 14 天"), "{mail}");
    assert!(!mail.contains("refunds within"), "{mail}");
    let mail = app
        .wait_for_mail_containing("en@summary.test", "2026-12")
        .await;
    assert!(
        mail.contains("Section 7: refunds within 14 days."),
        "{mail}"
    );
    assert!(!mail.contains("退款期限"), "{mail}");
    // The page: in the reader's language.
    let page = |token: &str, lang: &str| {
        app.raw(app.client.get(app.url("/agreements/2026-12")).header(
            "cookie",
            format!("berth_session={token}; berth_lang={lang}"),
        ))
    };
    let shown = page(&en.token, "en").await;
    shown.assert_status(StatusCode::OK);
    assert!(html(&shown).contains("Section 7: refunds within 14 days."));
    let shown = page(&zh.token, "zh-CN").await;
    assert!(html(&shown).contains("退款期限改为 14 天"));
    assert!(!html(&shown).contains("refunds within"));

    // One text, as before: everyone reads it.
    let published = app
        .post_as(&admin, PUBLISH, version_form(&app, "2027-01", 3))
        .await;
    published.assert_status(StatusCode::CREATED);
    let one = "第 5 条：数据保存期限改为 3 年。Section 5: data kept for 3 years.";
    assert_eq!(published.body["summary"], one);
    assert_eq!(published.body["summary_texts"]["en"], one);
    let mail = app
        .wait_for_mail_containing("en@summary.test", "2027-01")
        .await;
    assert!(mail.contains("Section 5: data kept"), "{mail}");
    app.stop().await;
}

/// Accepting, on the page, a version that is not in force (a page left open while a newer one
/// took effect) leads to the one in force with why, not to a bare "some fields are wrong".
#[tokio::test]
async fn accepting_an_old_version_on_the_page_leads_to_the_one_in_force() {
    let app = spawn_app().await;
    let (zh, _) = zh_and_en(&app, "stale", 161).await;
    let mut v = crate::pages::Visitor::new(&app);
    v.cookies.push(("berth_session".into(), zh.token.clone()));
    let page = v.get("/agreements/2026-01").await;
    page.assert_status(StatusCode::OK);
    let csrf = crate::pages::csrf_field(crate::pages::html(&page)).expect("csrf");
    let a = v
        .post_form("/agreements/1999-01/accept", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
    let to = a
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("");
    assert_eq!(to, "/agreements/2026-01?notice=agreement_outdated");
    let shown = v.get(to).await;
    assert!(
        crate::pages::html(&shown).contains("已不是现行版本"),
        "{}",
        crate::pages::html(&shown)
    );
}
