//! `/api/v1/tokens`: API tokens for machines (shown once, listed without the token, revoked).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::auth::Authenticated;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::{ApiPath, ApiQuery};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::workflows::api_tokens::{self, NewToken, TokenForm, TokenView};
use crate::workflows::second_factor;

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<TokenView>,
    pub next_cursor: Option<String>,
}

/// Creates a token with scopes (`events:read`, `providers:read`, `webhooks:write`) and an expiry
/// (default 90 days, at most `tokens.max_days`). The token is in this answer only. Staff make
/// marketplace-wide tokens and need a fresh second factor (`second_factor_code`, or a step-up);
/// a provider's token reads that provider's own data.
#[utoipa::path(post, operation_id = "tokens_create", path = "/api/v1/tokens", tag = "tokens", request_body = TokenForm,
    responses(
        (status = 201, body = NewToken),
        (status = 403, description = "`forbidden`; `step_up_required`: staff confirm with a second factor first; `insufficient_scope`: an API token cannot make tokens", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `name`, `scopes` (`unknown_scope`), `expires_at` (`in_the_past`, `too_far`, `format`), `second_factor_code`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong second-factor codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiJson(form): ApiJson<TokenForm>,
) -> Result<(StatusCode, Json<NewToken>), ApiError> {
    let fresh = if auth.account.roles.can_review() {
        second_factor::fresh_or_step_up(
            &state.ctx,
            &auth.session,
            form.second_factor_code.as_deref(),
            &client,
        )
        .await?
    } else {
        true
    };
    Ok((
        StatusCode::CREATED,
        Json(api_tokens::create(&state.ctx, &auth.account, &form, fresh).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TokensQuery {
    /// Admins: every staff token (each with its `owner`), not only their own.
    pub all: Option<bool>,
}

/// The account's tokens, newest first; never the tokens themselves. An admin with `all=true`
/// gets every staff token, each naming its owner.
#[utoipa::path(get, operation_id = "tokens_list", path = "/api/v1/tokens", tag = "tokens", params(TokensQuery),
    responses((status = 200, body = TokenList),
        (status = 403, description = "`forbidden`: neither staff nor a provider, or `all=true` without the admin role", body = ErrorBody),
        (status = 422, description = "a bad `all`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiQuery(q): ApiQuery<TokensQuery>,
) -> Result<Json<TokenList>, ApiError> {
    let items = if q.all == Some(true) {
        api_tokens::list_staff(&state.ctx, &auth.account).await?
    } else {
        api_tokens::list(&state.ctx, &auth.account).await?
    };
    Ok(Json(TokenList {
        items,
        next_cursor: None,
    }))
}

/// Revokes one of the account's tokens (an admin: any staff token, audited with whose it was):
/// from now on it is answered 401.
#[utoipa::path(delete, operation_id = "tokens_revoke", path = "/api/v1/tokens/{id}", tag = "tokens",
    params(("id" = String, Path)),
    responses((status = 204, description = "revoked"), (status = 403, body = ErrorBody), (status = 404, description = "`not_found`: no live token of this account (for an admin: no live staff token) has this id", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    api_tokens::revoke(&state.ctx, &auth.account, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
