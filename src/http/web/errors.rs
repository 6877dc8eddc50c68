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
}

/// An error page in the visitor's language.
pub fn error_page(page: Page, status: StatusCode, code: &str) -> Response {
    let title = page.t(&format!("error.{code}"));
    let key = format!("page.error_hint.{}", status.as_u16());
    let mut message = page.t(&key);
    if message == key {
        message = page.t(if status.is_server_error() {
            "page.error_hint.500"
        } else {
            "page.error_hint.400"
        });
    }
    render(
        status,
        &ErrorPage {
            page,
            status: status.as_u16(),
            title,
            message,
        },
    )
}

/// The error page for a workflow's failure (its status and code from the error table).
pub fn failure(page: Page, err: impl Into<ApiError>) -> Response {
    let err: ApiError = err.into();
    error_page(page, err.status, err.code)
}

/// A page that could not be drawn because a workflow failed: answered with the error page.
/// Page handlers return `Result<Response, PageError>` to write `?`.
pub struct PageError {
    page: Box<Page>,
    status: StatusCode,
    code: &'static str,
}

impl PageError {
    pub fn new(page: &Page, status: StatusCode, code: &'static str) -> PageError {
        PageError {
            page: Box::new(page.clone()),
            status,
            code,
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(*self.page, self.status, self.code)
    }
}

impl Page {
    /// The value a workflow answered, or the error page to answer with instead.
    pub fn or_error_page<T>(&self, answer: workflows::Result<T>) -> Result<T, PageError> {
        answer.map_err(|e| {
            let err = ApiError::from(e);
            PageError::new(self, err.status, err.code)
        })
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
