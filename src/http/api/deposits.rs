//! Category deposits (保证金): `GET /api/v1/me/deposit` (the provider's own ledger),
//! `GET /api/v1/review/providers/{account_id}/deposit` (staff), and finance's payments and
//! deductions under `…/deposit/payments` and `…/deposit/deductions`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::http::auth::{Authenticated, Reviewer};
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::json::{integer_field, ApiJson};
use crate::http::state::AppState;
use crate::http::upload::Upload;
use crate::http::web::forms;
use crate::workflows::guarantee::{self, GuaranteeView, LedgerEntry};

/// The signed-in provider's deposit: the required amount (the largest deposit among the
/// categories its approved application declares), the balance summed from the ledger, the
/// status, and the ledger oldest first. `status`: `not_due` (nothing owed), `due` (owed and never
/// paid in full: the move-in's `deposit` step is due), `paid`, `short` (below the required amount
/// after a deduction: `top_up_by` says until when; then `listings_hidden`).
#[utoipa::path(get, operation_id = "my_deposit", path = "/api/v1/me/deposit", tag = "move-in",
    responses((status = 200, body = GuaranteeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn mine(
    State(state): State<AppState>,
    auth: Authenticated,
) -> Result<Json<GuaranteeView>, ApiError> {
    Ok(Json(guarantee::own(&state.ctx, &auth.account).await?))
}

/// A provider's deposit and ledger (any staff).
#[utoipa::path(get, operation_id = "providers_deposit", path = "/api/v1/review/providers/{account_id}/deposit", tag = "operators",
    params(("account_id" = String, Path)),
    responses((status = 200, body = GuaranteeView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(account_id): ApiPath<String>,
) -> Result<Json<GuaranteeView>, ApiError> {
    Ok(Json(
        guarantee::of_provider(&state.ctx, &staff.account, &account_id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// Fen received, 1 to 1,000,000,000.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub amount_fen: Option<i64>,
    /// The bank's reference of the transfer: 1–64 letters, digits and `-_./#:`.
    #[schema(value_type = String, min_length = 1, max_length = 64, pattern = r"^\s*[A-Za-z0-9_./#:-]{1,64}\s*$")]
    pub reference: Option<String>,
}

/// Finance records a deposit payment the provider made (by bank transfer). Audited; once the
/// balance covers the required amount, the deposit step is done, and listings a shortfall hid
/// come back (mailed). A repeat with the same `Idempotency-Key` records nothing twice.
#[utoipa::path(post, operation_id = "providers_deposit_payment", path = "/api/v1/review/providers/{account_id}/deposit/payments", tag = "operators",
    params(("account_id" = String, Path)), request_body = PaymentRequest,
    responses((status = 201, body = LedgerEntry),
        (status = 403, description = "`role_required`: finance only; `own_item`: the operator's own account", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`deposit_not_due`: the account's application is not approved; `account_closed`: the provider closed its account", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn payment(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(account_id): ApiPath<String>,
    ApiJson(req): ApiJson<PaymentRequest>,
) -> Result<(StatusCode, Json<LedgerEntry>), ApiError> {
    let entry = guarantee::record_payment(
        &state.ctx,
        &staff.account,
        &account_id,
        req.amount_fen,
        req.reference.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeductionRequest {
    /// Fen deducted, 1 to 1,000,000,000, never more than the balance.
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub amount_fen: Option<i64>,
    /// Why (mailed to the provider; at most 500 characters).
    #[schema(value_type = String, max_length = 500, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub reason: Option<String>,
}

/// The same deduction as a multipart form, with the evidence.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct DeductionUpload {
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    amount_fen: i64,
    #[schema(max_length = 500)]
    reason: String,
    /// The evidence: PDF, JPEG or PNG, at most 10 MiB (optional).
    #[schema(format = Binary, value_type = Option<String>)]
    file: Option<Vec<u8>>,
}

/// Finance records a deduction from a provider's deposit: the amount (at most what the balance
/// holds), the reason and, sent as `multipart/form-data`, optional evidence (`file`: the
/// provider may download it at `GET /api/v1/documents/{id}`). Audited and mailed; a balance
/// left below the required amount must be topped up within `deposits.top_up_working_days`
/// working days, or the provider's listings are hidden.
#[utoipa::path(post, operation_id = "providers_deposit_deduction", path = "/api/v1/review/providers/{account_id}/deposit/deductions", tag = "operators",
    params(("account_id" = String, Path)),
    request_body(content(
        (DeductionRequest = "application/json"),
        (DeductionUpload = "multipart/form-data"))),
    responses((status = 201, body = LedgerEntry),
        (status = 403, description = "`role_required`: finance only; `own_item`: the operator's own account", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`insufficient_deposit`: more than the balance holds; `deposit_not_due`: the account's application is not approved; `account_closed`: the provider closed its account", body = ErrorBody),
        (status = 413, description = "`too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn deduction(
    State(state): State<AppState>,
    Reviewer(staff): Reviewer,
    ApiPath(account_id): ApiPath<String>,
    req: Request,
) -> Result<(StatusCode, Json<LedgerEntry>), ApiError> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
    let (amount_fen, reason, file) = if multipart {
        let m: Result<Multipart, MultipartRejection> = Multipart::from_request(req, &state).await;
        let m = m.map_err(|_| ApiError::malformed())?;
        let upload = Upload::read(m, &["amount_fen", "reason"], MAX_DOCUMENT_BYTES).await;
        let (fields, file) = upload.into_optional_file()?;
        let amount = match forms::first(&fields, "amount_fen") {
            None => None,
            Some(a) => Some(integer_field("amount_fen", a)?),
        };
        (
            amount,
            forms::first(&fields, "reason").map(str::to_string),
            file,
        )
    } else {
        let ApiJson(body) = ApiJson::<DeductionRequest>::from_request(req, &state).await?;
        (body.amount_fen, body.reason, None)
    };
    let entry = guarantee::record_deduction(
        &state.ctx,
        &staff.account,
        &account_id,
        amount_fen,
        reason.as_ref(),
        file,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}
