//! Category deposits (保证金, issue 15 item 3): the deposit step of the move-in, finance's ledger
//! (payments, deductions; finance only; audited), the grace period after a deduction in working
//! days, the listings hidden after it and back after a top-up — on every instance — and the
//! ledger as CSV.

use berth::domain::account::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::pages::{csrf_field, form_action, html, Visitor};
use crate::products::product_form;

const DAY_MS: i64 = 24 * 3600 * 1000;

pub fn deposit_path(account_id: &str, what: &str) -> String {
    format!("/api/v1/review/providers/{account_id}/deposit/{what}")
}

/// Finance records a payment of `fen` with its bank `reference` for account `id`.
pub async fn pay(app: &TestApp, finance: &str, id: &str, fen: i64, reference: &str) {
    let body = json!({"amount_fen": fen, "reference": reference});
    app.post_as(finance, &deposit_path(id, "payments"), body)
        .await
        .assert_status(StatusCode::CREATED);
}

/// Finance deducts `fen` from account `id`'s deposit for `reason`, with `evidence` (a PDF) as a
/// multipart form.
pub async fn deduct_with_evidence(
    app: &TestApp,
    finance: &str,
    id: &str,
    fen: i64,
    reason: &str,
    evidence: Vec<u8>,
) -> Answer {
    let form = reqwest::multipart::Form::new()
        .text("amount_fen", fen.to_string())
        .text("reason", reason.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(evidence)
                .file_name("evidence.pdf")
                .mime_str("application/pdf")
                .expect("mime"),
        );
    app.raw(
        app.client
            .post(app.url(&deposit_path(id, "deductions")))
            .bearer_auth(finance)
            .multipart(form),
    )
    .await
}

/// The deposit actions audited about account `id`, oldest first.
async fn deposit_audit(app: &TestApp, id: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT action FROM audit_events WHERE subject = $1 AND action LIKE 'deposit.%' ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.db().await)
    .await
    .expect("audit");
    rows.into_iter().map(|(a,)| a).collect()
}

