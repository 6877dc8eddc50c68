//! `GET /api/v1/documents/{id}`: an uploaded document, for its owner and operators.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::auth::Authenticated;
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
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&doc.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    Ok(resp)
}
