//! The delivery worker's pace and the feed's retention against real receivers: a slow endpoint
//! holds one slot, not the others; an event whose delivery is still pending outlives retention.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tokio::sync::watch;

use crate::events::{all_events, run_retention};
use crate::helpers::{uscc, TestApp};
use crate::webhooks::{app_for_webhooks, register, types_of, Receiver};

/// A receiver that holds every request until the test opens the gate, then answers 200.
struct Gate {
    url: String,
    started: Arc<AtomicUsize>,
    open: watch::Sender<bool>,
}

impl Gate {
    async fn start() -> Gate {
        let started = Arc::new(AtomicUsize::new(0));
        let (open, opened) = watch::channel(false);
        let s = started.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move || {
                let (s, mut opened) = (s.clone(), opened.clone());
                async move {
                    s.fetch_add(1, Ordering::SeqCst);
                    let _ = opened.wait_for(|o| *o).await;
                    "{\"ok\":true}"
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
        Gate { url, started, open }
    }

    async fn wait_until_called(&self) {
        for _ in 0..300 {
            if self.started.load(Ordering::SeqCst) > 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the slow receiver was never called");
    }
}

async fn send_test_event(app: &TestApp, token: &str, endpoint: &str) -> String {
    let t = app
        .post_as(
            token,
            &format!("/api/v1/webhooks/{endpoint}/test"),
            json!({}),
        )
        .await;
    t.assert_status(StatusCode::ACCEPTED);
    t.body["event_id"].as_str().expect("event").to_string()
}

async fn delivery_status(app: &TestApp, token: &str, endpoint: &str) -> serde_json::Value {
    let log = app
        .get_as(token, &format!("/api/v1/webhooks/{endpoint}/deliveries"))
        .await;
    log.assert_status(StatusCode::OK);
    log.body["items"][0].clone()
}

/// Deliveries are a continuous claim loop, not rounds: while one call to a slow endpoint is in
/// flight (up to the 10 s call timeout), the other endpoints' events keep going out.
#[tokio::test]
async fn a_slow_endpoint_does_not_hold_up_the_others() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let slow = Gate::start().await;
    let fast = Receiver::start(0).await;
    let (slow_id, _) = register(&app, &operator, &slow.url, json!(["consultation.created"])).await;
    let (fast_id, _) = register(&app, &operator, &fast.url, json!(["consultation.created"])).await;

    send_test_event(&app, &operator, &slow_id).await;
    slow.wait_until_called().await;
    let held = Instant::now();
    // Three events for the fast endpoint, sent one after the other while the slow call hangs.
    for _ in 0..3 {
        let event = send_test_event(&app, &operator, &fast_id).await;
        fast.wait_for("the test event", |g| g.iter().any(|r| r.event_id == event))
            .await;
    }
    // In rounds they would have waited for the slow call's 10 s timeout.
    assert!(
        held.elapsed() < Duration::from_secs(5),
        "the fast endpoint waited {:?} for the slow one",
        held.elapsed()
    );
    assert_eq!(
        delivery_status(&app, &operator, &slow_id).await["status"],
        "pending",
        "the slow call is still in flight"
    );
    // The slow call completes; it is recorded once, delivered on its first attempt.
    slow.open.send_replace(true);
    for _ in 0..200 {
        let d = delivery_status(&app, &operator, &slow_id).await;
        if d["status"] == "succeeded" {
            assert_eq!(d["attempts"], 1);
            assert_eq!(slow.started.load(Ordering::SeqCst), 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the slow delivery was never recorded");
}

/// Retention deletes old events, but not one whose delivery is still pending: a receiver that is
/// down for longer than the retention still gets it when it is back.
#[tokio::test]
async fn retention_keeps_events_whose_delivery_is_pending() {
    let app = app_for_webhooks().await;
    let operator = app.with_operator().await;
    let receiver = Receiver::start(u32::MAX).await;
    let (id, _) = register(&app, &operator, &receiver.url, json!(["provider.moved_in"])).await;
    app.with_moved_in_provider("kept@example.com", "保留科技有限公司", &uscc(913))
        .await;
    receiver
        .wait_for("a failed attempt", |g| !g.is_empty())
        .await;
    let before = all_events(&app, &operator, "").await;
    assert!(before.len() > 3);
    // Every event happened 31 days ago.
    let db = app.db().await;
    sqlx::query("UPDATE events SET at = at - $1")
        .bind(31_i64 * 86_400_000)
        .execute(&db)
        .await
        .expect("age the events");

    run_retention(&app);
    let after = all_events(&app, &operator, "").await;
    assert_eq!(
        types_of_feed(&after),
        vec!["provider.moved_in"],
        "{after:?}"
    );

    // The receiver is back: the event arrives; the next sweep deletes it.
    receiver.set_failing(0);
    receiver
        .wait_for("the event", |g| g.iter().any(|r| r.answered == 200))
        .await;
    for _ in 0..100 {
        if delivery_status(&app, &operator, &id).await["status"] == "succeeded" {
            run_retention(&app);
            assert!(all_events(&app, &operator, "").await.is_empty());
            assert!(types_of(&receiver.received())
                .iter()
                .all(|t| t == "provider.moved_in"));
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery was never recorded as succeeded");
}

fn types_of_feed(events: &[serde_json::Value]) -> Vec<&str> {
    events.iter().filter_map(|e| e["type"].as_str()).collect()
}
