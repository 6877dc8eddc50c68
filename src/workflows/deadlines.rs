//! Review deadlines: the working-day calendar (weekends and the holidays admins enter), each
//! item's due date by its kind's target, the overdue items, and what an applicant is told —
//! the date a decision can be expected and the place in line, both computed from the queue.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::domain::account::Role;
use crate::domain::audit::NewEvent;
use crate::domain::calendar::{self, Calendar, Targets};
use crate::domain::review::ReviewKind;
use crate::domain::text::text;
use crate::domain::{FieldError, FieldErrors};
use crate::store;
use crate::time_util::DAY_MS;

/// Calendar days over which the pace of decisions is measured.
const PACE_WINDOW_DAYS: u32 = 14;

/// The calendar and the targets as they stand now, with today's date in the marketplace's zone.
pub struct Deadlines {
    pub calendar: Calendar,
    pub targets: Targets,
    pub today: Date,
    zone: crate::display::Zone,
}

pub async fn load(ctx: &Ctx) -> Result<Deadlines> {
    let holidays = ctx
        .kept
        .holidays
        .get(ctx, || async {
            let rows = store::calendar::holidays(&ctx.db).await?;
            Ok(rows
                .iter()
                .filter_map(|h| calendar::parse_day(&h.day))
                .collect())
        })
        .await?;
    let now = ctx.clock.now_ms();
    Ok(Deadlines {
        calendar: Calendar::new(holidays.iter().copied()),
        targets: ctx.review.targets(),
        today: ctx
            .zone
            .day_of(now)
            .ok_or_else(|| Error::Internal("the clock is out of range".into()))?,
        zone: ctx.zone.clone(),
    })
}

impl Deadlines {
    /// The day an item of `kind` submitted at `submitted_ms` is due.
    pub fn due(&self, kind: ReviewKind, submitted_ms: i64) -> Option<Date> {
        let day = self.zone.day_of(submitted_ms)?;
        Some(self.calendar.due_date(day, self.targets.of(kind)))
    }

    /// A pending item is overdue once its due date has passed.
    pub fn overdue(&self, kind: ReviewKind, submitted_ms: i64) -> bool {
        self.due(kind, submitted_ms).is_some_and(|d| d < self.today)
    }

    /// For each kind, the submission time before which its pending items are overdue.
    pub fn overdue_cutoffs(&self) -> Vec<(&'static str, i64)> {
        ReviewKind::ALL
            .iter()
            .filter_map(|k| {
                let first = self
                    .calendar
                    .overdue_before(self.today, self.targets.of(*k));
                Some((k.as_str(), self.zone.start_of(first)?))
            })
            .collect()
    }
}

/// Pending overdue items per kind (every kind, zero included), for `/metrics`.
pub async fn overdue_counts(ctx: &Ctx) -> Result<Vec<(&'static str, i64)>> {
    let d = load(ctx).await?;
    let mut out = Vec::new();
    for (kind, before) in d.overdue_cutoffs() {
        out.push((
            kind,
            store::calendar::pending_before(&ctx.db, kind, before).await?,
        ));
    }
    Ok(out)
}

/// What an applicant is told about a pending item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub kind: ReviewKind,
    pub expected_by: Date,
    /// 1 for the next item of its kind to be decided.
    pub queue_position: i64,
}

/// The wait of one pending item: its place among the pending items of its kind (oldest
/// first), and the later of its due date and the day the line ahead of it is worked through
/// at the pace of the last two weeks' decisions.
async fn wait(ctx: &Ctx, d: &Deadlines, kind: ReviewKind, id: &str, at: i64) -> Result<Wait> {
    let position = store::calendar::position(&ctx.db, kind.as_str(), at, id).await?;
    let since = ctx.clock.now_ms() - i64::from(PACE_WINDOW_DAYS) * DAY_MS;
    let decided = store::calendar::decided_since(&ctx.db, kind.as_str(), since).await?;
    let days = i64::from(
        d.calendar
            .working_days_in_last(d.today, PACE_WINDOW_DAYS)
            .max(1),
    );
    let per_day = u64::try_from(decided / days).unwrap_or(0);
    let due = d.due(kind, at).unwrap_or(d.today);
    Ok(Wait {
        kind,
        expected_by: d.calendar.expected_by(
            due,
            d.today,
            u64::try_from(position).unwrap_or(1),
            per_day,
        ),
        queue_position: position,
    })
}

