//! Issue 14, item 5: automatic approval, narrowly. Rules from a fixed list, turned on by admins;
//! a rule names itself in the decision's audit event; a share goes to a second look; nothing
//! with bank details or identity is ever automatic.

use berth::domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const RULES: &str = "/api/v1/review/rules";
const SECOND_LOOKS: &str = "/api/v1/review/second-looks";

fn product_form(name: &str) -> Value {
    json!({
        "name": name, "category": "iot", "service_type": "saas", "delivery": "download",
        "summary": "Fleet management", "description": "Features",
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets", "warranty": "99.9%"}
    })
}

async fn set_rule(app: &TestApp, admin: &str, code: &str, body: Value) -> Answer {
    app.send(
        Method::PUT,
        &format!("{RULES}/{code}"),
        Some(admin),
        Some(body),
    )
    .await
}

/// Turns every rule on for providers with one approved product, every approval sampled.
async fn all_rules_on(app: &TestApp, admin: &str) {
    for code in ["product_minor_revision", "trusted_provider_new_product"] {
        set_rule(
            app,
            admin,
            code,
            json!({"enabled": true, "min_approved_products": 1, "sample_percent": 100}),
        )
        .await
        .assert_status(StatusCode::OK);
    }
}

/// A listed product of a live provider, approved by a person; (provider, product id).
async fn listed(app: &TestApp, email: &str, company: &str, n: u32) -> (Provider, String) {
    let op = app.with_operator().await;
    let p = app.with_moved_in_provider(email, company, &uscc(n)).await;
    let a = app.create_product(&p.token, product_form("星图")).await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "product", &p.id).await;
    app.approve(&op, &item).await;
    (p, id)
}

fn events_of<'a>(audit: &'a Answer, action: &str) -> Vec<&'a Value> {
    audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["action"] == action)
        .collect()
}

