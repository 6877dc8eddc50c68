//! Audit events: append under the head row's lock, read in order. The vocabulary (the event,
//! its hash, the chain's check) is `domain::audit`.

use sqlx::Row;

use super::{AnyQuery, Db, Dialect, Result, Tx};
use crate::domain::audit::{AuditEvent, NewEvent};
use crate::time_util::now_ms;

/// The seq, time and hash of the event that follows the head `(seq, hash)`.
pub(super) fn next(head_seq: i64, head_hash: &str, e: &NewEvent) -> (i64, i64, String) {
    let seq = head_seq + 1;
    let at = now_ms();
    let hash = e.hash_after(head_hash, seq, at);
    (seq, at, hash)
}

/// The insert of one event, its placeholders numbered from `after + 1`.
pub(super) fn insert_sql(after: usize) -> String {
    let p: Vec<String> = (after + 1..=after + 8).map(|n| format!("${n}")).collect();
    format!(
        "INSERT INTO audit_events (seq, at, actor, action, subject, detail, prev_hash, hash) \
         VALUES ({})",
        p.join(", ")
    )
}

pub(super) fn bind_insert<'q>(
    q: AnyQuery<'q>,
    seq: i64,
    at: i64,
    e: &NewEvent,
    prev_hash: &str,
    hash: &str,
) -> AnyQuery<'q> {
    q.bind(seq)
        .bind(at)
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.subject.clone())
        .bind(e.detail.clone())
        .bind(prev_hash.to_string())
        .bind(hash.to_string())
}

/// PostgreSQL only: the common table expressions that append one event in the statement of
/// `Db::write_with_event`, its placeholders numbered from `after + 1` (`at`, actor, action,
/// subject, detail, and the hex of `NewEvent::hashed_tail`). `head` locks the chain's head
/// (`FOR UPDATE`, which serialises appends as `read_head` does) and `appended` inserts the next
/// event, hashed in SQL — `sha256` over the head's hash and the new seq, each length-prefixed
/// as `domain::audit::event_hash` does, then the tail — and returns its `seq`. The trigger moves
/// the head.
pub(super) fn append_cte(after: usize) -> String {
    let p = |n: usize| format!("${}", after + n);
    let (at, actor, action, subject, detail, tail) = (p(1), p(2), p(3), p(4), p(5), p(6));
    let field =
        |text: &str| format!("int8send(octet_length({text})::int8) || convert_to({text}, 'UTF8')");
    format!(
        "head AS MATERIALIZED (SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE), \
         appended AS (INSERT INTO audit_events (seq, at, actor, action, subject, detail, prev_hash, hash) \
         SELECT seq + 1, {at}, {actor}, {action}, {subject}, {detail}, hash, \
         encode(sha256({} || {} || decode({tail}, 'hex')), 'hex') FROM head RETURNING seq)",
        field("hash"),
        field("(seq + 1)::text"),
    )
}

/// The values of `append_cte`, in its order.
pub(super) fn bind_append<'q>(q: AnyQuery<'q>, at: i64, e: &NewEvent) -> AnyQuery<'q> {
    q.bind(at)
        .bind(e.actor.clone())
        .bind(e.action.clone())
        .bind(e.subject.clone())
        .bind(e.detail.clone())
        .bind(hex::encode(e.hashed_tail(at)))
}

/// The event could not take the next `seq`: someone else appended since the head was read.
pub(super) fn is_seq_collision(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                && (db.message().contains("audit_events")
                    || db.constraint() == Some("audit_events_pkey"))
        }
        _ => false,
    }
}

/// Reads the head (locking it on PostgreSQL, which serialises appends; SQLite's writer lock
/// already does) unless the transaction knows it, and writes the event; a trigger moves the head.
/// On SQLite the head known from this process's last write may be stale (another process
/// appended): the insert then collides on `seq`, which fails that statement only, and the head
/// is read after all.
pub async fn append(tx: &mut Tx, event: NewEvent) -> Result<i64> {
    append_event(tx, &event).await
}

pub(super) async fn append_event(tx: &mut Tx, event: &NewEvent) -> Result<i64> {
    let known = tx.audit_head.take();
    let trusted = known.is_some();
    let (head_seq, head_hash) = match known {
        Some(head) => head,
        None => read_head(tx).await?,
    };
    let (seq, at, hash) = next(head_seq, &head_hash, event);
    let insert = insert_sql(0);
    let outcome = bind_insert(sqlx::query(&insert), seq, at, event, &head_hash, &hash)
        .execute(&mut **tx)
        .await;
    let (seq, hash) = match outcome {
        Ok(_) => (seq, hash),
        Err(e) if trusted && tx.dialect() == Dialect::Sqlite && is_seq_collision(&e) => {
            let (head_seq, head_hash) = read_head(tx).await?;
            let (seq, at, hash) = next(head_seq, &head_hash, event);
            bind_insert(sqlx::query(&insert), seq, at, event, &head_hash, &hash)
                .execute(&mut **tx)
                .await?;
            (seq, hash)
        }
        Err(e) => return Err(e.into()),
    };
    tx.audit_head = Some((seq, hash));
    Ok(seq)
}

