//! `/api/v1/me/enterprise/reverification`: renewed documents and terms while verified.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::domain::validity::TermInput;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::state::AppState;
use crate::http::upload::Upload;
use crate::http::web::forms::{self, FormData};
use crate::workflows::reverification::{self, ReverificationView, TermsForm};
use crate::workflows::verification::SubmissionView;

/// multipart/form-data: the new terms, each `YYYY-MM-DD` (the last valid day, a calendar day in
/// China, UTC+8) or `long_term`, and `file`, the renewed business licence scan (PDF, JPEG or
/// PNG by content, at most 10 MiB).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ReverificationUpload {
    #[schema(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|long_term)$")]
    license_valid_until: String,
    #[serde(rename = "legal_rep.id_valid_until")]
    #[schema(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2}|long_term)$")]
    legal_rep_id_valid_until: String,
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

const TEXTS: [&str; 2] = ["license_valid_until", "legal_rep.id_valid_until"];

/// A term as a form part: `long_term`, a day, or nothing.
pub fn term_of(fields: &FormData, name: &str) -> TermInput {
    match forms::first(fields, name).map(str::trim) {
        None | Some("") => TermInput::Absent,
        Some("long_term") => TermInput::LongTerm,
        Some(day) => TermInput::Day(day.to_string()),
    }
}

/// The terms in force and every re-verification, newest first.
#[utoipa::path(get, operation_id = "reverification_show", path = "/api/v1/me/enterprise/reverification", tag = "enterprise",
    responses(
        (status = 200, body = ReverificationView),
        (status = 401, body = ErrorBody),
        (status = 409, description = "`enterprise_verification_required`: not verified", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<ReverificationView>, ApiError> {
    Ok(Json(reverification::view(&state.ctx, &auth.account).await?))
}

/// Submits renewed documents for review while the verification stays in force; a newer one
/// replaces one still waiting. Approval puts the terms and the licence in force (and ends a
/// `reverification_due`); rejection keeps the ones on file.
#[utoipa::path(post, operation_id = "reverification_submit", path = "/api/v1/me/enterprise/reverification", tag = "enterprise",
    request_body(content = ReverificationUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = SubmissionView),
        (status = 400, description = "`malformed_request`", body = ErrorBody),
        (status = 409, description = "`enterprise_verification_required`: not verified", body = ErrorBody),
        (status = 413, description = "`too_large`", body = ErrorBody),
        (status = 422, description = "`validation_failed`: a term missing, not a day, or already past (`document_expired`); the file missing or not a PDF, JPEG or PNG", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn submit(
    State(state): State<AppState>,
    auth: Authenticated,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<SubmissionView>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::malformed())?;
    let upload = Upload::read(multipart, &TEXTS, MAX_DOCUMENT_BYTES).await;
    let (fields, file) = upload.into_optional_file()?;
    let form = TermsForm {
        license_valid_until: term_of(&fields, TEXTS[0]),
        id_valid_until: term_of(&fields, TEXTS[1]),
    };
    let item = reverification::submit(&state.ctx, &auth.account, &form, file, "file").await?;
    Ok((StatusCode::CREATED, Json(item)))
}
