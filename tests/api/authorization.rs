//! Who may do what: anonymous clients, providers, operators, and providers not yet approved.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

const SOME_ID: &str = "0190b2a4-0000-7000-8000-000000000000";

/// Every route that needs a signed-in account, with a body where it takes one.
fn private_routes() -> Vec<(Method, String, Option<Value>)> {
    let body = Some(json!({}));
    vec![
        (Method::GET, path::ME.into(), None),
        (Method::GET, path::MOVE_IN.into(), None),
        (Method::GET, path::ENTERPRISE.into(), None),
        (
            Method::PUT,
            path::ENTERPRISE.into(),
            Some(enterprise_form("深圳匿名科技有限公司", &uscc(1))),
        ),
        (Method::POST, path::ENTERPRISE_SUBMIT.into(), body.clone()),
        (
            Method::POST,
            path::DEPOSIT_CONFIRM.into(),
            Some(json!({"amount_fen": 12})),
        ),
        (Method::GET, path::APPLICATION.into(), None),
        (
            Method::PUT,
            path::APPLICATION.into(),
            Some(application_form()),
        ),
        (Method::POST, path::APPLICATION_SUBMIT.into(), body.clone()),
        (Method::GET, path::CUSTOMER_SERVICE.into(), None),
        (
            Method::PUT,
            path::CUSTOMER_SERVICE.into(),
            Some(customer_service_form()),
        ),
        (Method::GET, path::SETTLEMENT.into(), None),
        (
            Method::PUT,
            path::SETTLEMENT.into(),
            Some(settlement_form("深圳匿名科技有限公司", ACCOUNT_NUMBER)),
        ),
        (Method::GET, path::document(SOME_ID), None),
    ]
    .into_iter()
    .chain(review_routes())
    .collect()
}

/// Every route of the review back office (and the audit log).
fn review_routes() -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, path::REVIEW_ITEMS.into(), None),
        (
            Method::GET,
            format!(
                "{}?kind=enterprise_verification&status=pending",
                path::REVIEW_ITEMS
            ),
            None,
        ),
        (Method::GET, path::REVIEW_SUMMARY.into(), None),
        (Method::GET, path::review_item(SOME_ID), None),
        (
            Method::POST,
            path::decision(SOME_ID),
            Some(json!({"decision": "approve", "version": 1})),
        ),
        (Method::POST, path::micro_deposit(SOME_ID), Some(json!({}))),
        (Method::GET, path::AUDIT.into(), None),
    ]
}

fn multipart_upload() -> reqwest::multipart::Form {
    let part = reqwest::multipart::Part::bytes(pdf())
        .file_name("licence.pdf")
        .mime_str("application/pdf")
        .expect("mime");
    reqwest::multipart::Form::new()
        .text("kind", "business_license")
        .part("file", part)
}

#[tokio::test]
async fn an_anonymous_client_is_turned_away_from_every_private_route() {
    let app = spawn_app().await;
    for (method, path, body) in private_routes() {
        let a = app.send(method.clone(), &path, None, body.clone()).await;
        assert_eq!(
            a.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "unauthenticated", "{method} {path}");
        // A made-up token is no better.
        let a = app
            .send(method.clone(), &path, Some("not-a-token"), body)
            .await;
        assert_eq!(
            a.status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} (bad token)"
        );
        assert_eq!(a.code(), "unauthenticated", "{method} {path} (bad token)");
    }
    let a = app
        .raw(
            app.client
                .post(app.url(path::DOCUMENTS))
                .multipart(multipart_upload()),
        )
        .await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "unauthenticated");

    // Nothing was written on the way.
    let db = app.db().await;
    for table in [
        "enterprise_verifications",
        "documents",
        "partner_applications",
        "provider_customer_service",
        "provider_settlement",
        "review_items",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&db)
            .await
            .expect("count");
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn the_catalog_is_public() {
    let app = spawn_app().await;
    let a = app.get(path::CATEGORIES).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(
        a.body,
        json!({"items": [
            {"slug": "basic-software", "name_zh": "基础软件", "name_en": "Basic software"},
            {"slug": "website-building", "name_zh": "建站与推广", "name_en": "Website building"},
            {"slug": "enterprise-software", "name_zh": "企业软件与服务", "name_en": "Enterprise software and services"},
            {"slug": "data-intelligence", "name_zh": "数据智能", "name_en": "Data intelligence"},
            {"slug": "ops-services", "name_zh": "运维服务", "name_en": "O&M services"},
            {"slug": "cloud-security", "name_zh": "云安全", "name_en": "Cloud security"},
            {"slug": "api-market", "name_zh": "API集市", "name_en": "API market"},
            {"slug": "expert-services", "name_zh": "专家服务", "name_en": "Expert services"},
            {"slug": "iot", "name_zh": "物联网", "name_en": "IoT"},
            {"slug": "blockchain", "name_zh": "区块链", "name_en": "Blockchain"},
        ]})
    );
    let a = app.get("/api/v1/catalog/service-types").await;
    a.assert_status(StatusCode::OK);
    assert_eq!(
        a.body,
        json!({"items": [
            {"slug": "image", "name_zh": "镜像", "name_en": "Image"},
            {"slug": "saas", "name_zh": "软件服务", "name_en": "SaaS"},
            {"slug": "download", "name_zh": "下载", "name_en": "Download"},
            {"slug": "offline-service", "name_zh": "线下服务", "name_en": "Offline service"},
        ]})
    );
    // Signed in it is the same list.
    let token = app.provider("reader@example.com").await;
    let signed_in = app.get_as(&token, path::CATEGORIES).await;
    signed_in.assert_status(StatusCode::OK);
    assert_eq!(signed_in.body["items"].as_array().map(Vec::len), Some(10));
}