async fn read_head(tx: &mut Tx) -> Result<(i64, String)> {
    let lock = match tx.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let head = sqlx::query(&format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{lock}"
    ))
    .fetch_one(&mut **tx)
    .await?;
    Ok((head.try_get("seq")?, head.try_get("hash")?))
}

/// Which events a search of the log takes.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Events about this account, or about its review items and products.
    pub about_account: Option<String>,
    /// Events about exactly this subject.
    pub subject: Option<String>,
    /// `at` from (inclusive) and until (exclusive), unix ms.
    pub from: Option<i64>,
    pub until: Option<i64>,
}

/// Where a page of a search starts, and which way it runs.
#[derive(Debug, Clone, Copy)]
pub enum Page {
    /// Newest first, events with `seq < before` (all when `None`).
    NewestBefore(Option<i64>),
    /// Oldest first, events with `seq > after`.
    OldestAfter(i64),
}

/// The events a search takes, a page at a time.
pub async fn search(db: &Db, s: &Search, page: Page, limit: i64) -> Result<Vec<AuditEvent>> {
    let mut sql = String::from(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_events WHERE 1 = 1",
    );
    let mut binds: Vec<Bind> = Vec::new();
    fn param(v: Bind, binds: &mut Vec<Bind>) -> String {
        binds.push(v);
        format!("${}", binds.len())
    }
    if let Some(a) = &s.actor {
        let p = param(Bind::Text(a.clone()), &mut binds);
        sql.push_str(&format!(" AND actor = {p}"));
    }
    if let Some(a) = &s.action {
        let p = param(Bind::Text(a.clone()), &mut binds);
        sql.push_str(&format!(" AND action = {p}"));
    }
    if let Some(acc) = &s.about_account {
        let (a, b, c) = (
            param(Bind::Text(acc.clone()), &mut binds),
            param(Bind::Text(acc.clone()), &mut binds),
            param(Bind::Text(acc.clone()), &mut binds),
        );
        sql.push_str(&format!(
            " AND (subject = {a} OR subject IN (SELECT id FROM review_items WHERE account_id = {b}) \
             OR subject IN (SELECT id FROM products WHERE account_id = {c}))"
        ));
    }
    if let Some(subject) = &s.subject {
        let p = param(Bind::Text(subject.clone()), &mut binds);
        sql.push_str(&format!(" AND subject = {p}"));
    }
    if let Some(t) = s.from {
        let p = param(Bind::Int(t), &mut binds);
        sql.push_str(&format!(" AND at >= {p}"));
    }
    if let Some(t) = s.until {
        let p = param(Bind::Int(t), &mut binds);
        sql.push_str(&format!(" AND at < {p}"));
    }
    match page {
        Page::NewestBefore(before) => {
            if let Some(b) = before {
                let p = param(Bind::Int(b), &mut binds);
                sql.push_str(&format!(" AND seq < {p}"));
            }
            sql.push_str(" ORDER BY seq DESC");
        }
        Page::OldestAfter(after) => {
            let p = param(Bind::Int(after), &mut binds);
            sql.push_str(&format!(" AND seq > {p} ORDER BY seq"));
        }
    }
    let p = param(Bind::Int(limit), &mut binds);
    sql.push_str(&format!(" LIMIT {p}"));
    let mut q = sqlx::query(&sql);
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(i) => q.bind(i),
        };
    }
    q.fetch_all(db.pool()).await?.iter().map(event_of).collect()
}

enum Bind {
    Text(String),
    Int(i64),
}

fn event_of(r: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: r.try_get("seq")?,
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        detail: r.try_get("detail")?,
        prev_hash: r.try_get("prev_hash")?,
        hash: r.try_get("hash")?,
    })
}

/// Events with `seq > after`, oldest first.
pub async fn list(db: &Db, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    let rows = sqlx::query(
        "SELECT seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_events \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(event_of).collect()
}

pub async fn head(db: &Db) -> Result<(i64, String)> {
    let r = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    Ok((r.try_get("seq")?, r.try_get("hash")?))
}
