//! `/api/v1/me/review-items/…`: an applicant's own review items with their thread, and the
//! appeal against a rejection (once per decision).

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::http::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::http::extract::ApiPath;
use crate::http::state::AppState;
use crate::http::upload::Upload;
use crate::http::web::forms;
use crate::workflows::appeals::{self, ItemThread};

/// One of the applicant's review items (the `id`s of `submissions` in `GET /api/v1/me/enterprise`
/// and `GET /api/v1/me/application`, or of a product's review): its status, the reasons in the
/// account's language, whether it can be appealed, and the thread of an appeal.
#[utoipa::path(get, operation_id = "my_review_item", path = "/api/v1/me/review-items/{id}", tag = "move-in",
    params(("id" = String, Path)),
    responses((status = 200, body = ItemThread), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ItemThread>, ApiError> {
    Ok(Json(appeals::show(&state.ctx, &auth.account, &id).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct AppealUpload {
    /// Why the decision should be reconsidered (at most 2,000 characters).
    #[schema(max_length = 2000)]
    message: String,
    /// A supporting document: PDF, JPEG or PNG, at most 10 MiB (optional).
    #[schema(format = Binary, value_type = Option<String>)]
    file: Option<Vec<u8>>,
}

/// Appeals a rejection, once per decision: the message (and document) join the item's thread
/// and the item is back in the queue as an appeal.
#[utoipa::path(post, operation_id = "my_review_item_appeal", path = "/api/v1/me/review-items/{id}/appeal", tag = "move-in",
    params(("id" = String, Path)),
    request_body(content = AppealUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ItemThread),
        (status = 404, body = ErrorBody),
        (status = 409, description = "`already_appealed`: this decision was appealed already; `not_rejected`: the item is not a rejection; `superseded`: a newer submission exists; `changed_since_decision`: the form was changed after the decision (submit it again instead); `appeal_not_possible`: settlement changes are not appealed (ask for a new change)", body = ErrorBody),
        (status = 413, description = "`too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`message` missing or too long", body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn appeal(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<ItemThread>), ApiError> {
    let multipart = multipart.map_err(|_| ApiError::malformed())?;
    let upload = Upload::read(multipart, &["message"], MAX_DOCUMENT_BYTES).await;
    let (fields, file) = upload.into_optional_file()?;
    let message = forms::first(&fields, "message").map(str::to_string);
    let thread = appeals::appeal(&state.ctx, &auth.account, &id, message.as_ref(), file).await?;
    Ok((StatusCode::CREATED, Json(thread)))
}