/// The milliseconds from the server's clock to a deposit's `top_up_by`.
fn time_left(app: &TestApp, deposit: &Value) -> i64 {
    let by = deposit["top_up_by"].as_str().expect("top_up_by");
    let by = time::OffsetDateTime::parse(by, &time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    let by_ms = i64::try_from(by.unix_timestamp_nanos() / 1_000_000).expect("ms");
    by_ms - app.state.ctx.clock.now_ms()
}

/// The admin sets the deposit of category `iot` (which `application_form()` declares).
pub async fn set_iot_deposit(app: &TestApp, admin: &str, fen: i64) {
    let a = app
        .put_as(
            admin,
            "/api/v1/review/catalog/categories/iot",
            json!({"name_zh": "物联网", "name_en": "IoT", "deposit_fen": fen}),
        )
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
}

/// A provider whose application declares `iot`, with customer service and settlement saved.
pub async fn provider_owing(app: &TestApp, op: &str, email: &str, n: u32) -> (String, String) {
    let token = app
        .approved_provider(op, email, "保证金测试科技有限公司", &uscc(n))
        .await;
    app.save_customer_service(&token, customer_service_form())
        .await
        .assert_status(StatusCode::OK);
    app.save_settlement(
        &token,
        settlement_form("保证金测试科技有限公司", ACCOUNT_NUMBER),
    )
    .await
    .assert_status(StatusCode::OK);
    let id = app.account_id(&token).await;
    (token, id)
}

/// The staff of a deposit test and its provider: `operator`, `admin@example.com`,
/// `finance@example.com`, and a provider at `email` (declaring `iot`, whose deposit is `fen`)
/// that paid `fen` in full with the bank `reference`.
pub struct Paid {
    pub op: String,
    pub admin: String,
    pub finance: String,
    pub token: String,
    pub id: String,
}

pub async fn paid_provider(app: &TestApp, email: &str, n: u32, fen: i64, reference: &str) -> Paid {
    let op = app.operator().await;
    let admin = app.staff("admin@example.com", &[Role::Admin]).await;
    let finance = app.staff("finance@example.com", &[Role::Finance]).await;
    set_iot_deposit(app, &admin, fen).await;
    let (token, id) = provider_owing(app, &op, email, n).await;
    pay(app, &finance, &id, fen, reference).await;
    Paid {
        op,
        admin,
        finance,
        token,
        id,
    }
}

fn keys(move_in: &Value) -> Vec<String> {
    move_in["due"]
        .as_array()
        .expect("due")
        .iter()
        .map(|k| k.as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn an_unpaid_deposit_keeps_the_provider_from_moving_in_until_finance_records_it() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let admin = app.staff("admin@example.com", &[Role::Admin]).await;
    let finance = app.staff("finance@example.com", &[Role::Finance]).await;
    let reviewer = app.staff("reviewer@example.com", &[Role::Reviewer]).await;
    // Only admins set deposits; a service type has none.
    let a = app
        .put_as(
            &reviewer,
            "/api/v1/review/catalog/categories/iot",
            json!({"name_zh": "物联网", "name_en": "IoT", "deposit_fen": 500_000}),
        )
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");
    let a = app
        .put_as(
            &admin,
            "/api/v1/review/catalog/service-types/saas",
            json!({"name_zh": "SaaS", "name_en": "SaaS", "deposit_fen": 1}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["deposit_fen"]);
    set_iot_deposit(&app, &admin, 500_000).await;

    let (token, id) = provider_owing(&app, &op, "owing@example.com", 41).await;
    let m = app.move_in(&token).await;
    m.assert_status(StatusCode::OK);
    assert_eq!(m.body["state"], "in_progress");
    assert_eq!(keys(&m.body), vec!["deposit"]);
    let step = &m.body["steps"][5];
    assert_eq!(step["key"], "deposit");
    assert_eq!(step["status"], "not_started");
    assert_eq!(step["amount_fen"], 500_000);
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    d.assert_status(StatusCode::OK);
    assert_eq!(d.body["status"], "due");
    assert_eq!(d.body["required_fen"], 500_000);
    assert_eq!(d.body["balance_fen"], 0);
    assert_eq!(d.body["entries"], json!([]));
    // Not live: no product can be released.
    let a = app
        .create_product(&token, product_form("Fleet", "iot"))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{:?}", a.body);
    assert_eq!(a.code(), "provider_access_required");
    // The stepper says the amount in yuan.
    let mut visitor = Visitor::new(&app);
    visitor
        .cookies
        .push(("berth_session".into(), token.clone()));
    let page = visitor.get("/move-in").await;
    assert!(html(&page).contains("¥5,000.00"), "{}", html(&page));

    // Finance only: a reviewer and an admin without the finance role are refused.
    let pay = json!({"amount_fen": 500_000, "reference": "CMB-2026-0001"});
    for who in [&reviewer, &admin] {
        let a = app
            .post_as(who, &deposit_path(&id, "payments"), pay.clone())
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN);
        assert_eq!(a.code(), "role_required");
    }
    // Bad input names the field.
    let a = app
        .post_as(
            &finance,
            &deposit_path(&id, "payments"),
            json!({"amount_fen": 0, "reference": "has space"}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["amount_fen", "reference"]);
    // Part of it first: still due.
    let a = app
        .post_as(
            &finance,
            &deposit_path(&id, "payments"),
            json!({"amount_fen": 200_000, "reference": "CMB-2026-0001"}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["kind"], "payment");
    assert_eq!(a.body["balance_after_fen"], 200_000);
    assert_eq!(keys(&app.move_in(&token).await.body), vec!["deposit"]);
    let moved_in = |events: Vec<Value>| {
        events
            .iter()
            .filter(|e| e["provider_id"] == json!(id) && e["type"] == "provider.moved_in")
            .count()
    };
    let feed = crate::events::all_events(&app, &op, "types=provider.moved_in").await;
    assert_eq!(moved_in(feed), 0, "not moved in before the deposit is paid");
    // The rest, sent twice with one Idempotency-Key: recorded once.
    let rest = json!({"amount_fen": 300_000, "reference": "CMB-2026-0002"});
    for _ in 0..2 {
        let a = app
            .raw(
                app.client
                    .post(app.url(&deposit_path(&id, "payments")))
                    .bearer_auth(&finance)
                    .header("Idempotency-Key", "pay-owing-2")
                    .json(&rest),
            )
            .await;
        a.assert_status(StatusCode::CREATED);
    }
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "paid");
    assert_eq!(d.body["balance_fen"], 500_000);
    assert_eq!(d.body["entries"].as_array().map(Vec::len), Some(2));
    let m = app.move_in(&token).await;
    assert_eq!(m.body["state"], "moved_in", "{:?}", m.body);
    assert_eq!(m.body["steps"][5]["status"], "done");
    // The payment was the last step: `provider.moved_in`, once.
    let feed = crate::events::all_events(&app, &op, "types=provider.moved_in").await;
    assert_eq!(moved_in(feed), 1);
    app.create_product(&token, product_form("Fleet", "iot"))
        .await
        .assert_status(StatusCode::CREATED);

    // Every entry is audited.
    let db = app.db().await;
    let audited: Vec<(String,)> = sqlx::query_as(
        "SELECT action FROM audit_events WHERE subject = $1 AND action LIKE 'deposit.%' ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&db)
    .await
    .expect("audit");
    assert_eq!(audited.len(), 2, "{audited:?}");
    let set: Vec<(String,)> = sqlx::query_as(
        "SELECT action FROM audit_events WHERE subject = 'iot' AND action = 'catalog.category_deposit_set'",
    )
    .fetch_all(&db)
    .await
    .expect("audit");
    assert_eq!(set.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn categories_without_a_deposit_add_no_step() {
    let app = spawn_app().await;

    let op = app.operator().await;
    let token = app
        .moved_in_provider(&op, "free@example.com", "免押科技有限公司", &uscc(42))
        .await;
    let m = app.move_in(&token).await;
    assert_eq!(m.body["steps"].as_array().map(Vec::len), Some(5));
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    d.assert_status(StatusCode::OK);
    assert_eq!(d.body["status"], "not_due");
    assert_eq!(d.body["required_fen"], 0);
    app.stop().await;
}

fn listed_ids(a: &Answer) -> Vec<String> {
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn a_deduction_left_short_hides_the_listings_after_the_grace_period_until_topped_up() {
    let app = spawn_app().await;
    let twin = app.twin(|_| {}).await;
    let op = app.operator().await;
    let admin = app.staff("admin@example.com", &[Role::Admin]).await;
    let finance = app.staff("finance@example.com", &[Role::Finance]).await;
    let reviewer = app.staff("reviewer@example.com", &[Role::Reviewer]).await;
    set_iot_deposit(&app, &admin, 500_000).await;
    let email = "short@example.com";
    let (token, id) = provider_owing(&app, &op, email, 43).await;
    pay(&app, &finance, &id, 500_000, "ICBC-7781").await;
    // A listed product.
    let product = app
        .listed_product(&op, &token, &id, product_form("Fleet", "iot"))
        .await;
    assert_eq!(listed_ids(&app.storefront("").await), vec![product.clone()]);

    // Deductions are finance's, never more than the balance, with a reason.
    let deduct = |amount: i64, reason: &str| json!({"amount_fen": amount, "reason": reason});
    let a = app
        .post_as(&reviewer, &deposit_path(&id, "deductions"), deduct(1, "x"))
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");
    let a = app
        .post_as(
            &finance,
            &deposit_path(&id, "deductions"),
            json!({"amount_fen": 100}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["reason"]);
    let a = app
        .post_as(
            &finance,
            &deposit_path(&id, "deductions"),
            deduct(500_001, "Refund to a buyer"),
        )
        .await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.code(), "insufficient_deposit");

    // A deduction with evidence (multipart): mailed, the grace period starts.
    let a = deduct_with_evidence(
        &app,
        &finance,
        &id,
        100_000,
        "Refund to a buyer after a complaint",
        pdf(),
    )
    .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["kind"], "deduction");
    assert_eq!(a.body["balance_after_fen"], 400_000);
    let evidence = a.body["evidence_document_id"].as_str().expect("evidence");
    // The provider reads its evidence.
    app.get_as(&token, &format!("/api/v1/documents/{evidence}"))
        .await
        .assert_status(StatusCode::OK);
    let mail = app
        .wait_for_mail_containing(email, "Refund to a buyer after a complaint")
        .await;
    assert!(
        mail.contains("¥1,000.00") && mail.contains("¥4,000.00"),
        "{mail}"
    );
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "short");
    assert_eq!(d.body["balance_fen"], 400_000);
    assert!(d.body["top_up_by"].is_string(), "{:?}", d.body);
    assert_eq!(d.body["listings_hidden"], false);
    // Still moved in (the step was done), and still listed during the grace period: three
    // working days, to the end of the third (at least three calendar days, at most six).
    assert_eq!(app.move_in(&token).await.body["state"], "moved_in");
    let left = time_left(&app, &d.body);
    assert!((3 * DAY_MS..=6 * DAY_MS).contains(&left), "{left} ms left");
    app.state.ctx.clock.advance(left - 60_000);
    twin.state.ctx.clock.advance(left - 60_000);
    assert_eq!(
        listed_ids(&twin.storefront("").await),
        vec![product.clone()]
    );
    app.storefront_product(&product)
        .await
        .assert_status(StatusCode::OK);

    // A minute later, the grace period is over: hidden, on every instance.
    app.state.ctx.clock.advance(61_000);
    twin.state.ctx.clock.advance(61_000);
    assert_eq!(listed_ids(&twin.storefront("").await), Vec::<String>::new());
    assert_eq!(
        listed_ids(&app.storefront("q=fleet").await),
        Vec::<String>::new()
    );
    assert_eq!(
        app.storefront_product(&product).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        twin.get(&format!("/products/{product}")).await.status,
        StatusCode::NOT_FOUND
    );
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["listings_hidden"], true);
    app.wait_for_mail_containing(email, "且补足期限已过").await;

    // A top-up brings them back, everywhere.
    let a = app
        .post_as(
            &finance,
            &deposit_path(&id, "payments"),
            json!({"amount_fen": 100_000, "reference": "ICBC-7790"}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(
        listed_ids(&twin.storefront("").await),
        vec![product.clone()]
    );
    assert_eq!(listed_ids(&app.storefront("").await), vec![product.clone()]);
    twin.storefront_product(&product)
        .await
        .assert_status(StatusCode::OK);
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "paid");
    assert_eq!(d.body["listings_hidden"], false);
    app.wait_for_mail_containing(email, "您已上架的商品已重新在云市场展示")
        .await;

    // Every step audited: two payments, a deduction, hidden, restored, and the top-up.
    assert_eq!(
        deposit_audit(&app, &id).await,
        vec![
            "deposit.payment_recorded",
            "deposit.deduction_recorded",
            "deposit.listings_hidden",
            "deposit.payment_recorded",
            "deposit.listings_restored",
        ]
    );

    // The console's audit log says them in words: amounts in yuan, the deadline as a time.
    let mut staff = Visitor::new(&app);
    staff
        .cookies
        .push(("berth_session".into(), finance.clone()));
    let log = staff.get("/console/audit").await;
    log.assert_status(StatusCode::OK);
    let log = html(&log);
    assert!(
        log.contains("登记了保证金扣除") && log.contains("隐藏了商品"),
        "{log}"
    );
    assert!(
        log.contains("¥1,000.00") && log.contains("补足期限"),
        "{log}"
    );
    assert!(
        !log.contains("top_up_by") && !log.contains("amount_fen"),
        "{log}"
    );

    // The ledger as CSV, in the backend and in the console.
    let mut provider = Visitor::new(&app);
    provider
        .cookies
        .push(("berth_session".into(), token.clone()));
    let csv = provider.get("/provider/deposit.csv").await;
    csv.assert_status(StatusCode::OK);
    let text = html(&csv);
    assert!(
        text.contains("5000.00") && text.contains("-1000.00"),
        "{text}"
    );
    assert!(text.contains("ICBC-7790"), "{text}");
    let mut console = Visitor::new(&app);
    console
        .cookies
        .push(("berth_session".into(), finance.clone()));
    let csv = console
        .get(&format!("/console/providers/{id}/deposit.csv"))
        .await;
    csv.assert_status(StatusCode::OK);
    assert_eq!(html(&csv).lines().count(), 4, "{}", html(&csv));
    twin.stop().await;
    app.stop().await;
}

/// Every backend page says when the deposit is short after a deduction (by when, and later
/// that the listings are hidden), with a link to the deposit page; a paid deposit says nothing.
#[tokio::test]
async fn the_backend_says_on_every_page_that_the_deposit_is_short() {
    let app = spawn_app().await;
    let Paid {
        finance, token, id, ..
    } = paid_provider(&app, "banner@example.com", 44, 500_000, "ICBC-1").await;
    let mut provider = Visitor::new(&app);
    provider
        .cookies
        .push(("berth_session".into(), token.clone()));
    for path in ["/provider/info/customer-service", "/provider/products"] {
        let page = provider.get(path).await;
        page.assert_status(StatusCode::OK);
        assert!(!html(&page).contains("deposit-short"), "{path} when paid");
    }

    app.post_as(
        &finance,
        &deposit_path(&id, "deductions"),
        json!({"amount_fen": 120_000, "reason": "Refund to a buyer"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    for path in ["/provider/info/customer-service", "/provider/products"] {
        let page = provider.get(path).await;
        page.assert_status(StatusCode::OK);
        let text = html(&page);
        assert!(text.contains("id=\"deposit-short\""), "{path}: {text}");
        assert!(
            text.contains("¥1,200.00") && text.contains("结束前补足"),
            "{path}: {text}"
        );
        assert!(text.contains("href=\"/provider/deposit\""), "{path}");
    }

    // Past the deadline: the banner says the listings are hidden.
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    let by = d.body["top_up_by"].as_str().expect("top_up_by");
    let by = time::OffsetDateTime::parse(by, &time::format_description::well_known::Rfc3339)
        .expect("rfc3339");
    let by_ms = i64::try_from(by.unix_timestamp_nanos() / 1_000_000).expect("ms");
    app.state
        .ctx
        .clock
        .advance(by_ms - app.state.ctx.clock.now_ms() + 60_000);
    let page = provider.get("/provider/products").await;
    let text = html(&page);
    assert!(
        text.contains("补足期限已过") && text.contains("¥1,200.00"),
        "{text}"
    );
}

#[tokio::test]
async fn finance_records_a_payment_on_the_console_page_once_however_often_it_is_sent() {
    let app = spawn_app().await;
    let op = app.operator().await;
    let admin = app.staff("admin@example.com", &[Role::Admin]).await;
    let finance = app.staff("finance@example.com", &[Role::Finance]).await;
    let reviewer = app.staff("reviewer@example.com", &[Role::Reviewer]).await;
    set_iot_deposit(&app, &admin, 500_000).await;
    let (token, id) = provider_owing(&app, &op, "console@example.com", 44).await;
    let path = format!("/console/providers/{id}/deposit");

    // A reviewer reads the page, without the forms.
    let mut r = Visitor::new(&app);
    r.cookies.push(("berth_session".into(), reviewer.clone()));
    let page = r.get(&path).await;
    page.assert_status(StatusCode::OK);
    assert!(!html(&page).contains("deposit-payment-form"));

    let mut f = Visitor::new(&app);
    f.cookies.push(("berth_session".into(), finance.clone()));
    let page = f.get(&path).await;
    page.assert_status(StatusCode::OK);
    assert!(html(&page).contains("¥5,000.00"), "{}", html(&page));
    let csrf = csrf_field(html(&page)).expect("csrf");
    let action = form_action(html(&page), &format!("{path}/payments"));
    // A bad amount: the page again, what was typed kept.
    let a = f
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("payment_amount", "five"),
                ("reference", "CMB-1"),
            ],
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&a).contains(r#"value="CMB-1""#), "{}", html(&a));
    assert!(
        html(&a).contains("5000"),
        "no example of an amount: {}",
        html(&a)
    );
    // Too much: the limits in yuan, as the field is (it said "between 1 and 1000000000").
    let page = f.get(&path).await;
    let action = form_action(html(&page), &format!("{path}/payments"));
    let a = f
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("payment_amount", "10000000.01"),
                ("reference", "CMB-1"),
            ],
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html(&a).contains("¥10,000,000.00"), "{}", html(&a));
    assert!(!html(&a).contains("1000000000"), "{}", html(&a));
    let page = f.get(&path).await;
    let action = form_action(html(&page), &format!("{path}/payments"));
    for _ in 0..2 {
        let a = f
            .post_form(
                &action,
                &[
                    ("csrf_token", &csrf),
                    ("payment_amount", "5,000"),
                    ("reference", "CMB-2"),
                ],
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{:?}", a.body);
    }
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["balance_fen"], 500_000);
    assert_eq!(d.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(app.move_in(&token).await.body["steps"][5]["status"], "done");
    app.stop().await;
}

/// Erasing a closed provider keeps its deposit ledger (finance's record) and takes the evidence
/// files of its deductions with its other documents.
#[tokio::test]
async fn erasure_keeps_the_ledger_and_takes_the_evidence() {
    let app = spawn_app().await;
    let Paid {
        finance, token, id, ..
    } = paid_provider(&app, "erased@example.com", 45, 100_000, "BOC-1").await;
    deduct_with_evidence(&app, &finance, &id, 100, "Late delivery", pdf())
        .await
        .assert_status(StatusCode::CREATED);
    app.close_account(&token)
        .await
        .assert_status(StatusCode::ACCEPTED);
    app.state.ctx.clock.advance(31 * DAY_MS);
    let erased = berth::workflows::privacy_erasure::run(&app.state.ctx)
        .await
        .expect("erasure");
    assert_eq!(erased, 1);
    let db = app.db().await;
    let left: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT kind, evidence_document_id FROM guarantee_entries WHERE account_id = $1 ORDER BY recorded_at",
    )
    .bind(&id)
    .fetch_all(&db)
    .await
    .expect("ledger");
    assert_eq!(
        left,
        vec![
            ("payment".to_string(), None),
            ("deduction".to_string(), None)
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_admin_sets_a_category_deposit_in_yuan_on_the_catalog_page() {
    let app = spawn_app().await;
    let admin = app.staff("admin@example.com", &[Role::Admin]).await;
    let mut a = Visitor::new(&app);
    a.cookies.push(("berth_session".into(), admin.clone()));
    let page = a.get("/console/catalog").await;
    page.assert_status(StatusCode::OK);
    let csrf = csrf_field(html(&page)).expect("csrf");
    let rename = |deposit: &'static str| {
        vec![
            ("csrf_token", csrf.clone()),
            ("list", "categories".to_string()),
            ("slug", "iot".to_string()),
            ("action", "rename".to_string()),
            ("name_zh", "物联网".to_string()),
            ("name_en", "IoT".to_string()),
            ("deposit", deposit.to_string()),
        ]
    };
    let fields = rename("five thousand");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = a.post_form("/console/catalog", &fields).await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html(&refused).contains(r#"value="five thousand""#),
        "{}",
        html(&refused)
    );
    let fields = rename("5,000");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = a.post_form("/console/catalog", &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{:?}", saved.body);
    let db = app.db().await;
    let fen: i64 =
        sqlx::query_scalar("SELECT deposit_fen FROM catalog_categories WHERE slug = 'iot'")
            .fetch_one(&db)
            .await
            .expect("deposit");
    assert_eq!(fen, 500_000);
    let page = a.get("/console/catalog").await;
    assert!(
        html(&page).contains(r#"value="5000.00""#),
        "{}",
        html(&page)
    );
    app.stop().await;
}

/// A change of a category's deposit applies to the providers that declare it: a raise gives a
/// live provider now short the grace period (its listings stay until it ends, then leave), and
/// leaves one that never paid in full with its step due; a cut that the balance covers brings
/// the listings back at once, mailed, with the events.
#[tokio::test]
async fn a_raised_deposit_starts_the_grace_period_and_a_lowered_one_lifts_the_hold() {
    let app = spawn_app().await;
    let email = "raised@example.com";
    let Paid {
        op,
        admin,
        token,
        id,
        ..
    } = paid_provider(&app, email, 47, 500_000, "ICBC-4701").await;
    let product = app
        .listed_product(&op, &token, &id, product_form("Raised", "iot"))
        .await;
    // Another provider, which never paid: its step stays due, no grace period.
    let (unpaid, _) = provider_owing(&app, &op, "unpaid@example.com", 48).await;

    // Raised: short, with a deadline; still moved in and listed until it passes.
    set_iot_deposit(&app, &admin, 800_000).await;
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "short", "{:?}", d.body);
    assert_eq!(d.body["required_fen"], 800_000);
    assert_eq!(d.body["listings_hidden"], false);
    let left = time_left(&app, &d.body);
    assert!((3 * DAY_MS..=6 * DAY_MS).contains(&left), "{left} ms left");
    assert_eq!(app.move_in(&token).await.body["state"], "moved_in");
    assert_eq!(listed_ids(&app.storefront("").await), vec![product.clone()]);
    let mail = app.wait_for_mail_containing(email, "¥8,000.00").await;
    assert!(mail.contains("¥5,000.00"), "{mail}");
    let d = app.get_as(&unpaid, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "due");
    assert!(d.body.get("top_up_by").is_none(), "{:?}", d.body);

    // The deadline passes: hidden.
    app.state.ctx.clock.advance(left + 1);
    assert_eq!(listed_ids(&app.storefront("").await), Vec::<String>::new());
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["listings_hidden"], true);

    // Lowered back, the balance covers it: listed again at once, paid, mailed.
    set_iot_deposit(&app, &admin, 500_000).await;
    assert_eq!(listed_ids(&app.storefront("").await), vec![product.clone()]);
    app.storefront_product(&product)
        .await
        .assert_status(StatusCode::OK);
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["status"], "paid");
    assert_eq!(d.body["listings_hidden"], false);
    assert!(d.body.get("top_up_by").is_none(), "{:?}", d.body);
    app.wait_for_mail_containing(email, "您已上架的商品已重新在云市场展示")
        .await;

    // Told as events, and audited.
    let events = crate::events::all_events(
        &app,
        &op,
        "types=deposit.short,provider.listings_held,provider.listings_restored",
    )
    .await;
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["provider_id"] == json!(id))
        .filter_map(|e| e["type"].as_str())
        .collect();
    assert_eq!(
        kinds,
        vec![
            "deposit.short",
            "provider.listings_held",
            "provider.listings_restored"
        ]
    );
    assert_eq!(
        deposit_audit(&app, &id).await,
        vec![
            "deposit.payment_recorded",
            "deposit.top_up_requested",
            "deposit.listings_hidden",
            "deposit.listings_restored",
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn amounts_written_as_floats_are_refused_naming_the_field_and_nothing_is_recorded() {
    let app = spawn_app().await;
    let Paid {
        admin,
        finance,
        token,
        id,
        ..
    } = paid_provider(&app, "floats@example.com", 47, 500_000, "CMB-2026-0047").await;

    // `100.0` and `1e2` are whole numbers of fen in float form: refused, in either language.
    let refused = |a: &Answer, field: &str| {
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.code(), "validation_failed", "{:?}", a.body);
        assert_eq!(a.fields(), vec![(field.to_string(), "integer".to_string())]);
    };
    let bodies = [
        (
            "payments",
            r#"{"amount_fen": 100.0, "reference": "CMB-2026-0048"}"#,
        ),
        (
            "payments",
            r#"{"amount_fen": 1e2, "reference": "CMB-2026-0048"}"#,
        ),
        (
            "deductions",
            r#"{"amount_fen": 100.0, "reason": "Refund to a buyer"}"#,
        ),
        (
            "deductions",
            r#"{"amount_fen": 1E2, "reason": "Refund to a buyer"}"#,
        ),
    ];
    for (what, body) in bodies {
        for (language, words) in [("en", "whole number"), ("zh-CN", "整数")] {
            let a = app
                .raw(
                    app.client
                        .post(app.url(&deposit_path(&id, what)))
                        .bearer_auth(&finance)
                        .header("content-type", "application/json")
                        .header("accept-language", language)
                        .body(body),
                )
                .await;
            refused(&a, "amount_fen");
            let message = a.body["error"]["fields"][0]["message"].as_str();
            assert!(message.is_some_and(|m| m.contains(words)), "{:?}", a.body);
        }
    }
    // The same deduction as a form.
    let form = reqwest::multipart::Form::new()
        .text("amount_fen", "100.0")
        .text("reason", "Refund to a buyer");
    let a = app
        .raw(
            app.client
                .post(app.url(&deposit_path(&id, "deductions")))
                .bearer_auth(&finance)
                .multipart(form),
        )
        .await;
    refused(&a, "amount_fen");
    // Any integer field, not only the deposits': a category's deposit.
    let a = app
        .raw(
            app.client
                .put(app.url("/api/v1/review/catalog/categories/iot"))
                .bearer_auth(&admin)
                .header("content-type", "application/json")
                .body(r#"{"name_zh": "物联网", "name_en": "IoT", "deposit_fen": 6e5}"#),
        )
        .await;
    refused(&a, "deposit_fen");

    // Nothing was written: the one payment, the deposit as it was.
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["balance_fen"], 500_000);
    assert_eq!(d.body["required_fen"], 500_000);
    assert_eq!(d.body["entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        deposit_audit(&app, &id).await,
        vec!["deposit.payment_recorded"]
    );
    app.stop().await;
}

/// A company whose move-in is not approved owes no deposit: finance's page for it says so in
/// words and offers no form that would only end in 409 `deposit_not_due`.
#[tokio::test]
async fn the_deposit_page_of_a_company_not_yet_a_provider_says_so_and_has_no_forms() {
    let app = spawn_app().await;
    let finance = app.staff("finance@example.com", &[Role::Finance]).await;
    let (provider, _) = app
        .with_submitted_provider("early@example.com", "早到科技有限公司", &uscc(77))
        .await;
    // The API refuses a payment for it …
    let refused = app
        .post_as(
            &finance,
            &deposit_path(&provider.id, "payments"),
            json!({"amount_fen": 100_000, "reference": "BOC-1"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{:?}", refused.body);
    assert_eq!(refused.code(), "deposit_not_due");
    // … and the page says why instead of offering the forms.
    for (language, words) in [("en", "not a provider yet"), ("zh-CN", "尚未成为服务商")] {
        let mut visitor = Visitor::new(&app);
        visitor
            .cookies
            .push(("berth_session".into(), finance.clone()));
        visitor.cookies.push(("berth_lang".into(), language.into()));
        let page = visitor
            .get(&format!("/console/providers/{}/deposit", provider.id))
            .await;
        page.assert_status(StatusCode::OK);
        let text = html(&page);
        for form in ["deposit-payment-form", "deposit-deduction-form"] {
            assert!(!text.contains(form), "{language} {form}: {text}");
        }
        assert!(
            text.contains(r#"id="deposit-closed""#),
            "{language}: {text}"
        );
        assert!(text.contains(words), "{language}: {text}");
    }
}