/// The waits of every pending item of an account (its verification, application, settlement
/// change), oldest first.
pub async fn waits_of_account(ctx: &Ctx, account_id: &str) -> Result<Vec<Wait>> {
    let pending = store::calendar::pending_of_account(&ctx.db, account_id).await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let d = load(ctx).await?;
    let mut out = Vec::new();
    for (id, kind, at) in pending {
        if let Some(kind) = ReviewKind::parse(&kind) {
            out.push(wait(ctx, &d, kind, &id, at).await?);
        }
    }
    Ok(out)
}

/// The wait of a product in review, if it is.
pub async fn wait_of_product(ctx: &Ctx, product_id: &str) -> Result<Option<Wait>> {
    let kind = ReviewKind::Product;
    let Some((id, at)) = store::calendar::pending_about(&ctx.db, kind.as_str(), product_id).await?
    else {
        return Ok(None);
    };
    let d = load(ctx).await?;
    Ok(Some(wait(ctx, &d, kind, &id, at).await?))
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Holiday {
    /// `YYYY-MM-DD`, in the marketplace's time zone.
    pub day: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TargetView {
    pub kind: String,
    /// Working days to decide an item of this kind.
    pub working_days: u32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarView {
    pub holidays: Vec<Holiday>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayForm {
    /// `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    pub day: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 100)]
    pub name: Option<String>,
}

/// Holidays and targets are for admins to change; every member of staff may read them.
fn require_admin(account: &AccountView) -> Result<()> {
    if account.roles.has(Role::Admin) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub async fn calendar_view(ctx: &Ctx) -> Result<CalendarView> {
    let holidays = store::calendar::holidays(&ctx.db).await?;
    let targets = ctx.review.targets();
    Ok(CalendarView {
        holidays: holidays
            .into_iter()
            .map(|h| Holiday {
                day: h.day,
                name: h.name,
            })
            .collect(),
        targets: ReviewKind::ALL
            .iter()
            .map(|k| TargetView {
                kind: k.as_str().to_string(),
                working_days: targets.of(*k),
            })
            .collect(),
    })
}

/// An admin enters a holiday (or renames one): no review deadline counts it from then on.
pub async fn add_holiday(ctx: &Ctx, admin: &AccountView, form: &HolidayForm) -> Result<Holiday> {
    require_admin(admin)?;
    let mut e = FieldErrors::default();
    let day = e.require("day", form.day.as_deref(), |s| {
        calendar::parse_day(s).ok_or("invalid_date")
    });
    let name = text(&mut e, "name", form.name.as_ref(), 100);
    if name.is_none() {
        e.push(FieldError::new("name", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    let (Some(day), Some(name)) = (day, name) else {
        return Err(Error::Validation(vec![FieldError::new("day", "required")]));
    };
    let day = day.to_string();
    let mut tx = ctx.db.begin_write().await?;
    let now = ctx.clock.now_ms();
    store::calendar::put_holiday(&mut tx, &day, &name, &admin.id, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "calendar.holiday_added", &day)
            .detail(serde_json::json!({"name": name})),
    )
    .await?;
    tx.commit().await?;
    Ok(Holiday { day, name })
}

/// An admin removes a holiday.
pub async fn remove_holiday(ctx: &Ctx, admin: &AccountView, day: &str) -> Result<()> {
    require_admin(admin)?;
    let day = calendar::parse_day(day).ok_or(Error::NotFound)?.to_string();
    let mut tx = ctx.db.begin_write().await?;
    if !store::calendar::delete_holiday(&mut tx, &day).await? {
        return Err(Error::NotFound);
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "calendar.holiday_removed", &day),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
