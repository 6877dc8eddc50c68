//! The OpenAPI document is the contract: query parameters are in the query, required fields are
//! required, every error an operation gives is documented, and every route is in it. And every
//! refusal has the API's error shape, whatever part of the request was wrong.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{path, spawn_app, PASSWORD};

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    out
}

/// Issue 9, hole 13: query parameters were declared `in: path, required: true`; every request
/// field was optional and nullable; 401/403/404/415/422/429 were undocumented; the icon's GET
/// was missing and its POST had no request body.
#[tokio::test]
async fn the_document_says_what_the_server_does() {
    let app = spawn_app().await;
    let doc = app.get("/api/v1/openapi.json").await.body;
    let mut ids = Vec::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or("").to_string();
        assert!(!id.is_empty(), "{method} {path} has no operationId");
        assert!(!ids.contains(&id), "operationId {id} is used twice");
        ids.push(id);
        for p in op["parameters"].as_array().cloned().unwrap_or_default() {
            let name = p["name"].as_str().unwrap_or("");
            let in_path = path.contains(&format!("{{{name}}}"));
            assert_eq!(
                p["in"],
                if in_path { "path" } else { "query" },
                "{method} {path}: {name}"
            );
            if in_path {
                assert_eq!(p["required"], true, "{method} {path}: {name}");
            }
        }
        let responses = op["responses"].as_object().expect("responses");
        let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
        if secured {
            for status in ["401", "403"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if let Some(body) = op.get("requestBody") {
            // The server refuses parts and fields it does not know (a fuzzer met a 400 for an
            // extra multipart part the schema allowed): every body says so.
            for (media, content) in body["content"].as_object().expect("content") {
                let schema = &content["schema"];
                let schema = match schema["$ref"].as_str() {
                    Some(r) => &doc["components"]["schemas"][r.rsplit('/').next().unwrap_or("")],
                    None => schema,
                };
                assert_eq!(
                    schema["additionalProperties"], false,
                    "{method} {path} ({media}) admits fields the server refuses"
                );
            }
            for status in ["400", "413", "415", "422"] {
                assert!(
                    responses.contains_key(status),
                    "{method} {path} lacks {status}"
                );
            }
        }
        if path.contains('{') {
            assert!(responses.contains_key("404"), "{method} {path} lacks 404");
        }
    }
    let icon = &doc["paths"]["/api/v1/provider/products/{id}/icon"];
    assert!(icon["get"].is_object(), "the icon's GET is documented");
    assert!(
        icon["post"]["requestBody"]["content"]["multipart/form-data"].is_object(),
        "the icon's POST has a multipart body"
    );
    // Required fields are required and not nullable.
    let register = &doc["components"]["schemas"]["RegisterRequest"];
    assert_eq!(register["required"], json!(["email", "password"]));
    assert_eq!(register["properties"]["email"]["type"], "string");
    assert_eq!(register["additionalProperties"], false);
    let decision = &doc["components"]["schemas"]["DecisionForm"];
    let required = decision["required"].as_array().expect("required");
    assert!(required.contains(&json!("decision")) && required.contains(&json!("version")));
    // 429 and 503 carry Retry-After.
    let e429 = &doc["components"]["responses"]["Error429"];
    assert!(e429["headers"]["Retry-After"].is_object(), "{e429}");
    let e503 = &doc["components"]["responses"]["Error503"];
    assert!(e503["headers"]["Retry-After"].is_object(), "{e503}");
    // A settlement item's `in_force` may be null, and says so.
    let in_force = &doc["components"]["schemas"]["ItemDetail"]["allOf"];
    assert!(in_force.to_string().contains("\"null\""), "{in_force}");
}

/// Issue 9, hole 12: some refusals were not in the API's error shape.
#[tokio::test]
async fn every_refusal_has_the_error_shape_and_names_the_field() {
    let app = spawn_app().await;
    let token = app.provider("shape@example.com").await;
    let shaped = |a: &crate::helpers::Answer| {
        a.body["error"]["code"].is_string() && a.body["error"]["message"].is_string()
    };

    // A query string that does not fit names its parameter.
    let a = app
        .get_as(
            &token,
            "/api/v1/provider/products/0190b2a4-0000-7000-8000-000000000000/icon",
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["document"]);
    let a = app.storefront("limit=abc").await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["limit"]);
    let a = app.storefront("limit=5&limit=6").await;
    assert_eq!(
        a.fields(),
        vec![("limit".to_string(), "duplicate_key".to_string())]
    );
    let a = app.storefront("cursor=").await;
    assert_eq!(a.field_names(), vec!["cursor"]);

    // A path segment that is not UTF-8 finds nothing.
    let a = app.get("/api/v1/storefront/products/%ff%fe").await;
    a.assert_status(StatusCode::NOT_FOUND);
    assert!(shaped(&a), "{:?}", a.body);
    assert_eq!(a.code(), "not_found");

    // A multipart body that cannot be read says so in the error shape, not as broken JSON.
    let a = app
        .raw(
            app.client
                .post(app.url(path::DOCUMENTS))
                .bearer_auth(&token)
                .header("content-type", "multipart/form-data; boundary=b")
                .body("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\0b.pdf\"\r\n\r\n%PDF-\r\n--b"),
        )
        .await;
    assert!(a.status.is_client_error(), "{:?}", a.status);
    assert!(shaped(&a), "{:?}", a.body);

    // The same key twice is refused, naming it.
    let a = app
        .raw(
            app.client
                .post(app.url(path::SESSIONS))
                .header("content-type", "application/json")
                .body(format!(
                    r#"{{"email": "shape@example.com", "password": "nope", "password": "{PASSWORD}"}}"#
                )),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("password".to_string(), "duplicate_key".to_string())]
    );

    // One error per field: never both too long and required.
    let a = app
        .consult(json!({"name": " ".repeat(60), "email": "v@example.com", "message": "hello"}))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("name".to_string(), "too_long".to_string())]
    );

    // An integer field takes an integer: `12.0` is refused, naming the field, not read as 12.
    let a = app.confirm_deposit(&token, 12.0).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("amount_fen".to_string(), "integer".to_string())]
    );
    let a = app.confirm_deposit(&token, 12).await;
    assert_eq!(a.code(), "deposit_not_sent", "{:?}", a.body);

    // A method a path does not take.
    let a = app
        .send(reqwest::Method::PATCH, path::ME, Some(&token), None)
        .await;
    a.assert_status(StatusCode::METHOD_NOT_ALLOWED);
    assert!(shaped(&a));
    assert!(a.headers.get("allow").is_some());
}
