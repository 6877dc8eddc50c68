//! Prometheus metrics at `/metrics`: requests by route and status, request durations, and a few
//! gauges read at scrape time.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::workflows::passwords::Hasher;
use crate::workflows::storefront_index::StorefrontIndex;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabels {
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    pub outbox_pending: Gauge,
    pub webhook_deliveries_pending: Gauge,
    pub storefront_products: Gauge,
    pub storefront_generation: Gauge,
    pub storefront_index_bytes: Gauge,
    /// Pending review items past their kind's target, per kind.
    pub review_overdue: Family<KindLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("berth");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        let outbox_pending = Gauge::default();
        let webhook_deliveries_pending = Gauge::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            durations.clone(),
        );
        registry.register(
            "outbox_pending",
            "Mail messages not yet delivered",
            outbox_pending.clone(),
        );
        registry.register(
            "webhook_deliveries_pending",
            "Webhook deliveries not yet delivered nor given up",
            webhook_deliveries_pending.clone(),
        );
        let storefront_products = Gauge::default();
        registry.register(
            "storefront_products",
            "Listed products in the storefront index in memory",
            storefront_products.clone(),
        );
        let storefront_generation = Gauge::default();
        registry.register(
            "storefront_generation",
            "The storefront generation the index in memory is up to",
            storefront_generation.clone(),
        );
        let storefront_index_bytes = Gauge::default();
        registry.register(
            "storefront_index_bytes",
            "Heap the storefront index holds, counted from its parts",
            storefront_index_bytes.clone(),
        );
        let review_overdue = Family::<KindLabels, Gauge>::default();
        registry.register(
            "review_overdue",
            "Pending review items past their kind's target in working days",
            review_overdue.clone(),
        );
        Metrics {
            review_overdue,
            registry,
            requests,
            durations,
            outbox_pending,
            webhook_deliveries_pending,
            storefront_products,
            storefront_generation,
            storefront_index_bytes,
        }
    }

    /// Exports the storefront snapshot's reload counter.
    pub fn register_storefront(&mut self, index: &StorefrontIndex) {
        self.registry.register(
            "storefront_reloads",
            "Whole loads of the storefront index from the database since start",
            index.reloads.clone(),
        );
        self.registry.register(
            "storefront_changes_applied",
            "Listing changes applied to the storefront index in place since start",
            index.changes_applied.clone(),
        );
    }

    /// Exports the password hasher's counters.
    pub fn register_password_hashing(&mut self, hasher: &Hasher) {
        self.registry.register(
            "password_hashes",
            "Password hashes computed (new passwords and log-in checks) since start",
            hasher.computed.clone(),
        );
        self.registry.register(
            "password_hash_busy",
            "Requests answered 503 busy because every hashing permit was taken",
            hasher.refused.clone(),
        );
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Counts and times every routed request under its route template (never the raw path, which
/// would explode the label set).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = req.method().as_str().to_string();
    let start = Instant::now();
    let resp = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method,
            route: route.clone(),
            status: resp.status().as_u16(),
        })
        .inc();
    metrics
        .durations
        .get_or_create(&RouteLabels { route })
        .observe(elapsed);
    resp
}
