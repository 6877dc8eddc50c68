//! What is waiting for the operators, for the console's home: the pending items of each kind by
//! age (under a day, one to three days, older), and the oldest of each kind. Deadlines in
//! working days are a later step; ages are what is known today.

use super::review::{self, ItemSummary, QueueQuery};
use super::{Ctx, Result};
use crate::domain::review::ReviewKind;
use crate::store;
use crate::time_util::{now_ms, DAY_MS};

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

/// Every kind, in the queue's order, with its pending items by age.
pub async fn waiting(ctx: &Ctx) -> Result<Vec<Waiting>> {
    let now = now_ms();
    let bands = store::review::pending_by_age(&ctx.db, now - DAY_MS, now - 3 * DAY_MS).await?;
    let mut out = Vec::new();
    for kind in ReviewKind::ALL {
        let k = kind.as_str();
        let (young, middle, old) = bands
            .iter()
            .find(|(name, ..)| name == k)
            .map(|(_, a, b, c)| (*a, *b, *c))
            .unwrap_or_default();
        let oldest = if young + middle + old > 0 {
            let q = QueueQuery {
                kind: Some(k),
                status: Some("pending"),
                min_age_hours: None,
                max_age_hours: None,
                appeal: None,
                second_look: None,
                view: None,
                viewer: "",
                cursor: None,
                limit: 1,
            };
            review::queue(ctx, &q).await?.0.into_iter().next()
        } else {
            None
        };
        out.push(Waiting {
            kind: k,
            under_a_day: young,
            one_to_three_days: middle,
            older: old,
            oldest,
        });
    }
    Ok(out)
}
