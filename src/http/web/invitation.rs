//! The page a staff invitation's mailed link opens: who is invited and as what, and the form
//! that sets the password (`POST /staff/invitation`, the same workflow as
//! `/api/v1/staff/invitations/accept`). Then the log-in page, where the first sign-in enrols the
//! second factor. An expired, used or withdrawn link says so and what to do.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::staff::InvitationState;
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::console::staff::roles_in_words;
use crate::http::web::extract::CheckedForm;
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other, urlencode};
use crate::workflows::staff;
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/staff_invitation.html")]
pub struct InvitationPage {
    pub page: Page,
    pub token: String,
    pub email: String,
    pub roles: String,
    /// Why the link no longer works (an `error.*` key), instead of the form.
    pub problem: Option<&'static str>,
    pub form: FormState,
}

impl InvitationPage {
    pub fn lead(&self) -> String {
        self.page.tf3(
            "invitation.lead",
            &[
                ("email", self.email.as_str()),
                ("roles", self.roles.as_str()),
            ],
        )
    }
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    pub token: Option<String>,
}

async fn invitation_page(
    state: &AppState,
    page: Page,
    token: &str,
    form: FormState,
) -> InvitationPage {
    let (email, roles, problem) = match staff::invitation(&state.ctx, token).await {
        Ok(i) => {
            let problem = match i.state {
                InvitationState::Open => None,
                InvitationState::Expired => Some("error.invitation_expired"),
                InvitationState::Used => Some("error.invitation_used"),
            };
            (i.email, roles_in_words(&page, &i.roles), problem)
        }
        Err(e) => (
            String::new(),
            String::new(),
            Some(match e {
                Error::Conflict("invitation_withdrawn") => "error.invitation_withdrawn",
                Error::Conflict("invitation_expired") => "error.invitation_expired",
                _ => "error.invitation_unknown",
            }),
        ),
    };
    InvitationPage {
        page,
        token: token.to_string(),
        email,
        roles,
        problem,
        form,
    }
}

/// `GET /staff/invitation?token=…`.
pub async fn show(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    let shown = invitation_page(&state, page, token.trim(), FormState::default()).await;
    let status = if shown.problem.is_some() {
        StatusCode::GONE
    } else {
        StatusCode::OK
    };
    render(status, &shown)
}

/// `POST /staff/invitation`: sets the password; on to the log-in page.
pub async fn accept(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    page: Page,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut form = FormState::from_form(&data);
    // Passwords are never sent back to the browser.
    form.set("password", "");
    form.set("password_confirm", "");
    let token = forms::first(&data, "token")
        .unwrap_or("")
        .trim()
        .to_string();
    let password = forms::first(&data, "password");
    let result = if password != forms::first(&data, "password_confirm") {
        Err(Error::field("password_confirm", "password_mismatch"))
    } else {
        staff::accept(&state.ctx, Some(&token), password, page.lang, &client).await
    };
    match result {
        Ok(account) => see_other(&format!(
            "/login?email={}&notice=invitation_accepted",
            urlencode(&account.email)
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                Ok(invitation_page(&state, page, &token, form).await)
            })
            .await
        }
    }
}
