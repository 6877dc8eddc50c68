//! Who may see a page, and forms whose CSRF token is checked: extractors that answer for the
//! handler when the visitor may not go on — the log-in page (and back afterwards), the second
//! factor's enrolment for staff who must enrol first, the 403 page — and the same check for
//! upload forms (`checked_upload`).

use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::http::state::AppState;
use crate::http::upload::{FormWithFiles, Upload};
use crate::http::web::errors::{error_page, error_page_back, PageError};
use crate::http::web::forms::{self, FormData};
use crate::http::web::page::Page;
use crate::http::web::respond::{local_path, login_redirect, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::sessions::SessionView;

/// An active account fully signed in (for staff: past the second factor). Otherwise staff who
/// must enrol their second factor go to `/account/security`, and everyone else to the log-in
/// page, coming back here afterwards.
pub struct SignedIn {
    pub page: Page,
    pub account: AccountView,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let page = Page::from_request_parts(parts, state).await?;
        if page.enrolment_pending() {
            // Staff enrol their second factor before anything else.
            return Err(see_other("/account/security"));
        }
        match page.account.clone() {
            Some(account) => Ok(SignedIn { page, account }),
            None => Err(login_redirect(&page.url)),
        }
    }
}

/// A signed-in operator or admin (`SignedIn`); anyone else signed in gets the 403 page.
pub struct Staff {
    pub page: Page,
    /// The operator's (or admin's) account.
    pub operator: AccountView,
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn { page, account } = SignedIn::from_request_parts(parts, state).await?;
        if !account.roles.can_review() {
            return Err(error_page(page, StatusCode::FORBIDDEN, "forbidden"));
        }
        Ok(Staff {
            page,
            operator: account,
        })
    }
}

/// Any live session, also a staff session that may only enrol its second factor (the security
/// page is where it does); without one, the log-in page.
pub struct AnySession {
    pub page: Page,
    pub session: SessionView,
}

impl FromRequestParts<AppState> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let page = Page::from_request_parts(parts, state).await?;
        match page.session.clone() {
            Some(session) => Ok(AnySession { page, session }),
            None => Err(login_redirect(&page.url)),
        }
    }
}

/// A submitted urlencoded form whose CSRF token is the page's; a forged or stale form gets the
/// 403 page. Put it after the extractor that says who may post (so an anonymous post goes to
/// the log-in page first).
pub struct CheckedForm(pub FormData);

impl FromRequest<AppState> for CheckedForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let page = Page::from_request_parts(&mut parts, state).await?;
        let parts_headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let form = forms::parse(&body);
        if !page.csrf_matches(&form) {
            let back = referring_page(&parts_headers);
            return Err(error_page_back(
                page,
                StatusCode::FORBIDDEN,
                "csrf_failed",
                back,
            ));
        }
        Ok(CheckedForm(form))
    }
}

/// A page's upload form read (`Upload::read`, taking the CSRF token and `texts`) and its CSRF
/// token checked: a body that is no multipart form gets the 400 page, a forged form the 403
/// page. What the form lacks or holds too much of is the upload's refusal, for the form.
pub async fn checked_upload(
    page: &Page,
    multipart: Result<Multipart, MultipartRejection>,
    texts: &[&str],
    max_file_bytes: usize,
) -> Result<Upload, PageError> {
    let multipart = multipart
        .map_err(|_| PageError::new(page, StatusCode::BAD_REQUEST, "malformed_request"))?;
    let texts: Vec<&str> = texts.iter().copied().chain(["csrf_token"]).collect();
    let upload = Upload::read(multipart, &texts, max_file_bytes).await;
    if !page.csrf_matches(&upload.fields) {
        return Err(PageError::new(page, StatusCode::FORBIDDEN, "csrf_failed"));
    }
    Ok(upload)
}

/// The page of this site a form was sent from (its `Referer`), for the way back from a refusal:
/// the browser usually still holds what was typed there.
fn referring_page(headers: &axum::http::HeaderMap) -> Option<String> {
    let referer = headers.get(axum::http::header::REFERER)?.to_str().ok()?;
    let host = headers.get(axum::http::header::HOST)?.to_str().ok()?;
    let rest = referer
        .strip_prefix("http://")
        .or_else(|| referer.strip_prefix("https://"))?;
    let path = rest.strip_prefix(host)?;
    local_path(path).map(str::to_string)
}

/// The body of a form that may carry files: multipart, as browsers send it, or urlencoded
/// (nothing chosen, or a client without files).
pub enum SentForm {
    Multipart(Multipart),
    Urlencoded(FormData),
    Unreadable,
}

impl FromRequest<AppState> for SentForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let multipart = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("multipart/form-data"));
        if multipart {
            return Ok(Multipart::from_request(req, state)
                .await
                .map_or(SentForm::Unreadable, SentForm::Multipart));
        }
        Ok(Bytes::from_request(req, state)
            .await
            .map_or(SentForm::Unreadable, |b| {
                SentForm::Urlencoded(forms::parse(&b))
            }))
    }
}

/// A page's form with file inputs among its fields (`Upload::read_form`: the texts named,
/// the files named, each under `max_file_bytes`), its CSRF token checked like `checked_upload`.
pub async fn checked_form_with_files(
    page: &Page,
    sent: SentForm,
    texts: &[&str],
    files: &[&str],
    max_file_bytes: usize,
) -> Result<FormWithFiles, PageError> {
    let sent: FormWithFiles = match sent {
        SentForm::Multipart(multipart) => {
            let texts: Vec<&str> = texts.iter().copied().chain(["csrf_token"]).collect();
            Upload::read_form(multipart, &texts, files, max_file_bytes, true)
                .await
                .into()
        }
        SentForm::Urlencoded(fields) => FormWithFiles {
            fields,
            files: Vec::new(),
            file_refusals: Vec::new(),
            refusal: None,
        },
        SentForm::Unreadable => {
            return Err(PageError::new(
                page,
                StatusCode::BAD_REQUEST,
                "malformed_request",
            ))
        }
    };
    if !page.csrf_matches(&sent.fields) {
        return Err(PageError::new(page, StatusCode::FORBIDDEN, "csrf_failed"));
    }
    Ok(sent)
}
