//! Public pages: home, help center, register, activate, and the forgotten password.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::extract::CheckedForm;
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other, urlencode};
use crate::workflows::accounts::{self, Registration};
use crate::workflows::password_reset;

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
    CheckedForm(data): CheckedForm,
) -> Response {
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
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| Ok(RegisterPage { page, form }))
                .await
        }
    }
}

/// The query of the pages that take an address from a link (`?email=`), and of the log-in page
/// (`?next=`).
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

/// Activates with the mailed code, or (`action=resend`) mails a new one.
pub async fn activate(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let email = forms::first(&data, "email");
    let done = if forms::first(&data, "action") == Some("resend") {
        accounts::resend_activation_code(&state.ctx, email, &client)
            .await
            .map(|()| {
                format!(
                    "/activate?email={}&notice=code_resent",
                    urlencode(email.unwrap_or(""))
                )
            })
    } else {
        accounts::activate(&state.ctx, email, forms::first(&data, "code"), &client)
            .await
            .map(|a| format!("/login?email={}&notice=activated", urlencode(&a.email)))
    };
    match done {
        Ok(next) => see_other(&next),
        Err(e) => {
            page.refused(form, e, async |page, form| Ok(ActivatePage { page, form }))
                .await
        }
    }
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

/// Mails a reset code, or (`action=reset`) sets the new password with it.
pub async fn forgot(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut form = FormState::from_form(&data);
    let email = forms::first(&data, "email");
    let reset = forms::first(&data, "action") == Some("reset");
    let done = if reset {
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
        password_reset::confirm_password_reset(
            &state.ctx,
            email,
            forms::first(&data, "code"),
            forms::first(&data, "new_password"),
            &client,
        )
        .await
        .map(|()| ("/login", "password_changed"))
    } else {
        password_reset::request_password_reset(&state.ctx, email, &client)
            .await
            .map(|()| ("/forgot", "reset_sent"))
    };
    match done {
        Ok((path, notice)) => see_other(&format!(
            "{path}?email={}&notice={notice}",
            urlencode(email.unwrap_or(""))
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                Ok(ForgotPage {
                    page,
                    form,
                    sent: reset,
                })
            })
            .await
        }
    }
}
