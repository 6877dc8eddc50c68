//! The category deposit as read: what is owed (the largest deposit among the categories the
//! approved application declares), the ledger with the balance after each entry, and where it
//! stands. The balance is always summed from the ledger. (Recording and the hold on listings:
//! `guarantee.rs`.)

use serde::Serialize;
use utoipa::ToSchema;

use super::{Ctx, Error, Result};
use crate::domain::guarantee::{self, EntryKind, GuaranteeStatus, Standing, Totals};
use crate::store::guarantee::{self as g_store, EntryRow};
use crate::store::{self, Tx};
use crate::time_util::rfc3339;

/// One ledger entry as the provider and finance see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: String,
    pub kind: EntryKind,
    pub amount_fen: i64,
    /// A payment's bank reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A deduction's reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A deduction's evidence (`GET /api/v1/documents/{id}`: the provider and staff).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_document_id: Option<String>,
    /// RFC 3339 UTC.
    pub recorded_at: String,
    #[serde(skip)]
    pub recorded_at_ms: i64,
    /// The balance once this entry was recorded.
    pub balance_after_fen: i64,
}

/// A provider's deposit: what is owed, the balance summed from the ledger, where it stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GuaranteeView {
    /// The largest deposit among the categories the approved application declares (0: none).
    pub required_fen: i64,
    pub balance_fen: i64,
    pub status: GuaranteeStatus,
    /// Oldest first.
    pub entries: Vec<LedgerEntry>,
    /// When the balance is short after a deduction: the moment the listings are hidden unless
    /// it is topped up (RFC 3339 UTC; the end of the last working day of the grace period).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_up_by: Option<String>,
    #[serde(skip)]
    pub top_up_by_ms: Option<i64>,
    /// The grace period passed: the listings are off the storefront until topped up.
    pub listings_hidden: bool,
}

/// The categories `application_data` (the application's JSON) declares.
fn declared(application_data: Option<&str>) -> Vec<String> {
    application_data
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
        .and_then(|v| {
            v.get("categories").and_then(|c| c.as_array()).map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

fn approved(row: &store::move_in::FactsRow) -> bool {
    row.application_status.as_deref() == Some("approved")
}

/// What the account behind `row` owes and where it stands; `None` when nothing is owed (the
/// application is not approved, or no declared category carries a deposit). Read through
/// `conn`, so that a transaction sees its own writes.
pub async fn standing_of(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    row: &store::move_in::FactsRow,
) -> Result<Option<Standing>> {
    if !approved(row) {
        return Ok(None);
    }
    let deposits = g_store::category_deposits(&mut *conn).await?;
    let categories = declared(row.application_data.as_deref());
    let required = guarantee::required_fen(categories.iter().map(String::as_str), &deposits);
    if required == 0 {
        return Ok(None);
    }
    let entries = g_store::entries(&mut *conn, account_id).await?;
    let open = g_store::shortfall(&mut *conn, account_id).await?.is_some();
    Ok(Some(
        Standing::of(true, required, totals(&entries)).in_grace(open),
    ))
}

fn totals(entries: &[EntryRow]) -> Totals {
    Totals::of(
        entries
            .iter()
            .filter_map(|e| EntryKind::parse(&e.kind).map(|k| (k, e.amount_fen))),
    )
}

/// The deposit of `account_id` as its ledger stands.
pub(super) async fn view(ctx: &Ctx, account_id: &str) -> Result<GuaranteeView> {
    let mut conn = ctx.db.pool().acquire().await?;
    let row = store::move_in::facts(&mut *conn, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let entries = g_store::entries(&mut *conn, account_id).await?;
    let deposits = g_store::category_deposits(&mut conn).await?;
    let categories = declared(row.application_data.as_deref());
    let required = guarantee::required_fen(categories.iter().map(String::as_str), &deposits);
    let shortfall = g_store::shortfall(&mut *conn, account_id).await?;
    let standing =
        Standing::of(approved(&row), required, totals(&entries)).in_grace(shortfall.is_some());
    let hidden = g_store::hidden_at(&mut *conn, account_id).await?.is_some();
    let mut running = Totals::default();
    let entries = entries
        .into_iter()
        .filter_map(|e| {
            let kind = EntryKind::parse(&e.kind)?;
            running = running.after(kind, e.amount_fen);
            Some(LedgerEntry {
                id: e.id,
                kind,
                amount_fen: e.amount_fen,
                reference: e.reference,
                reason: e.reason,
                evidence_document_id: e.evidence_document_id,
                recorded_at: rfc3339(e.recorded_at),
                recorded_at_ms: e.recorded_at,
                balance_after_fen: running.balance_fen,
            })
        })
        .collect();
    let top_up_by = shortfall.map(|(_, by)| by).filter(|_| standing.below());
    Ok(GuaranteeView {
        required_fen: standing.required_fen,
        balance_fen: standing.totals.balance_fen,
        status: standing.status,
        entries,
        top_up_by: top_up_by.map(rfc3339),
        top_up_by_ms: top_up_by,
        listings_hidden: hidden,
    })
}

/// The standing of `account_id` as `tx` sees it (its own writes included).
pub(super) async fn standing_in(
    tx: &mut Tx,
    account_id: &str,
) -> Result<(Standing, Vec<EntryRow>)> {
    let row = store::move_in::facts(&mut **tx, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let deposits = g_store::category_deposits(tx).await?;
    let categories = declared(row.application_data.as_deref());
    let required = guarantee::required_fen(categories.iter().map(String::as_str), &deposits);
    let entries = g_store::entries(&mut **tx, account_id).await?;
    let open = g_store::shortfall(&mut **tx, account_id).await?.is_some();
    Ok((
        Standing::of(approved(&row), required, totals(&entries)).in_grace(open),
        entries,
    ))
}

pub(super) fn entry_view(e: &EntryRow, balance_after_fen: i64) -> LedgerEntry {
    LedgerEntry {
        id: e.id.clone(),
        kind: EntryKind::parse(&e.kind).unwrap_or(EntryKind::Payment),
        amount_fen: e.amount_fen,
        reference: e.reference.clone(),
        reason: e.reason.clone(),
        evidence_document_id: e.evidence_document_id.clone(),
        recorded_at: rfc3339(e.recorded_at),
        recorded_at_ms: e.recorded_at,
        balance_after_fen,
    }
}

/// Whether `account_id` owes a deposit: its move-in application is approved (before that,
/// recording a payment or a deduction answers 409 `deposit_not_due`).
pub async fn deposit_due(ctx: &Ctx, account_id: &str) -> Result<bool> {
    Ok(store::application::get(ctx.db.pool(), account_id)
        .await?
        .is_some_and(|a| a.status == "approved"))
}

/// The company name of `account_id` (verified or as submitted; empty before that).
pub async fn company_of(ctx: &Ctx, account_id: &str) -> Result<String> {
    Ok(store::enterprise::get(ctx.db.pool(), account_id)
        .await?
        .and_then(|e| e.company_name)
        .unwrap_or_default())
}
