//! The review queue: every kind, oldest first, filtered by kind, status, age and by view —
//! `mine` (what the reviewer holds), `unclaimed` (nobody holds it, or the claim lapsed) and
//! `overdue` (past its kind's target in working days). Each item says who holds it and when it
//! is due.

use serde::Serialize;
use utoipa::ToSchema;

use super::deadlines::{self, Deadlines};
use super::{Ctx, Error, Result};
use crate::domain::paging::{cursor, parse_cursor};
use crate::domain::review::{ReviewKind, ReviewStatus};
use crate::domain::FieldError;
use crate::store;
use crate::store::review::ReviewItemRow;
use crate::store::review_queue::QueueFilter;
use crate::time_util::{now_ms, rfc3339, HOUR_MS};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subject {
    pub account_id: String,
    pub company_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ItemSummary {
    pub id: String,
    /// `enterprise_verification`, `partner_application`, `settlement_change` or `product`.
    pub kind: String,
    pub subject: Subject,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub status: String,
    pub version: i64,
    // Kept as unix ms (pages show it in words) and written as RFC 3339 only on the wire: a
    // page of the queue builds none of the strings it would not show.
    #[serde(rename = "submitted_at", serialize_with = "wire_time")]
    #[schema(value_type = String)]
    pub submitted_ms: i64,
    /// Hours since submission.
    pub age_hours: i64,
    /// The e-mail address of the member of staff who holds the item; `null` when nobody does
    /// (never claimed, or the claim lapsed).
    pub claimed_by: Option<String>,
    /// When the claim lapses.
    #[serde(rename = "claimed_until", serialize_with = "wire_time_opt")]
    #[schema(value_type = Option<String>)]
    pub claimed_until_ms: Option<i64>,
    /// The day the item is due by its kind's target in working days (`YYYY-MM-DD`, in the
    /// marketplace's time zone).
    #[serde(rename = "due_on", serialize_with = "wire_day_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub due: Option<jiff::civil::Date>,
    /// Pending and past its due date.
    pub overdue: bool,
    /// Back in the queue because the applicant appealed its rejection.
    pub appeal: bool,
    /// The holder's account id, for pages that compare it with the viewer.
    #[serde(skip)]
    pub holder_id: Option<String>,
}

fn wire_time<S: serde::Serializer>(ms: &i64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*ms))
}

fn wire_time_opt<S: serde::Serializer>(
    ms: &Option<i64>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match ms {
        Some(ms) => wire_time(ms, s),
        None => s.serialize_none(),
    }
}

