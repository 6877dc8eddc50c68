//! Document validity (issue 15, item 1): the verification records the licence's term and the
//! legal representative's ID validity; the daily job mails reminders 90, 30 and 7 days ahead
//! and at expiry, each once (again the same day, or on a second instance, mails nothing); at
//! expiry new product releases stop (`409 reverification_due`) while listed products stay; a
//! re-verification is reviewed while the verification stays in force, and its approval puts the
//! new terms in force. Time moves with the test clock.

use berth::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::products::product_form;

const DAY_MS: i64 = 24 * 3_600_000;
const REVERIFY: &str = "/api/v1/me/enterprise/reverification";

/// The day `days` after today in the marketplace's zone (the server's test clock), `YYYY-MM-DD`.
pub fn day_after(app: &TestApp, days: i64) -> String {
    let zone = berth::display::Zone::named("Asia/Shanghai").expect("zone");
    zone.date_field(app.state.ctx.clock.now_ms() + days * DAY_MS)
}

/// Sends a re-verification: each term a day or `long_term`, and the licence scan.
pub async fn reverify(app: &TestApp, token: &str, licence: &str, id: &str, file: bool) -> Answer {
    let mut form = reqwest::multipart::Form::new()
        .text("license_valid_until", licence.to_string())
        .text("legal_rep.id_valid_until", id.to_string());
    if file {
        let part = reqwest::multipart::Part::bytes(pdf())
            .file_name("licence.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        form = form.part("file", part);
    }
    app.raw(
        app.client
            .post(app.url(REVERIFY))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

/// A page as the signed-in provider sees it, in English.
async fn page(app: &TestApp, token: &str, path: &str) -> Answer {
    app.raw(
        app.client
            .get(app.url(path))
            .header("cookie", format!("berth_session={token}; berth_lang=en")),
    )
    .await
}

/// The re-verification step of `token`'s move-in, if it has one.
async fn step(app: &TestApp, token: &str) -> (Value, Option<Value>) {
    let m = app.move_in(token).await;
    m.assert_status(StatusCode::OK);
    let step = m.body["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["key"] == "reverification")
        .cloned();
    (m.body, step)
}

/// A moved-in provider whose licence is valid until `days` from today (approved through a
/// re-verification; the ID is long-term).
async fn expiring_provider(
    app: &TestApp,
    reviewer: &str,
    email: &str,
    company: &str,
    code: &str,
    days: i64,
) -> Provider {
    let p = app.with_moved_in_provider(email, company, code).await;
    let (_, none) = step(app, &p.token).await;
    assert!(none.is_none(), "the helper's terms are far off: {none:?}");
    let a = reverify(app, &p.token, &day_after(app, days), "long_term", true).await;
    a.assert_status(StatusCode::CREATED);
    let item = app.pending_item(reviewer, "reverification", &p.id).await;
    app.approve(reviewer, &item).await;
    p
}

async fn count(app: &TestApp, sql: &str, account: &str) -> i64 {
    let db = app.db().await;
    sqlx::query_scalar::<_, i64>(sql)
        .bind(account)
        .fetch_one(&db)
        .await
        .expect("count")
}

async fn reminders(app: &TestApp, p: &Provider) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM expiry_reminders WHERE account_id = $1",
        &p.id,
    )
    .await
}

async fn reminder_mails(app: &TestApp, email: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND kind IN ('expiry_reminder', 'document_expired')",
        email,
    )
    .await
}

#[tokio::test]
async fn terms_are_recorded_and_an_expired_or_missing_one_is_refused() {
    let app = spawn_app().await;
    let token = app.provider("terms@example.com").await;
    let mut form = enterprise_form("深圳期限科技有限公司", &uscc(2101));
    form["license_valid_until"] = json!(day_after(&app, -1));
    form["legal_rep"]["id_valid_until"] = json!("2030-02-30");
    let a = app.save_enterprise(&token, form.clone()).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    assert!(
        fields.contains(&("license_valid_until".into(), "document_expired".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("legal_rep.id_valid_until".into(), "invalid_date".into())),
        "{fields:?}"
    );

    // Today is still valid; null is long-term; omitted is "not given", and a submission needs it.
    form["license_valid_until"] = json!(day_after(&app, 0));
    form["legal_rep"]["id_valid_until"] = json!(null);
    app.save_enterprise(&token, form.clone())
        .await
        .assert_status(StatusCode::OK);
    let shown = app.get_as(&token, "/api/v1/me/enterprise").await;
    assert_eq!(shown.body["license_valid_until"], json!(day_after(&app, 0)));
    assert_eq!(shown.body["license_long_term"], false);
    assert_eq!(shown.body["legal_rep"]["id_long_term"], true);
    let mut missing = form.clone();
    missing
        .as_object_mut()
        .expect("form")
        .remove("license_valid_until");
    missing["legal_rep"]
        .as_object_mut()
        .expect("legal rep")
        .remove("id_valid_until");
    app.save_enterprise(&token, missing)
        .await
        .assert_status(StatusCode::OK);
    app.upload_licence(&token)
        .await
        .assert_status(StatusCode::CREATED);
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let names = a.field_names();
    assert!(
        names.contains(&"license_valid_until".to_string())
            && names.contains(&"legal_rep.id_valid_until".to_string()),
        "{names:?}"
    );
    // Saved with today's date, then a day passes: the submission says it has expired.
    app.save_enterprise(&token, form)
        .await
        .assert_status(StatusCode::OK);
    app.state.ctx.clock.advance(DAY_MS);
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.fields()
            .contains(&("license_valid_until".into(), "document_expired".into())),
        "{:?}",
        a.body
    );
    app.stop().await;
}

#[tokio::test]
async fn reminders_go_out_90_30_and_7_days_ahead_and_at_expiry_each_once() {
    let app = spawn_app().await;
    let reviewer = app.staff("rev-expiry@example.com", &[Role::Reviewer]).await;
    let email = "remind@example.com";
    let p = expiring_provider(
        &app,
        &reviewer,
        email,
        "深圳提醒科技有限公司",
        &uscc(2102),
        100,
    )
    .await;
    let (_, none) = step(&app, &p.token).await;
    assert!(none.is_none(), "100 days ahead is not yet soon");
    let ctx = &app.state.ctx;
    let run = || async { berth::workflows::expiry::run(ctx).await.expect("job") };
    assert_eq!(run().await, 0, "nothing due 100 days ahead");

    // 90 days ahead: one reminder, and none again the same day (by hand, by the daily run, or
    // on a second instance on the same database).
    ctx.clock.advance(10 * DAY_MS);
    assert_eq!(run().await, 1);
    assert_eq!(run().await, 0, "the same day again");
    berth::workflows::jobs::run_daily(ctx).await;
    let twin = app.twin(|_| {}).await;
    twin.state.ctx.clock.advance(10 * DAY_MS);
    assert_eq!(
        berth::workflows::expiry::run(&twin.state.ctx)
            .await
            .expect("twin"),
        0,
        "a second instance finds it sent"
    );
    assert_eq!(
        (reminders(&app, &p).await, reminder_mails(&app, email).await),
        (1, 1)
    );
    // Words, not the bare number: the activation code mailed earlier may hold "90" too.
    let mail = app
        .wait_for_mail_with_any(email, &["还剩 90 天", "90 days left"])
        .await;
    assert!(
        !mail.contains(&day_after(&app, 90)),
        "the date in words: {mail}"
    );
    let (_, soon) = step(&app, &p.token).await;
    let soon = soon.expect("shown within 90 days");
    assert_eq!(soon["status"], "done", "{soon:?}");
    assert_eq!(soon["days_left"], 90);
    assert_eq!(soon["document"], "business_license");

    // 30 and 7 days ahead, then expired: one each; days in between send nothing.
    ctx.clock.advance(30 * DAY_MS);
    assert_eq!(run().await, 0, "60 days ahead");
    ctx.clock.advance(30 * DAY_MS);
    assert_eq!(run().await, 1, "30 days ahead");
    ctx.clock.advance(23 * DAY_MS);
    assert_eq!(run().await, 1, "7 days ahead");
    assert_eq!(run().await, 0);
    ctx.clock.advance(7 * DAY_MS);
    assert_eq!(
        run().await,
        0,
        "the last valid day: the 7-day reminder was sent"
    );
    ctx.clock.advance(DAY_MS);
    assert_eq!(run().await, 1, "expired");
    ctx.clock.advance(DAY_MS);
    assert_eq!(run().await, 0);
    assert_eq!(
        (reminders(&app, &p).await, reminder_mails(&app, email).await),
        (4, 4)
    );
    let (m, due) = step(&app, &p.token).await;
    assert_eq!(m["due"], json!(["reverification"]), "{m:?}");
    assert_eq!(m["state"], "moved_in", "the move-in stays");
    assert_eq!(due.expect("due")["status"], "not_started");
    twin.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn an_expired_licence_stops_new_releases_until_a_reverification_is_approved() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let reviewer = app.staff("rev-block@example.com", &[Role::Reviewer]).await;
    let finance = app.staff("fin-block@example.com", &[Role::Finance]).await;
    let p = expiring_provider(
        &app,
        &reviewer,
        "block@example.com",
        "深圳到期科技有限公司",
        &uscc(2103),
        5,
    )
    .await;
    let a = app
        .create_product(&p.token, product_form("已上架商品", "iot"))
        .await;
    a.assert_status(StatusCode::CREATED);
    let listed = a.body["id"].as_str().expect("id").to_string();
    app.submit_product(&p.token, &listed)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "product", &p.id).await;
    app.approve(&op, &item).await;
    app.storefront_product(&listed)
        .await
        .assert_status(StatusCode::OK);

    // Expired: the step is due, a new product cannot be submitted, the listed one stays.
    app.state.ctx.clock.advance(6 * DAY_MS);
    let (m, due) = step(&app, &p.token).await;
    assert_eq!(m["due"], json!(["reverification"]), "{m:?}");
    assert_eq!(due.expect("due")["days_left"], -1);
    let a = app
        .create_product(&p.token, product_form("新商品", "iot"))
        .await;
    a.assert_status(StatusCode::CREATED);
    let fresh = a.body["id"].as_str().expect("id").to_string();
    let refused = app.submit_product(&p.token, &fresh).await;
    refused.assert_status(StatusCode::CONFLICT);
    assert_eq!(refused.code(), "reverification_due");
    app.storefront_product(&listed)
        .await
        .assert_status(StatusCode::OK);
    let back = page(&app, &p.token, "/provider/info/customer-service").await;
    back.assert_status(StatusCode::OK);
    let html = back.body.as_str().unwrap_or_default();
    assert!(html.contains("id=\"validity-due\""), "the backend's banner");
    assert!(
        html.contains("has expired") || html.contains("expired on"),
        "{html}"
    );
    let form = page(&app, &p.token, "/provider/reverification").await;
    form.assert_status(StatusCode::OK);
    let html = form.body.as_str().unwrap_or_default();
    assert!(html.contains("id=\"reverification-form\"") && html.contains("Long-term"));

    // A re-verification needs both terms and the scan, and no day already past.
    let a = reverify(&app, &p.token, &day_after(&app, -1), "", false).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    for f in [
        ("license_valid_until", "document_expired"),
        ("legal_rep.id_valid_until", "required"),
        ("file", "required"),
    ] {
        assert!(
            fields.contains(&(f.0.into(), f.1.into())),
            "{f:?} in {fields:?}"
        );
    }

    // Returned: the terms on file stay, and so does the block.
    let a = reverify(&app, &p.token, &day_after(&app, 365), "long_term", true).await;
    a.assert_status(StatusCode::CREATED);
    let (_, waiting) = step(&app, &p.token).await;
    assert_eq!(waiting.expect("step")["status"], "in_review");
    let item = app.pending_item(&reviewer, "reverification", &p.id).await;
    let by_finance = app
        .decide(
            &finance,
            &item,
            json!({"decision": "approve", "version": item["version"]}),
        )
        .await;
    by_finance.assert_status(StatusCode::FORBIDDEN);
    app.reject(
        &reviewer,
        &item,
        json!([{"field": "license_valid_until", "message": "与执照不符"}]),
    )
    .await;
    let (_, returned) = step(&app, &p.token).await;
    let returned = returned.expect("step");
    assert_eq!(returned["status"], "rejected", "{returned:?}");
    assert_eq!(returned["reasons"][0]["field"], "license_valid_until");
    let shown = app.get_as(&p.token, "/api/v1/me/enterprise").await;
    assert_eq!(
        shown.body["license_valid_until"],
        json!(day_after(&app, -1))
    );
    assert_eq!(
        app.submit_product(&p.token, &fresh).await.code(),
        "reverification_due"
    );

    // Approved: the new terms are in force and releases open again.
    let renewed = day_after(&app, 400);
    reverify(&app, &p.token, &renewed, "long_term", true)
        .await
        .assert_status(StatusCode::CREATED);
    let item = app.pending_item(&reviewer, "reverification", &p.id).await;
    app.approve(&reviewer, &item).await;
    let (m, none) = step(&app, &p.token).await;
    assert!(none.is_none() && m["due"] == json!([]), "{m:?}");
    let shown = app.get_as(&p.token, "/api/v1/me/enterprise").await;
    assert_eq!(shown.body["license_valid_until"], json!(renewed));
    app.submit_product(&p.token, &fresh)
        .await
        .assert_status(StatusCode::OK);
    let audit = app.audit_log(&op, "limit=200").await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "enterprise.reverification_submitted",
        "enterprise.terms_renewed",
    ] {
        assert!(actions.contains(&a), "{a} audited");
    }
    app.stop().await;
}
