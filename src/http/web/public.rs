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
use crate::http::web::move_in::stepper::{journey_of, Journey};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other, urlencode};
use crate::workflows::accounts::{self, Registration};
use crate::workflows::password_reset;

#[derive(Template)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    pub page: Page,
    /// A signed-in provider's journey: the call to action leads to its next step.
    pub journey: Option<Journey>,
}

impl HomePage {
    /// The five steps, as the stepper has them.
    pub fn steps(&self) -> [&'static str; 5] {
        [
            "account",
            "enterprise_verification",
            "partner_application",
            "customer_service_info",
            "settlement_info",
        ]
    }

    /// Where the call to action leads: registering, or (signed in) the next step of one's own
    /// journey, or releasing a product once moved in.
    pub fn cta_href(&self) -> String {
        match &self.journey {
            None if self.page.is_staff() => "/console".into(),
            None => "/register".into(),
            Some(j) => j
                .next
                .as_ref()
                .map_or("/move-in".into(), |n| n.href.clone()),
        }
    }

    pub fn cta_label(&self) -> String {
        match &self.journey {
            None if self.page.is_staff() => self.page.t("nav.console"),
            None => self.page.t("home.cta"),
            Some(j) if j.moved_in => j
                .next
                .as_ref()
                .map_or_else(|| self.page.t("home.cta_continue"), |n| n.label.clone()),
            Some(_) => self.page.t("home.cta_continue"),
        }
    }
}

pub async fn home(State(state): State<AppState>, page: Page) -> Response {
    let journey = journey_of(&state, &page).await;
    render(StatusCode::OK, &HomePage { page, journey })
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

/// The register form's fields, top to bottom, and the labels they show.
const REGISTER_FIELDS: &[&str] = &["email", "password", "password_confirm", "mobile"];
const REGISTER_LABELS: &[(&str, &str)] = &[("mobile", "label.mobile_optional")];

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
    let form = FormState::from_form(&data).labelled(REGISTER_LABELS);
    let email = forms::first(&data, "email").unwrap_or("").to_string();
    let password = forms::first(&data, "password").unwrap_or("");
    let input = Registration {
        email: Some(&email),
        password: Some(password),
        mobile: forms::first(&data, "mobile"),
        password_confirm: Some(forms::first(&data, "password_confirm").unwrap_or("")),
    };
    match accounts::register(&state.ctx, input, page.lang, &client).await {
        Ok(a) => see_other(&format!(
            "/activate?email={}&notice=registered",
            urlencode(&a.email)
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                Ok(RegisterPage {
                    page,
                    form: form.ordered(REGISTER_FIELDS),
                })
            })
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
    let form = FormState::from_form(&data);
    let email = forms::first(&data, "email");
    let reset = forms::first(&data, "action") == Some("reset");
    let done = if reset {
        password_reset::confirm_password_reset(
            &state.ctx,
            email,
            forms::first(&data, "code"),
            forms::first(&data, "new_password"),
            Some(forms::first(&data, "password_confirm").unwrap_or("")),
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
