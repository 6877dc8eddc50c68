//! The SaaS integration check (docs/INTEGRATION.md) against real receivers: axum servers on
//! loopback ports (the test server allows private networks and http). A receiver that checks the
//! signature and answers idempotently passes and the product can be submitted; a receiver that
//! answers 500, checks with a wrong key or opens a new instance on a retried call fails with the
//! step that failed; submission is refused before a pass and after the URL changes; the reviewer
//! sees the record. Without that permission, the guard refuses non-public callback URLs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// How a receiver behaves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Checks the signature, answers idempotently.
    Good,
    /// Checks the signature with another key: every call is 401.
    WrongKey,
    /// Always 500.
    Fails,
    /// A new instance on every createInstance, even a retried one.
    NotIdempotent,
}

#[derive(Clone)]
struct Receiver {
    behaviour: Behaviour,
    key: Arc<Mutex<Vec<u8>>>,
    answers: Arc<Mutex<HashMap<String, Value>>>,
    calls: Arc<Mutex<Vec<Value>>>,
}

async fn callback(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (AxumStatus, String) {
    let call: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    r.calls.lock().expect("calls").push(call.clone());
    let key = match r.behaviour {
        Behaviour::WrongKey => b"not the key".to_vec(),
        _ => r.key.lock().expect("key").clone(),
    };
    let header = headers
        .get("berth-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let now = berth::time_util::now_ms() / 1000;
    if berth::domain::signature::verify(header, &key, &body, now).is_err() {
        return (AxumStatus::UNAUTHORIZED, "{\"error\":\"signature\"}".into());
    }
    if r.behaviour == Behaviour::Fails {
        return (AxumStatus::INTERNAL_SERVER_ERROR, "oops".into());
    }
    let request_id = call["request_id"].as_str().unwrap_or("").to_string();
    let mut answers = r.answers.lock().expect("answers");
    if r.behaviour == Behaviour::Good {
        if let Some(a) = answers.get(&request_id) {
            return (AxumStatus::OK, a.to_string());
        }
    }
    let answer = match call["action"].as_str() {
        Some("createInstance") => json!({"instance_id": format!("inst-{}", answers.len() + 1)}),
        _ => json!({"success": true}),
    };
    let n = answers.len();
    answers.insert(format!("{request_id}#{n}"), answer.clone());
    answers.insert(request_id, answer.clone());
    (AxumStatus::OK, answer.to_string())
}

/// Starts a receiver; its URL and its state.
async fn receiver(behaviour: Behaviour) -> (String, Receiver) {
    let r = Receiver {
        behaviour,
        key: Arc::default(),
        answers: Arc::default(),
        calls: Arc::default(),
    };
    let app = Router::new()
        .route("/cb", post(callback))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://127.0.0.1:{}/cb",
        listener.local_addr().expect("addr").port()
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, r)
}

fn saas_product(callback_url: &str) -> Value {
    json!({
        "name": "云桥设备管理", "category": "iot", "service_type": "saas", "delivery": "saas",
        "summary": "Fleet management", "description": "# Features\n\n- OTA",
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets", "warranty": "99.9%"},
        "callback_url": callback_url
    })
}

fn tests_path(id: &str) -> String {
    format!("/api/v1/provider/products/{id}/integration-tests")
}

const KEY: &str = "/api/v1/provider/integration-key";

async fn open_app() -> TestApp {
    spawn_app_with(|c| {
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
    })
    .await
}

/// A moved-in provider with a key (known to `r`) and a saas product calling `url`.
async fn provider_with_product(app: &TestApp, url: &str, r: &Receiver) -> (Provider, String) {
    let p = app
        .with_moved_in_provider("saas@integration.test", "云桥科技有限公司", &uscc(7))
        .await;
    let key = app.post_as(&p.token, KEY, json!({})).await;
    key.assert_status(StatusCode::CREATED);
    *r.key.lock().expect("key") = key.body["key"].as_str().expect("key").as_bytes().to_vec();
    let made = app.create_product(&p.token, saas_product(url)).await;
    made.assert_status(StatusCode::CREATED);
    assert_eq!(made.body["callback_url"], url);
    let id = made.body["id"].as_str().expect("id").to_string();
    (p, id)
}

/// The console's review screen of `item`, as `operator` reads it.
async fn review_screen(app: &TestApp, operator: &str, item: &Value) -> String {
    let id = item["id"].as_str().unwrap_or("");
    let page = app
        .client
        .get(app.url(&format!("/console/items/{id}")))
        .header("cookie", format!("berth_session={operator}"))
        .send()
        .await
        .expect("page");
    page.text().await.unwrap_or_default()
}

fn steps(record: &Value) -> Vec<(String, String, String)> {
    record["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap_or("").to_string(),
                s["verdict"].as_str().unwrap_or("").to_string(),
                s["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_passing_receiver_opens_submission_and_the_reviewer_sees_the_record() {
    let app = open_app().await;
    let (url, r) = receiver(Behaviour::Good).await;
    let (p, id) = provider_with_product(&app, &url, &r).await;

    // Before a test: refused.
    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "integration_test_required");

    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    run.assert_status(StatusCode::CREATED);
    assert_eq!(run.body["verdict"], "passed", "{}", run.body);
    assert_eq!(run.body["current"], true);
    assert_eq!(
        steps(&run.body),
        vec![
            ("create_instance".into(), "passed".into(), "".into()),
            ("create_instance_retry".into(), "passed".into(), "".into()),
            ("renew_instance".into(), "passed".into(), "".into()),
            ("expired_instance".into(), "passed".into(), "".into()),
        ]
    );
    // Every call was signed, marked as a test, and the retry repeated the first call.
    let calls = r.calls.lock().expect("calls").clone();
    assert_eq!(calls.len(), 4);
    assert!(calls
        .iter()
        .all(|c| c["test"] == true && c["product_id"] == id.as_str()));
    assert_eq!(calls[0], calls[1]);
    assert_eq!(calls[2]["instance_id"], "inst-1");
    let step = &run.body["steps"][0];
    assert_eq!(step["response"]["status"], 200);
    assert!(step["request"]["headers"].to_string().contains("t="));
    let key_shown = r.key.lock().expect("key").clone();
    assert!(
        !run.body
            .to_string()
            .contains(&String::from_utf8_lossy(&key_shown).to_string()),
        "the key is in the record"
    );

    let list = app.get_as(&p.token, &tests_path(&id)).await;
    list.assert_status(StatusCode::OK);
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));

    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::OK);

    let operator = app.with_operator().await;
    let item = app.pending_item(&operator, "product", &p.id).await;
    let detail = app
        .review_item(&operator, item["id"].as_str().expect("item id"))
        .await;
    assert_eq!(detail.body["integration_test"]["verdict"], "passed");
    assert_eq!(
        detail.body["integration_test"]["callback_url"],
        url.as_str()
    );
    // The console's review screen shows it in words.
    let html = review_screen(&app, &operator, &item).await;
    assert!(
        html.contains("integration-record"),
        "no record on the review screen"
    );
}

