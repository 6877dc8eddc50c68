//! Public pages: home, register, activate, log in and out, forgotten password, help center.

use super::see_other;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::forms::{self, absorb, FormState};
use super::second_factor::{second_step, with_session_cookie};
use super::{checked_form, error_page, render, urlencode, Page};
use crate::http::client::ClientAddr;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::workflows::accounts::{self, AccountView, LoginOutcome, Registration};

pub(super) fn failure(page: Page, err: impl Into<ApiError>) -> Response {
    let api: ApiError = err.into();
    error_page(page, api.status, api.code)
}

#[derive(Template)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    pub page: Page,
}

pub async fn home(page: Page) -> Response {
    render(StatusCode::OK, &HomePage { page })
}

#[derive(Template)]
#[template(path = "pages/help.html")]
pub struct HelpPage {
    pub page: Page,
}

pub async fn help(page: Page) -> Response {
    render(StatusCode::OK, &HelpPage { page })
}

#[derive(Template)]
#[template(path = "pages/register.html")]
pub struct RegisterPage {
    pub page: Page,
    pub form: FormState,
}

pub async fn register_form(page: Page) -> Response {
    render(
        StatusCode::OK,
        &RegisterPage {
            page,
            form: FormState::default(),
        },
    )
}

pub async fn register(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let email = forms::first(&data, "email").unwrap_or("").to_string();
    let password = forms::first(&data, "password").unwrap_or("");
    if password != forms::first(&data, "password_confirm").unwrap_or("") {
        form.add_error("password_confirm", page.t("field.password_mismatch"));
        return render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &RegisterPage { page, form },
        );
    }
    let input = Registration {
        email: Some(&email),
        password: Some(password),
        mobile: forms::first(&data, "mobile"),
    };
    match accounts::register(&state.ctx, input, page.lang, &client).await {
        Ok(a) => see_other(&format!(
            "/activate?email={}&notice=registered",
            urlencode(&a.email)
        ))
        .into_response(),
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RegisterPage { page, form },
            ),
            Err(e) => failure(page, e),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct EmailQuery {
    pub email: Option<String>,
    pub next: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/activate.html")]
pub struct ActivatePage {
    pub page: Page,
    pub form: FormState,
}

pub async fn activate_form(page: Page, Query(q): Query<EmailQuery>) -> Response {
    let mut form = FormState::default();
    form.set("email", q.email.unwrap_or_default());
    render(StatusCode::OK, &ActivatePage { page, form })
}

pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let email = forms::first(&data, "email");
    if forms::first(&data, "action") == Some("resend") {
        return match accounts::resend_activation_code(&state.ctx, email, &client).await {
            Ok(()) => see_other(&format!(
                "/activate?email={}&notice=code_resent",
                urlencode(email.unwrap_or(""))
            ))
            .into_response(),
            Err(e) => match absorb(page.lang, &mut form, e) {
                Ok(()) => render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &ActivatePage { page, form },
                ),
                Err(e) => failure(page, e),
            },
        };
    }
    match accounts::activate(&state.ctx, email, forms::first(&data, "code"), &client).await {
        Ok(a) => see_other(&format!(
            "/login?email={}&notice=activated",
            urlencode(&a.email)
        ))
        .into_response(),
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ActivatePage { page, form },
            ),
            Err(e) => failure(page, e),
        },
    }
}

#[derive(Template)]
#[template(path = "pages/login.html")]
pub struct LoginPage {
    pub page: Page,
    pub form: FormState,
    pub next: String,
}

/// Only local paths are followed after log-in.
pub(super) fn safe_next(next: Option<&str>) -> String {
    next.and_then(super::local_path).unwrap_or("").to_string()
}

pub async fn login_form(page: Page, Query(q): Query<EmailQuery>) -> Response {
    if page.signed_in() {
        return see_other(&home_for(&page)).into_response();
    }
    let mut form = FormState::default();
    form.set("email", q.email.unwrap_or_default());
    let next = safe_next(q.next.as_deref());
    render(StatusCode::OK, &LoginPage { page, form, next })
}

