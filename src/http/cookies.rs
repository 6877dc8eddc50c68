//! The cookies Berth sets and reads: the session, the pre-session CSRF secret and the language,
//! with the names and attributes each deployment gives them.

use axum::http::{header, HeaderMap};

pub const LANG_COOKIE: &str = "berth_lang";

/// The names and attributes of the cookies that carry secrets (the session, the pre-session CSRF
/// secret). Served over https they are `Secure` and carry the `__Host-` prefix: the browser then
/// takes them only from this host, over https, for the whole site, so no sibling subdomain can
/// plant one.
#[derive(Debug, Clone, Copy)]
pub struct Cookies {
    secure: bool,
}

impl Cookies {
    pub fn new(secure: bool) -> Cookies {
        Cookies { secure }
    }

    pub fn session(&self) -> &'static str {
        if self.secure {
            "__Host-berth_session"
        } else {
            "berth_session"
        }
    }

    pub fn pre_session(&self) -> &'static str {
        if self.secure {
            "__Host-berth_csrf"
        } else {
            "berth_csrf"
        }
    }

    /// `; Secure` when served over https.
    pub fn secure_attr(&self) -> &'static str {
        if self.secure {
            "; Secure"
        } else {
            ""
        }
    }

    /// The `Set-Cookie` value that carries a new session.
    pub fn session_cookie(&self, token: &str, max_age_secs: i64) -> String {
        format!(
            "{}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
            self.session(),
            self.secure_attr()
        )
    }

    pub fn clear_session_cookie(&self) -> String {
        self.session_cookie("", 0)
    }
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
