//! The second factor on the pages: the second step of logging in (`/login/second-factor`), and
//! `/account/security`, where staff must and providers may enrol an authenticator app (a QR code
//! and the secret to type in, then a first code), see their recovery codes once, and where
//! providers can turn it off.

use super::see_other;
use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::forms::{self, absorb, FormState};
use super::public::{failure, home_after_login, safe_next};
use super::{checked_form, error_page, login_redirect, render, Page};
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::workflows::accounts::{NewSession, SessionView};
use crate::workflows::second_factor;

#[derive(Template)]
#[template(path = "pages/login_second_factor.html")]
pub struct SecondStepPage {
    pub page: Page,
    pub form: FormState,
    pub challenge: String,
    pub next: String,
}

/// The second step of a log-in, shown when the password was right.
pub fn second_step(page: Page, challenge: String, next: String) -> Response {
    render(
        StatusCode::OK,
        &SecondStepPage {
            page,
            form: FormState::default(),
            challenge,
            next,
        },
    )
}

/// `POST /login/second-factor`: the code for the challenge.
pub async fn login_second_factor(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let challenge = forms::first(&data, "challenge").unwrap_or("").to_string();
    let next = safe_next(forms::first(&data, "next"));
    match second_factor::complete_login(
        &state.ctx,
        Some(&challenge),
        forms::first(&data, "code"),
        &client,
    )
    .await
    {
        Ok(session) => {
            let target = if next.is_empty() {
                home_after_login(&session.account)
            } else {
                next
            };
            with_session_cookie(&state, see_other(&target).into_response(), &session)
        }
        Err(crate::workflows::Error::Validation(fields))
            if fields.iter().any(|f| f.field == "challenge") =>
        {
            // Five minutes passed, or the challenge was used: start again from the password.
            see_other("/login?notice=second_factor_expired").into_response()
        }
        Err(e) => {
            let mut form = FormState::default();
            match absorb(page.lang, &mut form, e) {
                Ok(()) => render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &SecondStepPage {
                        page,
                        form,
                        challenge,
                        next,
                    },
                ),
                Err(e) => failure(page, e),
            }
        }
    }
}

/// A response that also sets the cookie of a new session.
pub fn with_session_cookie(state: &AppState, mut resp: Response, session: &NewSession) -> Response {
    let cookie = state.cookies().session_cookie(
        &session.token,
        i64::from(state.config.session_ttl_hours) * 3600,
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Where the security page stands.
pub enum Stage {
    /// Nothing started: a button to begin.
    NotStarted,
    /// A secret waits for its first code.
    Pending { secret: String, qr_svg: String },
    /// Just confirmed: the recovery codes, shown this once.
    Confirmed { codes: Vec<String> },
    /// In force.
    On { recovery_codes_left: i64 },
}

#[derive(Template)]
#[template(path = "pages/account_security.html")]
pub struct SecurityPage {
    pub page: Page,
    pub form: FormState,
    pub stage: Stage,
    /// Staff cannot turn it off.
    pub required: bool,
}

#[allow(clippy::result_large_err)] // an early-return page, not an error value
fn session_of(page: &Page) -> Result<SessionView, Response> {
    page.session
        .clone()
        .ok_or_else(|| login_redirect(&page.path))
}

async fn security_page(
    state: &AppState,
    page: Page,
    form: FormState,
    status: StatusCode,
) -> Response {
    let session = match session_of(&page) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let account = &session.account;
    let stage = if session.enrolled {
        match second_factor::recovery_codes_left(&state.ctx, &account.id).await {
            Ok(n) => Stage::On {
                recovery_codes_left: n,
            },
            Err(e) => return failure(page, e),
        }
    } else {
        match second_factor::pending_enrolment(&state.ctx, account).await {
            Ok(Some(e)) => Stage::Pending {
                qr_svg: e.qr_svg(),
                secret: e.secret,
            },
            Ok(None) => Stage::NotStarted,
            Err(e) => return failure(page, e),
        }
    };
    let required = account.roles.needs_second_factor();
    render(
        status,
        &SecurityPage {
            page,
            form,
            stage,
            required,
        },
    )
}

/// `GET /account/security`.
pub async fn security(State(state): State<AppState>, page: Page) -> Response {
    security_page(&state, page, FormState::default(), StatusCode::OK).await
}

/// `POST /account/security`: `action` = `start`, `confirm` (with `code`) or `disable` (with
/// `code`).
pub async fn security_action(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    body: Bytes,
) -> Response {
    let session = match session_of(&page) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::default();
    let code = forms::first(&data, "code");
    let outcome = match forms::first(&data, "action") {
        Some("start") => second_factor::begin_enrolment(&state.ctx, &session.account)
            .await
            .map(|_| None),
        Some("confirm") => second_factor::confirm_enrolment(&state.ctx, &session, code, &client)
            .await
            .map(Some),
        Some("disable") => second_factor::disable(&state.ctx, &session, code, &client)
            .await
            .map(|_| None),
        _ => return error_page(page, StatusCode::BAD_REQUEST, "malformed_request"),
    };
    match outcome {
        Ok(Some(codes)) => render(
            StatusCode::OK,
            &SecurityPage {
                required: session.account.roles.needs_second_factor(),
                page,
                form,
                stage: Stage::Confirmed { codes },
            },
        ),
        Ok(None) => see_other("/account/security").into_response(),
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => security_page(&state, page, form, StatusCode::UNPROCESSABLE_ENTITY).await,
            Err(e) => failure(page, e),
        },
    }
}