#[tokio::test]
async fn a_provider_cannot_use_the_review_back_office() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let (Provider { token, .. }, item) = app
        .with_submitted_provider("curious@example.com", "深圳好奇科技有限公司", &uscc(2))
        .await;
    let item_id = item["id"].as_str().expect("id").to_string();
    let before = app.review_item(&op, &item_id).await.body;

    let mut routes = review_routes();
    // The provider's own item is just as closed to it.
    routes.extend([
        (Method::GET, path::review_item(&item_id), None),
        (
            Method::POST,
            path::decision(&item_id),
            Some(json!({"decision": "approve", "version": item["version"]})),
        ),
        (Method::POST, path::micro_deposit(&item_id), Some(json!({}))),
    ]);
    for (method, path, body) in routes {
        let a = app.send(method.clone(), &path, Some(&token), body).await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "forbidden", "{method} {path}");
    }

    let after = app.review_item(&op, &item_id).await.body;
    assert_eq!(after, before);
    assert_eq!(after["status"], "pending");
    assert_eq!(after["micro_deposit"], "not_sent");
    let ent = app.enterprise(&token).await;
    assert_eq!(ent.body["status"], "in_review");
}

#[tokio::test]
async fn a_provider_cannot_download_another_providers_document() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let alice = app.provider("alice@example.com").await;
    let bob = app.provider("bob@example.com").await;
    let licence = pdf_with("alice's licence");
    let up = app.upload_licence_with(&alice, licence.clone()).await;
    up.assert_status(StatusCode::CREATED);
    let url = up.body["url"].as_str().expect("url").to_string();
    let doc_id = up.body["id"].as_str().expect("id").to_string();
    assert_eq!(url, path::document(&doc_id));

    let fetch = |token: String, path: String| {
        let req = app.client.get(app.url(&path)).bearer_auth(token);
        async move {
            let resp = req.send().await.expect("sent");
            let status = resp.status();
            let headers = resp.headers().clone();
            (status, headers, resp.bytes().await.expect("body").to_vec())
        }
    };

    // Bob: as if it did not exist.
    let a = app.get_as(&bob, &url).await;
    a.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "not_found");
    let none = app.get_as(&bob, &path::document(SOME_ID)).await;
    none.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(none.body, {
        let mut b = a.body.clone();
        b["error"]["request_id"] = none.body["error"]["request_id"].clone();
        b
    });

    // Alice and the operator get the file.
    for token in [alice.clone(), op.clone()] {
        let (status, headers, bytes) = fetch(token, url.clone()).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, licence);
        let disposition = headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert_eq!(
            headers
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
    }
    // Bob's own list does not show it either.
    let ent = app.enterprise(&bob).await;
    assert_eq!(ent.body["documents"], json!([]));
}