#[tokio::test]
async fn failing_receivers_fail_at_the_step_that_failed() {
    let app = open_app().await;
    let (good_url, r) = receiver(Behaviour::Good).await;
    let (p, id) = provider_with_product(&app, &good_url, &r).await;
    // A receiver that answers with an error, or signs with the wrong key, creates nothing.
    let nothing_created = vec![
        ("create_instance", "failed", "status"),
        ("create_instance_retry", "failed", "status"),
        ("renew_instance", "skipped", "no_instance"),
        ("expired_instance", "skipped", "no_instance"),
    ];
    for (behaviour, expected) in [
        (Behaviour::Fails, nothing_created.clone()),
        (Behaviour::WrongKey, nothing_created),
        (
            Behaviour::NotIdempotent,
            vec![
                ("create_instance", "passed", ""),
                ("create_instance_retry", "failed", "instance_id_changed"),
                ("renew_instance", "passed", ""),
                ("expired_instance", "passed", ""),
            ],
        ),
    ] {
        let (url, bad) = receiver(behaviour).await;
        *bad.key.lock().expect("key") = r.key.lock().expect("key").clone();
        let mut form = saas_product(&url);
        form["name"] = json!("云桥设备管理 2");
        app.update_product(&p.token, &id, form)
            .await
            .assert_status(StatusCode::OK);
        let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
        run.assert_status(StatusCode::CREATED);
        assert_eq!(run.body["verdict"], "failed");
        let got = steps(&run.body);
        let want: Vec<(String, String, String)> = expected
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want);
        let a = app.submit_product(&p.token, &id).await;
        assert_eq!(a.code(), "integration_test_required");
    }

    // A pass, then the URL changes: the pass no longer counts.
    app.update_product(&p.token, &id, saas_product(&good_url))
        .await
        .assert_status(StatusCode::OK);
    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    assert_eq!(run.body["verdict"], "passed", "{}", run.body);
    let (other_url, _) = receiver(Behaviour::Good).await;
    app.update_product(&p.token, &id, saas_product(&other_url))
        .await
        .assert_status(StatusCode::OK);
    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "integration_test_required");
    let list = app.get_as(&p.token, &tests_path(&id)).await;
    assert!(list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|t| t["current"] == false));

    // So does rotating the key.
    app.update_product(&p.token, &id, saas_product(&good_url))
        .await
        .assert_status(StatusCode::OK);
    let rotated = app.post_as(&p.token, KEY, json!({})).await;
    rotated.assert_status(StatusCode::CREATED);
    assert_eq!(rotated.body["version"], 2);
    assert!(rotated.body["previous_valid_until"].is_string());
    let a = app.submit_product(&p.token, &id).await;
    assert_eq!(a.code(), "integration_test_required");
    // The old key still signs for a day, so the receiver (which knows only it) still passes.
    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    assert_eq!(run.body["verdict"], "passed", "{}", run.body);
    assert_eq!(run.body["key_version"], 2);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    // The key is never shown again.
    let shown = app.get_as(&p.token, KEY).await;
    assert_eq!(shown.body["key"]["version"], 2);
    assert!(shown.body["key"].get("key").is_none());
    assert_eq!(shown.body["key"]["last4"].as_str().map(str::len), Some(4));
}

