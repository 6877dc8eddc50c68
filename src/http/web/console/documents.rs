//! `/console/documents/{id}`: an uploaded document shown inline, for the review screen's frame
//! or image. Who may load it is decided exactly as for the download
//! (`workflows::documents::download`: its owner and staff); the answer is the download's
//! (`http::documents::document_answer`: never sniffed, sandboxed, fetching nothing), inline
//! instead of as an attachment.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::http::documents::document_answer;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::Staff;
use crate::workflows::documents;

pub async fn view(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let (doc, bytes) = page.or_error_page(documents::download(&state.ctx, &operator, &id).await)?;
    Ok(document_answer(&doc.content_type, bytes, "inline"))
}
