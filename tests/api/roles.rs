//! Issue 14, item 1: every staff route tried as a reviewer, as finance, as an admin without other
//! roles and as a provider — allowed or `403` exactly as the role table (docs/STAFF.md) says.

use berth::domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

struct Cast {
    reviewer: String,
    finance: String,
    admin: String,
    provider: String,
}

impl Cast {
    async fn new(app: &TestApp) -> Cast {
        Cast {
            reviewer: app.staff("reviewer@berth.test", &[Role::Reviewer]).await,
            finance: app.staff("finance@berth.test", &[Role::Finance]).await,
            admin: app.staff("admin@berth.test", &[Role::Admin]).await,
            provider: app.provider("someone@example.com").await,
        }
    }

    /// (name, token, whether the route's role is held) for each, the allowed ones last.
    fn order<'a>(&'a self, allowed: &[&str]) -> Vec<(&'static str, &'a str, bool)> {
        let all = [
            ("reviewer", self.reviewer.as_str()),
            ("finance", self.finance.as_str()),
            ("admin", self.admin.as_str()),
            ("provider", self.provider.as_str()),
        ];
        let mut v: Vec<_> = all
            .iter()
            .map(|(n, t)| (*n, *t, allowed.contains(n)))
            .collect();
        v.sort_by_key(|(_, _, ok)| *ok);
        v
    }
}

/// Tries `method path body` as each of the cast: the roles in `allowed` get `ok`, the other staff
/// `403 role_required`, the provider `403 forbidden`.
async fn try_route(
    app: &TestApp,
    cast: &Cast,
    method: Method,
    path: &str,
    body: Option<Value>,
    allowed: &[&str],
    ok: StatusCode,
) {
    for (name, token, may) in cast.order(allowed) {
        let a = app
            .send(method.clone(), path, Some(token), body.clone())
            .await;
        if may {
            assert_eq!(
                a.status, ok,
                "{name} {method} {path}: expected {ok}, got {:?}",
                a.body
            );
        } else {
            assert_eq!(
                a.status,
                StatusCode::FORBIDDEN,
                "{name} {method} {path}: {:?}",
                a.body
            );
            // Staff without the role: `role_required`; a provider is refused at the door of the
            // review routes (`forbidden`) or by the workflow (`role_required`).
            let codes: &[&str] = if name == "provider" {
                &["forbidden", "role_required"]
            } else {
                &["role_required"]
            };
            assert!(
                codes.contains(&a.code()),
                "{name} {method} {path}: {:?}",
                a.body
            );
        }
    }
}

fn approve(item: &Value) -> Option<Value> {
    Some(json!({"decision": "approve", "version": item["version"]}))
}

