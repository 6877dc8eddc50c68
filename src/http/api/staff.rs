//! `/api/v1/staff…`: admins invite colleagues, list staff, change roles and deactivate; an
//! invitee accepts with the mailed token. The rules (who may, the last admin, the fresh second
//! factor) are in `workflows::staff`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::http::auth::Authenticated;
use crate::http::client::ClientAddr;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::ApiJson;
use crate::http::language::request_lang;
use crate::http::state::AppState;
use crate::workflows::second_factor;
use crate::workflows::staff::{self, StaffChange, StaffMember};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationRequest {
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// One or more of `reviewer`, `finance`, `admin`.
    #[schema(value_type = Vec<StaffRoleName>, min_items = 1)]
    pub roles: Option<Vec<String>>,
    /// A code from the authenticator app, unless the session passed one in the last five minutes.
    #[schema(value_type = Option<String>)]
    pub second_factor_code: Option<String>,
}

/// The staff roles.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum StaffRoleName {
    Reviewer,
    Finance,
    Admin,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationSent {
    /// Always `sent`: the link is in the mail only.
    pub status: &'static str,
}

/// Invites a colleague by e-mail with roles: the mail carries a one-time link that expires
/// (`limits.staff_invitation_hours`, 72 by default). Admins, with a fresh second factor.
#[utoipa::path(post, operation_id = "staff_invite", path = "/api/v1/staff/invitations", tag = "staff",
    request_body = InvitationRequest,
    responses(
        (status = 201, body = InvitationSent),
        (status = 403, description = "`role_required`: admins only; `step_up_required`: confirm with a second factor first", body = ErrorBody),
        (status = 409, description = "`email_taken`: the address has an account", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `email`, `roles`, `second_factor_code`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many invitations, or wrong second-factor codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn invite(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiJson(req): ApiJson<InvitationRequest>,
) -> Result<(StatusCode, Json<InvitationSent>), ApiError> {
    let fresh = second_factor::fresh_or_step_up(
        &state.ctx,
        &auth.session,
        req.second_factor_code.as_deref(),
        &client,
    )
    .await?;
    staff::invite(
        &state.ctx,
        &auth.account,
        fresh,
        req.email.as_deref(),
        req.roles.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(InvitationSent { status: "sent" })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptRequest {
    /// The token of the mailed link.
    #[schema(value_type = String, max_length = 200)]
    pub token: Option<String>,
    /// 10–128 characters.
    #[schema(value_type = String, min_length = 10, max_length = 128)]
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedBody {
    pub id: String,
    pub email: String,
    pub roles: Vec<String>,
}

/// Accepts an invitation: creates the staff account with the invitation's address and roles.
/// The first sign-in then enrols the second factor.
#[utoipa::path(post, operation_id = "staff_accept_invitation", path = "/api/v1/staff/invitations/accept", tag = "staff",
    request_body = AcceptRequest,
    responses(
        (status = 201, body = AcceptedBody),
        (status = 404, description = "`not_found`: no invitation has this token", body = ErrorBody),
        (status = 409, description = "`invitation_expired`, `invitation_used`, `invitation_withdrawn` (a newer invitation to the address replaced it, or its sender is no longer an admin: ask an admin for a new one), `email_taken`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `token`, `password`", body = ErrorBody),
        (status = 503, description = "`busy`: too many passwords being hashed", body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    ApiJson(req): ApiJson<AcceptRequest>,
) -> Result<(StatusCode, Json<AcceptedBody>), ApiError> {
    let account = staff::accept(
        &state.ctx,
        req.token.as_deref(),
        req.password.as_deref(),
        request_lang(&headers),
        &client,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AcceptedBody {
            id: account.id,
            email: account.email,
            roles: account
                .roles
                .names()
                .into_iter()
                .map(str::to_string)
                .collect(),
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffMember>,
}

/// Staff accounts with their roles and last sign-in. Admins only.
#[utoipa::path(get, operation_id = "staff_list", path = "/api/v1/staff", tag = "staff",
    responses((status = 200, body = StaffList), (status = 403, description = "`role_required`: admins only", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<StaffList>, ApiError> {
    Ok(Json(StaffList {
        items: staff::list(&state.ctx, &auth.account).await?,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffUpdate {
    /// The staff roles the account holds from now on (at least one).
    #[schema(value_type = Option<Vec<StaffRoleName>>)]
    pub roles: Option<Vec<String>>,
    /// false deactivates (sessions end at once, API tokens stop working); true reactivates.
    pub active: Option<bool>,
    /// A code from the authenticator app, unless the session passed one in the last five minutes.
    #[schema(value_type = Option<String>)]
    pub second_factor_code: Option<String>,
}

/// Changes a staff account's roles and/or deactivates it. Admins, with a fresh second factor;
/// audited.
#[utoipa::path(patch, operation_id = "staff_update", path = "/api/v1/staff/{id}", tag = "staff",
    params(("id" = String, Path)), request_body = StaffUpdate,
    responses(
        (status = 200, body = StaffMember),
        (status = 403, description = "`role_required`: admins only; `step_up_required`", body = ErrorBody),
        (status = 404, description = "`not_found`: no staff account has this id", body = ErrorBody),
        (status = 409, description = "`last_admin`: no active admin would remain; `no_roles`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: `roles`, `second_factor_code`", body = ErrorBody),
        (status = 429, description = "`rate_limited`: too many wrong second-factor codes", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn update(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<StaffUpdate>,
) -> Result<Json<StaffMember>, ApiError> {
    let fresh = second_factor::fresh_or_step_up(
        &state.ctx,
        &auth.session,
        req.second_factor_code.as_deref(),
        &client,
    )
    .await?;
    let change = StaffChange {
        roles: req.roles.as_deref(),
        active: req.active,
    };
    Ok(Json(
        staff::update(&state.ctx, &auth.account, fresh, &id, &change).await?,
    ))
}
