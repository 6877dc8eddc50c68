//! The CSRF secret of visitors without a session: a pre-session cookie every page visitor gets,
//! so forms shown before log-in carry a token too (double submit). Signed-in forms carry a keyed
//! hash of the session instead (`auth::csrf_token`).

use axum::extract::{Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::crypto::{random_token, sha256_hex};
use crate::http::cookies::cookie;
use crate::http::state::AppState;

/// The visitor's pre-session secret: from the cookie, or the one `ensure_csrf_cookie` just made.
pub fn pre_session_secret(parts: &Parts, name: &str) -> Option<String> {
    parts
        .extensions
        .get::<PreSession>()
        .map(|p| p.0.clone())
        .or_else(|| cookie(&parts.headers, name).map(str::to_string))
}

/// The token the forms of a visitor without a session carry.
pub fn pre_session_csrf(secret: &str) -> String {
    sha256_hex(format!("berth-csrf:{secret}").as_bytes())
}

#[derive(Clone)]
struct PreSession(String);

/// Gives every visitor without one a pre-session cookie, so forms shown before log-in carry a
/// CSRF token too (double submit).
pub async fn ensure_csrf_cookie(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let cookies = state.cookies();
    // Not for the API, and not for static files: a cacheable answer must not set a cookie.
    let path = req.uri().path();
    let needs = cookie(req.headers(), cookies.pre_session()).is_none()
        && !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && path != "/favicon.ico";
    let fresh = needs.then(random_token);
    if let Some(secret) = &fresh {
        req.extensions_mut().insert(PreSession(secret.clone()));
    }
    let mut resp = next.run(req).await;
    if let Some(secret) = fresh {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{}={secret}; Path=/; HttpOnly; SameSite=Lax{}",
            cookies.pre_session(),
            cookies.secure_attr()
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}
