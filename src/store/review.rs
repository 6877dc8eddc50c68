//! Review items: every submission of every kind, the queue over them, and decisions with
//! optimistic concurrency on `version`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};

#[derive(Debug, Clone)]
pub struct ReviewItemRow {
    pub id: String,
    pub kind: String,
    pub account_id: String,
    pub company_name: String,
    pub subject_ref: String,
    pub status: String,
    pub version: i64,
    pub snapshot: String,
    pub documents: String,
    pub reasons: Option<String>,
    pub submitted_at: i64,
    pub decided_at: Option<i64>,
    pub decided_by: Option<String>,
    /// Back in the queue because the applicant appealed its rejection.
    pub appeal: bool,
    /// Who holds the item and until when (a lapsed claim is still here; read it with
    /// `holder_at`).
    pub claimed_by: Option<String>,
    pub claimed_until: Option<i64>,
    /// The holder's e-mail address, as people are shown it.
    pub claimed_by_email: Option<String>,
}

impl ReviewItemRow {
    /// The holder at `now`: `(account id, e-mail, until)` while the claim lasts.
    pub fn holder_at(&self, now: i64) -> Option<(&str, &str, i64)> {
        match (&self.claimed_by, self.claimed_until) {
            (Some(id), Some(until)) if until > now => Some((
                id.as_str(),
                self.claimed_by_email.as_deref().unwrap_or(""),
                until,
            )),
            _ => None,
        }
    }

    /// A submission entering the queue: pending, at version 1, `documents` by id.
    pub fn submission(
        kind: &str,
        account_id: &str,
        company_name: String,
        subject_ref: &str,
        snapshot: String,
        documents: &[String],
        now: i64,
    ) -> ReviewItemRow {
        ReviewItemRow {
            id: uuid::Uuid::now_v7().to_string(),
            kind: kind.to_string(),
            account_id: account_id.to_string(),
            company_name,
            subject_ref: subject_ref.to_string(),
            status: "pending".into(),
            version: 1,
            snapshot,
            documents: serde_json::to_string(documents).unwrap_or_else(|_| "[]".into()),
            reasons: None,
            submitted_at: now,
            decided_at: None,
            decided_by: None,
            appeal: false,
            claimed_by: None,
            claimed_until: None,
            claimed_by_email: None,
        }
    }
}

const COLUMNS: &str =
    "id, kind, account_id, company_name, subject_ref, status, version, snapshot, documents, \
    reasons, submitted_at, decided_at, decided_by, appeal, claimed_by, claimed_until, \
    (SELECT a.email FROM accounts a WHERE a.id = review_items.claimed_by) AS claimed_by_email";

fn from_list_row(r: &AnyRow) -> Result<ReviewItemRow> {
    let appeal: i64 = r.try_get("appeal")?;
    Ok(ReviewItemRow {
        appeal: appeal != 0,
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        account_id: r.try_get("account_id")?,
        company_name: r.try_get("company_name")?,
        subject_ref: String::new(),
        status: r.try_get("status")?,
        version: r.try_get("version")?,
        snapshot: String::new(),
        documents: "[]".into(),
        reasons: None,
        submitted_at: r.try_get("submitted_at")?,
        decided_at: None,
        decided_by: None,
        claimed_by: r.try_get("claimed_by")?,
        claimed_until: r.try_get("claimed_until")?,
        claimed_by_email: r.try_get("claimed_by_email")?,
    })
}

/// A whole row: the listing's columns and the rest.
fn from_row(r: &AnyRow) -> Result<ReviewItemRow> {
    Ok(ReviewItemRow {
        subject_ref: r.try_get("subject_ref")?,
        snapshot: r.try_get("snapshot")?,
        documents: r.try_get("documents")?,
        reasons: r.try_get("reasons")?,
        decided_at: r.try_get("decided_at")?,
        decided_by: r.try_get("decided_by")?,
        ..from_list_row(r)?
    })
}

pub async fn insert(tx: &mut Tx, i: &ReviewItemRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_items (id, kind, account_id, company_name, subject_ref, status, version, snapshot, \
         documents, reasons, submitted_at, decided_at, decided_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(&i.id)
    .bind(&i.kind)
    .bind(&i.account_id)
    .bind(&i.company_name)
    .bind(&i.subject_ref)
    .bind(&i.status)
    .bind(i.version)
    .bind(&i.snapshot)
    .bind(&i.documents)
    .bind(&i.reasons)
    .bind(i.submitted_at)
    .bind(i.decided_at)
    .bind(&i.decided_by)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<ReviewItemRow>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM review_items WHERE id = $1"))
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// Every submission about the same thing, newest first.
pub async fn history<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    kind: &str,
    subject_ref: &str,
) -> Result<Vec<ReviewItemRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM review_items WHERE kind = $1 AND subject_ref = $2 ORDER BY submitted_at DESC, id DESC"
    ))
    .bind(kind)
    .bind(subject_ref)
    .fetch_all(ex)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The newest item about the same thing.
pub async fn latest<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    kind: &str,
    subject_ref: &str,
) -> Result<Option<ReviewItemRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM review_items WHERE kind = $1 AND subject_ref = $2 \
         ORDER BY submitted_at DESC, id DESC LIMIT 1"
    ))
    .bind(kind)
    .bind(subject_ref)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Records a decision if the item is still pending at `version`; false when someone else
/// decided or changed it first.
pub async fn decide(
    tx: &mut Tx,
    id: &str,
    version: i64,
    status: &str,
    reasons: Option<&str>,
    by: &str,
    now: i64,
) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_items SET status = $3, reasons = $4, decided_by = $5, decided_at = $6, version = version + 1, \
         claimed_by = NULL, claimed_until = NULL \
         WHERE id = $1 AND version = $2 AND status = 'pending'",
    )
    .bind(id)
    .bind(version)
    .bind(status)
    .bind(reasons)
    .bind(by)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Bumps the version of a pending item (an action other than a decision changed it).
pub async fn touch(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query("UPDATE review_items SET version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
