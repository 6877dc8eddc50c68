//! Webhooks against a real receiver: an axum server on a loopback port that records every
//! request (the server under test may call private addresses only because the test allows it).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::events::all_events;
use crate::helpers::{spawn_app_with, uscc, TestApp};

/// One request the receiver got: its headers of interest, its body, and what it answered.
#[derive(Clone, Debug)]
pub struct Received {
    pub signature: String,
    pub event_id: String,
    pub body: Value,
    pub raw: Vec<u8>,
    pub answered: u16,
}

/// A receiver that answers 500 to its first `fail_first` requests (all of them with
/// `u32::MAX`), then 200.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub log: Arc<Mutex<Vec<Received>>>,
    fail_first: Arc<Mutex<u32>>,
}

impl Receiver {
    pub async fn start(fail_first: u32) -> Receiver {
        let log: Arc<Mutex<Vec<Received>>> = Arc::default();
        let fail = Arc::new(Mutex::new(fail_first));
        let (l, f) = (log.clone(), fail.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let (log, fail) = (l.clone(), f.clone());
                async move {
                    let status = {
                        let mut left = fail.lock().expect("lock");
                        if *left > 0 {
                            if *left != u32::MAX {
                                *left -= 1;
                            }
                            500
                        } else {
                            200
                        }
                    };
                    let header = |name: &str| {
                        headers
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string()
                    };
                    log.lock().expect("lock").push(Received {
                        signature: header("berth-signature"),
                        event_id: header("berth-event-id"),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        raw: body.to_vec(),
                        answered: status,
                    });
                    (
                        AxumStatus::from_u16(status).expect("status"),
                        "{\"ok\":true}",
                    )
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver {
            url,
            log,
            fail_first: fail,
        }
    }

    pub fn set_failing(&self, n: u32) {
        *self.fail_first.lock().expect("lock") = n;
    }

    pub fn received(&self) -> Vec<Received> {
        self.log.lock().expect("lock").clone()
    }

    /// Waits until `done` holds for what arrived; what arrived.
    pub async fn wait_for(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let got = self.received();
            if done(&got) {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver never got {what}: {:?}",
            types_of(&self.received())
        );
    }
}

pub fn types_of(got: &[Received]) -> Vec<String> {
    got.iter()
        .map(|r| r.body["type"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Whether `header` (`t=…,v1=…[,v1=…]`) carries a v1 signature of `body` under `secret`.
pub fn signed_by(header: &str, secret: &str, body: &[u8]) -> bool {
    let mut t = "";
    let mut sigs = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v,
            Some(("v1", v)) => sigs.push(v.to_string()),
            _ => {}
        }
    }
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = hex::encode(mac.finalize().into_bytes());
    !t.is_empty() && sigs.contains(&expected)
}

/// A server that may call loopback over http, polls often, and retries after a second.
pub async fn app_for_webhooks() -> TestApp {
    spawn_app_with(|c| {
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
        c.webhooks.poll_ms = 50;
        c.webhooks.retry_base_secs = 1;
        c.webhooks.retry_cap_secs = 1;
    })
    .await
}

pub async fn register(app: &TestApp, token: &str, url: &str, types: Value) -> (String, String) {
    let a = app
        .post_as(
            token,
            "/api/v1/webhooks",
            json!({"url": url, "event_types": types}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let secret = a.body["secret"].as_str().expect("secret").to_string();
    assert!(secret.starts_with("whsec_"));
    (a.body["id"].as_str().expect("id").to_string(), secret)
}

fn consultation() -> Value {
    json!({"topic": "provider_cooperation", "name": "王五", "email": "wang@example.com",
           "message": "合作咨询"})
}

#[tokio::test]
async fn signed_events_reach_a_receiver_and_the_log_shows_them_delivered() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(0).await;
    let (id, secret) = register(&app, &operator, &receiver.url, json!(["*"])).await;
    let p = app
        .with_moved_in_provider("hook@example.com", "钩子科技有限公司", &uscc(911))
        .await;
    let got = receiver
        .wait_for("provider.moved_in", |g| {
            types_of(g).contains(&"provider.moved_in".to_string())
        })
        .await;
    for r in &got {
        assert!(signed_by(&r.signature, &secret, &r.raw), "{r:?}");
        assert!(!signed_by(&r.signature, "whsec_wrong", &r.raw));
        assert_eq!(r.event_id, r.body["id"].as_str().expect("id"));
        assert!(r.body["seq"].is_i64() && r.body["at"].is_string() && r.body["data"].is_object());
    }
    // Everything the feed holds for the provider arrived, in order, once.
    let feed: Vec<Value> = all_events(&app, &operator, "")
        .await
        .into_iter()
        .filter(|e| e["provider_id"] == json!(p.id))
        .collect();
    let got = receiver
        .wait_for("every event of the provider", |g| {
            g.iter()
                .filter(|r| r.body["provider_id"] == json!(p.id))
                .count()
                >= feed.len()
        })
        .await;
    let arrived: Vec<&Value> = got
        .iter()
        .filter(|r| r.body["provider_id"] == json!(p.id))
        .map(|r| &r.body)
        .collect();
    assert_eq!(arrived.len(), feed.len());
    for (a, f) in arrived.iter().zip(&feed) {
        assert_eq!(*a, f);
    }

    // A test event, to this endpoint only, and the log says it was delivered.
    let t = app
        .post_as(&operator, &format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    t.assert_status(StatusCode::ACCEPTED);
    let test_event = t.body["event_id"].as_str().expect("event").to_string();
    receiver
        .wait_for("the test event", |g| {
            g.iter().any(|r| r.event_id == test_event)
        })
        .await;
    let log = app
        .get_as(
            &operator,
            &format!("/api/v1/webhooks/{id}/deliveries?limit=200"),
        )
        .await;
    log.assert_status(StatusCode::OK);
    let items = log.body["items"].as_array().expect("items");
    let test = items
        .iter()
        .find(|d| d["event_id"] == json!(test_event))
        .expect("the test delivery");
    assert_eq!(test["event_type"], "webhook.test");
    for _ in 0..100 {
        let log = app
            .get_as(
                &operator,
                &format!("/api/v1/webhooks/{id}/deliveries?limit=200"),
            )
            .await;
        let items = log.body["items"].as_array().expect("items").clone();
        if items.iter().all(|d| d["status"] == "succeeded") {
            let d = &items[0];
            assert_eq!(d["last_status_code"], 200);
            assert!(d["last_latency_ms"].is_i64());
            assert_eq!(d["response_excerpt"], "{\"ok\":true}");
            // The test event is not in the feed.
            let feed = all_events(&app, &operator, "").await;
            assert!(feed.iter().all(|e| e["type"] != "webhook.test"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries never all succeeded");
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_try() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(2).await;
    let (id, secret) = register(
        &app,
        &operator,
        &receiver.url,
        json!(["consultation.created"]),
    )
    .await;
    app.consult(consultation())
        .await
        .assert_status(StatusCode::CREATED);
    let got = receiver
        .wait_for("a 200", |g| g.iter().any(|r| r.answered == 200))
        .await;
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got.iter().map(|r| r.answered).collect::<Vec<_>>(),
        vec![500, 500, 200]
    );
    assert!(got.iter().all(|r| r.event_id == got[0].event_id));
    assert!(got.iter().all(|r| signed_by(&r.signature, &secret, &r.raw)));
    let log = app
        .get_as(&operator, &format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    let d = &log.body["items"][0];
    for _ in 0..50 {
        let log = app
            .get_as(&operator, &format!("/api/v1/webhooks/{id}/deliveries"))
            .await;
        if log.body["items"][0]["status"] == "succeeded" {
            assert_eq!(log.body["items"][0]["attempts"], 3);
            // The log keeps every attempt, not only the last.
            let history = log.body["items"][0]["history"]
                .as_array()
                .expect("history")
                .clone();
            let codes: Vec<i64> = history
                .iter()
                .filter_map(|a| a["status_code"].as_i64())
                .collect();
            assert_eq!(codes, vec![500, 500, 200], "{history:?}");
            assert!(history.iter().all(|a| a["at"].is_string()));
            let page = app
                .raw(
                    app.client
                        .get(app.url(&format!("/console/webhooks/{id}")))
                        .header("cookie", format!("berth_session={operator}")),
                )
                .await;
            let html = page.body.as_str().unwrap_or_default();
            let shown = html
                .split_once(r#"<details class="attempts">"#)
                .and_then(|(_, rest)| rest.split_once("</details>"))
                .map(|(p, _)| p)
                .expect("every attempt on the page");
            assert_eq!(shown.matches("<li>").count(), 3, "{shown}");
            assert_eq!(shown.matches("应答状态码 500").count(), 2, "{shown}");
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not recorded as delivered: {d}");
}

#[tokio::test]
async fn a_providers_events_arrive_in_order_even_when_one_must_be_retried() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(0).await;
    let p = app
        .with_moved_in_provider("order@example.com", "顺序科技有限公司", &uscc(912))
        .await;
    let (_, _) = register(
        &app,
        &p.token,
        &receiver.url,
        json!([
            "provider.customer_service_updated",
            "settlement_change.requested"
        ]),
    )
    .await;
    // The first delivery fails once; the four after it must wait for it.
    receiver.set_failing(1);
    for n in 0..4 {
        let mut form = crate::helpers::customer_service_form();
        form["service_hours"] = json!(format!("工作日 9:00-1{n}:00"));
        app.save_customer_service(&p.token, form)
            .await
            .assert_status(StatusCode::OK);
    }
    app.save_settlement(
        &p.token,
        crate::helpers::settlement_form(&p.company, "6222020200998877665"),
    )
    .await
    .assert_status(StatusCode::OK);
    let got = receiver
        .wait_for("five events", |g| {
            g.iter().filter(|r| r.answered == 200).count() >= 5
        })
        .await;
    let seqs: Vec<i64> = got
        .iter()
        .map(|r| r.body["seq"].as_i64().expect("seq"))
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] <= w[1]),
        "out of order: {seqs:?}"
    );
    assert_eq!(got[0].answered, 500);
    assert_eq!(
        got[0].event_id, got[1].event_id,
        "the failed one first, again"
    );
    assert!(got.iter().all(|r| r.body["provider_id"] == json!(p.id)));
    assert_eq!(
        types_of(&got).last().map(String::as_str),
        Some("settlement_change.requested")
    );
    // Another provider's events never reach this provider's endpoint.
    let other = app
        .with_approved_provider("other@example.com", "别家科技有限公司", &uscc(913))
        .await;
    app.save_customer_service(&other.token, crate::helpers::customer_service_form())
        .await
        .assert_status(StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver
        .received()
        .iter()
        .all(|r| r.body["provider_id"] == json!(p.id)));
    let _ = operator;
}

#[tokio::test]
async fn deliveries_pending_at_a_restart_arrive_once_after_it() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(u32::MAX).await;
    register(
        &app,
        &operator,
        &receiver.url,
        json!(["consultation.created"]),
    )
    .await;
    for _ in 0..3 {
        app.consult(consultation())
            .await
            .assert_status(StatusCode::CREATED);
    }
    receiver
        .wait_for("a first attempt", |g| !g.is_empty())
        .await;
    let url = app.database_url.clone();
    let data = app.stop_keeping_data().await;
    receiver.set_failing(0);
    let dir = data.path().to_path_buf();
    let again = spawn_app_with(move |c| {
        c.data_dir = dir;
        c.database_url = Some(url);
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
        c.webhooks.poll_ms = 50;
        c.webhooks.retry_base_secs = 1;
        c.webhooks.retry_cap_secs = 1;
    })
    .await;
    let got = receiver
        .wait_for("three events delivered", |g| {
            g.iter().filter(|r| r.answered == 200).count() >= 3
        })
        .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let delivered: Vec<String> = receiver
        .received()
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| r.event_id.clone())
        .collect();
    let feed = all_events(&again, &operator, "types=consultation.created").await;
    let mut expected: Vec<String> = feed
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_string())
        .collect();
    let mut seen = delivered.clone();
    seen.sort();
    expected.sort();
    assert_eq!(seen, expected, "each event delivered exactly once: {got:?}");
    drop(data);
}

#[tokio::test]
async fn addresses_that_are_not_public_are_refused_at_registration() {
    let app = crate::helpers::spawn_app().await;
    let operator = app.with_operator().await;
    for url in [
        "https://127.0.0.1/hook",
        "https://10.0.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost/hook",
    ] {
        let a = app
            .post_as(
                &operator,
                "/api/v1/webhooks",
                json!({"url": url, "event_types": ["*"]}),
            )
            .await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("url".to_string(), "url_not_public".to_string())],
            "{url}"
        );
    }
    let a = app
        .post_as(
            &operator,
            "/api/v1/webhooks",
            json!({"url": "http://example.com/hook", "event_types": ["*"]}),
        )
        .await;
    assert_eq!(
        a.fields(),
        vec![("url".to_string(), "url_https_required".to_string())]
    );
    let a = app
        .post_as(
            &operator,
            "/api/v1/webhooks",
            json!({"url": "", "event_types": ["product.listd"]}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = a.fields();
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("event_types".to_string(), "unknown_event_type".to_string()),
            ("url".to_string(), "required".to_string())
        ]
    );
}

#[tokio::test]
async fn someone_elses_webhook_is_not_found() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(0).await;
    let a = app
        .with_approved_provider("mine@example.com", "我的科技有限公司", &uscc(914))
        .await;
    let b = app
        .with_approved_provider("yours@example.com", "你的科技有限公司", &uscc(915))
        .await;
    let (id, _) = register(&app, &a.token, &receiver.url, json!(["product.listed"])).await;
    for token in [&b.token, &operator] {
        let path = format!("/api/v1/webhooks/{id}");
        app.get_as(token, &path)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        app.send(
            reqwest::Method::PATCH,
            &path,
            Some(token),
            Some(json!({"enabled": false})),
        )
        .await
        .assert_status(StatusCode::NOT_FOUND);
        app.send(reqwest::Method::DELETE, &path, Some(token), None)
            .await
            .assert_status(StatusCode::NOT_FOUND);
        for action in ["test", "rotate-secret"] {
            app.post_as(token, &format!("{path}/{action}"), json!({}))
                .await
                .assert_status(StatusCode::NOT_FOUND);
        }
        app.get_as(token, &format!("{path}/deliveries"))
            .await
            .assert_status(StatusCode::NOT_FOUND);
        let list = app.get_as(token, "/api/v1/webhooks").await;
        assert!(list.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|w| w["id"] != json!(id)));
    }
    app.get_as(&a.token, &format!("/api/v1/webhooks/{id}"))
        .await
        .assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_endpoint_failing_continuously_is_switched_off_and_its_owner_mailed() {
    let app = spawn_app_with(|c| {
        c.webhooks.allow_private_networks = true;
        c.webhooks.allow_http = true;
        c.webhooks.poll_ms = 50;
        c.webhooks.retry_base_secs = 1;
        c.webhooks.retry_cap_secs = 1;
        c.webhooks.disable_after_secs = 1;
    })
    .await;
    let p = app
        .with_approved_provider("failing@example.com", "失败科技有限公司", &uscc(916))
        .await;
    let receiver = Receiver::start(u32::MAX).await;
    let (id, _) = register(&app, &p.token, &receiver.url, json!(["*"])).await;
    app.save_customer_service(&p.token, crate::helpers::customer_service_form())
        .await
        .assert_status(StatusCode::OK);
    let mut hook = Value::Null;
    for _ in 0..100 {
        hook = app
            .get_as(&p.token, &format!("/api/v1/webhooks/{id}"))
            .await
            .body;
        if hook["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(hook["enabled"], false, "{hook}");
    assert_eq!(hook["disabled_reason"], "failing");
    assert!(app.metric("berth_webhook_deliveries_pending").await >= 1.0);
    let host = receiver
        .url
        .trim_start_matches("http://")
        .trim_end_matches("/hook");
    let mail = app
        .wait_for_mail_containing("failing@example.com", host)
        .await;
    assert!(
        !mail.contains("webhook.error") && !mail.contains("{"),
        "{mail}"
    );
    // Switched on again, the waiting event goes out once the receiver answers.
    receiver.set_failing(0);
    app.send(
        reqwest::Method::PATCH,
        &format!("/api/v1/webhooks/{id}"),
        Some(&p.token),
        Some(json!({"enabled": true})),
    )
    .await
    .assert_status(StatusCode::OK);
    receiver
        .wait_for("the event after switching on", |g| {
            g.iter().any(|r| r.answered == 200)
        })
        .await;
}

#[tokio::test]
async fn a_rotated_secret_signs_beside_the_old_one_and_a_delivery_can_be_replayed() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(0).await;
    let (id, old) = register(
        &app,
        &operator,
        &receiver.url,
        json!(["consultation.created"]),
    )
    .await;
    let r = app
        .post_as(
            &operator,
            &format!("/api/v1/webhooks/{id}/rotate-secret"),
            json!({}),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let new = r.body["secret"].as_str().expect("secret").to_string();
    assert_ne!(new, old);
    assert!(r.body["previous_secret_until"].is_string());
    app.consult(consultation())
        .await
        .assert_status(StatusCode::CREATED);
    let got = receiver.wait_for("the event", |g| !g.is_empty()).await;
    assert!(signed_by(&got[0].signature, &new, &got[0].raw));
    assert!(signed_by(&got[0].signature, &old, &got[0].raw));
    assert_eq!(got[0].signature.matches("v1=").count(), 2);

    let mut delivery = Value::Null;
    for _ in 0..50 {
        let log = app
            .get_as(&operator, &format!("/api/v1/webhooks/{id}/deliveries"))
            .await;
        delivery = log.body["items"][0].clone();
        if delivery["status"] == "succeeded" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let replayed = app
        .post_as(
            &operator,
            &format!(
                "/api/v1/webhooks/{id}/deliveries/{}/replay",
                delivery["id"].as_str().expect("id")
            ),
            json!({}),
        )
        .await;
    replayed.assert_status(StatusCode::OK);
    assert_eq!(replayed.body["replays"], 1);
    let got = receiver.wait_for("the replay", |g| g.len() >= 2).await;
    assert_eq!(got[1].event_id, got[0].event_id);
    app.post_as(
        &operator,
        &format!("/api/v1/webhooks/{id}/deliveries/nope/replay"),
        json!({}),
    )
    .await
    .assert_status(StatusCode::NOT_FOUND);
    let gone = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/webhooks/{id}"),
            Some(&operator),
            None,
        )
        .await;
    gone.assert_status(StatusCode::NO_CONTENT);
}
