//! A blind write (one statement, no read first) and its audit event, committed together: on
//! SQLite in one round trip to the connection's thread while the writer slot is held; on
//! PostgreSQL as one statement (`one_statement.rs`).

use sqlx::{Arguments, Execute, Executor};

use super::{audit, events, Conn, Db, Dialect, Durability, Result, StoreError, Tx};
use crate::domain::audit::NewEvent;
use crate::domain::events::Event;

impl Db {
    /// A write that reads nothing first: one statement (an `INSERT`, `UPDATE` or `DELETE`
    /// without `RETURNING`, binding `$1`…`$n` through `bind`), its audit event and the event for
    /// systems outside (with its webhook deliveries), committed together, on behalf of
    /// `account_id` (whose row it locks on PostgreSQL, as `begin_for_account` does).
    ///
    /// On PostgreSQL all of it — the account's lock, the statement, the event chained to the
    /// audit head in SQL, the outside event — is one statement in one round trip, so the locks
    /// (the account's row, the audit head's) are held for the server's work only.
    ///
    /// On SQLite, when this process knows the audit chain's head from its last write, the whole
    /// transaction — `BEGIN IMMEDIATE`, the statement, the event, `COMMIT` — goes to the
    /// connection's thread as one batch: one round trip while the writer slot is held instead of
    /// five, which is what bounds the rate of all writes. If the batch fails it is rolled back;
    /// when the head had moved (another process appended: the event collides on `seq`), the
    /// write is done again the ordinary way.
    ///
    /// `held`: a connection the caller read on just before (the provider backend's gate), for
    /// PostgreSQL's statement to go out on, saving a checkout of the pool; SQLite's writer
    /// takes its own connection, and `held` goes back to the pool first.
    #[allow(clippy::too_many_arguments)]
    pub async fn write_with_event<F>(
        &self,
        held: Option<Conn>,
        durability: Durability,
        account_id: &str,
        sql: &str,
        bind: F,
        event: &NewEvent,
        outgoing: Option<&Event>,
    ) -> Result<i64>
    where
        F: for<'b> Fn(AnyQuery<'b>) -> AnyQuery<'b> + Send + 'static,
    {
        // The event's placeholders follow the statement's: `bind` must fill `$1`…`$n` exactly.
        let bound = bind(sqlx::query(""))
            .take_arguments()
            .map_err(|e| StoreError::Corrupt(format!("binding: {e}")))?
            .map_or(0, |a| a.len());
        let batchable = bound == placeholders_in(sql);
        if !batchable {
            tracing::warn!(
                bound,
                placeholders = placeholders_in(sql),
                "a blind write binds another number of values than it has placeholders; \
                 written the ordinary way"
            );
        }
        let Some(writer) = &self.writer else {
            if batchable && self.dialect == Dialect::Postgres {
                return self
                    .write_in_one_statement(
                        held, durability, account_id, sql, bind, bound, event, outgoing,
                    )
                    .await;
            }
            drop(held);
            let tx = self
                .lock_account(self.begin(durability).await?, account_id)
                .await?;
            return write_in(tx, sql, &bind, event, outgoing).await;
        };
        // The batch takes a connection of its own: one held while waiting for the writer slot
        // could be the last one the slot's holder waits for.
        drop(held);
        let mut slot = writer.clone().lock_owned().await;
        let mut bind = bind;
        if let Some((head_seq, head_hash)) = slot.audit_head.take_if(|_| batchable) {
            let (seq, at, hash) = audit::next(head_seq, &head_hash, event);
            let recorded = match outgoing {
                Some(_) => events::record_sql(self.dialect, bound + 8).join("; ") + ";",
                None => String::new(),
            };
            let batch = format!(
                "{}; {sql}; {}; {recorded} COMMIT",
                durability.sqlite_begin(),
                audit::insert_sql(bound)
            );
            let owned = event.clone();
            let outgoing_owned = outgoing.cloned();
            let event_id = uuid::Uuid::now_v7().to_string();
            let pool = self.pool.clone();
            // In a task of its own: a request that goes away mid-batch must not stop the batch
            // half-way (sqlx's worker stops when nobody listens) and leave a transaction open on
            // a pooled connection.
            let task = tokio::spawn(async move {
                let mut query = audit::bind_insert(
                    bind(sqlx::query(&batch)),
                    seq,
                    at,
                    &owned,
                    &head_hash,
                    &hash,
                );
                if let Some(e) = &outgoing_owned {
                    query = events::bind_record(query, &event_id, at, e);
                }
                let outcome = async {
                    let mut conn = pool.acquire().await?;
                    let done = query.execute(&mut *conn).await;
                    if done.is_err() {
                        // Whatever ran of the batch is undone before the connection goes back.
                        if let Err(e) = conn.execute("ROLLBACK").await {
                            // Not knowing whether a transaction is still open on it, the
                            // connection is closed rather than handed to the next writer.
                            tracing::debug!(error = %e, "rollback after a failed batch");
                            conn.close_on_drop();
                        }
                    }
                    done
                }
                .await;
                if outcome.is_ok() {
                    slot.audit_head = Some((seq, hash));
                }
                (outcome, slot, bind)
            });
            let (outcome, back, unused) = task
                .await
                .map_err(|e| StoreError::Corrupt(format!("write task: {e}")))?;
            match outcome {
                Ok(_) => {
                    // Committed: reads kept for a moment (`workflows::fresh`) load again, as
                    // after any other commit.
                    self.writes
                        .fetch_add(1, std::sync::atomic::Ordering::Release);
                    return Ok(seq);
                }
                Err(e) if audit::is_seq_collision(&e) => {
                    tracing::debug!("the audit head moved in another process; writing again");
                }
                Err(e) => return Err(e.into()),
            }
            (slot, bind) = (back, unused);
        }
        let tx = self.begin_in(Some(slot), durability).await?;
        write_in(tx, sql, &bind, event, outgoing).await
    }
}

/// The ordinary way of `Db::write_with_event`: statement by statement in `tx`.
async fn write_in<F>(
    mut tx: Tx,
    sql: &str,
    bind: &F,
    event: &NewEvent,
    outgoing: Option<&Event>,
) -> Result<i64>
where
    F: for<'b> Fn(AnyQuery<'b>) -> AnyQuery<'b>,
{
    bind(sqlx::query(sql)).execute(&mut *tx).await?;
    let seq = audit::append_event(&mut tx, event).await?;
    if let Some(e) = outgoing {
        events::record(&mut tx, e, crate::time_util::now_ms()).await?;
    }
    tx.commit().await?;
    Ok(seq)
}

/// A query as `write_with_event` binds it.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The highest `$n` placeholder in a statement (our SQL has no `$` in literals).
fn placeholders_in(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut highest = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if let Ok(n) = sql[i + 1..i + 1 + digits].parse::<usize>() {
                highest = highest.max(n);
            }
            i += digits;
        }
        i += 1;
    }
    highest
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_counted_by_their_highest_number() {
        assert_eq!(super::placeholders_in("SELECT 1"), 0);
        assert_eq!(super::placeholders_in("a = $1, b = $12, c = $3, d = $"), 12);
        assert_eq!(super::placeholders_in("$2 $1"), 2);
    }
}
