//! Leases on background jobs, so that one of several instances runs each.

use sqlx::{Any, Executor};

use super::Result;

/// Takes the lease on `name` for `holder` until `until` when nobody holds it (or it ran out)
/// and the job last ran before `due_before`; whether it was taken. One statement each way, so
/// two instances racing cannot both win.
pub async fn claim<'e, E: Executor<'e, Database = Any> + Copy>(
    ex: E,
    name: &str,
    holder: &str,
    now: i64,
    until: i64,
    due_before: i64,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO job_leases (name, holder, until_ms, last_run_ms) VALUES ($1, $2, $3, NULL) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .execute(ex)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(true);
    }
    let taken = sqlx::query(
        "UPDATE job_leases SET holder = $2, until_ms = $3 WHERE name = $1 AND until_ms < $4 \
         AND (last_run_ms IS NULL OR last_run_ms < $5)",
    )
    .bind(name)
    .bind(holder)
    .bind(until)
    .bind(now)
    .bind(due_before)
    .execute(ex)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Records that `holder` finished the job at `now` and gives the lease back.
pub async fn finish<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    name: &str,
    holder: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE job_leases SET until_ms = 0, last_run_ms = $3 WHERE name = $1 AND holder = $2",
    )
    .bind(name)
    .bind(holder)
    .bind(now)
    .execute(ex)
    .await?;
    Ok(())
}
