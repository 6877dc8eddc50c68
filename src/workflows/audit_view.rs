//! The audit log as staff browse it in the console: filtered by who acted (an e-mail), what was
//! done (an action), what it was about (an account by e-mail — its own events and those of its
//! review items and products —, a consultation by reference, or an id) and when, newest first a
//! page at a time, with the names behind the ids; and the filtered rows exported in
//! `berth audit export`'s format (`audit_log::ExportedEvent`, each line with its hash).

use std::collections::HashMap;

use super::accounts::AccountView;
use super::decision::require_staff;
use super::names::{self, Named};
use super::{Ctx, Error, Result};
use crate::domain::audit::{AuditEvent, ACTIONS};
use crate::domain::FieldError;
use crate::store;
use crate::store::audit::{Page, Search};

/// A filter as typed on the audit page; empty means "any".
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// The e-mail of whoever acted.
    pub who: Option<String>,
    pub action: Option<String>,
    /// What the events are about: an account's e-mail, a consultation's reference, or an id.
    pub about: Option<String>,
    /// Unix ms: from (inclusive), until (exclusive).
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// A filter whose e-mails and references were found: what the store searches.
#[derive(Debug, Clone)]
pub struct Resolved(Search);

/// Finds the accounts and consultations a filter names; a name that matches nothing is refused
/// at its field (`unknown_account`, `not_allowed`).
pub async fn resolve(ctx: &Ctx, staff: &AccountView, f: &AuditFilter) -> Result<Resolved> {
    require_staff(staff)?;
    let mut errors = Vec::new();
    let mut search = Search {
        from: f.from,
        until: f.until,
        ..Search::default()
    };
    if let Some(who) = f.who.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        match store::accounts::find_by_email(ctx.db.pool(), &who.to_lowercase()).await? {
            Some(a) => search.actor = Some(a.id),
            None => errors.push(FieldError::new("who", "unknown_account")),
        }
    }
    if let Some(action) = f.action.as_deref().filter(|s| !s.is_empty()) {
        if ACTIONS.contains(&action) {
            search.action = Some(action.to_string());
        } else {
            errors.push(FieldError::new("action", "not_allowed"));
        }
    }
    if let Some(about) = f.about.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if about.contains('@') {
            match store::accounts::find_by_email(ctx.db.pool(), &about.to_lowercase()).await? {
                Some(a) => search.about_account = Some(a.id),
                None => errors.push(FieldError::new("about", "unknown_account")),
            }
        } else {
            let by_reference =
                store::names::consultation_by_reference(&ctx.db, &about.to_uppercase()).await?;
            search.subject = Some(by_reference.unwrap_or_else(|| about.to_string()));
        }
    }
    if let (Some(from), Some(until)) = (f.from, f.until) {
        if until <= from {
            errors.push(FieldError::new("to", "before_from"));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(Resolved(search))
}

/// A page of the filtered log, newest first, and the names behind its ids.
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Accounts, review items, products and consultations the events name, by id.
    pub names: HashMap<String, Named>,
    /// Where the next (older) page starts, when there is one.
    pub older: Option<i64>,
}

/// The detail keys whose values are ids the console names (accounts, review items).
pub const NAMED_DETAILS: &[&str] = &[
    "account",
    "review_item",
    "provider",
    "owner",
    "revoked_by",
    "invited_by",
];

/// The ids an event names: who acted, what it was about, and the accounts and items of its
/// detail.
fn ids_of(e: &AuditEvent, out: &mut Vec<String>) {
    out.push(e.actor.clone());
    out.push(e.subject.clone());
    if let Ok(serde_json::Value::Object(detail)) = serde_json::from_str(&e.detail) {
        for key in NAMED_DETAILS {
            if let Some(id) = detail.get(*key).and_then(|v| v.as_str()) {
                out.push(id.to_string());
            }
        }
    }
}

/// Events of `filter` older than `before` (the newest when `None`), `limit` of them.
pub async fn browse(
    ctx: &Ctx,
    filter: &Resolved,
    before: Option<i64>,
    limit: i64,
) -> Result<AuditPage> {
    let mut events =
        store::audit::search(&ctx.db, &filter.0, Page::NewestBefore(before), limit + 1).await?;
    let older = if events.len() as i64 > limit {
        events.truncate(limit as usize);
        events.last().map(|e| e.seq)
    } else {
        None
    };
    let mut ids = Vec::new();
    for e in &events {
        ids_of(e, &mut ids);
    }
    let names = names::anything(ctx, &ids).await?;
    Ok(AuditPage {
        events,
        names,
        older,
    })
}

/// The next lines of the export of `filter`: events after `after`, oldest first, as JSON Lines
/// with their hashes; `None` once every event was written.
pub async fn export_batch(
    ctx: &Ctx,
    filter: &Resolved,
    after: i64,
) -> Result<Option<(Vec<u8>, i64)>> {
    let events = store::audit::search(&ctx.db, &filter.0, Page::OldestAfter(after), 1000).await?;
    let Some(last) = events.last().map(|e| e.seq) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for e in &events {
        out.extend(super::audit_log::export_line(e));
    }
    Ok(Some((out, last)))
}
