//! Issue 14 under attack: holes found by a cold review of the staff, claims and automatic
//! approval work, each pinned by a test that failed before its fix.

use berth::domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

fn product_form(description: &str) -> Value {
    json!({
        "name": "星图", "category": "iot", "service_type": "saas", "delivery": "download",
        "summary": "Fleet management", "description": description,
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets", "warranty": "99.9%"}
    })
}

#[tokio::test]
async fn an_admin_cannot_assign_an_item_to_a_deactivated_reviewer() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", ALL_STAFF).await;
    let gone = app.staff("gone@berth.test", &[Role::Reviewer]).await;
    let gone_id = app.account_id(&gone).await;
    let (_, item) = app
        .with_submitted_provider("assign@example.com", "深圳探针科技有限公司", &uscc(171))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    app.send(
        Method::PATCH,
        &path::staff(&gone_id),
        Some(&admin),
        Some(json!({"active": false})),
    )
    .await
    .assert_status(StatusCode::OK);

    let assign = format!("/api/v1/review/items/{id}/assign");
    let a = app
        .post_as(&admin, &assign, json!({"reviewer": "gone@berth.test"}))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("reviewer".to_string(), "not_a_reviewer".to_string())]
    );
    // Nobody holds it: it is still in the unclaimed view.
    let q = app
        .get_as(&admin, &format!("{}?view=unclaimed", path::REVIEW_ITEMS))
        .await;
    assert!(q.body.to_string().contains(&id), "{:?}", q.body);
}

#[tokio::test]
async fn approved_revisions_of_one_product_do_not_make_a_provider_trusted() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", &[Role::Admin]).await;
    let op = app.with_operator().await;
    let p = app
        .with_moved_in_provider("one@example.com", "深圳单品科技有限公司", &uscc(172))
        .await;
    let a = app.create_product(&p.token, product_form("v1")).await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "product", &p.id).await;
    app.approve(&op, &item).await;

    // "At least two approved products", every approval looked at again.
    app.send(
        Method::PUT,
        "/api/v1/review/rules/product_minor_revision",
        Some(&admin),
        Some(json!({"enabled": true, "min_approved_products": 2, "sample_percent": 0})),
    )
    .await
    .assert_status(StatusCode::OK);

    // One product: a minor revision waits for a person, who approves it.
    app.update_product(&p.token, &id, product_form("v2"))
        .await
        .assert_status(StatusCode::OK);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "product", &p.id).await;
    app.approve(&op, &item).await;

    // Still one product, though two of its revisions were approved: not trusted.
    app.update_product(&p.token, &id, product_form("v3"))
        .await
        .assert_status(StatusCode::OK);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let a = app.product(&p.token, &id).await;
    assert_eq!(a.body["live"]["description"], "v2", "{:?}", a.body);
    assert_eq!(a.body["status"], "in_review", "{:?}", a.body);
}

#[tokio::test]
async fn a_deactivated_admins_open_invitations_stop_working() {
    let app = spawn_app().await;
    let boss = app.staff("boss@berth.test", &[Role::Admin]).await;
    let rogue = app.staff("rogue@berth.test", &[Role::Admin]).await;
    let rogue_id = app.account_id(&rogue).await;
    // Before leaving, an admin invites an address of their own as an admin.
    app.post_as(
        &rogue,
        "/api/v1/staff/invitations",
        json!({"email": "alias@example.com", "roles": ["admin"]}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let mail = app.wait_for_mail("alias@example.com", 0).await;
    let at = mail.find("token=").expect("a link with a token") + "token=".len();
    let token: String = mail[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();

    app.send(
        Method::PATCH,
        &path::staff(&rogue_id),
        Some(&boss),
        Some(json!({"active": false})),
    )
    .await
    .assert_status(StatusCode::OK);

    // The link dies with its sender's standing: no admin account comes of it.
    let a = app
        .post(
            "/api/v1/staff/invitations/accept",
            json!({"token": token, "password": "a long enough password"}),
        )
        .await;
    assert_ne!(a.status, StatusCode::CREATED, "{:?}", a.body);
    let staff = app.get_as(&boss, "/api/v1/staff").await;
    assert!(
        !staff.body.to_string().contains("alias@example.com"),
        "{:?}",
        staff.body
    );

    // The console's audit page says what happened in words, not "another action".
    let mut visitor = crate::pages::Visitor::new(&app);
    visitor.cookies.push(("berth_session".into(), boss));
    visitor.cookies.push(("berth_lang".into(), "en".into()));
    let page = visitor.get("/console/audit").await;
    page.assert_status(StatusCode::OK);
    let html = crate::pages::html(&page);
    for words in [
        "Invited a colleague",
        "Deactivated a staff account",
        "Withdrew open invitations",
    ] {
        assert!(html.contains(words), "{words} missing from the audit page");
    }
}
