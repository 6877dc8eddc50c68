//! The staff screens (admins): the list with roles and last sign-in in words, the invitation
//! form and the invitations still open; one colleague's roles; deactivating after a
//! confirmation. The same workflows as `/api/v1/staff` decide; a fresh second factor is asked for
//! on the form when the session's is stale.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::account::{Role, Roles};
use crate::domain::client::Client;
use crate::domain::FieldError;
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::staff::{self, OpenInvitation, StaffChange, StaffMember};
use crate::workflows::{second_factor, Error};

#[derive(Template)]
#[template(path = "pages/console_staff.html")]
pub struct ListPage {
    pub page: Page,
    pub members: Vec<StaffMember>,
    pub invitations: Vec<OpenInvitation>,
    pub needs_code: bool,
    pub form: FormState,
}

/// The staff roles as the forms offer them: (key, name).
pub fn role_choices(page: &Page) -> Vec<(&'static str, String)> {
    Role::STAFF
        .iter()
        .map(|r| (r.as_str(), page.t(&format!("audit.role.{}", r.as_str()))))
        .collect()
}

/// Role keys in words ("Reviewer, Finance").
fn in_words(page: &Page, names: &[String]) -> String {
    names
        .iter()
        .map(|n| page.t(&format!("audit.role.{n}")))
        .collect::<Vec<_>>()
        .join(page.pick("、", ", "))
}

impl ListPage {
    pub fn roles_of(&self, m: &StaffMember) -> String {
        in_words(&self.page, &m.roles)
    }

    pub fn invited_roles(&self, i: &OpenInvitation) -> String {
        let names: Vec<String> = i.roles.names().iter().map(|n| n.to_string()).collect();
        in_words(&self.page, &names)
    }

    pub fn last_sign_in(&self, m: &StaffMember) -> String {
        match m.last_sign_in_ms {
            Some(at) => self.page.time(&at),
            None => self.page.t("staff.never_signed_in"),
        }
    }

    pub fn roles(&self) -> Vec<(&'static str, String)> {
        role_choices(&self.page)
    }
}

/// Whether the session's second factor is stale, so that a form must ask for a code.
fn needs_code(state: &AppState, page: &Page) -> bool {
    !page
        .session
        .as_ref()
        .is_some_and(|s| second_factor::is_fresh(&state.ctx, s))
}

async fn list_page(
    state: &AppState,
    page: Page,
    operator: &crate::workflows::accounts::AccountView,
    form: FormState,
) -> Result<ListPage, PageError> {
    let members = page.or_error_page(staff::list(&state.ctx, operator).await)?;
    let invitations = page.or_error_page(staff::open_invitations(&state.ctx, operator).await)?;
    Ok(ListPage {
        needs_code: needs_code(state, &page),
        page,
        members,
        invitations,
        form: form.labelled(&[("email", "label.email"), ("roles", "staff.roles")]),
    })
}

/// `GET /console/staff`.
pub async fn list(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
) -> Result<Response, PageError> {
    let shown = list_page(&state, page, &operator, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// The fresh second factor a form's change needs: true when the session has one or the form's
/// code passes; a field error when neither.
async fn fresh(
    state: &AppState,
    page: &Page,
    client: &Client,
    data: &FormData,
) -> Result<bool, Error> {
    let Some(session) = page.session.as_ref() else {
        return Ok(false);
    };
    let code = forms::opt(data, "second_factor_code");
    if second_factor::fresh_or_step_up(&state.ctx, session, code.as_deref(), client).await? {
        Ok(true)
    } else {
        Err(Error::Validation(vec![FieldError::new(
            "second_factor_code",
            "step_up_required",
        )]))
    }
}

/// `POST /console/staff`: sends an invitation.
pub async fn invite(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let roles = forms::all(&data, "roles");
    let result = match fresh(&state, &page, &client, &data).await {
        Ok(fresh) => {
            let email = forms::opt(&data, "email");
            staff::invite(
                &state.ctx,
                &operator,
                fresh,
                email.as_deref(),
                Some(roles.as_slice()),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/console/staff?notice=invitation_sent"),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                list_page(&state, page, &operator, form).await
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/console_staff_member.html")]
pub struct MemberPage {
    pub page: Page,
    pub member: StaffMember,
    pub needs_code: bool,
    /// The deactivation's confirmation, rather than the roles form.
    pub confirm_deactivation: bool,
    pub form: FormState,
}

impl MemberPage {
    pub fn roles(&self) -> Vec<(&'static str, String)> {
        role_choices(&self.page)
    }

    /// Whether the role's box is ticked: as sent when the form was refused, else as held.
    pub fn ticked(&self, role: &str) -> bool {
        if self.form.has_errors() && !self.confirm_deactivation {
            self.form.has("roles", role)
        } else {
            self.member.roles.iter().any(|r| r == role)
        }
    }

    pub fn last_sign_in(&self) -> String {
        match self.member.last_sign_in_ms {
            Some(at) => self.page.time(&at),
            None => self.page.t("staff.never_signed_in"),
        }
    }
}

async fn member_page(
    state: &AppState,
    page: Page,
    operator: &crate::workflows::accounts::AccountView,
    id: &str,
    confirm_deactivation: bool,
    form: FormState,
) -> Result<MemberPage, PageError> {
    let members = page.or_error_page(staff::list(&state.ctx, operator).await)?;
    let member = members
        .into_iter()
        .find(|m| m.id == id)
        .ok_or_else(|| PageError::new(&page, StatusCode::NOT_FOUND, "not_found"))?;
    Ok(MemberPage {
        needs_code: needs_code(state, &page),
        page,
        member,
        confirm_deactivation,
        form: form.labelled(&[("roles", "staff.roles")]),
    })
}

/// `GET /console/staff/{id}`: the colleague's roles and standing.
pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = member_page(&state, page, &operator, &id, false, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// `GET /console/staff/{id}/deactivate`: are you sure?
pub async fn confirm_deactivate(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = member_page(&state, page, &operator, &id, true, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// `POST /console/staff/{id}`: `action` = `roles` (with the ticked `roles`), `deactivate` or
/// `reactivate`.
pub async fn change(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let roles = forms::all(&data, "roles");
    let action = forms::first(&data, "action").unwrap_or("");
    let change = match action {
        "roles" => Some(StaffChange {
            roles: Some(roles.as_slice()),
            active: None,
        }),
        "deactivate" => Some(StaffChange {
            roles: None,
            active: Some(false),
        }),
        "reactivate" => Some(StaffChange {
            roles: None,
            active: Some(true),
        }),
        _ => None,
    };
    let result = match (change, fresh(&state, &page, &client, &data).await) {
        (None, _) => Err(Error::field("action", "not_allowed")),
        (Some(_), Err(e)) => Err(e),
        (Some(change), Ok(fresh)) => staff::update(&state.ctx, &operator, fresh, &id, &change)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => see_other(&format!("/console/staff/{id}?notice=staff_saved")),
        Err(e) => {
            let confirming = action == "deactivate";
            page.refused(form, e, async |page, form| {
                member_page(&state, page, &operator, &id, confirming, form).await
            })
            .await
        }
    }
}

/// The roles of an invitation, in words, for the acceptance page.
pub fn roles_in_words(page: &Page, roles: &Roles) -> String {
    let names: Vec<String> = roles.names().iter().map(|n| n.to_string()).collect();
    in_words(page, &names)
}
