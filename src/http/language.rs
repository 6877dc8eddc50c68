//! The language of a request: the language cookie (the switch on the pages), then
//! `Accept-Language`, then Simplified Chinese.

use axum::http::{header, HeaderMap};

use crate::http::cookies::{cookie, LANG_COOKIE};
use crate::i18n::Lang;

/// The language of a request: the language cookie (the switch on the pages), then
/// `Accept-Language`, then Simplified Chinese.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::from_tag)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}
