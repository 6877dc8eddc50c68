//! Provider agreement versions and the providers' acceptances of them.

use sqlx::any::AnyRow;
use sqlx::Row;

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: String,
    /// `YYYY-MM-DD`.
    pub effective_on: String,
    pub effective_from: i64,
    /// The summary in Chinese, or the only one published.
    pub summary: String,
    /// The summary in English, when published in both languages.
    pub summary_en: Option<String>,
    pub text_zh: String,
    pub text_en: String,
    pub published_at: i64,
}

const COLUMNS: &str =
    "version, effective_on, effective_from, summary, summary_en, text_zh, text_en, published_at";

fn version_row(r: &AnyRow) -> Result<VersionRow> {
    Ok(VersionRow {
        version: r.try_get("version")?,
        effective_on: r.try_get("effective_on")?,
        effective_from: r.try_get("effective_from")?,
        summary: r.try_get("summary")?,
        summary_en: r.try_get("summary_en")?,
        text_zh: r.try_get("text_zh")?,
        text_en: r.try_get("text_en")?,
        published_at: r.try_get("published_at")?,
    })
}

/// One version.
pub async fn get(db: &Db, version: &str) -> Result<Option<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM agreement_versions WHERE version = $1");
    let row = sqlx::query(&sql)
        .bind(version)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(version_row).transpose()
}

/// The version in force at `now`: the newest whose day has begun.
pub async fn in_force(db: &Db, now: i64) -> Result<Option<VersionRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM agreement_versions WHERE effective_from <= $1 \
         ORDER BY effective_from DESC, version DESC LIMIT 1"
    );
    let row = sqlx::query(&sql)
        .bind(now)
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(version_row).transpose()
}

/// Every version, newest first (texts included: there are few).
pub async fn all(db: &Db) -> Result<Vec<VersionRow>> {
    let sql = format!("SELECT {COLUMNS} FROM agreement_versions ORDER BY version DESC");
    let rows = sqlx::query(&sql).fetch_all(db.pool()).await?;
    rows.iter().map(version_row).collect()
}

/// The newest version published (by name), inside `tx`.
pub async fn latest(tx: &mut Tx) -> Result<Option<(String, String)>> {
    let row = sqlx::query(
        "SELECT version, effective_on FROM agreement_versions ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| Ok((r.try_get("version")?, r.try_get("effective_on")?)))
        .transpose()
}

/// A version as published; false when the version exists already.
pub async fn insert(tx: &mut Tx, v: &VersionRow, by: &str) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO agreement_versions (version, effective_on, effective_from, summary, text_zh, \
         text_en, published_by, published_at, summary_en) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (version) DO NOTHING",
    )
    .bind(&v.version)
    .bind(&v.effective_on)
    .bind(v.effective_from)
    .bind(&v.summary)
    .bind(&v.text_zh)
    .bind(&v.text_en)
    .bind(by)
    .bind(v.published_at)
    .bind(v.summary_en.clone())
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// One version as it stands for one account: `(version, effective_on, effective_from, summary,
/// accepted)`.
pub type StandingRow = (String, String, i64, String, bool);

fn standing_row(r: &AnyRow) -> Result<StandingRow> {
    let accepted: i64 = r.try_get("accepted")?;
    Ok((
        r.try_get("version")?,
        r.try_get("effective_on")?,
        r.try_get("effective_from")?,
        r.try_get("summary")?,
        accepted == 1,
    ))
}

/// The version in force at `now` and the newest one published to take effect later, each with
/// whether `account_id` accepted it. Reads through `conn`: one from the pool, or a transaction's.
pub async fn standing(
    conn: &mut sqlx::AnyConnection,
    account_id: &str,
    now: i64,
) -> Result<(Option<StandingRow>, Option<StandingRow>)> {
    const SELECT: &str = "SELECT v.version, v.effective_on, v.effective_from, v.summary, \
         CAST(CASE WHEN a.account_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS accepted \
         FROM agreement_versions v LEFT JOIN agreement_acceptances a \
         ON a.version = v.version AND a.account_id = $1 ";
    let in_force = sqlx::query(&format!(
        "{SELECT} WHERE v.effective_from <= $2 ORDER BY v.effective_from DESC, v.version DESC LIMIT 1"
    ))
    .bind(account_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    let upcoming = sqlx::query(&format!(
        "{SELECT} WHERE v.effective_from > $2 ORDER BY v.effective_from DESC, v.version DESC LIMIT 1"
    ))
    .bind(account_id)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok((
        in_force.as_ref().map(standing_row).transpose()?,
        upcoming.as_ref().map(standing_row).transpose()?,
    ))
}

/// Records that `account_id` accepted `version` at `now`; false when it had already.
pub async fn accept(tx: &mut Tx, account_id: &str, version: &str, now: i64) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO agreement_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, version) DO NOTHING",
    )
    .bind(account_id)
    .bind(version)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// When `account_id` accepted `version`, if it did.
pub async fn accepted_at(db: &Db, account_id: &str, version: &str) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT accepted_at FROM agreement_acceptances WHERE account_id = $1 AND version = $2",
    )
    .bind(account_id)
    .bind(version)
    .fetch_optional(db.pool())
    .await?;
    row.map(|r| Ok(r.try_get("accepted_at")?)).transpose()
}

/// The providers to tell about a new version: accounts whose move-in application is approved,
/// with their e-mail address and language, `(id, email, lang)`.
pub async fn providers_to_tell(tx: &mut Tx) -> Result<Vec<(String, String, String)>> {
    let rows = sqlx::query(
        "SELECT a.id, a.email, a.lang FROM accounts a JOIN partner_applications p \
         ON p.account_id = a.id WHERE p.status = 'approved' AND a.status = 'active' ORDER BY a.id",
    )
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("email")?, r.try_get("lang")?)))
        .collect()
}
