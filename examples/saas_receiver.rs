//! A minimal receiver of the marketplace's SaaS callbacks (docs/INTEGRATION.md): it checks the
//! `Berth-Signature` header with the integration key, and answers `createInstance`,
//! `renewInstance` and `expiredInstance` idempotently (a repeated call gets the first answer).
//!
//! ```sh
//! cargo run --example saas_receiver -- 127.0.0.1:9000 '<integration key>'
//! ```
//!
//! Then set `http://127.0.0.1:9000/callback` as the product's callback URL (a server started with
//! `BERTH_WEBHOOKS__ALLOW_PRIVATE_NETWORKS=true BERTH_WEBHOOKS__ALLOW_HTTP=true`, since the
//! marketplace otherwise calls only public https addresses) and press *Test the integration*.
//! A real receiver keeps its instances in its database, not in memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

/// How far the signature's time may be from ours (replays older than this are refused).
const TOLERANCE_SECS: i64 = 300;

#[derive(Clone)]
struct Receiver {
    key: Arc<Vec<u8>>,
    /// The answer given to each `request_id`: a repeat gets it again.
    answers: Arc<Mutex<HashMap<String, Value>>>,
    /// The instance opened for each order.
    instances: Arc<Mutex<HashMap<String, String>>>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:9000".into());
    let key = args
        .next()
        .or_else(|| std::env::var("INTEGRATION_KEY").ok())
        .ok_or("usage: saas_receiver LISTEN_ADDR INTEGRATION_KEY")?;
    let receiver = Receiver {
        key: Arc::new(key.into_bytes()),
        answers: Arc::default(),
        instances: Arc::default(),
    };
    let app = Router::new()
        .route("/callback", post(callback))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("listening on http://{}/callback", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn callback(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    // 1. The signature, over the body exactly as received.
    let header = headers
        .get("berth-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !signed_by(header, &r.key, &body, now()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "bad signature"})),
        );
    }
    let Ok(call) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "not JSON"})));
    };
    let text = |k: &str| call[k].as_str().unwrap_or_default().to_string();
    let request_id = text("request_id");
    // 2. A repeated call gets the first answer, and changes nothing more.
    if let Some(answer) = r
        .answers
        .lock()
        .ok()
        .and_then(|a| a.get(&request_id).cloned())
    {
        return (StatusCode::OK, Json(answer));
    }
    // 3. The action. (`test: true` calls should open nothing that costs money.)
    let answer = match text("action").as_str() {
        "createInstance" => {
            let order = text("order_id");
            let Ok(mut instances) = r.instances.lock() else {
                return (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({})));
            };
            let n = instances.len() + 1;
            let id = instances
                .entry(order)
                .or_insert_with(|| format!("inst-{n}"))
                .clone();
            json!({"instance_id": id})
        }
        "renewInstance" | "expiredInstance" => {
            json!({"success": true, "instance_id": text("instance_id")})
        }
        _ => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "unknown action"})),
            )
        }
    };
    if let Ok(mut answers) = r.answers.lock() {
        answers.insert(request_id, answer.clone());
    }
    (StatusCode::OK, Json(answer))
}

/// `t=<unix>,v1=<hex>[,v1=<hex>]`: some `v1` is HMAC-SHA256(key, "t.body") and `t` is recent.
fn signed_by(header: &str, key: &[u8], body: &[u8], now: i64) -> bool {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v.to_string()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > TOLERANCE_SECS {
        return false;
    }
    candidates.iter().any(|c| {
        let Ok(given) = hex::decode(c) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            return false;
        };
        mac.update(format!("{t}.").as_bytes());
        mac.update(body);
        // verify_slice compares in constant time.
        mac.verify_slice(&given).is_ok()
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
