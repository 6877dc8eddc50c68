//! What is waiting for the operators, for the console's home: the pending items of each kind by
//! age (under a day, one to three days, older), and the oldest of each kind with its due date.

use super::deadlines;
use super::queue::{summary_at, ItemSummary};
use super::{Ctx, Result};
use crate::domain::review::ReviewKind;
use crate::store;
use crate::time_util::DAY_MS;

/// The pending items of one kind.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub kind: &'static str,
    /// Submitted within the last 24 hours.
    pub under_a_day: i64,
    /// Waiting one to three days.
    pub one_to_three_days: i64,
    /// Waiting more than three days.
    pub older: i64,
    pub oldest: Option<ItemSummary>,
}

impl Waiting {
    pub fn total(&self) -> i64 {
        self.under_a_day + self.one_to_three_days + self.older
    }
}

/// Every kind, in the queue's order, with its pending items by age, as read at most a moment
/// ago (`Ctx::kept`: every view of the queue page shows it).
pub async fn waiting(ctx: &Ctx) -> Result<Vec<Waiting>> {
    let kept = ctx.kept.waiting.get(ctx, || read(ctx)).await?;
    Ok(kept.as_ref().clone())
}

/// Three queries whatever the queue's length: the age bands (one index-only aggregate), the
/// oldest item of each kind (one lookup per kind, in one statement) and the calendar for their
/// due dates.
async fn read(ctx: &Ctx) -> Result<Vec<Waiting>> {
    let now = ctx.clock.now_ms();
    let bands =
        store::review_queue::pending_by_age(&ctx.db, now - DAY_MS, now - 3 * DAY_MS).await?;
    let with_items: Vec<&str> = bands
        .iter()
        .filter(|(_, a, b, c)| a + b + c > 0)
        .map(|(kind, ..)| kind.as_str())
        .collect();
    let mut oldest = store::review_queue::oldest_pending(&ctx.db, &with_items).await?;
    let d = if oldest.is_empty() {
        None
    } else {
        Some(deadlines::load(ctx).await?)
    };
    Ok(ReviewKind::ALL
        .iter()
        .map(|kind| {
            let k = kind.as_str();
            let (young, middle, old) = bands
                .iter()
                .find(|(name, ..)| name == k)
                .map(|(_, a, b, c)| (*a, *b, *c))
                .unwrap_or_default();
            Waiting {
                kind: k,
                under_a_day: young,
                one_to_three_days: middle,
                older: old,
                oldest: oldest
                    .iter()
                    .position(|row| row.kind == k)
                    .map(|at| summary_at(oldest.swap_remove(at), now, d.as_ref())),
            }
        })
        .collect())
}
