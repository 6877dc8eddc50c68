//! What a page answers when something goes wrong: the error page in the visitor's language
//! (`failure`, or `?` on `Page::or_error_page`), and a refused form drawn again with what was
//! typed and why it was refused (`Page::refused`). Which errors are about the input and which
//! fail the page is the one error table's call (`http::error`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::http::error::ApiError;
use crate::http::web::forms::{absorb, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::workflows;

#[derive(Template)]
#[template(path = "pages/error.html")]
pub struct ErrorPage {
    pub page: Page,
    pub status: u16,
    pub title: String,
    pub message: String,
    /// Where "back" leads (the form that was refused), when there is one to go back to.
    pub back: Option<String>,
}

/// The first of `keys` the catalog has.
fn first_text(page: &Page, keys: &[String]) -> Option<String> {
    keys.iter()
        .map(|k| (k, page.t(k)))
        .find(|(k, t)| t != *k)
        .map(|(_, t)| t)
}

/// An error page in the visitor's language: a title and a hint for the code when the pages
/// have their own (`page.error_title.<code>`, `page.error_hint.<code>`), else the API's message
/// and the status's hint.
pub fn error_page(page: Page, status: StatusCode, code: &str) -> Response {
    error_page_back(page, status, code, None)
}

/// `error_page` with a way back to the page the request came from.
pub fn error_page_back(
    page: Page,
    status: StatusCode,
    code: &str,
    back: Option<String>,
) -> Response {
    let title = first_text(
        &page,
        &[format!("page.error_title.{code}"), format!("error.{code}")],
    )
    .unwrap_or_default();
    let fallback = if status.is_server_error() {
        "page.error_hint.500"
    } else {
        "page.error_hint.400"
    };
    let message = first_text(
        &page,
        &[
            format!("page.error_hint.{code}"),
            format!("page.error_hint.{}", status.as_u16()),
            fallback.to_string(),
        ],
    )
    .unwrap_or_default();
    draw(page, status, title, message, back)
}

fn draw(
    page: Page,
    status: StatusCode,
    title: String,
    message: String,
    back: Option<String>,
) -> Response {
    render(
        status,
        &ErrorPage {
            page,
            status: status.as_u16(),
            title,
            message,
            back,
        },
    )
}

/// The error page for a workflow's failure (its status and code from the error table); a limit
/// says when to try again, in words and in `Retry-After`.
pub fn failure(page: Page, err: impl Into<ApiError>) -> Response {
    let err: ApiError = err.into();
    wait_page(page, err.status, err.code, err.retry_after_secs)
}

/// `error_page`, and for a refusal that passes (`retry_after_secs`), when to try again: in
/// `Retry-After`, and in words when it is a limit (429).
fn wait_page(
    page: Page,
    status: StatusCode,
    code: &str,
    retry_after_secs: Option<u64>,
) -> Response {
    let Some(secs) = retry_after_secs else {
        return error_page(page, status, code);
    };
    let mut resp = if status == StatusCode::TOO_MANY_REQUESTS {
        let minutes = secs.div_ceil(60).max(1).to_string();
        let title = page.t(&format!("error.{code}"));
        let message = page.tf("error.rate_limited_wait", "minutes", &minutes);
        draw(page, status, title, message, None)
    } else {
        error_page(page, status, code)
    };
    if let Ok(v) = axum::http::HeaderValue::from_str(&secs.to_string()) {
        resp.headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    resp
}

/// A page that could not be drawn because a workflow failed: answered with the error page.
/// Page handlers return `Result<Response, PageError>` to write `?`.
pub struct PageError {
    page: Box<Page>,
    status: StatusCode,
    code: &'static str,
    retry_after_secs: Option<u64>,
}

impl PageError {
    /// The error page for a workflow's failure.
    pub fn from_error(page: &Page, err: impl Into<ApiError>) -> PageError {
        let err: ApiError = err.into();
        PageError {
            retry_after_secs: err.retry_after_secs,
            ..PageError::new(page, err.status, err.code)
        }
    }

    pub fn new(page: &Page, status: StatusCode, code: &'static str) -> PageError {
        PageError {
            page: Box::new(page.clone()),
            status,
            code,
            retry_after_secs: None,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        wait_page(*self.page, self.status, self.code, self.retry_after_secs)
    }
}

impl Page {
    /// The value a workflow answered, or the error page to answer with instead.
    pub fn or_error_page<T>(&self, answer: workflows::Result<T>) -> Result<T, PageError> {
        answer.map_err(|e| PageError::from_error(self, e))
    }

    /// A form the workflow refused: when the refusal is about what was typed, it is shown in
    /// `form` and the page is drawn again by `again`, with 422; otherwise, or when drawing it
    /// fails, the error page.
    pub async fn refused<T: Template>(
        self,
        mut form: FormState,
        err: impl Into<ApiError>,
        again: impl AsyncFnOnce(Page, FormState) -> Result<T, PageError>,
    ) -> Response {
        if let Err(err) = absorb(self.lang, &mut form, err) {
            return failure(self, err);
        }
        match again(self, form).await {
            Ok(page) => render(StatusCode::UNPROCESSABLE_ENTITY, &page),
            Err(failed) => failed.into_response(),
        }
    }
}
