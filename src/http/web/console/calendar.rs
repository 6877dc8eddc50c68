//! The working-day calendar: the targets of each kind in working days, and the holidays review
//! deadlines do not count (admins add and remove them; other staff read them).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::display::Zone;
use crate::domain::account::Role;
use crate::domain::calendar::parse_day;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::deadlines::{self, CalendarView, HolidayForm};
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/console_calendar.html")]
pub struct CalendarPage {
    pub page: Page,
    pub calendar: CalendarView,
    pub form: FormState,
    pub admin: bool,
}

impl CalendarPage {
    /// `Thursday 1 October 2026`.
    pub fn day_words(&self, day: &str) -> String {
        parse_day(day)
            .map(|d| Zone::long_day(d, self.page.lang))
            .unwrap_or_default()
    }

    pub fn days_words(&self, n: &u32) -> String {
        self.page.tf("console.working_days", "n", &n.to_string())
    }
}

async fn calendar_page(
    state: &AppState,
    page: Page,
    form: FormState,
) -> Result<CalendarPage, PageError> {
    let calendar = page.or_error_page(deadlines::calendar_view(&state.ctx).await)?;
    let admin = page
        .session
        .as_ref()
        .is_some_and(|s| s.account.roles.has(Role::Admin));
    Ok(CalendarPage {
        page,
        calendar,
        form,
        admin,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
) -> Result<Response, PageError> {
    let shown = calendar_page(&state, page, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// `action` `add` (with `day`, `name`) or `remove` (with `day`).
pub async fn change(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let result = match forms::first(&data, "action") {
        Some("add") => {
            let f = HolidayForm {
                day: forms::opt(&data, "day"),
                name: forms::opt(&data, "name"),
            };
            deadlines::add_holiday(&state.ctx, &operator, &f)
                .await
                .map(|_| ())
        }
        Some("remove") => {
            let day = forms::first(&data, "day").unwrap_or("");
            deadlines::remove_holiday(&state.ctx, &operator, day).await
        }
        _ => Err(Error::field("action", "not_allowed")),
    };
    match result {
        Ok(()) => see_other("/console/calendar?notice=saved"),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                calendar_page(&state, page, form).await
            })
            .await
        }
    }
}
