//! The web pages: askama templates and plain HTML forms that work without JavaScript
//! (POST → redirect → GET). Pages call the same workflows as the API. Every page shares `Page`:
//! the language, the signed-in account, the CSRF token and a notice.

pub mod console;
pub mod forms;
pub mod move_in;
pub mod products;
pub mod provider;
pub mod public;
pub mod second_factor;
pub mod storefront;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::crypto::{random_token, sha256_hex};
use crate::http::auth;
use crate::http::cookies::{cookie, LANG_COOKIE};
use crate::http::language::request_lang;
use crate::http::state::AppState;
use crate::i18n::{self, Lang};
use crate::workflows::accounts::{self, AccountView, SessionStanding, SessionView};

/// Translations for templates: `{{ page.t("nav.home") }}`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> String {
        i18n::t(self.0, key).to_string()
    }
}

/// What every page knows.
#[derive(Clone, Debug)]
pub struct Page {
    pub lang: Lang,
    /// The signed-in account, when its session may use the site (for staff: it passed the
    /// second factor).
    pub account: Option<AccountView>,
    /// The session, also one that can only enrol a second factor.
    pub session: Option<SessionView>,
    pub csrf: String,
    pub path: String,
    /// The path with its query, for "come back here" links (the language switch).
    pub url: String,
    pub notice: Option<String>,
}

impl Page {
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key).to_string()
    }

    pub fn tf(&self, key: &str, name: &str, value: &str) -> String {
        i18n::tf(self.lang, key, &[(name, value)])
    }

    /// The name of a form field for the error summary: `fieldname.<field>`, else `label.<field>`,
    /// else nothing.
    pub fn field_name(&self, field: &str) -> String {
        for key in [format!("fieldname.{field}"), format!("label.{field}")] {
            let text = i18n::t(self.lang, &key);
            if text != key {
                return text.to_string();
            }
        }
        String::new()
    }

    /// A field's name for people, or the field itself when the catalog has none.
    pub fn field_label(&self, field: &str) -> String {
        let name = self.field_name(field);
        if name.is_empty() {
            field.to_string()
        } else {
            name
        }
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn signed_in(&self) -> bool {
        self.session.is_some()
    }

    /// A staff session that must enrol its second factor before anything else.
    pub fn enrolment_pending(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.standing() == SessionStanding::EnrolmentOnly)
    }

    pub fn is_staff(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.roles.can_review())
    }

    pub fn is_provider(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.roles.has(crate::domain::account::Role::Provider))
    }

    pub fn email(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.account.email.clone())
            .unwrap_or_default()
    }

    /// The name of a catalog entry in this page's language.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() {
            en
        } else {
            zh
        }
    }

    pub fn active(&self, prefix: &str) -> &'static str {
        if self.path == prefix || (prefix != "/" && self.path.starts_with(prefix)) {
            "active"
        } else {
            ""
        }
    }
}

/// The page context of a request (never fails: an anonymous visitor is a page too).
impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let lang = request_lang(&parts.headers);
        let session =
            match cookie(&parts.headers, state.cookies().session()).filter(|t| !t.is_empty()) {
                Some(token) => accounts::authenticate(&state.ctx, token)
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
        // A session older than the account's second factor does not sign in.
        let session = session.filter(|s| s.standing() != SessionStanding::SecondFactorMissing);
        let csrf = match &session {
            Some(s) => auth::csrf_token(&state.ctx.key, &s.token_hash),
            None => pre_session_secret(parts, state.cookies().pre_session())
                .map(|s| pre_session_csrf(&s))
                .unwrap_or_default(),
        };
        let notice = parts
            .uri
            .query()
            .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("notice=")))
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .map(|k| i18n::t(lang, &format!("notice.{k}")).to_string());
        // The notice belongs to the moment it was shown; coming back should not repeat it.
        let url = match parts.uri.query() {
            Some(q) => {
                let kept: Vec<&str> = q.split('&').filter(|p| !p.starts_with("notice=")).collect();
                if kept.is_empty() {
                    parts.uri.path().to_string()
                } else {
                    format!("{}?{}", parts.uri.path(), kept.join("&"))
                }
            }
            None => parts.uri.path().to_string(),
        };
        Ok(Page {
            lang,
            account: session
                .as_ref()
                .filter(|s| s.standing() == SessionStanding::Full)
                .map(|s| s.account.clone()),
            session,
            csrf,
            path: parts.uri.path().to_string(),
            url,
            notice,
        })
    }
}

