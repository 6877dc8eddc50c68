//! `GET /api/v1/documents/{id}`: an uploaded document, for its owner and operators.

use axum::extract::State;
use axum::response::Response;

use crate::http::auth::Authenticated;
use crate::http::documents::document_answer;
use crate::http::error::ApiError;
use crate::http::extract::ApiPath;
use crate::http::state::AppState;
use crate::workflows::documents;

/// Downloads a document (always as an attachment). Anyone but the owner and operators gets 404.
#[utoipa::path(get, operation_id = "documents_download", path = "/api/v1/documents/{id}", tag = "enterprise",
    params(("id" = String, Path)),
    responses((status = 200, description = "the file, as an attachment", content(
        (super::Binary = "application/pdf"),
        (super::Binary = "image/jpeg"),
        (super::Binary = "image/png")))),
    security(("bearer" = [])))]
pub async fn download(
    State(state): State<AppState>,
    auth: Authenticated,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let (doc, bytes) = documents::download(&state.ctx, &auth.account, &id).await?;
    let ext = match doc.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        _ => "jpg",
    };
    let disposition = format!(
        "attachment; filename=\"{}-{}.{ext}\"",
        doc.kind,
        &doc.id[..8.min(doc.id.len())]
    );
    Ok(document_answer(&doc.content_type, bytes, &disposition))
}