fn wire_day_opt<S: serde::Serializer>(
    day: &Option<jiff::civil::Date>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    match day {
        // `YYYY-MM-DD`, written straight into the output.
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl From<ReviewItemRow> for ItemSummary {
    /// The summary as the system clock sees it, without a due date.
    fn from(i: ReviewItemRow) -> ItemSummary {
        summary_at(i, now_ms(), None)
    }
}

/// The summary of `i` at `now`, with its due date when `d` is given. Takes the row: its
/// strings move into the summary (a page of the queue is fifty of these).
pub fn summary_at(i: ReviewItemRow, now: i64, d: Option<&Deadlines>) -> ItemSummary {
    let kind = ReviewKind::parse(&i.kind);
    let due = d.zip(kind).and_then(|(d, k)| d.due(k, i.submitted_at));
    let overdue = i.status == "pending" && d.zip(due).is_some_and(|(d, due)| due < d.today);
    let held = i.holder_at(now).is_some();
    let (holder_id, claimed_by, claimed_until_ms) = if held {
        (
            i.claimed_by,
            Some(i.claimed_by_email.unwrap_or_default()),
            i.claimed_until,
        )
    } else {
        (None, None, None)
    };
    ItemSummary {
        id: i.id,
        kind: i.kind,
        subject: Subject {
            account_id: i.account_id,
            company_name: i.company_name,
        },
        status: i.status,
        version: i.version,
        submitted_ms: i.submitted_at,
        age_hours: (now - i.submitted_at).max(0) / HOUR_MS,
        claimed_by,
        claimed_until_ms,
        due,
        overdue,
        appeal: i.appeal,
        holder_id,
    }
}

/// The queue's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Mine,
    Unclaimed,
    Overdue,
}

impl View {
    pub const ALL: [View; 3] = [View::Mine, View::Unclaimed, View::Overdue];

    pub fn as_str(self) -> &'static str {
        match self {
            View::Mine => "mine",
            View::Unclaimed => "unclaimed",
            View::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

pub struct QueueQuery<'a> {
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
    pub min_age_hours: Option<i64>,
    /// Only items younger than this (the console's age bands).
    pub max_age_hours: Option<i64>,
    /// `mine`, `unclaimed` or `overdue`: pending items only (a decided item has no claim).
    pub view: Option<&'a str>,
    /// Who asks (whose items `mine` lists).
    pub viewer: &'a str,
    /// Only appeals (`Some(true)`), or only first decisions (`Some(false)`).
    pub appeal: Option<bool>,
    /// Only automatic approvals sampled for a human second look (`Some(true)`), or none of them.
    pub second_look: Option<bool>,
    pub cursor: Option<&'a str>,
    pub limit: i64,
}

/// The queue, oldest first; the cursor is opaque to clients.
pub async fn queue(ctx: &Ctx, q: &QueueQuery<'_>) -> Result<(Vec<ItemSummary>, Option<String>)> {
    let mut errors = Vec::new();
    if q.kind.is_some_and(|k| ReviewKind::parse(k).is_none()) {
        errors.push(FieldError::new("kind", "not_allowed"));
    }
    if q.status
        .is_some_and(|s| ReviewStatus::parse(s).is_none() && s != "superseded")
    {
        errors.push(FieldError::new("status", "not_allowed"));
    }
    let view = match q.view {
        None => None,
        Some(v) => {
            let parsed = View::parse(v);
            if parsed.is_none() {
                errors.push(FieldError::new("view", "not_allowed"));
            }
            parsed
        }
    };
    for (name, hours) in [
        ("min_age_hours", q.min_age_hours),
        ("max_age_hours", q.max_age_hours),
    ] {
        if hours.is_some_and(|h| !(0..=24 * 3650).contains(&h)) {
            errors.push(
                FieldError::new(name, "out_of_range")
                    .with("min", 0)
                    .with("max", 24 * 3650),
            );
        }
    }
    let after = match q.cursor {
        None => None,
        Some(c) => match parse_cursor(c) {
            Some(a) => Some(a),
            None => {
                errors.push(FieldError::new("cursor", "invalid_type"));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let d = deadlines::load(ctx).await?;
    let now = ctx.clock.now_ms();
    let cutoffs = d.overdue_cutoffs();
    // Claims and deadlines only concern pending items.
    let status = match view {
        Some(_) => Some("pending"),
        None => q.status,
    };
    let rows = store::review_queue::queue(
        &ctx.db,
        &QueueFilter {
            kind: q.kind,
            status,
            submitted_before: q.min_age_hours.map(|h| now - h * HOUR_MS),
            submitted_after: q.max_age_hours.map(|h| now - h * HOUR_MS),
            appeal: q.appeal,
            second_look: q.second_look,
            after,
            held_by: (view == Some(View::Mine)).then_some((q.viewer, now)),
            unclaimed_at: (view == Some(View::Unclaimed)).then_some(now),
            overdue: (view == Some(View::Overdue)).then_some(cutoffs.as_slice()),
            // One more than asked tells whether another page exists.
            limit: q.limit + 1,
        },
    )
    .await?;
    let mut rows = rows;
    let more = rows.len() as i64 > q.limit;
    rows.truncate(q.limit as usize);
    let next = if more {
        rows.last().map(|r| cursor(r.submitted_at, &r.id))
    } else {
        None
    };
    Ok((
        rows.into_iter()
            .map(|r| summary_at(r, now, Some(&d)))
            .collect(),
        next,
    ))
}

/// Pending items per kind (every kind listed, zero included).
pub async fn pending_counts(ctx: &Ctx) -> Result<Vec<(&'static str, i64)>> {
    let counts = store::review_queue::pending_counts(&ctx.db).await?;
    Ok(ReviewKind::ALL
        .iter()
        .map(|k| {
            let n = counts
                .iter()
                .find(|(kind, _)| kind == k.as_str())
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (k.as_str(), n)
        })
        .collect())
}
