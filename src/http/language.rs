//! The language of a request: the language cookie (the switch on the pages), then
//! `Accept-Language`, then the signed-in account's language (for clients that send neither, as
//! scripts and API clients do), then Simplified Chinese.

use std::sync::{Arc, OnceLock};

use axum::http::request::Parts;
use axum::http::{header, HeaderMap};

use crate::http::cookies::{cookie, LANG_COOKIE};
use crate::i18n::Lang;

/// The language of a request before anyone signed in: the language cookie, then
/// `Accept-Language`, then Simplified Chinese.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    request_lang_for(headers, None)
}

/// The language of a request by `account` (its language setting): a choice made on this
/// browser (the cookie), then what the client accepts, then the account's.
pub fn request_lang_for(headers: &HeaderMap, account: Option<Lang>) -> Lang {
    chosen(headers)
        .or_else(|| accepted(headers))
        .or(account)
        .unwrap_or_default()
}

/// The language switch's cookie.
pub fn chosen(headers: &HeaderMap) -> Option<Lang> {
    cookie(headers, LANG_COOKIE).and_then(Lang::from_tag)
}

/// The best of `Accept-Language`.
pub fn accepted(headers: &HeaderMap) -> Option<Lang> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
}

/// Where the account a request authenticates as leaves its language, for the error answer
/// written after the handler (`render_errors` puts one in every request; the authentication
/// extractors fill it).
#[derive(Debug, Clone, Default)]
pub struct AccountLang(Arc<OnceLock<Lang>>);

impl AccountLang {
    pub fn get(&self) -> Option<Lang> {
        self.0.get().copied()
    }

    /// Records `lang` as the language of the account `parts` authenticated as.
    pub fn note(parts: &Parts, lang: Lang) {
        if let Some(slot) = parts.extensions.get::<AccountLang>() {
            let _ = slot.0.set(lang);
        }
    }
}
