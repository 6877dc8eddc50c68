//! API token pages, the same in two places: the console's (`/console/tokens`, staff's
//! marketplace-wide tokens, made with a fresh second factor) and the provider backend's
//! (`/provider/tokens`, tokens that read the provider's own data). The list with the form to
//! make one, the token shown once, and revoking one after a confirmation. The pages call the
//! same workflows as `/api/v1/tokens`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::account::Role;
use crate::domain::api_token::Scope;
use crate::domain::client::Client;
use crate::domain::FieldError;
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::CheckedForm;
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::once::shown_once;
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::http::web::webhooks::Area;
use crate::time_util::rfc3339;
use crate::workflows::api_tokens::{self, NewToken, TokenForm, TokenView};
use crate::workflows::{second_factor, Error};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The form's fields, top to bottom: errors are listed in this order.
const FIELDS: &[&str] = &["name", "scopes", "expiry", "second_factor_code"];

/// The lifetimes offered besides a day of one's choice (those within `tokens.max_days`).
const OFFERED_DAYS: [u32; 3] = [30, 90, 365];

fn base(area: &Area) -> String {
    format!("/{}/tokens", area.area)
}

/// A scope as the form offers it: its key, its name and what it lets a machine do, in words.
pub struct ScopeChoice {
    pub key: &'static str,
    pub label: String,
    pub hint: String,
}

fn scope_choices(page: &Page, area: &str) -> Vec<ScopeChoice> {
    Scope::ALL
        .iter()
        .map(|s| ScopeChoice {
            key: s.as_str(),
            label: page.t(&format!("tokens.scope.{}", s.as_str())),
            hint: page.t(&format!("tokens.scope_hint.{area}.{}", s.as_str())),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "pages/tokens.html")]
pub struct ListPage {
    pub page: Page,
    pub area: &'static str,
    pub items: Vec<TokenView>,
    /// An admin in the console: the colleagues' staff tokens, each naming its owner.
    pub colleagues: Vec<TokenView>,
    pub scopes: Vec<ScopeChoice>,
    /// The lifetimes offered, in days.
    pub days: Vec<u32>,
    /// The earliest and latest day the date field takes (`2026-12-08`).
    pub first_day: String,
    pub last_day: String,
    /// Staff whose second factor is not fresh: the form asks for a code.
    pub needs_code: bool,
    pub form: FormState,
}

impl ListPage {
    pub fn scopes_of(&self, t: &TokenView) -> String {
        t.scopes
            .iter()
            .map(|s| self.page.t(&format!("tokens.scope.{s}")))
            .collect::<Vec<_>>()
            .join(self.page.pick("、", ", "))
    }

    pub fn owner_of(&self, t: &TokenView) -> String {
        t.owner
            .as_ref()
            .map(|o| o.email.clone())
            .unwrap_or_default()
    }

    pub fn status_of(&self, t: &TokenView) -> String {
        self.page.t(&format!("tokens.status.{}", t.status))
    }

    pub fn last_used(&self, t: &TokenView) -> String {
        match t.last_used_at_ms {
            Some(at) => self.page.time(&at),
            None => self.page.t("tokens.never_used"),
        }
    }

    pub fn expires(&self, t: &TokenView) -> String {
        match t.expires_at_ms {
            Some(at) => self.page.date(&at),
            None => self.page.t("tokens.never_expires"),
        }
    }

    pub fn days_label(&self, d: &u32) -> String {
        self.page.tf("tokens.days", "n", &d.to_string())
    }
}

async fn list_page(state: &AppState, area: &Area, form: FormState) -> Result<ListPage, Error> {
    let ctx = &state.ctx;
    let items = api_tokens::list(ctx, &area.account).await?;
    let colleagues = if area.area == "console" && area.account.roles.has(Role::Admin) {
        let mut all = api_tokens::list_staff(ctx, &area.account).await?;
        all.retain(|t| {
            t.owner
                .as_ref()
                .is_some_and(|o| o.account_id != area.account.id)
        });
        all
    } else {
        Vec::new()
    };
    let life = ctx.token_lifetime;
    let mut days: Vec<u32> = OFFERED_DAYS
        .into_iter()
        .filter(|d| *d <= life.max_days)
        .collect();
    let default_days = life.default_days.min(life.max_days);
    if !days.contains(&default_days) {
        days.push(default_days);
        days.sort_unstable();
    }
    let now = ctx.clock.now_ms();
    let needs_code = area.area == "console"
        && !area
            .page
            .session
            .as_ref()
            .is_some_and(|s| second_factor::is_fresh(ctx, s));
    Ok(ListPage {
        page: area.page.clone(),
        area: area.area,
        items,
        colleagues,
        scopes: scope_choices(&area.page, area.area),
        days,
        first_day: area.page.zone.date_field(now),
        last_day: area
            .page
            .zone
            .date_field(now + i64::from(life.max_days) * DAY_MS),
        needs_code,
        form: form.labelled(&[("name", "tokens.name"), ("scopes", "tokens.scopes")]),
    })
}

/// `GET /{area}/tokens`: the account's tokens and the form to make one.
pub async fn list(State(state): State<AppState>, area: Area) -> Response {
    let mut form = FormState::default();
    let default_days = state
        .ctx
        .token_lifetime
        .default_days
        .min(state.ctx.token_lifetime.max_days);
    form.set("expiry", default_days.to_string());
    match list_page(&state, &area, form).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => failure(area.page, e),
    }
}

