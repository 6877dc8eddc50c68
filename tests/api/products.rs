//! Product release, the storefront, suspension, the catalog, and contact-us consultations.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub(crate) fn product_form(name: &str, category: &str) -> Value {
    json!({
        "name": name, "category": category, "service_type": "saas", "delivery": "download",
        "summary": "Fleet management for IoT devices",
        "description": "# Features\n\n- OTA updates\n\n<script>alert('x')</script>\n\n[docs](javascript:alert(1))",
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"},
                  {"name": "Pro", "price_fen": 29900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets and phone, 5×8", "warranty": "99.9% availability"}
    })
}

/// A 1×1 PNG.
pub(crate) fn png() -> Vec<u8> {
    let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    v.extend_from_slice(b"IHDR");
    v.extend_from_slice(&1u32.to_be_bytes());
    v.extend_from_slice(&1u32.to_be_bytes());
    v.extend_from_slice(&[8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89]);
    v
}

pub(crate) async fn upload_icon(
    app: &TestApp,
    token: &str,
    id: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> Answer {
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name("icon")
        .mime_str(mime)
        .expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    app.raw(
        app.client
            .post(app.url(&path::product_action(id, "icon")))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

#[tokio::test]
async fn a_product_goes_from_draft_through_rejection_to_the_storefront_and_back_off() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let company = "杭州星图软件有限公司";
    let Provider {
        token, id: seller, ..
    } = app
        .with_moved_in_provider("seller@example.com", company, &uscc(21))
        .await;

    let a = app
        .create_product(&token, product_form("星图 IoT 平台", "iot"))
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["status"], "draft");
    let id = a.body["id"].as_str().expect("id").to_string();
    let a = upload_icon(&app, &token, &id, png(), "image/png").await;
    a.assert_status(StatusCode::OK);

    // Not on the storefront before approval.
    app.storefront_product(&id)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    let a = app.submit_product(&token, &id).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "in_review");
    let item = app.pending_item(&operator, "product", &seller).await;
    app.reject(
        &operator,
        &item,
        json!([{"field": "summary", "message": "Say what the product does"}]),
    )
    .await;
    let p = app.product(&token, &id).await;
    assert_eq!(p.body["status"], "rejected");
    assert_eq!(p.body["working"]["reasons"][0]["field"], "summary");

    let mut fixed = product_form("星图 IoT 平台", "iot");
    fixed["summary"] = json!("Device fleet management: OTA, monitoring and alerts");
    let a = app.update_product(&token, &id, fixed).await;
    a.assert_status(StatusCode::OK);
    app.submit_product(&token, &id).await;
    let item = app.pending_item(&operator, "product", &seller).await;
    assert_eq!(item["subject"]["company_name"], company);
    app.approve(&operator, &item).await;

    // Listed, with the provider's customer-service info.
    let s = app.storefront("q=ota").await;
    s.assert_status(StatusCode::OK);
    assert_eq!(s.body["items"][0]["id"], id.as_str(), "{:?}", s.body);
    assert_eq!(s.body["items"][0]["provider_name"], company);
    assert_eq!(s.body["items"][0]["price_from_fen"], 9900);
    // Chinese words, any case, and words across the name and summary; nothing for what is not there.
    for (q, found) in [
        ("星图", true),
        ("IOT", true),
        ("平台", true),
        ("图 I", true),
        ("图I", false),
        ("区块链", false),
        ("x", false),
    ] {
        let s = app.storefront(&format!("q={}", urlencode(q))).await;
        s.assert_status(StatusCode::OK);
        assert_eq!(
            s.body["items"].as_array().map(|i| !i.is_empty()),
            Some(found),
            "search {q:?}: {:?}",
            s.body
        );
    }
    let s = app.storefront("category=api-market").await;
    assert_eq!(s.body["items"], json!([]));
    let p = app.storefront_product(&id).await;
    p.assert_status(StatusCode::OK);
    assert_eq!(p.body["provider"]["name"], company);
    assert_eq!(
        p.body["provider"]["customer_service"],
        json!({"phone": "400-123-4567", "email": "service@example.com", "dongdong_group_id": "12345678",
               "service_hours": "工作日 9:00-18:00"})
    );
    let html = p.body["description_html"].as_str().expect("html");
    assert!(html.contains("<h1>Features</h1>"));
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    let icon = app
        .client
        .get(app.url(&format!("{}/icon", path::storefront_product(&id))))
        .send()
        .await
        .expect("icon");
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.bytes().await.expect("bytes").to_vec(), png());

    // The product page puts the provider panel first (the left column).
    let page = app
        .client
        .get(app.url(&format!("/products/{id}")))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    let panel = page.find("id=\"provider-panel\"").expect("panel");
    let main = page.find("id=\"product-main\"").expect("main");
    assert!(panel < main);
    assert!(page.contains("400-123-4567"));

    // Editing a listed product: a new revision in review while the listed one stays live.
    let mut v2 = product_form("星图 IoT 平台 2", "iot");
    v2["summary"] = json!("Second version");
    let a = app.update_product(&token, &id, v2).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["live"]["name"], "星图 IoT 平台");
    assert_eq!(
        a.body["working"]["number"], 2,
        "revision 1 was returned, fixed and approved"
    );
    app.submit_product(&token, &id).await;
    assert_eq!(
        app.storefront_product(&id).await.body["name"],
        "星图 IoT 平台"
    );
    let item = app.pending_item(&operator, "product", &seller).await;
    app.approve(&operator, &item).await;
    assert_eq!(
        app.storefront_product(&id).await.body["name"],
        "星图 IoT 平台 2"
    );

    // Unlist: gone; relist: back.
    let a = app.product_action(&token, &id, "unlist").await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "unlisted");
    app.storefront_product(&id)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(app.storefront("").await.body["items"], json!([]));
    let a = app.product_action(&token, &id, "relist").await;
    assert_eq!(a.body["status"], "listed");

    // Suspension hides the provider's products; reinstatement brings them back.
    let a = app.suspend(&operator, &seller, json!({})).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["reason"]);
    let a = app
        .suspend(&operator, &seller, json!({"reason": "Complaints"}))
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    app.storefront_product(&id)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // The provider is told why.
    app.wait_for_mail_containing("seller@example.com", "Complaints")
        .await;
    let a = app
        .reinstate(&operator, &seller, json!({"reason": "Resolved"}))
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    app.storefront_product(&id)
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn bad_product_input_is_refused() {
    let app = spawn_app().await;

    // Only moved-in providers release products.
    let early = app.provider("early@example.com").await;
    let a = app.create_product(&early, product_form("x", "iot")).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "provider_access_required");

    let token = app
        .with_moved_in_provider("strict@example.com", "严格科技有限公司", &uscc(22))
        .await
        .token;
    let a = app
        .create_product(&token, product_form("x", "blockchain"))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("category".to_string(), "not_declared".to_string())]
    );
    // A service type the company did not declare (it declared SaaS and offline service).
    let mut f = product_form("x", "iot");
    f["service_type"] = json!("image");
    let a = app.create_product(&token, f).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![(
            "service_type".to_string(),
            "service_type_not_declared".to_string()
        )]
    );
    let mut f = product_form("x", "iot");
    f["plans"] = json!([{"name": "Neg", "price_fen": -100, "billing": "monthly"}]);
    f["delivery"] = json!("carrier-pigeon");
    let a = app.create_product(&token, f).await;
    let fields = a.fields();
    assert!(
        fields.contains(&("plans[0].price_fen".to_string(), "out_of_range".to_string())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("delivery".to_string(), "not_allowed".to_string())),
        "{fields:?}"
    );
    let a = app.create_product(&token, json!({})).await;
    // Every field of the contract's form is named; the terms wait for the submission.
    let names = a.field_names();
    assert!(names.len() >= 7, "{:?}", a.body);
    assert!(!names.iter().any(|n| n.starts_with("terms.")), "{names:?}");
    let listed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM products")
        .fetch_one(&app.db().await)
        .await
        .expect("n");
    assert_eq!(listed, 0, "nothing half-written");

    let a = app.create_product(&token, product_form("ok", "iot")).await;
    let id = a.body["id"].as_str().expect("id").to_string();
    let a = upload_icon(
        &app,
        &token,
        &id,
        b"<svg onload=alert(1)>".to_vec(),
        "image/png",
    )
    .await;
    a.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = png();
    big.resize(1024 * 1024 + 10, 0);
    let a = upload_icon(&app, &token, &id, big, "image/png").await;
    a.assert_status(StatusCode::PAYLOAD_TOO_LARGE);
    let p = app.product(&token, &id).await;
    assert_eq!(p.body["working"]["icon_url"], Value::Null);

    // Another provider cannot see or touch it.
    let other = app
        .with_moved_in_provider("other@example.com", "他人科技有限公司", &uscc(23))
        .await
        .token;
    app.product(&other, &id)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    let a = app.submit_product(&other, &id).await;
    a.assert_status(StatusCode::NOT_FOUND);
    // Unlisting something never approved is a conflict.
    let a = app.product_action(&token, &id, "unlist").await;
    a.assert_status(StatusCode::CONFLICT);
}

