//! The admins' report over a period: decisions per day and kind, time to decision against each
//! kind's target, rejection rates and the most frequent library reasons (in the reader's
//! language). Read from the decisions ledger (`review_decisions`), one row per decision, so an
//! appeal's second decision is counted from the appeal.

use serde::Serialize;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::require_action;
use super::{Ctx, Error, Result};
use crate::domain::account::StaffAction;
use crate::domain::reasons::Reason;
use crate::domain::report::{self, DayRow, Decided, KindRow};
use crate::domain::review::ReviewKind;
use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::store;
use crate::time_util::HOUR_MS;

/// The longest period a report covers, in days.
pub const MAX_DAYS: i64 = 366;
/// How many reasons the report lists.
const TOP_REASONS: usize = 10;

/// A reason of the top list, with its text in the reader's language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TopReason {
    pub code: String,
    pub count: i64,
    /// The library text in the reader's language (the code itself if it is no longer known).
    pub text: String,
    /// Share of all rejections in the period that gave this reason, 0–1.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    /// The first and the last day of the period (`2026-12-01`), in the marketplace's time zone.
    pub from: String,
    pub to: String,
    /// Every day of the period, in order (days without decisions as zeros).
    pub days: Vec<DayRow>,
    /// Each kind over the period.
    pub kinds: Vec<KindRow>,
    /// Every kind together (`kind: "all"`, no target).
    pub total: KindRow,
    pub top_reasons: Vec<TopReason>,
}

/// The period asked for: `from` and `to` as `YYYY-MM-DD`, both days included; by default (left
/// out) the 30 days up to today. An empty value is not a date.
pub fn period(ctx: &Ctx, from: Option<&str>, to: Option<&str>) -> Result<(String, String)> {
    let zone = &ctx.zone;
    let today = zone.date_field(ctx.clock.now_ms());
    let (to, from) = (to.map(str::trim), from.map(str::trim));
    let mut errors = Vec::new();
    let parse = |name: &str, v: &str, errors: &mut Vec<FieldError>| {
        let d = v.parse::<jiff::civil::Date>().ok();
        if d.is_none() || zone.day_bounds(v).is_none() {
            errors.push(FieldError::new(name, "invalid_date"));
        }
        d
    };
    let to_date = match to {
        Some(v) => parse("to", v, &mut errors),
        None => today.parse::<jiff::civil::Date>().ok(),
    };
    let from_date = match from {
        Some(v) => parse("from", v, &mut errors),
        None => to_date.and_then(|t| t.checked_sub(jiff::Span::new().days(29)).ok()),
    };
    if let (Some(f), Some(t)) = (from_date, to_date) {
        if t < f {
            errors.push(FieldError::new("to", "before_from"));
        } else if (t - f).get_days() as i64 >= MAX_DAYS {
            errors.push(
                FieldError::new("to", "out_of_range")
                    .with("min", 1)
                    .with("max", MAX_DAYS),
            );
        }
    }
    match (from_date, to_date) {
        (Some(f), Some(t)) if errors.is_empty() => Ok((f.to_string(), t.to_string())),
        _ => Err(Error::Validation(errors)),
    }
}

/// The report over `from`..=`to` for an admin reading `lang`.
pub async fn report(
    ctx: &Ctx,
    admin: &AccountView,
    from: Option<&str>,
    to: Option<&str>,
    lang: Lang,
) -> Result<Report> {
    require_action(admin, StaffAction::ReadReport)?;
    let (from, to) = period(ctx, from, to)?;
    let zone = &ctx.zone;
    let bad = || Error::Internal("report period".into());
    let (start, _) = zone.day_bounds(&from).ok_or_else(bad)?;
    let (_, end) = zone.day_bounds(&to).ok_or_else(bad)?;
    let mut days = Vec::new();
    let mut day: jiff::civil::Date = from.parse().map_err(|_| bad())?;
    while day.to_string() <= to {
        days.push(day.to_string());
        day = day.tomorrow().map_err(|_| bad())?;
    }
    let rows = store::reasons::decisions_between(ctx.db.pool(), start, end).await?;
    // The queue's own targets and working-day calendar (weekends and the admins' holidays): a
    // decision is within its target when it came on or before the day the item was due.
    let deadlines = super::deadlines::load(ctx).await?;
    let decided: Vec<Decided> = rows
        .iter()
        .filter_map(|r| {
            let kind = ReviewKind::parse(&r.kind)?;
            let due = deadlines.due(kind, r.started_at);
            let decided_day = zone.day_of(r.decided_at);
            let reasons: Vec<Reason> = r
                .reasons
                .as_deref()
                .and_then(|j| serde_json::from_str(j).ok())
                .unwrap_or_default();
            Some(Decided {
                kind,
                approved: r.decision == "approved",
                day: zone.date_field(r.decided_at),
                hours: (r.decided_at - r.started_at).max(0) as f64 / HOUR_MS as f64,
                within_target: due.zip(decided_day).is_some_and(|(due, day)| day <= due),
                codes: reasons.into_iter().filter_map(|r| r.code).collect(),
            })
        })
        .collect();
    let target = |k: ReviewKind| i64::from(deadlines.targets.of(k));
    let summary = report::summarize(&days, &decided, target, TOP_REASONS);
    let library = store::reasons::list(ctx.db.pool(), None, true).await?;
    let rejected = summary.total.rejected.max(1) as f64;
    let top_reasons = summary
        .top_reasons
        .iter()
        .map(|c| TopReason {
            text: library
                .iter()
                .find(|l| l.code == c.code)
                .map(|l| l.text.get(lang.tag()).to_string())
                .unwrap_or_else(|| c.code.clone()),
            share: (c.count as f64 / rejected * 1000.0).round() / 1000.0,
            code: c.code.clone(),
            count: c.count,
        })
        .collect();
    Ok(Report {
        from,
        to,
        days: summary.days,
        kinds: summary.kinds,
        total: summary.total,
        top_reasons,
    })
}
