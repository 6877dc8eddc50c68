//! Request hygiene on the wire, before anything else looks at a request: heads that are too long
//! are answered in the API's error shape (hyper's own, higher limits answer with an empty body);
//! small bodies are read first, so that a request refused before its handler read the body
//! (401, 403, 404) leaves the kept-alive connection usable; and a larger body left unread gets
//! `Connection: close`, so the client does not write its next request into a connection hyper is
//! about to close.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::http::state::AppState;

/// The longest request target (path and query) answered.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The most header fields, and header bytes, answered.
pub const MAX_HEADERS: usize = 64;
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Bodies up to this size are read before the request goes on.
const READ_FIRST_BYTES: usize = 64 * 1024;

pub async fn hygiene(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return closing(ApiError::new(StatusCode::URI_TOO_LONG, "uri_too_long").into_response());
    }
    let header_bytes: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if req.headers().len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return closing(
            ApiError::new(
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
            )
            .into_response(),
        );
    }
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    match length {
        None | Some(0) if !chunked => next.run(req).await,
        Some(n) if !chunked && n <= READ_FIRST_BYTES as u64 => {
            // Outside the router's timeout, so bounded here: a slow body is not waited for.
            let timeout = Duration::from_secs(state.config.request_timeout_secs);
            let (parts, body) = req.into_parts();
            match tokio::time::timeout(timeout, axum::body::to_bytes(body, READ_FIRST_BYTES)).await
            {
                Ok(Ok(bytes)) => {
                    next.run(Request::from_parts(parts, Body::from(bytes)))
                        .await
                }
                Ok(Err(_)) => closing(ApiError::malformed().into_response()),
                Err(_) => {
                    closing(ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout").into_response())
                }
            }
        }
        _ => {
            let read = Arc::new(AtomicBool::new(false));
            let req = req.map(|inner| {
                Body::new(Watched {
                    inner,
                    read: read.clone(),
                })
            });
            let resp = next.run(req).await;
            if read.load(Ordering::Acquire) {
                resp
            } else {
                closing(resp)
            }
        }
    }
}

/// Says that the connection ends with this answer.
fn closing(mut resp: Response) -> Response {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// A body that notes when it was read to its end.
struct Watched {
    inner: Body,
    read: Arc<AtomicBool>,
}

impl http_body::Body for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &frame {
            Poll::Ready(None) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            _ => false,
        };
        if ended {
            self.read.store(true, Ordering::Release);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
