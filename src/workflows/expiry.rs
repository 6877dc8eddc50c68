//! The daily expiry job (`berth jobs run expiry`): for every verified enterprise whose licence
//! or legal representative's ID expires within 90 days, the reminder due today (90, 30 or 7 days
//! ahead, or the notice that it has expired) is mailed once. Each reminder is recorded in the
//! transaction that queues its mail, keyed by account, document, day and stage: running again
//! the same day, or on a second instance at the same time, mails nothing twice.

use jiff::ToSpan;
use serde_json::json;

use super::{Ctx, Result};
use crate::domain::audit::{NewEvent, SYSTEM};
use crate::domain::enterprise::EnterpriseData;
use crate::domain::events::{Event, EventType};
use crate::domain::validity::{self, Document};
use crate::i18n::{self, Lang};
use crate::mail::{self, MailKind};
use crate::store;

/// The job's name, for its lease and the command line.
pub const JOB: &str = "expiry";

/// Mails the reminders due today; how many went out.
#[tracing::instrument(name = "expiry::run", skip_all)]
pub async fn run(ctx: &Ctx) -> Result<usize> {
    let today = ctx.today()?;
    let horizon = today
        .checked_add(validity::REMINDER_DAYS[0].days())
        .unwrap_or(today);
    let mut sent = 0;
    for e in store::validity::expiring(ctx.db.pool(), &horizon.to_string()).await? {
        let data: EnterpriseData = serde_json::from_str(&e.data).unwrap_or_default();
        let terms = data.validity();
        for doc in Document::ALL {
            let Some(until) = terms.term(doc).until() else {
                continue;
            };
            let Some(stage) = validity::reminder_due(until, today) else {
                continue;
            };
            if remind(ctx, &e, doc, until, stage).await? {
                sent += 1;
            }
        }
    }
    if sent > 0 {
        ctx.mail_committed();
    }
    tracing::info!(sent, "expiry reminders");
    Ok(sent)
}

/// Records and mails one reminder, unless it went out before: whether it went out now.
async fn remind(
    ctx: &Ctx,
    e: &store::validity::Expiring,
    doc: Document,
    until: jiff::civil::Date,
    stage: &str,
) -> Result<bool> {
    let now = ctx.clock.now_ms();
    let day = until.to_string();
    let mut tx = ctx.db.begin_write().await?;
    if !store::validity::record_reminder(&mut tx, &e.account_id, doc.as_str(), &day, stage, now)
        .await?
    {
        return Ok(false);
    }
    let lang = Lang::from_tag(&e.lang).unwrap_or_default();
    let document = i18n::t(lang, &format!("validity.document.{}", doc.as_str())).to_string();
    let date = crate::display::Zone::long_day(until, lang);
    let today = ctx.today()?;
    let days = validity::remaining(until, today).max(0).to_string();
    let kind = if stage == "expired" {
        MailKind::DocumentExpired
    } else {
        MailKind::ExpiryReminder
    };
    mail::enqueue(
        &mut tx,
        &ctx.key,
        kind,
        &e.email,
        lang,
        &[
            ("company", e.company_name.as_deref().unwrap_or_default()),
            ("document", &document),
            ("date", &date),
            ("days", &days),
        ],
    )
    .await?;
    // The document's kind and how far ahead, not its day: an ID's term is its holder's data.
    let (event, days_ahead) = match stage {
        "expired" => (EventType::DocumentExpired, 0),
        _ => (
            EventType::DocumentExpiring,
            validity::remaining(until, today),
        ),
    };
    let data = json!({"provider_id": e.account_id, "document": doc.as_str(), "stage": stage,
                      "days_ahead": days_ahead});
    super::events::record(&mut tx, Event::about_provider(event, &e.account_id, data)).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(SYSTEM, "enterprise.expiry_reminder_sent", &e.account_id)
            .detail(json!({"document": doc.as_str(), "valid_until": day, "stage": stage})),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}
