//! `/api/v1/me/enterprise…`: enterprise real-name verification.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::enterprise::EnterpriseForm;
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::json::ApiJson;
use crate::http::state::AppState;
use crate::http::upload::Upload;
use crate::http::web::forms;
use crate::workflows::verification::{self, DepositView, DocumentView, EnterpriseView};
use crate::workflows::{micro_deposit, verification_documents};

/// The verification: data (numbers masked), status, reasons, submissions, micro-deposit.
#[utoipa::path(get, operation_id = "enterprise_show", path = "/api/v1/me/enterprise", tag = "enterprise",
    responses((status = 200, body = EnterpriseView), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<EnterpriseView>, ApiError> {
    Ok(Json(verification::view(&state.ctx, &auth.account).await?))
}

/// Saves the draft. Omitted ID and account numbers keep their saved values.
#[utoipa::path(put, operation_id = "enterprise_save", path = "/api/v1/me/enterprise", tag = "enterprise", request_body = EnterpriseForm,
    responses(
        (status = 200, body = EnterpriseView),
        (status = 409, description = "`already_submitted` while in review", body = ErrorBody),
        (status = 422, description = "`validation_failed` naming every bad field", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn save(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(form): ApiJson<EnterpriseForm>,
) -> Result<Json<EnterpriseView>, ApiError> {
    Ok(Json(
        verification::save_draft(&state.ctx, &auth.account, &form).await?,
    ))
}

/// multipart/form-data: `kind` (`business_license` or `authorization_letter`) and `file`
/// (PDF, JPEG or PNG by content, at most 10 MiB and 40 megapixels).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DocumentUpload {
    #[schema(inline)]
    kind: DocumentKind,
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DocumentKind {
    BusinessLicense,
    AuthorizationLetter,
}

/// Uploads a business licence or a letter of authorisation.
#[utoipa::path(post, operation_id = "enterprise_upload_document", path = "/api/v1/me/enterprise/documents", tag = "enterprise",
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = DocumentView),
        (status = 400, description = "`malformed_request`", body = ErrorBody),
        (status = 413, description = "`too_large`", body = ErrorBody),
        (status = 409, description = "`already_submitted`: the verification is in review or approved", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload_document(
    State(state): State<AppState>,
    auth: Authenticated,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<DocumentView>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::malformed())?;
    let upload = Upload::read(multipart, &["kind"], MAX_DOCUMENT_BYTES).await;
    let (fields, file) = upload.into_file(&["kind"])?;
    let kind = forms::first(&fields, "kind").unwrap_or("").trim();
    let doc =
        verification_documents::upload_document(&state.ctx, &auth.account, kind, file).await?;
    Ok((StatusCode::CREATED, Json(doc)))
}

/// Submits for review; 422 lists every missing field and document at once.
#[utoipa::path(post, operation_id = "enterprise_submit", path = "/api/v1/me/enterprise/submit", tag = "enterprise",
    responses(
        (status = 200, body = EnterpriseView),
        (status = 409, description = "`already_submitted`, `uscc_taken`", body = ErrorBody),
        (status = 422, description = "every missing field and document", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<EnterpriseView>, ApiError> {
    Ok(Json(verification::submit(&state.ctx, &auth.account).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmDepositRequest {
    /// The deposited amount in fen (1–99).
    #[schema(value_type = i64, minimum = 1, maximum = 99)]
    pub amount_fen: Option<i64>,
}

/// Confirms the micro-deposit amount. A deposit allows five wrong amounts in all; the fifth
/// freezes the check for an hour, after which the deposit is void and the holder asks for a new
/// one (`POST …/micro-deposit/request`).
#[utoipa::path(post, operation_id = "enterprise_confirm_deposit", path = "/api/v1/me/enterprise/micro-deposit/confirm", tag = "enterprise",
    request_body = ConfirmDepositRequest,
    responses(
        (status = 200, description = "`status` is `confirmed`", body = DepositView),
        (status = 409, description = "`deposit_not_sent`, `deposit_void`, `already_confirmed`", body = ErrorBody),
        (status = 422, description = "`wrong_amount` with `attempts_left`", body = ErrorBody),
        (status = 429, description = "`verification_frozen`, with `Retry-After`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn confirm_deposit(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiJson(req): ApiJson<ConfirmDepositRequest>,
) -> Result<Json<DepositView>, ApiError> {
    Ok(Json(
        micro_deposit::confirm_deposit(&state.ctx, &auth.account, req.amount_fen).await?,
    ))
}

/// Asks for a new micro-deposit once the last one is void (every wrong amount it allowed was
/// used); an operator pays a new amount.
#[utoipa::path(post, operation_id = "enterprise_request_deposit", path = "/api/v1/me/enterprise/micro-deposit/request", tag = "enterprise",
    responses(
        (status = 200, description = "`status` is `requested`", body = DepositView),
        (status = 409, description = "`deposit_not_void`, `deposit_requested`, `verification_frozen`, `deposit_limit_reached`", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn request_deposit(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<DepositView>, ApiError> {
    Ok(Json(
        micro_deposit::request_new_deposit(&state.ctx, &auth.account).await?,
    ))
}
