//! How a stored document is answered, by the API's download and by the review screen's inline
//! view alike: its own type, never sniffed, sandboxed and fetching nothing.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// A stored document's bytes as an answer: its own type, never sniffed, sandboxed and fetching
/// nothing (`default-src 'none'; sandbox`); `disposition` says
/// whether it downloads or shows inline (the review screen's view).
pub fn document_answer(content_type: &str, bytes: Vec<u8>, disposition: &str) -> Response {
    let mut resp = bytes.into_response();
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(disposition) {
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
    resp
}