/// Where a fresh session goes when nothing else was asked for: staff to the console, others to
/// their move-in.
pub(super) fn home_after_login(account: &AccountView) -> String {
    if account.roles.can_review() && !account.roles.has(crate::domain::account::Role::Provider) {
        "/console".into()
    } else {
        "/move-in".into()
    }
}

fn home_for(page: &Page) -> String {
    if page.is_staff() && !page.is_provider() {
        "/console".into()
    } else {
        "/move-in".into()
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let next = safe_next(forms::first(&data, "next"));
    let replaces = crate::http::cookies::cookie(&headers, state.cookies().session())
        .map(|t| crate::crypto::sha256_hex(t.as_bytes()));
    match accounts::login(
        &state.ctx,
        forms::first(&data, "email"),
        forms::first(&data, "password"),
        replaces.as_deref(),
        &client,
    )
    .await
    {
        Ok(LoginOutcome::SignedIn(session)) => {
            let target = if session.enrolment_required {
                "/account/security?notice=enrol_second_factor".to_string()
            } else if !next.is_empty() {
                next
            } else {
                home_after_login(&session.account)
            };
            with_session_cookie(&state, see_other(&target).into_response(), &session)
        }
        Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) => {
            second_step(page, challenge, next)
        }
        Err(crate::workflows::Error::NotActivated) => {
            let email = forms::first(&data, "email").unwrap_or("");
            see_other(&format!(
                "/activate?email={}&notice=activate_first",
                urlencode(email)
            ))
            .into_response()
        }
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage { page, form, next },
            ),
            Err(e) => failure(page, e),
        },
    }
}

pub async fn logout(
    State(state): State<AppState>,
    page: Page,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = checked_form(&page, &body) {
        return r;
    }
    if let (Some(token), Some(account)) = (
        crate::http::cookies::cookie(&headers, state.cookies().session()),
        &page.account,
    ) {
        let _ = accounts::logout(
            &state.ctx,
            &crate::crypto::sha256_hex(token.as_bytes()),
            &account.id,
        )
        .await;
    }
    let mut resp = see_other("/?notice=logged_out").into_response();
    if let Ok(v) = HeaderValue::from_str(&state.cookies().clear_session_cookie()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

#[derive(Template)]
#[template(path = "pages/forgot.html")]
pub struct ForgotPage {
    pub page: Page,
    pub form: FormState,
    /// After the code was sent: the second step (code and new password).
    pub sent: bool,
}

pub async fn forgot_form(page: Page, Query(q): Query<EmailQuery>) -> Response {
    let mut form = FormState::default();
    let sent = q.email.is_some();
    form.set("email", q.email.unwrap_or_default());
    render(StatusCode::OK, &ForgotPage { page, form, sent })
}

pub async fn forgot(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let email = forms::first(&data, "email");
    if forms::first(&data, "action") == Some("reset") {
        if forms::first(&data, "new_password") != forms::first(&data, "password_confirm") {
            form.add_error("password_confirm", page.t("field.password_mismatch"));
            return render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPage {
                    page,
                    form,
                    sent: true,
                },
            );
        }
        return match accounts::confirm_password_reset(
            &state.ctx,
            email,
            forms::first(&data, "code"),
            forms::first(&data, "new_password"),
            &client,
        )
        .await
        {
            Ok(()) => see_other(&format!(
                "/login?email={}&notice=password_changed",
                urlencode(email.unwrap_or(""))
            ))
            .into_response(),
            Err(e) => match absorb(page.lang, &mut form, e) {
                Ok(()) => render(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    &ForgotPage {
                        page,
                        form,
                        sent: true,
                    },
                ),
                Err(e) => failure(page, e),
            },
        };
    }
    match accounts::request_password_reset(&state.ctx, email, &client).await {
        Ok(()) => see_other(&format!(
            "/forgot?email={}&notice=reset_sent",
            urlencode(email.unwrap_or(""))
        ))
        .into_response(),
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ForgotPage {
                    page,
                    form,
                    sent: false,
                },
            ),
            Err(e) => failure(page, e),
        },
    }
}
