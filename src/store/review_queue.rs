//! The review queue's reads: pages of the queue under any filter, the oldest pending item of
//! each kind, and the pending counts. A page is read as one JSON value built by the database.

use serde::Deserialize;
use sqlx::Row;

use super::review::ReviewItemRow;
use super::{Db, Dialect, Result, StoreError};

/// The columns a queue listing needs: the submitted snapshot, its documents, the reasons and
/// the decision's details (often kilobytes per row, and every value is a copy) stay in the
/// database; `from_list_json` leaves them empty.
const LIST_COLUMNS: &str =
    "id, kind, account_id, company_name, status, version, submitted_at, appeal, claimed_by, \
    claimed_until, \
    (SELECT a.email FROM accounts a WHERE a.id = review_items.claimed_by) AS claimed_by_email";

/// A listing row as `list_json` writes it.
#[derive(Deserialize)]
struct ListRow {
    id: String,
    kind: String,
    account_id: String,
    company_name: String,
    status: String,
    version: i64,
    submitted_at: i64,
    appeal: i64,
    claimed_by: Option<String>,
    claimed_until: Option<i64>,
    claimed_by_email: Option<String>,
}

/// The rows of `inner` (a SELECT of `LIST_COLUMNS`, in queue order) as one JSON array built
/// by the database: one value crosses from the connection and serde reads it in one go, where
/// a row set costs a row and eleven copied values per item (about half of a list request).
/// The aggregate keeps no order of its own (SQL promises none; asking for one costs a second
/// sort): `from_list_json` puts the rows back in queue order.
fn list_json(dialect: Dialect, inner: &str) -> String {
    const FIELDS: [&str; 11] = [
        "id",
        "kind",
        "account_id",
        "company_name",
        "status",
        "version",
        "submitted_at",
        "appeal",
        "claimed_by",
        "claimed_until",
        "claimed_by_email",
    ];
    let object = FIELDS
        .iter()
        .map(|f| format!("'{f}', q.{f}"))
        .collect::<Vec<_>>()
        .join(", ");
    match dialect {
        Dialect::Sqlite => {
            format!("SELECT json_group_array(json_object({object})) FROM ({inner}) AS q")
        }
        Dialect::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_object({object}))::text, '[]') \
             FROM ({inner}) AS q"
        ),
    }
}

/// The rows of a `list_json` value, oldest first (`submitted_at`, then `id`).
fn from_list_json(json: &str) -> Result<Vec<ReviewItemRow>> {
    let mut rows: Vec<ListRow> = serde_json::from_str(json)
        .map_err(|e| StoreError::Corrupt(format!("a queue listing: {e}")))?;
    rows.sort_unstable_by(|a, b| (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)));
    Ok(rows
        .into_iter()
        .map(|r| ReviewItemRow {
            id: r.id,
            kind: r.kind,
            account_id: r.account_id,
            company_name: r.company_name,
            subject_ref: String::new(),
            status: r.status,
            version: r.version,
            snapshot: String::new(),
            documents: "[]".into(),
            reasons: None,
            submitted_at: r.submitted_at,
            decided_at: None,
            decided_by: None,
            appeal: r.appeal != 0,
            claimed_by: r.claimed_by,
            claimed_until: r.claimed_until,
            claimed_by_email: r.claimed_by_email,
        })
        .collect())
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
    let dialect = db.dialect();
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
    let sql = list_json(dialect, &sql);
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
    let json: String = q.fetch_one(db.pool()).await?.try_get(0)?;
    from_list_json(&json)
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
    let sql = list_json(db.dialect(), &sql);
    let mut q = sqlx::query(&sql);
    for k in kinds {
        q = q.bind(*k);
    }
    let json: String = q.fetch_one(db.pool()).await?.try_get(0)?;
    from_list_json(&json)
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