#[tokio::test]
async fn operators_manage_the_catalog_without_breaking_existing_choices() {
    let app = spawn_app().await;
    // The catalog is the admins' (docs/STAFF.md); reviewers and finance may not touch it.
    let reviewer = app.with_operator().await;
    let a = app
        .post_as(
            &reviewer,
            path::REVIEW_CATEGORIES,
            json!({"slug": "edu-tech", "name_zh": "教育科技", "name_en": "EdTech"}),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");
    let operator = app
        .staff("catalog@berth.test", &[berth::domain::account::Role::Admin])
        .await;
    let provider = app.provider("cat@example.com").await;
    let a = app
        .post_as(&provider, path::REVIEW_CATEGORIES, json!({"slug": "x"}))
        .await;
    a.assert_status(StatusCode::FORBIDDEN);

    let a = app
        .post_as(
            &operator,
            path::REVIEW_CATEGORIES,
            json!({"slug": "edu-tech", "name_zh": "教育科技", "name_en": "EdTech"}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let a = app
        .post_as(
            &operator,
            path::REVIEW_CATEGORIES,
            json!({"slug": "edu-tech", "name_zh": "教育", "name_en": "Edu"}),
        )
        .await;
    assert_eq!(a.code(), "slug_taken");
    let a = app
        .post_as(
            &operator,
            path::REVIEW_CATEGORIES,
            json!({"slug": "Bad Slug!"}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.field_names().contains(&"slug".to_string()));
    let a = app
        .send(
            reqwest::Method::PUT,
            &format!("{}/edu-tech", path::REVIEW_CATEGORIES),
            Some(&operator),
            Some(json!({"name_zh": "教育科技服务", "name_en": "Education technology"})),
        )
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    let list = app.get(path::CATEGORIES).await;
    assert!(list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|c| c["name_en"] == "Education technology"));
    let a = app
        .post_as(
            &operator,
            &format!("{}/edu-tech/retire", path::REVIEW_CATEGORIES),
            json!({}),
        )
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    let list = app.get(path::CATEGORIES).await;
    assert!(!list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|c| c["slug"] == "edu-tech"));
    let a = app
        .post_as(
            &operator,
            "/api/v1/review/catalog/nonsense/x/retire",
            json!({}),
        )
        .await;
    a.assert_status(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_visitor_asks_a_question_and_gets_a_reference_and_an_answer() {
    let app = spawn_app().await;
    let a = app
        .consult(
            json!({"topic": "provider_cooperation", "name": "王五", "company": "某某公司",
              "email": "wang@example.com", "message": "我们想入驻，请问需要多久审核？"}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let reference = a.body["reference"].as_str().expect("reference").to_string();
    assert!(reference.starts_with('C'));
    let mail = app.wait_for_mail("wang@example.com", 0).await;
    assert!(mail.contains(&reference));

    let a = app
        .consult(json!({"topic": "spam", "name": "", "email": "x", "message": ""}))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let mut names = a.field_names();
    names.sort();
    assert_eq!(names, vec!["email", "message", "name", "topic"]);

    let operator = app.with_operator().await;
    let q = app
        .get_as(
            &operator,
            &format!("{}?status=open", path::REVIEW_CONSULTATIONS),
        )
        .await;
    q.assert_status(StatusCode::OK);
    let id = q.body["items"][0]["id"].as_str().expect("id").to_string();
    let a = app
        .post_as(
            &operator,
            &path::consultation_reply(&id),
            json!({"message": ""}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let a = app
        .post_as(
            &operator,
            &path::consultation_reply(&id),
            json!({"message": "通常 1–3 个工作日。"}),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "replied");
    let reply = app.wait_for_mail("wang@example.com", 1).await;
    assert!(reply.contains("1–3 个工作日"), "{reply}");

    // Rate-limited per client address: five in ten minutes (one was refused as invalid).
    for i in 0..4 {
        let a = app
            .consult(json!({"name": "n", "email": format!("r{i}@example.com"), "message": "hello"}))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{i}: {:?}", a.body);
    }
    let a = app
        .consult(json!({"name": "n", "email": "r9@example.com", "message": "hello"}))
        .await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.code(), "rate_limited");
    assert!(a.headers.get("retry-after").is_some());
    // Only operators see the queue.
    let provider = app.provider("nosy@example.com").await;
    app.get_as(&provider, path::REVIEW_CONSULTATIONS)
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

/// Creates a product, submits it and has the operator approve it; returns its id.
async fn listed_product(app: &TestApp, operator: &str, token: &str, name: &str) -> String {
    let a = app.create_product(token, product_form(name, "iot")).await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    let a = app.submit_product(token, &id).await;
    a.assert_status(StatusCode::OK);
    let seller = app.account_id(token).await;
    let item = app.pending_item(operator, "product", &seller).await;
    app.approve(operator, &item).await;
    id
}

fn listed_ids(a: &Answer) -> Vec<String> {
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id").to_string())
        .collect()
}

/// The storefront answers from memory; a second server on the same database must still see every
/// change the first one makes, at once (the scale-out path on PostgreSQL, or the CLI beside a
/// server on SQLite).
#[tokio::test]
async fn a_second_server_on_the_same_database_sees_storefront_changes_at_once() {
    let a = spawn_app().await;
    let shared_dir = a.data_dir.path().to_path_buf();
    let shared_url = a.database_url.clone();
    let b = spawn_app_with(move |c| {
        c.data_dir = shared_dir;
        c.database_url = Some(shared_url);
    })
    .await;
    let operator = a.with_operator().await;
    let Provider {
        token, id: seller, ..
    } = a
        .with_moved_in_provider("twin@example.com", "杭州双子科技有限公司", &uscc(31))
        .await;

    assert_eq!(b.storefront("").await.body["items"], json!([]));
    let first = listed_product(&a, &operator, &token, "双子 监控 一号").await;
    assert_eq!(listed_ids(&b.storefront("").await), vec![first.clone()]);
    let second = listed_product(&a, &operator, &token, "双子 监控 二号").await;
    let both = vec![second.clone(), first.clone()];
    assert_eq!(listed_ids(&b.storefront("").await), both, "newest first");
    assert_eq!(
        listed_ids(&b.storefront(&format!("q={}", urlencode("监控"))).await),
        both
    );

    // Saving a draft of the next revision does not lift the older product to the top.
    let a2 = a
        .update_product(&token, &first, product_form("双子 监控 一号 新版", "iot"))
        .await;
    a2.assert_status(StatusCode::OK);
    assert_eq!(listed_ids(&b.storefront("").await), both);

    // Pages follow the cursor.
    let page = b.storefront("limit=1").await;
    assert_eq!(listed_ids(&page), vec![second.clone()]);
    let cursor = page.body["next_cursor"]
        .as_str()
        .expect("cursor")
        .to_string();
    let page = b.storefront(&format!("limit=1&cursor={cursor}")).await;
    assert_eq!(listed_ids(&page), vec![first.clone()]);
    assert_eq!(page.body["next_cursor"], Value::Null);

    // Suspension empties the list and the search on the other server; reinstatement refills them.
    let s = a
        .suspend(&operator, &seller, json!({"reason": "Complaints"}))
        .await;
    s.assert_status(StatusCode::NO_CONTENT);
    for path in [path::STOREFRONT, "/api/v1/storefront/products?category=iot"] {
        assert_eq!(b.get(path).await.body["items"], json!([]), "{path}");
    }
    let s = a
        .reinstate(&operator, &seller, json!({"reason": "Resolved"}))
        .await;
    s.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(listed_ids(&b.storefront("category=iot").await), both);

    // Unlisting on one server hides the product on the other; relisting keeps its old place.
    let u = a.product_action(&token, &second, "unlist").await;
    u.assert_status(StatusCode::OK);
    assert_eq!(listed_ids(&b.storefront("").await), vec![first.clone()]);
    let r = a.product_action(&token, &second, "relist").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(listed_ids(&b.storefront("").await), both);

    // Issue 12: every change above reached B in place: B loaded its index once, at start, and
    // applied the recorded changes since, re-reading only the products they name.
    assert_eq!(b.metric("berth_storefront_reloads_total").await, 1.0);
    assert!(b.metric("berth_storefront_changes_applied_total").await >= 6.0);
    b.stop().await;
}

/// The product form of the API contract (no terms) makes a draft; the submission then names
/// the terms buyers will read, and once they are given it goes through.
#[tokio::test]
async fn a_draft_without_terms_is_saved_and_its_submission_asks_for_them() {
    let app = spawn_app().await;
    let Provider { token, .. } = app
        .with_moved_in_provider("terms@example.com", "杭州条款软件有限公司", &uscc(23))
        .await;
    let mut form = product_form("条款 平台", "iot");
    form.as_object_mut().expect("object").remove("terms");
    let a = app.create_product(&token, form.clone()).await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    upload_icon(&app, &token, &id, png(), "image/png")
        .await
        .assert_status(StatusCode::OK);

    let a = app.submit_product(&token, &id).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let mut named = a.fields();
    named.sort();
    assert_eq!(
        named,
        vec![
            (
                "terms.after_sales_scope".to_string(),
                "required".to_string()
            ),
            ("terms.warranty".to_string(), "required".to_string()),
        ]
    );
    assert_eq!(app.product(&token, &id).await.body["status"], "draft");

    let a = app
        .update_product(&token, &id, product_form("条款 平台", "iot"))
        .await;
    a.assert_status(StatusCode::OK);
    app.submit_product(&token, &id)
        .await
        .assert_status(StatusCode::OK);
}
