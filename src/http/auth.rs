//! Who is asking: sessions from `Authorization: Bearer` or the session cookie, CSRF protection
//! for cookie-authenticated state changes, and role guards. API tokens (`berth_…`) are refused
//! here: they open only the scope-aware routes of `scoped.rs`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};

use crate::crypto::{sha256_hex, MasterKey};
use crate::domain::account::AccountStatus;
use crate::domain::api_token::looks_like_api_token;
use crate::http::cookies::{cookie, Cookies};
use crate::http::error::ApiError;
use crate::http::language::AccountLang;
use crate::http::state::AppState;
use crate::workflows::accounts::AccountView;
use crate::workflows::api_tokens;
use crate::workflows::sessions::{self, SessionStanding, SessionView};

/// The header that carries the CSRF token of a cookie session (API clients in a browser).
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of a session: a keyed hash of the session, so nothing more is stored.
pub fn csrf_token(key: &MasterKey, token_hash: &str) -> String {
    key.keyed_hash("csrf", token_hash.as_bytes())
}

pub fn csrf_matches(key: &MasterKey, token_hash: &str, presented: &str) -> bool {
    key.keyed_hash_matches("csrf", token_hash.as_bytes(), presented)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Bearer,
    Cookie,
}

/// The session token a request presents, and how.
pub fn presented_token(
    headers: &HeaderMap,
    cookies: Cookies,
) -> Result<Option<(String, Via)>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ApiError::unauthenticated())?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        return Ok(Some((token.to_string(), Via::Bearer)));
    }
    Ok(cookie(headers, cookies.session())
        .filter(|t| !t.is_empty())
        .map(|t| (t.to_string(), Via::Cookie)))
}

/// A signed-in, active account whose session may do everything its roles allow: for staff,
/// one that passed the second factor.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub token_hash: String,
    pub account: AccountView,
    pub via: Via,
    /// The session, as the workflows that judge it (step-up, enrolment) take it.
    pub session: SessionView,
}

impl Authenticated {
    pub fn csrf_token(&self, key: &MasterKey) -> String {
        csrf_token(key, &self.token_hash)
    }
}

/// Any live session of an active account, also a staff session that must first enrol its
/// second factor: for the few endpoints such a session may use (who am I, enrol, log out).
#[derive(Debug, Clone)]
pub struct AnySession(pub Authenticated);

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(found) = parts.extensions.get::<AnySession>() {
            return Ok(found.clone());
        }
        let (token, via) = presented_token(&parts.headers, state.cookies())?
            .ok_or_else(ApiError::unauthenticated)?;
        if via == Via::Bearer && looks_like_api_token(&token) {
            // An API token only opens scope-aware routes (`Scoped`): here a good one is 403
            // `insufficient_scope`, a bad one 401.
            return Err(api_tokens::authenticate(&state.ctx, &token, None, "")
                .await
                .err()
                .map_or_else(
                    || ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope"),
                    ApiError::from,
                ));
        }
        let session = sessions::authenticate(&state.ctx, &token)
            .await?
            .ok_or_else(ApiError::unauthenticated)?;
        if via == Via::Cookie && changes_state(&parts.method) {
            let presented = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !csrf_matches(&state.ctx.key, &session.token_hash, presented) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed"));
            }
        }
        match session.account.status {
            AccountStatus::Active => {}
            AccountStatus::PendingActivation => {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "account_not_activated",
                ))
            }
            AccountStatus::Disabled => return Err(ApiError::forbidden()),
        }
        AccountLang::note(parts, session.account.lang);
        let any = AnySession(Authenticated {
            token_hash: session.token_hash.clone(),
            account: session.account.clone(),
            via,
            session,
        });
        parts.extensions.insert(any.clone());
        Ok(any)
    }
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let AnySession(auth) = AnySession::from_request_parts(parts, state).await?;
        match auth.session.standing() {
            SessionStanding::Full => Ok(auth),
            SessionStanding::EnrolmentOnly => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "second_factor_enrolment_required",
            )),
            SessionStanding::SecondFactorMissing => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "second_factor_required",
            )),
        }
    }
}

/// An operator or admin.
#[derive(Debug, Clone)]
pub struct Reviewer(pub Authenticated);

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let auth = Authenticated::from_request_parts(parts, state).await?;
        if !auth.account.roles.can_review() {
            return Err(ApiError::forbidden());
        }
        Ok(Reviewer(auth))
    }
}

/// The hash of the session a request already carries, if any (a new log-in ends it).
pub fn presented_token_hash(headers: &HeaderMap, cookies: Cookies) -> Option<String> {
    presented_token(headers, cookies)
        .ok()
        .flatten()
        .map(|(t, _)| sha256_hex(t.as_bytes()))
}