/// Approves the pending item of `kind` of `account` as each of the cast: exactly the roles in
/// `allowed` may.
async fn try_decision(
    app: &TestApp,
    cast: &Cast,
    op: &str,
    kind: &str,
    account: &str,
    allowed: &[&str],
) {
    let item = app.pending_item(op, kind, account).await;
    let path = path::decision(item["id"].as_str().expect("id"));
    try_route(
        app,
        cast,
        Method::POST,
        &path,
        approve(&item),
        allowed,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn every_staff_route_allows_exactly_the_roles_of_the_table() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let cast = Cast::new(&app).await;

    // Reading the queue and an item: any staff.
    try_route(
        &app,
        &cast,
        Method::GET,
        path::REVIEW_ITEMS,
        None,
        &["reviewer", "finance", "admin"],
        StatusCode::OK,
    )
    .await;

    // An enterprise verification: reviewers decide it; finance pays its micro-deposit.
    let (_, item) = app
        .with_submitted_provider("ent@example.com", "深圳角色科技有限公司", &uscc(141))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    try_route(
        &app,
        &cast,
        Method::POST,
        &path::decision(&id),
        approve(&item),
        &["reviewer"],
        StatusCode::OK,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        &path::micro_deposit(&id),
        None,
        &["finance"],
        StatusCode::OK,
    )
    .await;
    // Only who pays the deposit sees its amount.
    let as_reviewer = app.review_item(&cast.reviewer, &id).await;
    let as_finance = app.review_item(&cast.finance, &id).await;
    as_reviewer.assert_status(StatusCode::OK);
    as_finance.assert_status(StatusCode::OK);

    // A partner application: reviewers.
    let Provider {
        token, id: account, ..
    } = app
        .with_verified_provider("app@example.com", "深圳申请科技有限公司", &uscc(142))
        .await;
    app.apply(&token).await;
    try_decision(
        &app,
        &cast,
        &op,
        "partner_application",
        &account,
        &["reviewer"],
    )
    .await;

    // A settlement change: finance, never a reviewer.
    let company = "深圳结算角色科技有限公司";
    let Provider {
        token, id: live, ..
    } = app
        .with_moved_in_provider("live@example.com", company, &uscc(143))
        .await;
    app.save_settlement(&token, settlement_form(company, "6214830100557661"))
        .await
        .assert_status(StatusCode::OK);
    try_decision(&app, &cast, &op, "settlement_change", &live, &["finance"]).await;

    // A product: reviewers, never finance.
    let a = app
        .create_product(
            &token,
            json!({
                "name": "角色测试", "category": "iot", "service_type": "saas", "delivery": "download",
                "summary": "Fleet management", "description": "Features",
                "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
                "terms": {"after_sales_scope": "Tickets", "warranty": "99.9%"}
            }),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let product = a.body["id"].as_str().expect("id").to_string();
    app.submit_product(&token, &product)
        .await
        .assert_status(StatusCode::OK);
    try_decision(&app, &cast, &op, "product", &live, &["reviewer"]).await;

    // A provider's standing: reviewers.
    for action in ["suspend", "reinstate"] {
        try_route(
            &app,
            &cast,
            Method::POST,
            &path::provider_standing(&live, action),
            Some(json!({"reason": "角色测试"})),
            &["reviewer"],
            StatusCode::NO_CONTENT,
        )
        .await;
    }

    // A consultation: reviewers answer.
    app.consult(json!({"name": "访客", "email": "visitor@example.com", "message": "合作咨询"}))
        .await
        .assert_status(StatusCode::CREATED);
    let list = app
        .get_as(&op, &format!("{}?status=open", path::REVIEW_CONSULTATIONS))
        .await;
    let consultation = list.body["items"][0]["id"]
        .as_str()
        .expect("consultation")
        .to_string();
    try_route(
        &app,
        &cast,
        Method::POST,
        &path::consultation_reply(&consultation),
        Some(json!({"message": "您好"})),
        &["reviewer"],
        StatusCode::OK,
    )
    .await;

    // The catalog: admins.
    try_route(
        &app,
        &cast,
        Method::POST,
        path::REVIEW_CATEGORIES,
        Some(json!({"slug": "robotics", "name_zh": "机器人", "name_en": "Robotics"})),
        &["admin"],
        StatusCode::CREATED,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        &format!("{}/robotics/retire", path::REVIEW_CATEGORIES),
        None,
        &["admin"],
        StatusCode::NO_CONTENT,
    )
    .await;

    // Staff management: admins.
    try_route(
        &app,
        &cast,
        Method::GET,
        path::STAFF,
        None,
        &["admin"],
        StatusCode::OK,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        path::STAFF_INVITATIONS,
        Some(json!({"email": "new@berth.test", "roles": ["reviewer"]})),
        &["admin"],
        StatusCode::CREATED,
    )
    .await;

    // The reason library: every member of staff reads it, admins keep it; the report: admins.
    try_route(
        &app,
        &cast,
        Method::GET,
        "/api/v1/review/reasons",
        None,
        &["reviewer", "finance", "admin"],
        StatusCode::OK,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        "/api/v1/review/reasons",
        Some(json!({"code": "logo_blurred", "kind": "product",
                    "text": {"zh-CN": "图标模糊。", "en": "The icon is blurred."}})),
        &["admin"],
        StatusCode::CREATED,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::PATCH,
        "/api/v1/review/reasons/logo_blurred",
        Some(json!({"retired": true})),
        &["admin"],
        StatusCode::OK,
    )
    .await;
    // Provider agreement versions: admins publish them.
    try_route(
        &app,
        &cast,
        Method::POST,
        "/api/v1/review/agreements",
        Some(
            json!({"version": "2099-01", "effective_at": "2099-01-01", "summary": "s",
                    "text_markdown": {"zh-CN": "# 协议", "en": "# Agreement"}}),
        ),
        &["admin"],
        StatusCode::CREATED,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::GET,
        "/api/v1/review/report",
        None,
        &["admin"],
        StatusCode::OK,
    )
    .await;
}

/// GETs `path` as a page, signed in with `token`.
async fn page_as(app: &TestApp, token: &str, path: &str) -> Answer {
    app.raw(
        app.client
            .get(app.url(path))
            .header("cookie", format!("berth_session={token}")),
    )
    .await
}

/// The lifecycle's routes (issue 15): category deposits (admins), the deposit ledger (any staff
/// reads it, on the API and the console's page and CSV; finance records), re-verifications
/// (reviewers) and the data rights (the account holder only).
#[tokio::test]
async fn the_lifecycle_routes_allow_exactly_the_roles_of_the_table() {
    use crate::deposits::{deposit_path, provider_owing};
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let cast = Cast::new(&app).await;

    // A category's deposit: admins.
    try_route(
        &app,
        &cast,
        Method::PUT,
        &format!("{}/iot", path::REVIEW_CATEGORIES),
        Some(json!({"name_zh": "物联网", "name_en": "IoT", "deposit_fen": 500_000})),
        &["admin"],
        StatusCode::NO_CONTENT,
    )
    .await;

    // The ledger: every member of staff reads it; finance records payments and deductions.
    let (token, id) = provider_owing(&app, &op, "ledger-roles@example.com", 144).await;
    try_route(
        &app,
        &cast,
        Method::GET,
        &format!("/api/v1/review/providers/{id}/deposit"),
        None,
        &["reviewer", "finance", "admin"],
        StatusCode::OK,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        &deposit_path(&id, "payments"),
        Some(json!({"amount_fen": 500_000, "reference": "ICBC-1440"})),
        &["finance"],
        StatusCode::CREATED,
    )
    .await;
    try_route(
        &app,
        &cast,
        Method::POST,
        &deposit_path(&id, "deductions"),
        Some(json!({"amount_fen": 100, "reason": "角色测试"})),
        &["finance"],
        StatusCode::CREATED,
    )
    .await;
    let ledger = app
        .get_as(
            &cast.finance,
            &format!("/api/v1/review/providers/{id}/deposit"),
        )
        .await;
    assert_eq!(
        ledger.body["entries"].as_array().map(Vec::len),
        Some(2),
        "one payment and one deduction, whoever else tried: {:?}",
        ledger.body
    );
    for suffix in ["", ".csv"] {
        let page = format!("/console/providers/{id}/deposit{suffix}");
        for staff in [&cast.reviewer, &cast.finance, &cast.admin] {
            page_as(&app, staff, &page)
                .await
                .assert_status(StatusCode::OK);
        }
        for outsider in [&cast.provider, &token] {
            let a = page_as(&app, outsider, &page).await;
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&a.status),
                "a provider on {page}: {}",
                a.status
            );
        }
    }
    // Only finance sees the forms that record.
    let shown = |a: &Answer| {
        a.body
            .as_str()
            .unwrap_or_default()
            .contains("/deposit/payments")
    };
    let page = format!("/console/providers/{id}/deposit");
    assert!(shown(&page_as(&app, &cast.finance, &page).await));
    assert!(!shown(&page_as(&app, &cast.reviewer, &page).await));
    assert!(!shown(&page_as(&app, &cast.admin, &page).await));

    // A re-verification: reviewers decide it, never finance.
    crate::expiry::reverify(
        &app,
        &token,
        &crate::expiry::day_after(&app, 400),
        "long_term",
        true,
    )
    .await
    .assert_status(StatusCode::CREATED);
    try_decision(&app, &cast, &op, "reverification", &id, &["reviewer"]).await;

    // The data rights are the holder's: an API token acting for the provider (every scope)
    // neither downloads nor closes; staff close nothing, and a staff member's download holds
    // their own account, never a provider's.
    let a = app
        .post_as(
            &token,
            "/api/v1/tokens",
            json!({"name": "all", "scopes": ["events:read", "providers:read", "webhooks:write"]}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let machine = a.body["token"].as_str().expect("token").to_string();
    let a = app.get_as(&machine, "/api/v1/me/export").await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{:?}", a.body);
    let closure = json!({"password": PASSWORD, "confirm": true});
    let a = app
        .post_as(&machine, "/api/v1/me/closure", closure.clone())
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{:?}", a.body);
    // (The audit events a member of staff did name the accounts they acted on: those are the
    // staff member's own; the records and documents are the account's.)
    let holds = |zip: &[u8]| {
        crate::privacy::unzip(zip)
            .iter()
            .filter(|(name, _)| !name.starts_with("audit/"))
            .any(|(_, bytes)| String::from_utf8_lossy(bytes).contains(&id))
    };
    for staff in [&cast.reviewer, &cast.finance, &cast.admin] {
        let a = app
            .post_as(staff, "/api/v1/me/closure", closure.clone())
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{:?}", a.body);
        let (status, zip, _) = crate::privacy::export(&app, staff).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!holds(&zip), "a provider's record in a staff download");
    }
    // The holder does both.
    let (status, zip, _) = crate::privacy::export(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(holds(&zip));
    app.post_as(&token, "/api/v1/me/closure", closure)
        .await
        .assert_status(StatusCode::ACCEPTED);
    app.stop().await;
}

#[tokio::test]
async fn a_deactivated_operators_open_session_and_tokens_stop_working_at_once() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", &[Role::Admin]).await;
    let op = app.with_operator().await;
    let op_id = app.account_id(&op).await;
    let a = app
        .post_as(
            &op,
            "/api/v1/tokens",
            json!({"name": "feed", "scopes": ["events:read"]}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let api_token = a.body["token"].as_str().expect("token").to_string();
    app.get_as(&api_token, "/api/v1/events")
        .await
        .assert_status(StatusCode::OK);
    app.get_as(&op, path::REVIEW_ITEMS)
        .await
        .assert_status(StatusCode::OK);

    let a = app
        .send(
            Method::PATCH,
            &path::staff(&op_id),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["active"], false);

    app.get_as(&op, path::REVIEW_ITEMS)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.get_as(&api_token, "/api/v1/events")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    // Signing in again is refused too.
    let a = app.try_login("operator@berth.test", PASSWORD).await;
    assert_ne!(a.status, StatusCode::CREATED, "{:?}", a.body);

    let audit = app
        .audit_log(&admin_with_review(&app).await, "limit=200")
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"staff.deactivated"), "{actions:?}");
}

/// Another staff account to read the audit log with.
async fn admin_with_review(app: &TestApp) -> String {
    app.staff("auditor@berth.test", &[Role::Reviewer]).await
}
