//! Contact-us consultations.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Db, Result, Tx};

#[derive(Debug, Clone)]
pub struct ConsultationRow {
    pub id: String,
    pub reference: String,
    pub topic: String,
    pub name: String,
    pub company: Option<String>,
    pub email: String,
    pub mobile: Option<String>,
    pub message: String,
    pub lang: String,
    pub status: String,
    pub reply: Option<String>,
    pub replied_by: Option<String>,
    pub replied_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, reference, topic, name, company, email, mobile, message, lang, status, reply, replied_by, replied_at, created_at";

fn from_row(r: &AnyRow) -> Result<ConsultationRow> {
    Ok(ConsultationRow {
        id: r.try_get("id")?,
        reference: r.try_get("reference")?,
        topic: r.try_get("topic")?,
        name: r.try_get("name")?,
        company: r.try_get("company")?,
        email: r.try_get("email")?,
        mobile: r.try_get("mobile")?,
        message: r.try_get("message")?,
        lang: r.try_get("lang")?,
        status: r.try_get("status")?,
        reply: r.try_get("reply")?,
        replied_by: r.try_get("replied_by")?,
        replied_at: r.try_get("replied_at")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(tx: &mut Tx, c: &ConsultationRow) -> Result<bool> {
    let res = sqlx::query(
        "INSERT INTO consultations (id, reference, topic, name, company, email, mobile, message, lang, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(&c.id)
    .bind(&c.reference)
    .bind(&c.topic)
    .bind(&c.name)
    .bind(&c.company)
    .bind(&c.email)
    .bind(&c.mobile)
    .bind(&c.message)
    .bind(&c.lang)
    .bind(&c.status)
    .bind(c.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(res.rows_affected() == 1)
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<ConsultationRow>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM consultations WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Oldest first, optionally by status, after `(created_at, id)`.
pub async fn list(
    db: &Db,
    status: Option<&str>,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<ConsultationRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM consultations WHERE 1 = 1");
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if status.is_some() {
        sql.push_str(&format!(" AND status = {}", next()));
    }
    if after.is_some() {
        let (a, b, c) = (next(), next(), next());
        sql.push_str(&format!(
            " AND (created_at > {a} OR (created_at = {b} AND id > {c}))"
        ));
    }
    sql.push_str(&format!(" ORDER BY created_at, id LIMIT {}", next()));
    let mut q = sqlx::query(&sql);
    if let Some(s) = status {
        q = q.bind(s);
    }
    if let Some((t, id)) = after {
        q = q.bind(t).bind(t).bind(id);
    }
    q = q.bind(limit);
    q.fetch_all(db.pool()).await?.iter().map(from_row).collect()
}

pub async fn reply(tx: &mut Tx, id: &str, reply: &str, by: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE consultations SET status = 'replied', reply = $2, replied_by = $3, replied_at = $4 WHERE id = $1")
        .bind(id)
        .bind(reply)
        .bind(by)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
