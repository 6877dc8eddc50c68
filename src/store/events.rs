//! Events: recorded in the transaction of the change they report, with one delivery row per
//! enabled webhook endpoint that takes them (so that a crash between the change and the
//! delivery loses nothing); read as a cursor feed; deleted after the retention period.
//!
//! `seq` is taken from the single row of `event_head`, moved in the same transaction: SQLite has
//! one writer at a time, and on PostgreSQL the row's lock is held until commit, so seq order is
//! commit order and a reader of the feed never sees seq 7 before seq 6 commits. Lock order on
//! PostgreSQL: the audit head, then the event head (the audit append takes the former too).

use sqlx::{Any, Executor, Row};

use super::{AnyQuery, Db, Dialect, Result, Tx};
use crate::domain::events::Event;

/// An event as stored.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: String,
    pub seq: i64,
    pub kind: String,
    pub at: i64,
    pub provider_id: Option<String>,
    pub data: String,
}

/// The statements that record one event, its placeholders numbered from `after + 1`
/// (`$a` id, `$b` type, `$c` at, `$d` provider, `$e` account, `$f` data, `$g` the LIKE pattern
/// of the type): move the head, insert the event under the new seq, and queue a delivery to
/// every enabled endpoint that takes it.
pub(super) fn record_sql(dialect: Dialect, after: usize) -> [String; 3] {
    let p = |n: usize| format!("${}", after + n);
    let (a, b, c, d, e, f, g) = (p(1), p(2), p(3), p(4), p(5), p(6), p(7));
    let delivery_id = match dialect {
        Dialect::Sqlite => "lower(hex(randomblob(16)))",
        Dialect::Postgres => "replace(gen_random_uuid()::text, '-', '')",
    };
    [
        "UPDATE event_head SET seq = seq + 1 WHERE id = 1".to_string(),
        format!(
            "INSERT INTO events (id, seq, type, at, provider_id, account_id, data) \
             SELECT {a}, seq, {b}, {c}, {d}, {e}, {f} FROM event_head WHERE id = 1"
        ),
        format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, seq, lane, status, \
             next_attempt_at, first_pending_at, created_at) \
             SELECT {delivery_id}, w.id, {a}, {b}, h.seq, COALESCE({d}, ''), 'pending', {c}, {c}, {c} \
             FROM webhook_endpoints w, event_head h \
             WHERE h.id = 1 AND w.enabled = 1 AND (w.provider_id IS NULL OR w.provider_id = {d}) \
             AND (w.event_types LIKE '%,*,%' OR w.event_types LIKE {g} ESCAPE '!')"
        ),
    ]
}

/// PostgreSQL only: `record_sql` as common table expressions for the statement of
/// `Db::write_with_event`, the same placeholders: `event_seq` moves the head, `recorded` inserts
/// the event and `queued` its deliveries, each returning a row per row written. Sub-statements
/// of one statement do not see one another's changes, so both inserts take the new seq from
/// `event_seq`'s `RETURNING`.
pub(super) fn record_cte(after: usize) -> String {
    let p = |n: usize| format!("${}", after + n);
    let (a, b, c, d, e, f, g) = (p(1), p(2), p(3), p(4), p(5), p(6), p(7));
    format!(
        "event_seq AS (UPDATE event_head SET seq = seq + 1 WHERE id = 1 RETURNING seq), \
         recorded AS (INSERT INTO events (id, seq, type, at, provider_id, account_id, data) \
         SELECT {a}, seq, {b}, {c}, {d}, {e}, {f} FROM event_seq RETURNING 1), \
         queued AS (INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, seq, lane, \
         status, next_attempt_at, first_pending_at, created_at) \
         SELECT replace(gen_random_uuid()::text, '-', ''), w.id, {a}, {b}, h.seq, COALESCE({d}, ''), \
         'pending', {c}, {c}, {c} FROM webhook_endpoints w, event_seq h \
         WHERE w.enabled = 1 AND (w.provider_id IS NULL OR w.provider_id = {d}) \
         AND (w.event_types LIKE '%,*,%' OR w.event_types LIKE {g} ESCAPE '!') RETURNING 1)"
    )
}

/// The values of `record_sql`, in its order.
pub(super) fn bind_record<'q>(q: AnyQuery<'q>, id: &str, at: i64, e: &Event) -> AnyQuery<'q> {
    let kind = e.kind.as_str();
    // `_` matches any character in LIKE: escaped, so that a type matches only itself.
    let pattern = format!("%,{},%", kind.replace('!', "!!").replace('_', "!_"));
    q.bind(id.to_string())
        .bind(kind)
        .bind(at)
        .bind(e.provider_id.clone())
        .bind(e.account_id.clone())
        .bind(e.data.to_string())
        .bind(pattern)
}

