//! A form sent twice makes one thing. Forms that create or change something post to an address
//! carrying a one-time token (`Page::once_action`, `?once=…`, fresh on every page drawn). The
//! first request with a token does the work; when it sends the visitor on (`303`), where it
//! sent them is kept with the token, and a repeat — a double click, a resubmission after a
//! refresh — is sent to the same place without doing anything again. An answer that shows a
//! secret once (a new token, a webhook's secret, an integration key: `shown_once`) is a `200`,
//! not a `303`; it keeps, instead, the list to send a repeat to with a notice that the form was
//! already sent, so a double click never makes a second secret. Any other answer (a refused
//! form) gives its token back, so the corrected form can be sent.

use std::time::Duration;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::crypto::sha256_hex;
use crate::http::state::AppState;
use crate::http::web::errors::error_page;
use crate::http::web::page::Page;
use crate::http::web::respond::see_other;
use crate::workflows::idempotency::{self, Once};

/// Where a repeat of a form whose answer showed a secret is sent (set by `shown_once`).
#[derive(Debug, Clone)]
struct ShownOnce(String);

/// Marks an answer that shows a secret this once: never cached, and a repeat of its form (a
/// double click, a resubmission) is sent to `list` with the notice `form_already_sent` instead
/// of making a second secret.
pub fn shown_once(mut resp: Response, list: &str) -> Response {
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    resp.extensions_mut()
        .insert(ShownOnce(format!("{list}?notice=form_already_sent")));
    resp
}

/// How long a repeat waits for the first request to finish (polled every 100 ms).
const WAIT_ROUNDS: u32 = 100;

/// The token of a form's address, when it has a well-formed one.
fn once_of(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .find_map(|p| p.strip_prefix("once="))
        .filter(|t| {
            (16..=64).contains(&t.len())
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(token) = once_of(req.uri().query()).map(str::to_string) else {
        return next.run(req).await;
    };
    let (mut parts, body) = req.into_parts();
    let page = match Page::from_request_parts(&mut parts, &state).await {
        Ok(page) => page,
        Err(refused) => return refused,
    };
    if page.csrf.is_empty() {
        // No session and no pre-session secret: the form's own check refuses it.
        return next.run(Request::from_parts(parts, body)).await;
    }
    // Bound to the visitor (their CSRF secret), the form's address and the token.
    let scope =
        sha256_hex(format!("form-once\n{}\n{}\n{token}", page.csrf, parts.uri.path()).as_bytes());
    for _ in 0..WAIT_ROUNDS {
        match idempotency::claim_once(&state.ctx, &scope).await {
            Ok(Once::First) => {
                let resp = next.run(Request::from_parts(parts, body)).await;
                let location = match resp.status() {
                    StatusCode::SEE_OTHER => resp
                        .headers()
                        .get(header::LOCATION)
                        .and_then(|v| v.to_str().ok()),
                    StatusCode::OK => resp.extensions().get::<ShownOnce>().map(|s| s.0.as_str()),
                    _ => None,
                };
                let kept = match location {
                    Some(location) => idempotency::answer_once(&state.ctx, &scope, location).await,
                    None => idempotency::release_once(&state.ctx, &scope).await,
                };
                if let Err(e) = kept {
                    tracing::warn!(error = %e, "form token: could not keep the answer");
                }
                return resp;
            }
            Ok(Once::Answered(location)) => return see_other(&location),
            Ok(Once::Pending) => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => {
                tracing::warn!(error = %e, "form token: could not be read");
                return next.run(Request::from_parts(parts, body)).await;
            }
        }
    }
    error_page(page, StatusCode::CONFLICT, "form_in_progress")
}

#[cfg(test)]
mod tests {
    use super::once_of;

    #[test]
    fn only_a_well_formed_token_counts() {
        let t = "abcdefghijklmnopqrstuvwxyz012345";
        assert_eq!(once_of(Some(&format!("once={t}"))), Some(t));
        assert_eq!(once_of(Some(&format!("x=1&once={t}"))), Some(t));
        assert_eq!(once_of(Some("once=short")), None);
        assert_eq!(once_of(Some("once=../../etc/passwd-aaaaaaaaaa")), None);
        assert_eq!(once_of(None), None);
    }
}
