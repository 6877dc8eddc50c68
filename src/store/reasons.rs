//! The reason library (`review_reasons`) and the decisions ledger the report reads
//! (`review_decisions`).

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Result, Tx};
use crate::domain::reason_library::LibraryReason;
use crate::domain::reasons::ReasonText;

fn from_row(r: &AnyRow) -> Result<LibraryReason> {
    let retired: Option<i64> = r.try_get("retired_at")?;
    Ok(LibraryReason {
        code: r.try_get("code")?,
        kind: r.try_get("kind")?,
        field: r.try_get("field")?,
        text: ReasonText {
            zh_cn: r.try_get("text_zh")?,
            en: r.try_get("text_en")?,
        },
        retired: retired.is_some(),
    })
}

const COLUMNS: &str = "code, kind, field, text_zh, text_en, retired_at";

/// The library by kind and code; retired reasons only when `include_retired`; one kind only when
/// `kind` is given.
pub async fn list<'e, E: Executor<'e, Database = Any>>(
    db: E,
    kind: Option<&str>,
    include_retired: bool,
) -> Result<Vec<LibraryReason>> {
    let retired = if include_retired {
        ""
    } else {
        " AND retired_at IS NULL"
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM review_reasons WHERE ($1 = '' OR kind = $1){retired} ORDER BY kind, code"
    ))
    .bind(kind.unwrap_or(""))
    .fetch_all(db)
    .await?;
    rows.iter().map(from_row).collect()
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    db: E,
    code: &str,
) -> Result<Option<LibraryReason>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM review_reasons WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Adds a reason; false when the code exists (retired or not).
pub async fn insert(tx: &mut Tx, r: &LibraryReason, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO review_reasons (code, kind, field, text_zh, text_en, retired_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, NULL, $6, $6) ON CONFLICT (code) DO NOTHING",
    )
    .bind(&r.code)
    .bind(&r.kind)
    .bind(r.field.as_deref())
    .bind(&r.text.zh_cn)
    .bind(&r.text.en)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Saves a changed reason (field, texts, retired); the kind never changes.
pub async fn update(tx: &mut Tx, r: &LibraryReason, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "UPDATE review_reasons SET field = $2, text_zh = $3, text_en = $4, \
         retired_at = CASE WHEN $5 = 0 THEN NULL ELSE COALESCE(retired_at, $6) END, updated_at = $6 \
         WHERE code = $1",
    )
    .bind(&r.code)
    .bind(r.field.as_deref())
    .bind(&r.text.zh_cn)
    .bind(&r.text.en)
    .bind(i64::from(r.retired))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// One decision as the report counts it.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub kind: String,
    pub decision: String,
    pub reasons: Option<String>,
    pub started_at: i64,
    pub decided_at: i64,
    pub appeal: bool,
}

#[allow(clippy::too_many_arguments)]
pub async fn record_decision(
    tx: &mut Tx,
    item_id: &str,
    kind: &str,
    decision: &str,
    reasons: Option<&str>,
    started_at: i64,
    decided_at: i64,
    decided_by: &str,
    appeal: bool,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO review_decisions (id, item_id, kind, decision, reasons, started_at, decided_at, decided_by, appeal) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(item_id)
    .bind(kind)
    .bind(decision)
    .bind(reasons)
    .bind(started_at)
    .bind(decided_at)
    .bind(decided_by)
    .bind(i64::from(appeal))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The decisions made in `[from, to)` (unix ms), oldest first.
pub async fn decisions_between<'e, E: Executor<'e, Database = Any>>(
    db: E,
    from: i64,
    to: i64,
) -> Result<Vec<DecisionRow>> {
    let rows = sqlx::query(
        "SELECT kind, decision, reasons, started_at, decided_at, appeal FROM review_decisions \
         WHERE decided_at >= $1 AND decided_at < $2 ORDER BY decided_at, id",
    )
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await?;
    rows.iter()
        .map(|r| {
            let appeal: i64 = r.try_get("appeal")?;
            Ok(DecisionRow {
                kind: r.try_get("kind")?,
                decision: r.try_get("decision")?,
                reasons: r.try_get("reasons")?,
                started_at: r.try_get("started_at")?,
                decided_at: r.try_get("decided_at")?,
                appeal: appeal != 0,
            })
        })
        .collect()
}
