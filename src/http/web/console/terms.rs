//! A document's term on the review screen, in words.

use serde_json::Value;

use crate::http::web::page::Page;

/// `a.b` → `/a/b`.
fn pointer(path: &str) -> String {
    format!("/{}", path.replace('.', "/"))
}

/// A document's term in words: its last valid day, "long-term", or "not recorded".
pub(super) fn term_words(page: &Page, data: &Value, path: &str, flag: &str) -> String {
    let day = data
        .pointer(&pointer(path))
        .and_then(Value::as_str)
        .and_then(crate::domain::validity::parse_day);
    match day {
        Some(d) => crate::display::Zone::long_day(d, page.lang),
        None if data.pointer(&pointer(flag)) == Some(&Value::Bool(true)) => {
            page.t("term.long_term")
        }
        None => page.t("term.unknown"),
    }
}