#[tokio::test]
async fn a_saas_product_without_a_callback_url_is_not_submitted_and_others_need_nothing() {
    let app = open_app().await;
    let p = app
        .with_moved_in_provider("plain@integration.test", "云桥科技有限公司", &uscc(8))
        .await;
    let mut form = saas_product("");
    form.as_object_mut().map(|o| o.remove("callback_url"));
    let made = app.create_product(&p.token, form.clone()).await;
    let id = made.body["id"].as_str().expect("id").to_string();
    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.fields(), vec![("callback_url".into(), "required".into())]);
    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    assert_eq!(run.code(), "callback_url_required");

    form["delivery"] = json!("download");
    let made = app.create_product(&p.token, form).await;
    let id = made.body["id"].as_str().expect("id").to_string();
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    assert_eq!(run.code(), "not_saas");
}

#[tokio::test]
async fn the_guard_refuses_callback_urls_that_are_not_public() {
    let app = spawn_app().await;
    let p = app
        .with_moved_in_provider("guard@integration.test", "云桥科技有限公司", &uscc(9))
        .await;
    for url in [
        "https://127.0.0.1/cb",
        "https://10.0.0.1/cb",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/cb",
        "https://[::ffff:127.0.0.1]/cb",
        "https://localhost/cb",
    ] {
        let a = app.create_product(&p.token, saas_product(url)).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("callback_url".into(), "url_not_public".into())],
            "{url}"
        );
    }
    let a = app
        .create_product(&p.token, saas_product("http://93.184.215.14/cb"))
        .await;
    assert_eq!(
        a.fields(),
        vec![("callback_url".into(), "url_https_required".into())]
    );
    // Every error at once: the form's and the address's.
    let mut form = saas_product("ftp://x");
    form["name"] = json!("");
    let a = app.create_product(&p.token, form).await;
    let fields = a.fields();
    assert!(
        fields.contains(&("name".into(), "required".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("callback_url".into(), "url_scheme".into())),
        "{fields:?}"
    );
}

/// Each run of the test makes four calls out: a provider's runs are bounded
/// (`limits.integration_tests_per_provider`); past it the API answers 429 `rate_limited` with
/// `Retry-After` and the page says when to try again, and no call goes out.
#[tokio::test]
async fn test_runs_are_limited_per_provider() {
    let app = spawn_app_with(|c| {
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
        c.limits.integration_tests_per_provider = "2/1h".parse().expect("rate");
    })
    .await;
    let (url, r) = receiver(Behaviour::Good).await;
    let (p, id) = provider_with_product(&app, &url, &r).await;
    for _ in 0..2 {
        app.post_as(&p.token, &tests_path(&id), json!({}))
            .await
            .assert_status(StatusCode::CREATED);
    }
    let calls = r.calls.lock().expect("calls").len();
    assert_eq!(calls, 8);
    let a = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.code(), "rate_limited");
    let wait: u64 = a
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(a.body["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));

    // The page says so, in the provider's language, with the same status.
    let product_page = format!("/provider/products/{id}/integration");
    let shown = app
        .raw(
            app.client
                .get(app.url(&product_page))
                .header("cookie", format!("berth_session={}", p.token)),
        )
        .await;
    let csrf = shown
        .body
        .as_str()
        .unwrap_or_default()
        .split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .expect("csrf");
    let refused = app
        .raw(
            app.client
                .post(app.url(&product_page))
                .form(&[("csrf_token", csrf.as_str())])
                .header("cookie", format!("berth_session={}", p.token)),
        )
        .await;
    refused.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers.get("retry-after").is_some());
    let html = refused.body.as_str().unwrap_or_default();
    assert!(html.contains("集成测试运行次数已达上限"), "{html}");
    assert_eq!(r.calls.lock().expect("calls").len(), 8, "no call went out");
    // Another provider has its own budget.
    let (url2, r2) = receiver(Behaviour::Good).await;
    let other = app
        .with_moved_in_provider("other@integration.test", "云桥二号有限公司", &uscc(17))
        .await;
    let key = app.post_as(&other.token, KEY, json!({})).await;
    *r2.key.lock().expect("key") = key.body["key"].as_str().expect("key").as_bytes().to_vec();
    let made = app.create_product(&other.token, saas_product(&url2)).await;
    let id2 = made.body["id"].as_str().expect("id").to_string();
    app.post_as(&other.token, &tests_path(&id2), json!({}))
        .await
        .assert_status(StatusCode::CREATED);
}

