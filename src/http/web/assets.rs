//! Static files (our own CSS, JS and icon), compiled into the binary.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `/favicon.ico`, asked for by browsers that did not read the page's icon link.
pub async fn favicon() -> Response {
    static_file(Path("favicon.svg".to_string())).await
}

/// `/static/{name}`.
pub async fn static_file(Path(name): Path<String>) -> Response {
    let (body, mime) = match name.as_str() {
        "app.css" => (
            include_str!("../../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "console.css" => (
            include_str!("../../../static/console.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "favicon.svg" => (include_str!("../../../static/favicon.svg"), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