/// The visitor's pre-session secret: from the cookie, or the one `ensure_csrf_cookie` just made.
fn pre_session_secret(parts: &Parts, name: &str) -> Option<String> {
    parts
        .extensions
        .get::<PreSession>()
        .map(|p| p.0.clone())
        .or_else(|| cookie(&parts.headers, name).map(str::to_string))
}

fn pre_session_csrf(secret: &str) -> String {
    sha256_hex(format!("berth-csrf:{secret}").as_bytes())
}

#[derive(Clone)]
struct PreSession(String);

/// Gives every visitor without one a pre-session cookie, so forms shown before log-in carry a
/// CSRF token too (double submit).
pub async fn ensure_csrf_cookie(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let cookies = state.cookies();
    // Not for the API, and not for static files: a cacheable answer must not set a cookie.
    let path = req.uri().path();
    let needs = cookie(req.headers(), cookies.pre_session()).is_none()
        && !path.starts_with("/api/")
        && !path.starts_with("/static/")
        && path != "/favicon.ico";
    let fresh = needs.then(random_token);
    if let Some(secret) = &fresh {
        req.extensions_mut().insert(PreSession(secret.clone()));
    }
    let mut resp = next.run(req).await;
    if let Some(secret) = fresh {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{}={secret}; Path=/; HttpOnly; SameSite=Lax{}",
            cookies.pre_session(),
            cookies.secure_attr()
        )) {
            resp.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    resp
}

/// Parses a submitted urlencoded form and checks its CSRF token; a forged or stale form gets
/// the 403 page.
#[allow(clippy::result_large_err)] // an early-return page, not an error value
pub fn checked_form(page: &Page, body: &[u8]) -> Result<forms::FormData, Response> {
    let data = forms::parse(body);
    if !csrf_ok(page, &data) {
        return Err(error_page(
            page.clone(),
            StatusCode::FORBIDDEN,
            "csrf_failed",
        ));
    }
    Ok(data)
}

/// The account a form handler needs (`who`: signed in, staff…) and the form it sent, its CSRF
/// token checked — in that order, so that an anonymous post goes to the log-in page.
#[allow(clippy::result_large_err)] // an early-return page, not an error value
pub fn signed_form(
    page: &Page,
    body: &[u8],
    who: fn(&Page) -> Result<crate::workflows::accounts::AccountView, Response>,
) -> Result<(crate::workflows::accounts::AccountView, forms::FormData), Response> {
    let account = who(page)?;
    Ok((account, checked_form(page, body)?))
}

/// Checks the `csrf_token` of a submitted form against the page's.
pub fn csrf_ok(page: &Page, form: &HashMap<String, Vec<String>>) -> bool {
    let sent = form
        .get("csrf_token")
        .and_then(|v| v.first())
        .map(String::as_str)
        .unwrap_or("");
    !page.csrf.is_empty() && crate::crypto::constant_time_eq(sent.as_bytes(), page.csrf.as_bytes())
}

/// Renders a template, or a plain 500 page if the template fails (it should not).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
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
    see_other(&format!("/login?next={}", urlencode(path))).into_response()
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

/// `POST /lang`: remembers the chosen language in a cookie (and on the account, for its mail).
pub async fn switch_language(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = forms::parse(&body);
    let lang = forms::first(&form, "lang")
        .and_then(Lang::from_tag)
        .unwrap_or_default();
    let back = forms::first(&form, "back")
        .and_then(local_path)
        .unwrap_or("/")
        .to_string();
    if !csrf_ok(&page, &form) {
        return see_other(&back).into_response();
    }
    if let Some(a) = &page.account {
        if a.lang != lang {
            let _ = accounts::set_language(&state.ctx, &a.id, lang).await;
        }
    }
    let _ = headers;
    let mut resp = see_other(&back).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{}",
        lang.tag(),
        state.cookies().secure_attr()
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

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

/// `/favicon.ico`, asked for by browsers that did not read the page's icon link.
pub async fn favicon() -> Response {
    static_file(axum::extract::Path("favicon.svg".to_string())).await
}

/// Static files (our own CSS and JS), compiled into the binary.
pub async fn static_file(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let (body, mime) = match name.as_str() {
        "app.css" => (
            include_str!("../../../static/app.css"),
            "text/css; charset=utf-8",
        ),
        "app.js" => (
            include_str!("../../../static/app.js"),
            "text/javascript; charset=utf-8",
        ),
        "favicon.svg" => (include_str!("../../../static/favicon.svg"), "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, mime),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
