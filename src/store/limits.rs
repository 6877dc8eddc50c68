//! Security limits shared by every instance: one row per key (a keyed hash of the limit's name
//! and what it counts), holding the key's GCRA state (`domain::limits`). The step is done by the
//! database in one statement, so two instances counting the same key cannot race.

use sqlx::{Any, AnyConnection, Executor, Row};

use super::Result;
use crate::domain::limits::{Admission, Rate};

/// Takes one event for `key` when it fits (the step of `Rate::admit`, done in place): the new
/// state, or `Refused` with the wait. A key that is full stays as it is.
pub async fn admit(conn: &mut AnyConnection, key: &str, rate: Rate, now: i64) -> Result<Admission> {
    let interval = rate.interval();
    // max(tat, now) + interval, allowed while it is no further ahead of now than the window.
    let row = sqlx::query(
        "INSERT INTO rate_limits (key, tat) VALUES ($1, $2 + $3) \
         ON CONFLICT (key) DO UPDATE SET \
           tat = (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 \
         WHERE (CASE WHEN rate_limits.tat > $2 THEN rate_limits.tat ELSE $2 END) + $3 - $2 <= $4 \
         RETURNING tat",
    )
    .bind(key)
    .bind(now)
    .bind(interval)
    .bind(rate.window_ms)
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) => {
            let tat: i64 = r.try_get("tat")?;
            Ok(Admission::Allowed {
                tat,
                left: rate.left(Some(tat), now),
            })
        }
        None => {
            let tat = state(&mut *conn, key).await?;
            Ok(Admission::Refused {
                retry_after_ms: rate.wait(tat, now).max(1),
            })
        }
    }
}

/// The stored state of `key` (None: never seen, or forgotten).
pub async fn state<'e, E: Executor<'e, Database = Any>>(ex: E, key: &str) -> Result<Option<i64>> {
    let row = sqlx::query("SELECT tat FROM rate_limits WHERE key = $1")
        .bind(key)
        .fetch_optional(ex)
        .await?;
    Ok(row.map(|r| r.try_get("tat")).transpose()?)
}

/// The states of several keys in one query, in the order asked (None where never seen).
pub async fn states<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    keys: &[&str],
) -> Result<Vec<Option<i64>>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT key, tat FROM rate_limits WHERE key IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for k in keys {
        query = query.bind(*k);
    }
    let rows = query.fetch_all(ex).await?;
    let mut found = std::collections::HashMap::new();
    for r in rows {
        let k: String = r.try_get("key")?;
        let tat: i64 = r.try_get("tat")?;
        found.insert(k, tat);
    }
    Ok(keys.iter().map(|k| found.get(*k).copied()).collect())
}

/// Gives back one event of `key` (a guess that was right does not count).
pub async fn give_back(conn: &mut AnyConnection, key: &str, rate: Rate) -> Result<()> {
    sqlx::query("UPDATE rate_limits SET tat = tat - $2 WHERE key = $1")
        .bind(key)
        .bind(rate.interval())
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets `key` (a success ends the count of failures).
pub async fn forget(conn: &mut AnyConnection, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM rate_limits WHERE key = $1")
        .bind(key)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops keys whose state has passed: they read exactly like keys never seen.
pub async fn purge_passed<'e, E: Executor<'e, Database = Any>>(ex: E, now: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM rate_limits WHERE tat < $1")
        .bind(now)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}

/// Remembers that `account_id` signed in from the client behind `client_key`.
pub async fn remember_client(
    conn: &mut AnyConnection,
    account_id: &str,
    client_key: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO known_clients (account_id, client_key, last_seen) VALUES ($1, $2, $3) \
         ON CONFLICT (account_id, client_key) DO UPDATE SET last_seen = $3",
    )
    .bind(account_id)
    .bind(client_key)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `account_id` signed in from that client since `since`.
pub async fn is_known_client<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
    client_key: &str,
    since: i64,
) -> Result<bool> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM known_clients WHERE account_id = $1 AND client_key = $2 \
         AND last_seen >= $3",
    )
    .bind(account_id)
    .bind(client_key)
    .bind(since)
    .fetch_optional(ex)
    .await?;
    Ok(row.is_some())
}

pub async fn purge_clients_before<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    before: i64,
) -> Result<u64> {
    let done = sqlx::query("DELETE FROM known_clients WHERE last_seen < $1")
        .bind(before)
        .execute(ex)
        .await?;
    Ok(done.rows_affected())
}
