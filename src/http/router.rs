//! Every route of the site in one place: the API (`api::routes()`, which also documents it), the
//! pages, the operational endpoints, and the middleware stack around them.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderName, HeaderValue, Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::http::api;
use crate::http::error::ApiError;
use crate::http::idempotency;
use crate::http::metrics;
use crate::http::openapi;
use crate::http::ops;
use crate::http::render_errors;
use crate::http::state::AppState;
use crate::http::upload::UPLOAD_BODY_LIMIT;
use crate::http::web;
use crate::http::wire;

/// The enterprise form: its fields and two documents of at most 10 MiB each.
const FORM_WITH_DOCUMENTS_LIMIT: usize = 2 * UPLOAD_BODY_LIMIT;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application: every route and the middleware around them.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    let body_limit = state.config.max_body_bytes;
    let https = state.config.secure_cookies();
    let (api, document) = api::routes().split_for_parts();
    let document = Arc::new(openapi::finish(document));
    let router = Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let document = document.clone();
                async move { axum::Json(document.as_ref().clone()) }
            }),
        )
        .route("/", get(web::public::home))
        .route("/help", get(web::public::help))
        .route("/agreement", get(web::agreements::current))
        .route("/agreements", get(web::agreements::list))
        .route("/agreements/{version}", get(web::agreements::show))
        .route("/agreements/{version}/accept", post(web::agreements::accept))
        .route("/register", get(web::public::register_form).post(web::public::register))
        .route("/activate", get(web::public::activate_form).post(web::public::activate))
        .route("/login", get(web::login::login_form).post(web::login::login))
        .route(
            "/login/second-factor",
            get(|| async { axum::response::Redirect::to("/login") })
                .post(web::login::login_second_factor),
        )
        .route("/account/security", get(web::second_factor::security).post(web::second_factor::security_action))
        .route("/account/data", get(web::privacy::show))
        .route("/account/data/export", get(web::privacy::export))
        .route("/account/data/close", post(web::privacy::close))
        .route("/account/closed", get(web::privacy::closed))
        .route("/logout", post(web::login::logout))
        .route("/forgot", get(web::public::forgot_form).post(web::public::forgot))
        .route("/lang", post(web::language::switch_language))
        .route("/move-in", get(web::move_in::stepper::show))
        .route(
            "/move-in/enterprise",
            get(web::move_in::enterprise::show)
                .post(web::move_in::enterprise::save)
                .layer(DefaultBodyLimit::max(FORM_WITH_DOCUMENTS_LIMIT)),
        )
        .route("/move-in/enterprise/deposit", post(web::move_in::deposit::confirm_deposit))
        .route("/move-in/enterprise/deposit/request", post(web::move_in::deposit::request_deposit))
        .route("/move-in/application", get(web::move_in::application::show).post(web::move_in::application::save))
        .route(
            "/move-in/reviews/{id}",
            get(web::move_in::reviews::show)
                .post(web::move_in::reviews::appeal)
                .layer(DefaultBodyLimit::max(FORM_WITH_DOCUMENTS_LIMIT)),
        )
        .route("/provider", get(web::provider::index))
        .route("/provider/deposit", get(web::provider_deposit::show))
        .route("/provider/deposit.csv", get(web::provider_deposit::download))
        .route(
            "/provider/info/customer-service",
            get(web::provider::customer_service).post(web::provider::customer_service_save),
        )
        .route(
            "/provider/info/settlement",
            get(web::provider::settlement).post(web::provider::settlement_save),
        )
        .route(
            "/provider/reverification",
            get(web::reverification::show)
                .post(web::reverification::submit)
                .layer(DefaultBodyLimit::max(FORM_WITH_DOCUMENTS_LIMIT)),
        )
        .route(
            "/provider/products",
            get(web::products::list)
                .post(web::products::create)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/provider/products/new", get(web::products::new_form))
        .route(
            "/provider/products/{id}",
            get(web::products::edit_form)
                .post(web::products::update)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)),
        )
        .route("/provider/products/{id}/action", post(web::products::act))
        .route(
            "/provider/products/{id}/integration",
            get(web::integration::show).post(web::integration::run),
        )
        .route(
            "/provider/info/integration",
            get(web::integration::key).post(web::integration::rotate),
        )
        .route("/console", get(web::console::queue::show))
        .route("/console/items/{id}", get(web::console::item::show))
        .route("/console/items/{id}/decision", post(web::console::decide::decide))
        .route("/console/items/{id}/micro-deposit", post(web::console::deposit::pay))
        .route("/console/items/{id}/claims/{action}", post(web::console::claims::act))
        .route("/console/agreements", get(web::console::agreements::show).post(web::console::agreements::publish))
        .route("/console/calendar", get(web::console::calendar::show).post(web::console::calendar::change))
        .route("/console/audit", get(web::console::audit::list))
        .route("/console/audit/export", get(web::console::audit::export))
        .route("/console/items/{id}/provider", post(web::console::standing::change))
        .route("/console/providers/{account_id}/deposit", get(web::console::guarantee::show))
        .route("/console/providers/{account_id}/deposit.csv", get(web::console::guarantee::download))
        .route("/console/providers/{account_id}/deposit/payments", post(web::console::guarantee::payment))
        .route(
            "/console/providers/{account_id}/deposit/deductions",
            post(web::console::guarantee::deduction).layer(DefaultBodyLimit::max(FORM_WITH_DOCUMENTS_LIMIT)),
        )
        .route("/console/documents/{id}", get(web::console::documents::view))
        .route("/console/consultations", get(web::console::consultations::list))
        .route("/console/catalog", get(web::console::catalog::show).post(web::console::catalog::change))
        .route("/console/reasons", get(web::console::reasons::show).post(web::console::reasons::change))
        .route("/console/report", get(web::console::report::show))
        .route("/console/report.csv", get(web::console::report::download))
        .route("/console/consultations/{id}", get(web::console::consultations::show))
        .route("/console/consultations/{id}/reply", post(web::console::consultations::reply))
        .route("/console/webhooks", get(web::webhooks::list).post(web::webhooks::create))
        .route("/console/webhooks/{id}", get(web::webhooks::show).post(web::webhooks::update))
        .route("/console/webhooks/{id}/{action}", post(web::webhooks::act))
        .route("/console/webhooks/{id}/deliveries/{delivery}/replay", post(web::webhooks::replay))
        .route("/provider/webhooks", get(web::webhooks::list).post(web::webhooks::create))
        .route("/provider/webhooks/{id}", get(web::webhooks::show).post(web::webhooks::update))
        .route("/provider/webhooks/{id}/{action}", post(web::webhooks::act))
        .route("/provider/webhooks/{id}/deliveries/{delivery}/replay", post(web::webhooks::replay))
        .route("/console/staff", get(web::console::staff::list).post(web::console::staff::invite))
        .route("/console/staff/{id}", get(web::console::staff::show).post(web::console::staff::change))
        .route("/console/staff/{id}/deactivate", get(web::console::staff::confirm_deactivate))
        .route("/console/rules", get(web::console::rules::show).post(web::console::rules::change))
        .route("/console/second-looks/{id}", post(web::console::rules::second_look_done))
        .route("/staff/invitation", get(web::invitation::show).post(web::invitation::accept))
        .route("/console/tokens", get(web::tokens::list).post(web::tokens::create))
        .route("/console/tokens/{id}/revoke", get(web::tokens::confirm_revoke).post(web::tokens::revoke))
        .route("/provider/tokens", get(web::tokens::list).post(web::tokens::create))
        .route("/provider/tokens/{id}/revoke", get(web::tokens::confirm_revoke).post(web::tokens::revoke))
        .route("/products", get(web::storefront::catalogue))
        .route("/products/{id}", get(web::storefront::product))
        .route("/contact", get(web::storefront::contact_form).post(web::storefront::contact))
        .route("/static/{name}", get(web::assets::static_file))
        .route("/favicon.ico", get(web::assets::favicon))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(render_errors::method_not_allowed)
        .route_layer(from_fn_with_state(state.metrics.clone(), metrics::track))
        .layer(from_fn_with_state(state.clone(), idempotency::replay))
        .layer(from_fn_with_state(state.clone(), web::once::guard))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(from_fn_with_state(state.clone(), wire::hygiene))
        .layer(from_fn_with_state(state.clone(), render_errors::render_errors))
        .layer(from_fn_with_state(state.clone(), web::csrf::ensure_csrf_cookie))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; \
                 frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ));
    // Served over https: browsers must never come back over plain http.
    let router = if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
    } else {
        router
    };
    router
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(
            // The span names the method, the path (never the query) and the request id; no
            // headers, so no token or cookie reaches the log.
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-");
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                .on_request(())
                .on_response(
                    tower_http::trace::DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(tower_http::LatencyUnit::Micros),
                ),
        )
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .with_state(state)
}
