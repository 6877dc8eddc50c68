//! Scope-aware routes: `Scoped<S>` lets in a full session (as `Authenticated` does, CSRF
//! included) or an API token that carries scope `S`. Every other route refuses API tokens
//! (`AnySession`), so a token never gets the whole power of the account that made it.

use std::marker::PhantomData;

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;

use crate::domain::api_token::{looks_like_api_token, Scope};
use crate::http::auth::{presented_token, Authenticated, Via};
use crate::http::error::ApiError;
use crate::http::language::AccountLang;
use crate::http::state::AppState;
use crate::workflows::accounts::AccountView;
use crate::workflows::api_tokens::{self, Grant, Reach};

/// A scope, as a type a route names: `Scoped<EventsRead>`.
pub trait ScopeName: Send + Sync + 'static {
    const SCOPE: Scope;
}

pub struct EventsRead;
pub struct ProvidersRead;
pub struct WebhooksWrite;

impl ScopeName for EventsRead {
    const SCOPE: Scope = Scope::EventsRead;
}
impl ScopeName for ProvidersRead {
    const SCOPE: Scope = Scope::ProvidersRead;
}
impl ScopeName for WebhooksWrite {
    const SCOPE: Scope = Scope::WebhooksWrite;
}

/// Who called a scope-aware route.
#[derive(Debug, Clone)]
pub enum Caller {
    Session(Authenticated),
    Token(Grant),
}

/// A caller allowed on a route that needs scope `S`.
#[derive(Debug, Clone)]
pub struct Scoped<S> {
    pub caller: Caller,
    _scope: PhantomData<S>,
}

impl<S> Scoped<S> {
    /// The account acting (a token acts for the account that made it).
    pub fn account(&self) -> &AccountView {
        match &self.caller {
            Caller::Session(a) => &a.account,
            Caller::Token(g) => &g.account,
        }
    }

    /// Whose data the caller reaches; `None` for a session of an account with no role that
    /// reaches any (the route answers 403).
    pub fn reach(&self) -> Option<Reach> {
        match &self.caller {
            Caller::Session(a) => Reach::of(&a.account),
            Caller::Token(g) => Some(g.reach()),
        }
    }

    /// The token's id when a token called (for audit details; never the token).
    pub fn token_id(&self) -> Option<&str> {
        match &self.caller {
            Caller::Session(_) => None,
            Caller::Token(g) => Some(&g.token_id),
        }
    }
}

impl<S: ScopeName> FromRequestParts<AppState> for Scoped<S> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let caller = match presented_token(&parts.headers, state.cookies())? {
            Some((token, Via::Bearer)) if looks_like_api_token(&token) => {
                let route = route_of(parts);
                let grant =
                    api_tokens::authenticate(&state.ctx, &token, Some(S::SCOPE), &route).await?;
                AccountLang::note(parts, grant.account.lang);
                Caller::Token(grant)
            }
            _ => Caller::Session(Authenticated::from_request_parts(parts, state).await?),
        };
        Ok(Scoped {
            caller,
            _scope: PhantomData,
        })
    }
}

/// The method and route template of a request (`GET /api/v1/webhooks/{id}`), for the audit of a
/// token's use: the template, not the path, so that the entry names the route and no values.
fn route_of(parts: &Parts) -> String {
    let path = parts
        .extensions
        .get::<MatchedPath>()
        .map_or_else(|| parts.uri.path(), MatchedPath::as_str);
    format!("{} {path}", parts.method)
}