#[tokio::test]
async fn an_auto_approved_revision_is_audited_with_its_rule_and_sampled_for_a_second_look() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", &[Role::Admin]).await;
    let reviewer = app.staff("rev@berth.test", &[Role::Reviewer]).await;
    let (p, id) = listed(&app, "seller@example.com", "深圳自动科技有限公司", 151).await;

    // Only admins set rules; values are checked.
    let a = set_rule(
        &app,
        &reviewer,
        "product_minor_revision",
        json!({"enabled": true}),
    )
    .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");
    // The message names the role that is needed.
    let message = a.body["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("“管理员”"), "{message}");
    let a = set_rule(
        &app,
        &admin,
        "product_minor_revision",
        json!({"sample_percent": 101, "min_approved_products": 0}),
    )
    .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field_names(),
        vec!["min_approved_products", "sample_percent"]
    );
    set_rule(&app, &admin, "no_such_rule", json!({"enabled": true}))
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // Off by default: a minor revision waits for a person.
    let rules = app.get_as(&admin, RULES).await;
    rules.assert_status(StatusCode::OK);
    assert!(rules.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|r| r["enabled"] == false));

    all_rules_on(&app, &admin).await;
    let mut v2 = product_form("星图");
    v2["description"] = json!("More features");
    app.update_product(&p.token, &id, v2)
        .await
        .assert_status(StatusCode::OK);
    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::OK);
    // Decided at once by the rule: the new description is live.
    let a = app.product(&p.token, &id).await;
    assert_eq!(
        a.body["live"]["description"], "More features",
        "{:?}",
        a.body
    );

    let audit = app.audit_log(&admin_reader(&app).await, "limit=200").await;
    let approvals = events_of(&audit, "review.approved");
    let auto = approvals
        .iter()
        .find(|e| e["detail"]["rule"] == "product_minor_revision")
        .expect("an approval naming its rule");
    assert_eq!(auto["actor"], "system");
    assert_eq!(auto["detail"]["second_look"], true);
    assert!(!events_of(&audit, "review.rule_changed").is_empty());

    // Sampled (100 %): it waits for a second look, which a reviewer takes once.
    let looks = app.get_as(&reviewer, SECOND_LOOKS).await;
    looks.assert_status(StatusCode::OK);
    let item_id = auto["subject"].as_str().expect("item").to_string();
    assert_eq!(looks.body["items"][0]["id"], item_id.as_str());
    assert_eq!(looks.body["items"][0]["rule"], "product_minor_revision");
    // The queue filters them too.
    let flagged = app
        .get_as(
            &reviewer,
            "/api/v1/review/items?status=approved&second_look=true",
        )
        .await;
    flagged.assert_status(StatusCode::OK);
    let ids: Vec<&str> = flagged.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["id"].as_str())
        .collect();
    assert_eq!(ids, vec![item_id.as_str()]);
    let done = format!("/api/v1/review/items/{item_id}/second-look");
    let finance = app.staff("fin@berth.test", &[Role::Finance]).await;
    app.post_as(&finance, &done, json!({}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.send(Method::POST, &done, Some(&reviewer), None)
        .await
        .assert_status(StatusCode::NO_CONTENT);
    app.send(Method::POST, &done, Some(&reviewer), None)
        .await
        .assert_status(StatusCode::CONFLICT);
    let flagged = app
        .get_as(
            &reviewer,
            "/api/v1/review/items?status=approved&second_look=true",
        )
        .await;
    assert_eq!(flagged.body["items"], json!([]));

    // A new name is a person's decision, rules or not.
    app.update_product(&p.token, &id, product_form("星图 二代"))
        .await
        .assert_status(StatusCode::OK);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let op = app.with_operator().await;
    let item = app.pending_item(&op, "product", &p.id).await;
    assert_eq!(item["status"], "pending");
}

/// A reviewer to read the audit log with (any staff may).
async fn admin_reader(app: &TestApp) -> String {
    app.staff("reader@berth.test", &[Role::Reviewer]).await
}

#[tokio::test]
async fn nothing_with_bank_details_or_identity_is_auto_approved_even_with_every_rule_on() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", &[Role::Admin]).await;
    let op = app.with_operator().await;
    let company = "深圳银行科技有限公司";
    let (p, _) = listed(&app, "bank@example.com", company, 152).await;
    all_rules_on(&app, &admin).await;

    // A settlement change stays with finance.
    app.save_settlement(&p.token, settlement_form(company, "6214830100557661"))
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "settlement_change", &p.id).await;
    assert_eq!(item["status"], "pending");

    // So does a new enterprise verification.
    let (_, ent) = app
        .with_submitted_provider("new@example.com", "深圳身份科技有限公司", &uscc(153))
        .await;
    assert_eq!(ent["status"], "pending");

    // Whereas a product of the trusted provider goes through: the rules were on.
    let a = app.create_product(&p.token, product_form("第二个")).await;
    let second = a.body["id"].as_str().expect("id").to_string();
    app.submit_product(&p.token, &second)
        .await
        .assert_status(StatusCode::OK);
    let a = app.product(&p.token, &second).await;
    assert_eq!(a.body["live"]["name"], "第二个", "{:?}", a.body);

    let audit = app.audit_log(&op, "limit=200").await;
    for e in events_of(&audit, "review.approved") {
        if e["detail"]["rule"].is_string() {
            assert_eq!(e["detail"]["kind"], "product", "{e:?}");
        }
    }
}

#[tokio::test]
async fn a_suspended_providers_revision_waits_for_a_person_whatever_the_rules() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", &[Role::Admin]).await;
    let (p, id) = listed(&app, "paused@example.com", "深圳暂停科技有限公司", 152).await;
    all_rules_on(&app, &admin).await;
    let op = app.with_operator().await;
    app.suspend(&op, &p.id, json!({"reason": "投诉核查中"}))
        .await
        .assert_status(StatusCode::NO_CONTENT);

    let mut v2 = product_form("星图");
    v2["description"] = json!("Quietly changed while suspended");
    app.update_product(&p.token, &id, v2)
        .await
        .assert_status(StatusCode::OK);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "product", &p.id).await;
    assert_eq!(item["status"], "pending", "{item:?}");
    let audit = app.audit_log(&admin_reader(&app).await, "limit=200").await;
    assert!(events_of(&audit, "review.approved")
        .iter()
        .all(|e| e["detail"]["rule"].is_null()));
}
