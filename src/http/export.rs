//! The streamed zip of a data export (docs/PRIVACY.md), as `GET /api/v1/me/export` and the
//! page's download answer it.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::http::state::AppState;
use crate::time_util::rfc3339;
use crate::workflows::privacy;

/// The streamed zip answer of an export (the page's download uses it too).
pub fn zip_response(state: &AppState, plan: privacy::ExportPlan, account_id: &str) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    let ctx = state.ctx.clone();
    tokio::spawn(async move {
        let sent = privacy::stream_zip(&ctx, plan, |chunk| {
            let tx = tx.clone();
            async move { chunk.is_empty() || tx.send(Bytes::from(chunk)).await.is_ok() }
        })
        .await;
        if let Err(e) = sent {
            // The answer has begun: dropping the sender cuts it short, which the client sees.
            tracing::warn!(error = %e, "export failed while streaming");
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<Bytes, std::io::Error>(b), rx))
    });
    let day = rfc3339(state.ctx.clock.now_ms());
    let name = format!(
        "berth-export-{}-{}.zip",
        &account_id[account_id.len().saturating_sub(8)..],
        day.get(..10).unwrap_or("")
    );
    (
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}