#[tokio::test]
async fn an_operator_cannot_fill_in_or_change_provider_data() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let company = "深圳守门科技有限公司";
    let provider = app
        .with_moved_in_provider("kept@example.com", company, &uscc(3))
        .await
        .token;
    let read = |path: &'static str| app.get_as(&provider, path);
    let before = (
        read(path::ENTERPRISE).await.body,
        read(path::APPLICATION).await.body,
        read(path::CUSTOMER_SERVICE).await.body,
        read(path::SETTLEMENT).await.body,
    );

    let attempts: Vec<(Method, &str, Option<Value>)> = vec![
        (
            Method::PUT,
            path::ENTERPRISE,
            Some(enterprise_form("别人的公司", &uscc(4))),
        ),
        (Method::PUT, path::APPLICATION, Some(application_form())),
        (
            Method::PUT,
            path::CUSTOMER_SERVICE,
            Some(json!({"phone": "13900139000", "email": "evil@example.com",
                        "dongdong_group_id": "99999", "service_hours": "never"})),
        ),
        (
            Method::PUT,
            path::SETTLEMENT,
            Some(settlement_form(company, "6214830100559999")),
        ),
        (Method::POST, path::ENTERPRISE_SUBMIT, Some(json!({}))),
        (Method::POST, path::APPLICATION_SUBMIT, Some(json!({}))),
        (Method::GET, path::ENTERPRISE, None),
        (Method::GET, path::MOVE_IN, None),
        (Method::GET, path::CUSTOMER_SERVICE, None),
    ];
    for (method, path, body) in attempts {
        let a = app.send(method.clone(), path, Some(&op), body).await;
        assert_eq!(
            a.status,
            StatusCode::FORBIDDEN,
            "{method} {path}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "forbidden", "{method} {path}");
    }
    let a = app
        .raw(
            app.client
                .post(app.url(path::DOCUMENTS))
                .bearer_auth(&op)
                .multipart(multipart_upload()),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);

    let after = (
        read(path::ENTERPRISE).await.body,
        read(path::APPLICATION).await.body,
        read(path::CUSTOMER_SERVICE).await.body,
        read(path::SETTLEMENT).await.body,
    );
    assert_eq!(after, before);
    let op_id = app.account_id(&op).await;
    let db = app.db().await;
    for table in [
        "enterprise_verifications",
        "documents",
        "partner_applications",
        "provider_customer_service",
        "provider_settlement",
        "settlement_pending",
    ] {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE account_id = $1"
        ))
        .bind(&op_id)
        .fetch_one(&db)
        .await
        .expect("count");
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn the_provider_backend_stays_closed_until_verification_and_approval() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let company = "深圳等待科技有限公司";
    let Provider { token, id, .. } = app.with_provider("waiting@example.com").await;

    let backend = |token: String| {
        vec![
            (Method::GET, path::CUSTOMER_SERVICE, None, token.clone()),
            (
                Method::PUT,
                path::CUSTOMER_SERVICE,
                Some(customer_service_form()),
                token.clone(),
            ),
            (Method::GET, path::SETTLEMENT, None, token.clone()),
            (
                Method::PUT,
                path::SETTLEMENT,
                Some(settlement_form(company, ACCOUNT_NUMBER)),
                token,
            ),
        ]
    };
    let closed = |a: &Answer, what: &str, due: &[&str]| {
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{what}: {:?}", a.body);
        assert_eq!(a.code(), "provider_access_required", "{what}");
        let got: Vec<&str> = a.body["error"]["due"]
            .as_array()
            .map(|d| d.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(got, due, "{what}");
    };
    let everything = [
        "enterprise_verification",
        "partner_application",
        "customer_service_info",
        "settlement_info",
    ];

    // A new account.
    for (method, path, body, t) in backend(token.clone()) {
        let a = app.send(method.clone(), path, Some(&t), body).await;
        closed(&a, &format!("new: {method} {path}"), &everything);
    }
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "enterprise_verification_required");
    assert_eq!(a.body["error"]["due"], json!(everything));
    let a = app.submit_application(&token).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "enterprise_verification_required");

    // Documents approved, but the micro-deposit not yet confirmed: still not verified.
    app.submit_verification(&token, company, &uscc(5)).await;
    let item = app.pending_item(&op, "enterprise_verification", &id).await;
    let item_id = item["id"].as_str().expect("id").to_string();
    app.approve(&op, &item).await;
    let sent = app.record_deposit(&op, &item_id).await;
    sent.assert_status(StatusCode::OK);
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "enterprise_verification_required");
    assert_eq!(a.body["error"]["due"][0], "enterprise_verification");
    for (method, path, body, t) in backend(token.clone()) {
        let a = app.send(method.clone(), path, Some(&t), body).await;
        closed(
            &a,
            &format!("deposit pending: {method} {path}"),
            &everything,
        );
    }
    let app_state = app.application(&token).await;
    assert_eq!(app_state.body["status"], "not_started");

    // Verified: the application opens, the backend not yet.
    let a = app.confirm_deposit(&token, &sent.body["amount_fen"]).await;
    a.assert_status(StatusCode::OK);
    for (method, path, body, t) in backend(token.clone()) {
        let a = app.send(method.clone(), path, Some(&t), body).await;
        closed(&a, &format!("verified: {method} {path}"), &everything[1..]);
    }
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::OK);
    let a = app.submit_application(&token).await;
    a.assert_status(StatusCode::OK);
    // In review is not approved.
    for (method, path, body, t) in backend(token.clone()) {
        let a = app.send(method.clone(), path, Some(&t), body).await;
        closed(&a, &format!("applied: {method} {path}"), &everything[1..]);
    }

    // Approved: the backend opens.
    let item = app.pending_item(&op, "partner_application", &id).await;
    app.approve(&op, &item).await;
    let a = app.customer_service(&token).await;
    assert_eq!(
        a.status,
        StatusCode::NOT_FOUND,
        "not saved yet: {:?}",
        a.body
    );
    let a = app.settlement(&token).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "not_set");
    let a = app
        .save_customer_service(&token, customer_service_form())
        .await;
    a.assert_status(StatusCode::OK);
    let db = app.db().await;
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM provider_customer_service WHERE account_id = $1")
            .bind(&id)
            .fetch_one(&db)
            .await
            .expect("count");
    assert_eq!(n, 1);
}
