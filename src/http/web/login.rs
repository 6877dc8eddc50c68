//! Logging in and out on the pages: the password, then (for an account with a second factor)
//! the code from the authenticator app; the session cookie; where a fresh session goes.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;

use crate::crypto::sha256_hex;
use crate::domain::account::Role;
use crate::http::client::ClientAddr;
use crate::http::cookies::cookie;
use crate::http::state::AppState;
use crate::http::web::extract::CheckedForm;
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::public::EmailQuery;
use crate::http::web::respond::{local_path, render, see_other, urlencode};
use crate::workflows::accounts::AccountView;
use crate::workflows::login::{self, LoginOutcome};
use crate::workflows::sessions::{self, NewSession};
use crate::workflows::{second_factor, Error};

#[derive(Template)]
#[template(path = "pages/login.html")]
pub struct LoginPage {
    pub page: Page,
    pub form: FormState,
    pub next: String,
}

/// Only local paths are followed after log-in.
fn safe_next(next: Option<&str>) -> String {
    next.and_then(local_path).unwrap_or("").to_string()
}

pub async fn login_form(page: Page, Query(q): Query<EmailQuery>) -> Response {
    if page.signed_in() {
        return see_other(home_for(page.is_staff(), page.is_provider()));
    }
    let mut form = FormState::default();
    form.set("email", q.email.unwrap_or_default());
    let next = safe_next(q.next.as_deref());
    render(StatusCode::OK, &LoginPage { page, form, next })
}

/// Where a session goes when nothing else was asked for: staff to the console, others to their
/// move-in.
fn home_for(staff: bool, provider: bool) -> &'static str {
    if staff && !provider {
        "/console"
    } else {
        "/move-in"
    }
}

/// Where a fresh session of `account` goes when nothing else was asked for.
fn home_after_login(account: &AccountView) -> &'static str {
    home_for(
        account.roles.can_review(),
        account.roles.has(Role::Provider),
    )
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    headers: HeaderMap,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let next = safe_next(forms::first(&data, "next"));
    let email = forms::first(&data, "email");
    let replaces = cookie(&headers, state.cookies().session()).map(|t| sha256_hex(t.as_bytes()));
    let outcome = login::login(
        &state.ctx,
        email,
        forms::first(&data, "password"),
        replaces.as_deref(),
        &client,
    )
    .await;
    match outcome {
        Ok(LoginOutcome::SignedIn(session)) => {
            let target = if session.enrolment_required {
                "/account/security?notice=enrol_second_factor".to_string()
            } else if !next.is_empty() {
                next
            } else {
                home_after_login(&session.account).to_string()
            };
            with_session_cookie(&state, see_other(&target), &session)
        }
        Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) => render(
            StatusCode::OK,
            &SecondStepPage {
                page,
                form: FormState::default(),
                challenge,
                next,
            },
        ),
        Err(Error::NotActivated) => see_other(&format!(
            "/activate?email={}&notice=activate_first",
            urlencode(email.unwrap_or(""))
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                Ok(LoginPage { page, form, next })
            })
            .await
        }
    }
}

/// Ends the session (a form without its CSRF token ends nothing).
pub async fn logout(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    CheckedForm(_): CheckedForm,
) -> Response {
    if let (Some(token), Some(account)) =
        (cookie(&headers, state.cookies().session()), &page.account)
    {
        let _ = sessions::logout(&state.ctx, &sha256_hex(token.as_bytes()), &account.id).await;
    }
    let mut resp = see_other("/?notice=logged_out");
    if let Ok(v) = HeaderValue::from_str(&state.cookies().clear_session_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// The second step of a log-in, shown when the password was right.
#[derive(Template)]
#[template(path = "pages/login_second_factor.html")]
pub struct SecondStepPage {
    pub page: Page,
    pub form: FormState,
    pub challenge: String,
    pub next: String,
}

/// `POST /login/second-factor`: the code for the challenge.
pub async fn login_second_factor(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    CheckedForm(data): CheckedForm,
) -> Response {
    let challenge = forms::first(&data, "challenge").unwrap_or("").to_string();
    let next = safe_next(forms::first(&data, "next"));
    let completed = second_factor::complete_login(
        &state.ctx,
        Some(&challenge),
        forms::first(&data, "code"),
        &client,
    )
    .await;
    match completed {
        Ok(session) => {
            let target = if next.is_empty() {
                home_after_login(&session.account).to_string()
            } else {
                next
            };
            with_session_cookie(&state, see_other(&target), &session)
        }
        Err(Error::Validation(fields)) if fields.iter().any(|f| f.field == "challenge") => {
            // Five minutes passed, or the challenge was used: start again from the password.
            see_other("/login?notice=second_factor_expired")
        }
        Err(e) => {
            page.refused(FormState::default(), e, async |page, form| {
                Ok(SecondStepPage {
                    page,
                    form,
                    challenge,
                    next,
                })
            })
            .await
        }
    }
}

/// A response that also sets the cookie of a new session.
fn with_session_cookie(state: &AppState, mut resp: Response, session: &NewSession) -> Response {
    let cookie = state.cookies().session_cookie(
        &session.token,
        i64::from(state.config.session_ttl_hours) * 3600,
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}
