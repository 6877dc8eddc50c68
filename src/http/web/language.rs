//! `POST /lang`: the language switch in every page's header.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::Response;

use crate::http::cookies::LANG_COOKIE;
use crate::http::state::AppState;
use crate::http::web::forms;
use crate::http::web::page::Page;
use crate::http::web::respond::{local_path, see_other};
use crate::i18n::Lang;
use crate::workflows::accounts;

/// Remembers the chosen language in a cookie (and on the account, for its mail), then goes back
/// to the page it was chosen on. A form without its CSRF token only goes back.
pub async fn switch_language(State(state): State<AppState>, page: Page, body: Bytes) -> Response {
    let form = forms::parse(&body);
    let lang = forms::first(&form, "lang")
        .and_then(Lang::from_tag)
        .unwrap_or_default();
    let back = forms::first(&form, "back")
        .and_then(local_path)
        .unwrap_or("/")
        .to_string();
    if !page.csrf_matches(&form) {
        return see_other(&back);
    }
    switch_to(&state, &page, lang, see_other(&back)).await
}

/// The language a draft form's switch asks for, if it was the button pressed: on a page whose
/// form is a draft (`Page::draft_form`), the top bar's button belongs to that form, so that
/// switching saves what was typed (`lang` is its name there).
pub fn asked_for(form: &forms::FormData) -> Option<Lang> {
    forms::first(form, "lang").and_then(Lang::from_tag)
}

/// `resp` (going back to the page) with `lang` remembered: in a cookie, and on the account,
/// for its mail.
pub async fn switch_to(state: &AppState, page: &Page, lang: Lang, mut resp: Response) -> Response {
    if let Some(a) = &page.account {
        if a.lang != lang {
            let _ = accounts::set_language(&state.ctx, &a.id, lang).await;
        }
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.tag(),
        state.cookies().secure_attr()
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