/// Records `event` in `tx` at `at` (unix ms); its id.
pub async fn record(tx: &mut Tx, event: &Event, at: i64) -> Result<String> {
    let id = uuid::Uuid::now_v7().to_string();
    if tx.dialect() == Dialect::Postgres {
        sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_optional(&mut **tx)
            .await?;
    }
    let [head, insert, deliveries] = record_sql(tx.dialect(), 0);
    sqlx::query(&head).execute(&mut **tx).await?;
    bind_record(sqlx::query(&insert), &id, at, event)
        .execute(&mut **tx)
        .await?;
    bind_record(sqlx::query(&deliveries), &id, at, event)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

/// The `event_once` key of an account's `provider.moved_in`: the move-in is recorded once, and
/// the provider-backend gate reads whether it has been (`move_in::access`).
pub fn moved_in_key(account_id: &str) -> String {
    format!("moved_in:{account_id}")
}

/// Records `event` only the first time `once_key` is seen (`provider.moved_in`); whether it did.
pub async fn record_once(tx: &mut Tx, once_key: &str, event: &Event, at: i64) -> Result<bool> {
    let first = sqlx::query(
        "INSERT INTO event_once (key, at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
    )
    .bind(once_key)
    .bind(at)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if first {
        record(tx, event, at).await?;
    }
    Ok(first)
}

/// Records a `webhook.test` event for one endpoint only (kept out of the feed), with its
/// delivery in a lane of its own, so that it is not held up behind the endpoint's backlog; the
/// event's id and the delivery's.
pub async fn record_test(
    tx: &mut Tx,
    endpoint_id: &str,
    provider_id: Option<&str>,
    data: &serde_json::Value,
    at: i64,
) -> Result<(String, String)> {
    let id = uuid::Uuid::now_v7().to_string();
    let delivery_id = uuid::Uuid::now_v7().simple().to_string();
    if tx.dialect() == Dialect::Postgres {
        sqlx::query("SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_optional(&mut **tx)
            .await?;
    }
    let seq: i64 = sqlx::query("UPDATE event_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
        .fetch_one(&mut **tx)
        .await?
        .try_get("seq")?;
    sqlx::query(
        "INSERT INTO events (id, seq, type, at, provider_id, account_id, data) \
         VALUES ($1, $2, 'webhook.test', $3, $4, NULL, $5)",
    )
    .bind(&id)
    .bind(seq)
    .bind(at)
    .bind(provider_id.map(str::to_string))
    .bind(data.to_string())
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, seq, lane, status, \
         next_attempt_at, first_pending_at, created_at) \
         VALUES ($1, $2, $3, 'webhook.test', $4, $5, 'pending', $6, $6, $6)",
    )
    .bind(&delivery_id)
    .bind(endpoint_id)
    .bind(&id)
    .bind(seq)
    .bind(format!("test:{id}"))
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok((id, delivery_id))
}

/// Which events a page of the feed takes.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only this provider's events (a provider's own feed).
    pub provider_id: Option<String>,
    /// Only these types (all when empty).
    pub types: Vec<String>,
}

fn event_of(r: &sqlx::any::AnyRow) -> Result<EventRow> {
    Ok(EventRow {
        id: r.try_get("id")?,
        seq: r.try_get("seq")?,
        kind: r.try_get("type")?,
        at: r.try_get("at")?,
        provider_id: r.try_get("provider_id")?,
        data: r.try_get("data")?,
    })
}

/// Events with `seq > after` that the filter takes, oldest first; at most `limit`.
pub async fn feed(db: &Db, filter: &FeedFilter, after: i64, limit: i64) -> Result<Vec<EventRow>> {
    let mut sql = String::from(
        "SELECT id, seq, type, at, provider_id, data FROM events WHERE seq > $1 AND type <> 'webhook.test'",
    );
    let mut n = 1;
    if filter.provider_id.is_some() {
        n += 1;
        sql.push_str(&format!(" AND provider_id = ${n}"));
    }
    if !filter.types.is_empty() {
        let list: Vec<String> = filter
            .types
            .iter()
            .map(|_| {
                n += 1;
                format!("${n}")
            })
            .collect();
        sql.push_str(&format!(" AND type IN ({})", list.join(", ")));
    }
    n += 1;
    sql.push_str(&format!(" ORDER BY seq LIMIT ${n}"));
    let mut q = sqlx::query(&sql).bind(after);
    if let Some(p) = &filter.provider_id {
        q = q.bind(p.clone());
    }
    for t in &filter.types {
        q = q.bind(t.clone());
    }
    q = q.bind(limit);
    q.fetch_all(db.pool()).await?.iter().map(event_of).collect()
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(ex: E, id: &str) -> Result<Option<EventRow>> {
    let row = sqlx::query("SELECT id, seq, type, at, provider_id, data FROM events WHERE id = $1")
        .bind(id)
        .fetch_optional(ex)
        .await?;
    row.as_ref().map(event_of).transpose()
}

/// Deletes events recorded before `before` whose deliveries are all settled, and the settled
/// deliveries of that age; how many events went.
pub async fn delete_older_than(db: &Db, before: i64) -> Result<u64> {
    let events = sqlx::query(
        "DELETE FROM events WHERE at < $1 AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d \
         WHERE d.event_id = events.id AND d.status = 'pending')",
    )
    .bind(before)
    .execute(db.pool())
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM webhook_deliveries WHERE created_at < $1 AND status <> 'pending'")
        .bind(before)
        .execute(db.pool())
        .await?;
    sqlx::query("DELETE FROM webhook_attempts WHERE at < $1")
        .bind(before)
        .execute(db.pool())
        .await?;
    Ok(events)
}
