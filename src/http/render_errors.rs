//! The `render_errors` middleware: writes the body of every error answer in the request's
//! language — JSON in the API's error shape under `/api`, an HTML error page elsewhere — for
//! handler errors (an `ApiError` carried as an extension) and for the bare statuses of the router
//! and tower layers (404, 405, 408, 413, panics). An error page is drawn for the visitor who
//! asked (their session, their CSRF token), so its top bar and language switch still work.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::language::{accepted, chosen, AccountLang};
use crate::http::state::AppState;
use crate::http::web::errors::error_page;
use crate::http::web::page::Page;
use crate::http::web::respond::see_other;

/// The code of an error status that carries no `ApiError` (a rejection from the router, an
/// extractor or a tower layer), so every error answer has the API's shape.
fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "malformed_request",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "busy",
        s if s.is_client_error() => "malformed_request",
        _ => "internal",
    }
}

/// Writes the body of every error response: handler errors (carried as an extension), and the
/// bare statuses produced by the router and tower layers (404, 405, 408, 413, panics).
pub async fn render_errors(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let (chosen, accepted) = (chosen(req.headers()), accepted(req.headers()));
    let account_lang = AccountLang::default();
    req.extensions_mut().insert(account_lang.clone());
    let path = req.uri().path().to_string();
    let is_api = is_api(&path);
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    // What the error page needs to know who asked: the head of the request, kept for pages only.
    let asked = (!is_api).then(|| head_of(&req));
    let mut resp = next.run(req).await;
    let err = match resp.extensions_mut().remove::<Arc<ApiError>>() {
        Some(err) => err,
        None => {
            let status = resp.status();
            if !(status.is_client_error() || status.is_server_error()) {
                return resp;
            }
            let code = code_for_status(status);
            let empty = resp.headers().get(header::CONTENT_TYPE).is_none()
                || resp
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
            if !empty {
                return resp;
            }
            Arc::new(ApiError::new(status, code))
        }
    };
    // A choice made on this browser, then what the client accepts, then the language of the
    // account the request signed in as (known once the handler's extractors ran).
    let lang = chosen
        .or(accepted)
        .or(account_lang.get())
        .unwrap_or_default();
    if let Some(mut asked) = asked {
        // Pages get an HTML error page in the visitor's language, for the visitor who asked.
        let page = match Page::from_request_parts(&mut asked, &state).await {
            Ok(page) => page,
            Err(_) => Page::bare(lang, path),
        };
        let mut html = error_page(page, err.status, err.code);
        for name in [header::RETRY_AFTER, header::CONNECTION] {
            if let Some(v) = resp.headers().get(&name).cloned() {
                html.headers_mut().insert(name, v);
            }
        }
        return html;
    }
    let body = err.body(lang, request_id.as_deref());
    let json = serde_json::to_vec(&body)
        .unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\"}}".to_vec());
    let (mut parts, _) = resp.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// A copy of a request's head (method, address, headers and what the outer layers put in its
/// extensions, such as the pre-session CSRF secret), to draw an error page from afterwards.
fn head_of(req: &Request) -> Parts {
    let mut builder = Request::builder()
        .method(req.method().clone())
        .uri(req.uri().clone())
        .version(req.version());
    if let Some(headers) = builder.headers_mut() {
        *headers = req.headers().clone();
    }
    let (mut parts, ()) = builder
        .body(())
        .unwrap_or_else(|_| Request::new(()))
        .into_parts();
    parts.extensions = req.extensions().clone();
    parts
}

/// A method the address does not take. A page address that only takes forms (an upload, a
/// decision), opened as a page — say after switching the language on the answer to its form —
/// leads to the page the form belongs to (the address one level up); anything else is 405.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if matches!(method, Method::GET | Method::HEAD) && !is_api(path) {
        let parent = match path.trim_end_matches('/').rsplit_once('/') {
            Some(("", _)) | None => "/",
            Some((parent, _)) => parent,
        };
        return see_other(parent);
    }
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").into_response()
}