/// A listed product's callback URL is part of its revision: a new URL stays out of force until
/// the revision is approved, needs its own passing test, is shown to the reviewer, and is never
/// approved by a rule (the URL used to change on the product at once, unreviewed and untested).
#[tokio::test]
async fn a_listed_products_new_callback_url_waits_for_review_and_its_own_test() {
    let app = open_app().await;
    let (url_a, r_a) = receiver(Behaviour::Good).await;
    let (p, id) = provider_with_product(&app, &url_a, &r_a).await;
    app.post_as(&p.token, &tests_path(&id), json!({}))
        .await
        .assert_status(StatusCode::CREATED);
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let admin = app
        .staff("rules@berth.test", &[berth::domain::account::Role::Admin])
        .await;
    let operator = app.with_operator().await;
    let item = app.pending_item(&operator, "product", &p.id).await;
    app.approve(&operator, &item).await;
    // Every rule on, for providers with one approved product: a description-only change would
    // be approved automatically.
    for code in ["product_minor_revision", "trusted_provider_new_product"] {
        app.send(
            reqwest::Method::PUT,
            &format!("/api/v1/review/rules/{code}"),
            Some(&admin),
            Some(json!({"enabled": true, "min_approved_products": 1, "sample_percent": 0})),
        )
        .await
        .assert_status(StatusCode::OK);
    }

    // The provider points the listed product elsewhere (and touches the description).
    let (url_b, r_b) = receiver(Behaviour::Good).await;
    *r_b.key.lock().expect("key") = r_a.key.lock().expect("key").clone();
    let mut form = saas_product(&url_b);
    form["description"] = json!("# Features\n\n- OTA\n- Alerts");
    let edited = app.update_product(&p.token, &id, form).await;
    edited.assert_status(StatusCode::OK);
    assert_eq!(edited.body["status"], "listed");
    assert_eq!(edited.body["callback_url"], url_b.as_str());
    assert_eq!(edited.body["working"]["callback_url"], url_b.as_str());
    assert_eq!(
        edited.body["live"]["callback_url"],
        url_a.as_str(),
        "the new URL came into force without review"
    );
    let db = app.db().await;
    let in_force: Option<String> =
        sqlx::query_scalar("SELECT callback_url FROM products WHERE id = $1")
            .bind(&id)
            .fetch_one(&db)
            .await
            .expect("product");
    assert_eq!(in_force.as_deref(), Some(url_a.as_str()));

    // The pass of the old URL does not count for the new one.
    let a = app.submit_product(&p.token, &id).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "integration_test_required");
    let run = app.post_as(&p.token, &tests_path(&id), json!({})).await;
    run.assert_status(StatusCode::CREATED);
    assert_eq!(run.body["verdict"], "passed", "{}", run.body);
    assert_eq!(
        r_b.calls.lock().expect("calls").len(),
        4,
        "B was not called"
    );
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);

    // No rule approved it: it waits for a person, who sees the new URL.
    let item = app.pending_item(&operator, "product", &p.id).await;
    let detail = app
        .review_item(&operator, item["id"].as_str().expect("item id"))
        .await;
    assert_eq!(detail.body["data"]["callback_url"], url_b.as_str());
    let html = review_screen(&app, &operator, &item).await;
    assert!(
        html.contains(&url_b),
        "the reviewer does not see the new URL"
    );

    app.approve(&operator, &item).await;
    let after = app.product(&p.token, &id).await;
    assert_eq!(after.body["live"]["callback_url"], url_b.as_str());
    assert!(after.body["working"].is_null());
    let in_force: Option<String> =
        sqlx::query_scalar("SELECT callback_url FROM products WHERE id = $1")
            .bind(&id)
            .fetch_one(&db)
            .await
            .expect("product");
    assert_eq!(in_force.as_deref(), Some(url_b.as_str()));
}
