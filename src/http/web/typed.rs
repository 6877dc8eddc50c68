//! What was typed into a form, kept across a redirect: a language switch on a form page saves
//! the draft and goes back to the page by its address (`?typed=…`), and the values the draft
//! could not take (they failed their checks) come back from here, with their errors. Never
//! secrets: `FormState` holds none.

use crate::crypto::{random_token, sha256_hex};
use crate::http::state::AppState;
use crate::http::web::forms::FormState;
use crate::http::web::page::Page;
use crate::workflows::idempotency;

/// Bound to the visitor (their CSRF secret), the page and the token in its address.
fn scope(page: &Page, path: &str, token: &str) -> String {
    sha256_hex(format!("typed\n{}\n{path}\n{token}", page.csrf).as_bytes())
}

/// Keeps `form`'s values for the page at `path`; the address to go back to (`path` itself when
/// they cannot be kept).
pub async fn keep(state: &AppState, page: &Page, path: &str, form: &FormState) -> String {
    let token = random_token();
    let Ok(values) = serde_json::to_value(form) else {
        return path.to_string();
    };
    match idempotency::keep_typed(&state.ctx, &scope(page, path, &token), &values).await {
        Ok(()) => format!("{path}?typed={token}"),
        Err(e) => {
            tracing::warn!(error = %e, "typed values: could not keep them");
            path.to_string()
        }
    }
}

/// The values kept for this page under the `typed` token of its address, if any.
pub async fn recall(state: &AppState, page: &Page, token: Option<&str>) -> Option<FormState> {
    let token = token.filter(|t| t.len() <= 64)?;
    let kept = idempotency::typed(&state.ctx, &scope(page, &page.path, token))
        .await
        .ok()
        .flatten()?;
    serde_json::from_value(kept).ok()
}