/// When the token should stop working, from the form's `expiry` (a number of days, or `date`
/// with the day in `expires_on`): unix ms, or the field's error. A day chosen means through
/// its end, in the marketplace's zone (and no later than the longest lifetime allowed).
fn expiry_of(
    data: &FormData,
    state: &AppState,
    zone: &crate::display::Zone,
    now: i64,
) -> Result<i64, FieldError> {
    let max = now + i64::from(state.ctx.token_lifetime.max_days) * DAY_MS;
    match forms::first(data, "expiry").map(str::trim) {
        Some("date") => {
            let day =
                forms::opt(data, "expires_on").ok_or(FieldError::new("expiry", "required"))?;
            let (start, end) = zone
                .day_bounds(&day)
                .ok_or(FieldError::new("expiry", "format"))?;
            // The last millisecond of the day, so that the list shows the day chosen.
            let end = end - 1;
            Ok(if start < max { end.min(max) } else { end })
        }
        Some(days) => days
            .parse::<u32>()
            .ok()
            .filter(|d| *d > 0)
            .map(|d| now + i64::from(d) * DAY_MS)
            .ok_or(FieldError::new("expiry", "format")),
        None => Err(FieldError::new("expiry", "required")),
    }
}

/// The workflow names the expiry `expires_at`; the form, `expiry`.
fn on_the_form(mut fields: Vec<FieldError>) -> Vec<FieldError> {
    for f in &mut fields {
        if f.field == "expires_at" {
            f.field = "expiry".into();
        }
    }
    fields
}

/// Makes the token the form asks for, or names everything wrong with the form at once: what
/// was typed, the expiry and, for staff, the second factor.
async fn make(
    state: &AppState,
    area: &Area,
    client: &Client,
    data: &FormData,
) -> Result<NewToken, Error> {
    let ctx = &state.ctx;
    let now = ctx.clock.now_ms();
    let mut early: Vec<FieldError> = Vec::new();
    let expires_at = expiry_of(data, state, &area.page.zone, now)
        .map_err(|e| early.push(e))
        .ok();
    if area.area == "console" {
        let fresh = match area.page.session.as_ref() {
            Some(session) => {
                let code = forms::opt(data, "second_factor_code");
                second_factor::fresh_or_step_up(ctx, session, code.as_deref(), client).await
            }
            None => Ok(false),
        };
        match fresh {
            Ok(true) => {}
            Ok(false) => early.push(FieldError::new("second_factor_code", "step_up_required")),
            Err(Error::Validation(fields)) => early.extend(fields),
            Err(e) => return Err(e),
        }
    }
    let form = TokenForm {
        name: forms::opt(data, "name"),
        scopes: Some(forms::all(data, "scopes")),
        expires_at: expires_at.map(rfc3339),
        second_factor_code: None,
    };
    if early.is_empty() {
        return api_tokens::create(ctx, &area.account, &form, true)
            .await
            .map_err(|e| match e {
                Error::Validation(fields) => Error::Validation(on_the_form(fields)),
                e => e,
            });
    }
    let mut fields = on_the_form(api_tokens::check(ctx, &area.account, &form));
    fields.retain(|f| !early.iter().any(|e| e.field == f.field));
    fields.extend(early);
    Err(Error::Validation(fields))
}

#[derive(Template)]
#[template(path = "pages/token_new.html")]
pub struct NewPage {
    pub page: Page,
    pub area: &'static str,
    pub made: NewToken,
}

/// `POST /{area}/tokens`: the new token, shown in this answer and never again (it is in no
/// address, no log and no store), or the form again with what was typed and every error.
pub async fn create(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    area: Area,
    CheckedForm(data): CheckedForm,
) -> Response {
    let mut form = FormState::from_form(&data);
    // A code is good once: it is never put back in the form.
    form.values.remove("second_factor_code");
    form.multi.remove("second_factor_code");
    match make(&state, &area, &client, &data).await {
        Ok(made) => {
            let list = base(&area);
            let resp = render(
                StatusCode::OK,
                &NewPage {
                    page: area.page,
                    area: area.area,
                    made,
                },
            );
            shown_once(resp, &list)
        }
        Err(e) => {
            let page = area.page.clone();
            page.refused(form, e, async |page, form| {
                let again = Area {
                    page,
                    account: area.account.clone(),
                    area: area.area,
                };
                list_page(&state, &again, form.ordered(FIELDS))
                    .await
                    .map_err(|e| PageError::from_error(&again.page, e))
            })
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "pages/token_revoke.html")]
pub struct RevokePage {
    pub page: Page,
    pub area: &'static str,
    pub token: TokenView,
}

impl RevokePage {
    pub fn scopes(&self) -> String {
        self.token
            .scopes
            .iter()
            .map(|s| self.page.t(&format!("tokens.scope.{s}")))
            .collect::<Vec<_>>()
            .join(self.page.pick("、", ", "))
    }
}

/// `GET /{area}/tokens/{id}/revoke`: what revoking this token does, and the button that does
/// it. Another account's token, or one already revoked, is not found.
pub async fn confirm_revoke(
    State(state): State<AppState>,
    area: Area,
    Path(id): Path<String>,
) -> Response {
    match api_tokens::get(&state.ctx, &area.account, &id).await {
        Ok(token) if token.status != "revoked" => render(
            StatusCode::OK,
            &RevokePage {
                page: area.page,
                area: area.area,
                token,
            },
        ),
        Ok(_) => failure(area.page, Error::NotFound),
        Err(e) => failure(area.page, e),
    }
}

/// `POST /{area}/tokens/{id}/revoke`: the token is refused from the next request on.
pub async fn revoke(
    State(state): State<AppState>,
    area: Area,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Response {
    match api_tokens::revoke(&state.ctx, &area.account, &id).await {
        Ok(()) => see_other(&format!("{}?notice=token_revoked", base(&area))),
        Err(e) => failure(area.page, e),
    }
}
