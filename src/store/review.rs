//! Review items: every submission of every kind, the queue over them, and decisions with
//! optimistic concurrency on `version`.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Db, Result, Tx};

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

/// The columns a queue listing needs: the submitted snapshot, its documents, the reasons and
/// the decision's details (often kilobytes per row, and every value is a copy) stay in the
/// database; `from_list_row` leaves them empty.
const LIST_COLUMNS: &str =
    "id, kind, account_id, company_name, status, version, submitted_at, appeal, claimed_by, \
    claimed_until, \
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

pub struct QueueFilter<'a> {
    pub kind: Option<&'a str>,
    pub status: Option<&'a str>,
    /// Only items submitted before this time (older than an age).
    pub submitted_before: Option<i64>,
    /// Only items submitted after this time (younger than an age).
    pub submitted_after: Option<i64>,
    /// Only appeals (`Some(true)`) or only first decisions (`Some(false)`).
    pub appeal: Option<bool>,
    /// Only automatic approvals waiting for a human second look (`Some(true)`), or none of them.
    pub second_look: Option<bool>,
    /// Continue after this (submitted_at, id).
    pub after: Option<(i64, String)>,
    /// Only items this account holds at the time given.
    pub held_by: Option<(&'a str, i64)>,
    /// Only items nobody holds at this time (never claimed, or the claim lapsed).
    pub unclaimed_at: Option<i64>,
    /// Only items submitted before the time given for their kind (the overdue ones).
    pub overdue: Option<&'a [(&'static str, i64)]>,
    pub limit: i64,
}

/// The queue, oldest first, in listing columns (`LIST_COLUMNS`).
pub async fn queue(db: &Db, f: &QueueFilter<'_>) -> Result<Vec<ReviewItemRow>> {
    let mut sql = format!("SELECT {LIST_COLUMNS} FROM review_items WHERE 1 = 1");
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if f.kind.is_some() {
        sql.push_str(&format!(" AND kind = {}", next()));
    }
    if f.status.is_some() {
        sql.push_str(&format!(" AND status = {}", next()));
    }
    if f.submitted_before.is_some() {
        sql.push_str(&format!(" AND submitted_at <= {}", next()));
    }
    if f.submitted_after.is_some() {
        sql.push_str(&format!(" AND submitted_at > {}", next()));
    }
    if let Some(appeal) = f.appeal {
        sql.push_str(&format!(" AND appeal = {}", i64::from(appeal)));
    }
    match f.second_look {
        Some(true) => sql.push_str(" AND second_look = 1"),
        Some(false) => sql.push_str(" AND second_look <> 1"),
        None => {}
    }
    if f.held_by.is_some() {
        let (a, b) = (next(), next());
        sql.push_str(&format!(" AND claimed_by = {a} AND claimed_until > {b}"));
    }
    if f.unclaimed_at.is_some() {
        let a = next();
        sql.push_str(&format!(
            " AND (claimed_by IS NULL OR claimed_until <= {a})"
        ));
    }
    if f.overdue.is_some_and(<[_]>::is_empty) {
        sql.push_str(" AND 1 = 0");
    }
    if let Some(kinds) = f.overdue.filter(|k| !k.is_empty()) {
        // One range on submitted_at (the (status, submitted_at) index, in order, so the scan
        // stops at the page's end), then each kind's own cutoff; `OR`ed kind terms would be
        // answered by one lookup per term and a sort of everything overdue.
        let max = next();
        let arms: String = kinds
            .iter()
            .map(|_| {
                let (k, t) = (next(), next());
                format!(" WHEN {k} THEN submitted_at < {t}")
            })
            .collect();
        sql.push_str(&format!(
            " AND submitted_at < {max} AND (CASE kind{arms} ELSE FALSE END)"
        ));
    }
    if f.after.is_some() {
        let (a, b, c) = (next(), next(), next());
        sql.push_str(&format!(
            " AND (submitted_at > {a} OR (submitted_at = {b} AND id > {c}))"
        ));
    }
    sql.push_str(&format!(" ORDER BY submitted_at, id LIMIT {}", next()));
    let mut q = sqlx::query(&sql);
    if let Some(k) = f.kind {
        q = q.bind(k);
    }
    if let Some(s) = f.status {
        q = q.bind(s);
    }
    if let Some(t) = f.submitted_before {
        q = q.bind(t);
    }
    if let Some(t) = f.submitted_after {
        q = q.bind(t);
    }
    if let Some((who, at)) = f.held_by {
        q = q.bind(who).bind(at);
    }
    if let Some(at) = f.unclaimed_at {
        q = q.bind(at);
    }
    if let Some(kinds) = f.overdue.filter(|k| !k.is_empty()) {
        q = q.bind(kinds.iter().map(|(_, t)| *t).max().unwrap_or(i64::MIN));
        for (kind, before) in kinds {
            q = q.bind(*kind).bind(*before);
        }
    }
    if let Some((t, id)) = &f.after {
        q = q.bind(*t).bind(*t).bind(id.clone());
    }
    q = q.bind(f.limit);
    q.fetch_all(db.pool())
        .await?
        .iter()
        .map(from_list_row)
        .collect()
}

/// The oldest pending item of each of `kinds` (listing columns, as `queue`), in one query.
pub async fn oldest_pending(db: &Db, kinds: &[&str]) -> Result<Vec<ReviewItemRow>> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let sql = (1..=kinds.len())
        .map(|i| {
            format!(
                "SELECT * FROM (SELECT {LIST_COLUMNS} FROM review_items \
                 WHERE status = 'pending' AND kind = ${i} ORDER BY submitted_at, id LIMIT 1) AS k{i}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    let mut q = sqlx::query(&sql);
    for k in kinds {
        q = q.bind(*k);
    }
    q.fetch_all(db.pool())
        .await?
        .iter()
        .map(from_list_row)
        .collect()
}

/// Pending items per kind.
pub async fn pending_counts(db: &Db) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, COUNT(*) AS n FROM review_items WHERE status = 'pending' GROUP BY kind",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("kind")?, r.try_get("n")?)))
        .collect()
}

/// Pending items per kind in three age bands: younger than `day_ago`, between it and
/// `three_days_ago`, older: `(kind, young, middle, old)`.
pub async fn pending_by_age(
    db: &Db,
    day_ago: i64,
    three_days_ago: i64,
) -> Result<Vec<(String, i64, i64, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, \
         SUM(CASE WHEN submitted_at > $1 THEN 1 ELSE 0 END) AS young, \
         SUM(CASE WHEN submitted_at <= $1 AND submitted_at > $2 THEN 1 ELSE 0 END) AS middle, \
         SUM(CASE WHEN submitted_at <= $2 THEN 1 ELSE 0 END) AS old \
         FROM review_items WHERE status = 'pending' GROUP BY kind",
    )
    .bind(day_ago)
    .bind(three_days_ago)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("kind")?,
                r.try_get("young")?,
                r.try_get("middle")?,
                r.try_get("old")?,
            ))
        })
        .collect()
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
