//! The PostgreSQL blind write as one statement: the account's row lock, the statement, the
//! audit event (chained in SQL) and the event for systems outside with its deliveries, sent in
//! one round trip and committed on their own. Row locks are then held for the server's work
//! alone, not across the eight round trips of the transaction done statement by statement.

use sqlx::Row;

use super::{audit, events, AnyQuery, Conn, Db, Durability, Result};
use crate::domain::audit::NewEvent;
use crate::domain::events::Event;

/// The statement: `sql` (with `bound` placeholders) and the rest as common table expressions,
/// the account's id at `$bound+1`, the audit event's values next, then the outside event's.
///
/// Sub-statements of one statement run in an order PostgreSQL does not promise, so the lock
/// order every transaction keeps (account, then its rows, then the audit head, then the event
/// head) is made explicit: the final `SELECT` reads each step in turn, and a scalar subquery is
/// run when its value is first needed, left to right. Nothing of it is seen by another
/// transaction until the whole statement commits.
pub(super) fn sql(sql: &str, bound: usize, durability: Durability, outside: bool) -> String {
    let account = format!("${}", bound + 1);
    let mut ctes = vec![
        format!("locked AS MATERIALIZED (SELECT id FROM accounts WHERE id = {account} FOR UPDATE)"),
        format!("written AS ({sql} RETURNING 1)"),
        audit::append_cte(bound + 1),
    ];
    // A relaxed write does not wait for the WAL flush: `SET LOCAL` for this statement's own
    // transaction, read when it commits (see `Durability::postgres_begin`).
    let mut steps = match durability {
        Durability::Relaxed => vec!["set_config('synchronous_commit', 'off', true) AS relaxed"],
        Durability::Full => vec![],
    };
    steps.extend([
        "(SELECT count(*) FROM locked) AS locked",
        "(SELECT count(*) FROM written) AS written",
        "(SELECT seq FROM appended) AS seq",
    ]);
    if outside {
        ctes.push(events::record_cte(bound + 7));
        steps.extend([
            "(SELECT count(*) FROM recorded) AS recorded",
            "(SELECT count(*) FROM queued) AS queued",
        ]);
    }
    format!("WITH {} SELECT {}", ctes.join(", "), steps.join(", "))
}

impl Db {
    /// `Db::write_with_event` on PostgreSQL, for a statement that binds exactly its
    /// placeholders, on `held` when given; the event's seq.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn write_in_one_statement(
        &self,
        held: Option<Conn>,
        durability: Durability,
        account_id: &str,
        statement: &str,
        bind: impl for<'b> Fn(AnyQuery<'b>) -> AnyQuery<'b>,
        bound: usize,
        event: &NewEvent,
        outgoing: Option<&Event>,
    ) -> Result<i64> {
        let whole = sql(statement, bound, durability, outgoing.is_some());
        let at = crate::time_util::now_ms();
        let mut query = audit::bind_append(bind(sqlx::query(&whole)).bind(account_id), at, event);
        if let Some(e) = outgoing {
            query = events::bind_record(query, &uuid::Uuid::now_v7().to_string(), at, e);
        }
        let row = match held {
            Some(mut conn) => query.fetch_one(&mut *conn).await?,
            None => query.fetch_one(&self.pool).await?,
        };
        self.writes
            .fetch_add(1, std::sync::atomic::Ordering::Release);
        Ok(row.try_get("seq")?)
    }
}
