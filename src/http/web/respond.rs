//! The answers pages give: a template rendered, or a `303 See Other` that never leaves the site.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};

use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

/// Renders a template, or a plain 500 page if the template fails (it should not).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match render_sized(t) {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<h1>500</h1>".to_string()),
            )
                .into_response()
        }
    }
}

/// The last length each kind of page rendered to, in a few slots shared by hash of the
/// template's type name (two kinds sharing a slot only guess each other's size).
static LAST_LEN: [AtomicUsize; 64] = [const { AtomicUsize::new(0) }; 64];

/// `t` rendered into a buffer sized from the last page of its kind: askama's own guess is the
/// template's literal text, so a page of fifty queue rows (about 57 KB) grew its buffer five
/// times, copying it each time.
fn render_sized<T: Template>(t: &T) -> askama::Result<String> {
    let mut h = rustc_hash::FxHasher::default();
    std::any::type_name::<T>().hash(&mut h);
    let last = &LAST_LEN[(h.finish() % 64) as usize];
    let guess = last.load(Ordering::Relaxed);
    let mut buf = String::with_capacity(T::SIZE_HINT.max(guess + guess / 8));
    t.render_into(&mut buf)?;
    last.store(buf.len(), Ordering::Relaxed);
    Ok(buf)
}

/// `303 See Other` to a path of this site. Anything that is not one (`local_path`) goes to the
/// home page instead: no redirect leaves the site, and none fails on what a visitor typed.
pub fn see_other(path: &str) -> Response {
    let target = local_path(path).unwrap_or("/");
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(target) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `s` when it is a path of this site that every browser reads the same way: it starts with one
/// `/` (not `//` or `/\`, which browsers take for another host), and holds only visible ASCII —
/// no backslash, space or control character (browsers drop tabs and newlines, so `/\t/evil`
/// would be `//evil`), not even percent-encoded.
pub fn local_path(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let starts_local = b.first() == Some(&b'/') && !matches!(b.get(1), Some(b'/' | b'\\'));
    let visible = b.iter().all(|c| (0x21..=0x7e).contains(c) && *c != b'\\');
    let lower = s.to_ascii_lowercase();
    let hidden = ["%5c", "%00", "%09", "%0a", "%0d"]
        .iter()
        .any(|e| lower.contains(e));
    (starts_local && visible && !hidden).then_some(s)
}

/// Sends a visitor who is not signed in to the log-in page, and back afterwards.
pub fn login_redirect(path: &str) -> Response {
    see_other(&format!("/login?next={}", urlencode(path)))
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
