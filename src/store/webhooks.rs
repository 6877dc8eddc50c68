//! Webhook endpoints and their deliveries. A delivery is claimed with a lease by one conditional
//! update (safe with several instances), and only when it heads its lane: no earlier delivery of
//! the same endpoint and provider is still pending, which keeps each provider's events in order.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{lease, Db, Result, Tx};

/// An endpoint as stored; `event_types` already unwrapped from its `,a,b,` form.
#[derive(Debug, Clone)]
pub struct EndpointRow {
    pub id: String,
    /// `None`: an operator's endpoint (every event); else the provider's own.
    pub provider_id: Option<String>,
    pub created_by: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub secret_enc: String,
    pub previous_secret_enc: Option<String>,
    pub previous_until: Option<i64>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The stored form of a list of event types: wrapped in commas, so that LIKE finds one.
pub fn types_stored(types: &[String]) -> String {
    format!(",{},", types.join(","))
}

fn types_of(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

const ENDPOINT_COLUMNS: &str = "id, provider_id, created_by, url, event_types, secret_enc, \
    previous_secret_enc, previous_until, enabled, disabled_reason, failing_since, created_at, updated_at";

fn endpoint_of(r: &AnyRow) -> Result<EndpointRow> {
    let enabled: i64 = r.try_get("enabled")?;
    let types: String = r.try_get("event_types")?;
    Ok(EndpointRow {
        id: r.try_get("id")?,
        provider_id: r.try_get("provider_id")?,
        created_by: r.try_get("created_by")?,
        url: r.try_get("url")?,
        event_types: types_of(&types),
        secret_enc: r.try_get("secret_enc")?,
        previous_secret_enc: r.try_get("previous_secret_enc")?,
        previous_until: r.try_get("previous_until")?,
        enabled: enabled == 1,
        disabled_reason: r.try_get("disabled_reason")?,
        failing_since: r.try_get("failing_since")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert(tx: &mut Tx, e: &EndpointRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, provider_id, created_by, url, event_types, secret_enc, \
         enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)",
    )
    .bind(&e.id)
    .bind(e.provider_id.clone())
    .bind(&e.created_by)
    .bind(&e.url)
    .bind(types_stored(&e.event_types))
    .bind(&e.secret_enc)
    .bind(e.created_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The endpoints of one owner: the provider bound at `$n`, or the operators' (bound as `''`).
fn owner_clause(n: usize) -> String {
    format!("COALESCE(provider_id, '') = ${n}")
}

/// The endpoint `id` if `owner` owns it (`None`: the operators').
pub async fn get_owned<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
    owner: Option<&str>,
) -> Result<Option<EndpointRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND {}",
        owner_clause(2)
    ))
    .bind(id)
    .bind(owner.unwrap_or_default().to_string())
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(endpoint_of).transpose()
}

pub async fn get<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    id: &str,
) -> Result<Option<EndpointRow>> {
    let row = sqlx::query(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(endpoint_of).transpose()
}

/// The owner's endpoints with ids after `after`, oldest first.
pub async fn list_owned(
    db: &Db,
    owner: Option<&str>,
    after: &str,
    limit: i64,
) -> Result<Vec<EndpointRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE {} AND id > $2 \
         ORDER BY id LIMIT $3",
        owner_clause(1)
    ))
    .bind(owner.unwrap_or_default().to_string())
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(endpoint_of).collect()
}

/// Saves what can change of an endpoint: address, types, whether it is on (switching it on
/// clears the reason it was off and its failing streak).
pub async fn update(tx: &mut Tx, e: &EndpointRow, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints SET url = $2, event_types = $3, enabled = $4, \
         disabled_reason = $5, failing_since = $6, updated_at = $7 WHERE id = $1",
    )
    .bind(&e.id)
    .bind(&e.url)
    .bind(types_stored(&e.event_types))
    .bind(i64::from(e.enabled))
    .bind(e.disabled_reason.clone())
    .bind(e.failing_since)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A new secret; the old one keeps signing until `previous_until`.
pub async fn rotate_secret(
    tx: &mut Tx,
    id: &str,
    secret_enc: &str,
    previous_enc: &str,
    previous_until: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE webhook_endpoints SET secret_enc = $2, previous_secret_enc = $3, \
         previous_until = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(secret_enc)
    .bind(previous_enc)
    .bind(previous_until)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, id: &str) -> Result<()> {
    sqlx::query(
        "DELETE FROM webhook_attempts WHERE delivery_id IN \
         (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM webhook_deliveries WHERE endpoint_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A delivery as stored.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    pub id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub seq: i64,
    /// `pending`, `succeeded` or `given_up`.
    pub status: String,
    pub attempts: i64,
    pub replays: i64,
    pub next_attempt_at: i64,
    pub first_pending_at: i64,
    pub last_attempt_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_response_excerpt: Option<String>,
    pub created_at: i64,
}

const DELIVERY_COLUMNS: &str = "id, endpoint_id, event_id, event_type, seq, status, attempts, \
    replays, next_attempt_at, first_pending_at, last_attempt_at, last_status_code, \
    last_latency_ms, last_error, last_response_excerpt, created_at";

fn delivery_of(r: &AnyRow) -> Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.try_get("id")?,
        endpoint_id: r.try_get("endpoint_id")?,
        event_id: r.try_get("event_id")?,
        event_type: r.try_get("event_type")?,
        seq: r.try_get("seq")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        replays: r.try_get("replays")?,
        next_attempt_at: r.try_get("next_attempt_at")?,
        first_pending_at: r.try_get("first_pending_at")?,
        last_attempt_at: r.try_get("last_attempt_at")?,
        last_status_code: r.try_get("last_status_code")?,
        last_latency_ms: r.try_get("last_latency_ms")?,
        last_error: r.try_get("last_error")?,
        last_response_excerpt: r.try_get("last_response_excerpt")?,
        created_at: r.try_get("created_at")?,
    })
}

/// An endpoint's deliveries with `seq < before`, newest first.
pub async fn deliveries(
    db: &Db,
    endpoint_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    let rows = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 AND seq < $2 \
         ORDER BY seq DESC LIMIT $3"
    ))
    .bind(endpoint_id)
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(delivery_of).collect()
}

pub async fn delivery<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    endpoint_id: &str,
    id: &str,
) -> Result<Option<DeliveryRow>> {
    let row = sqlx::query(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE endpoint_id = $1 AND id = $2"
    ))
    .bind(endpoint_id)
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.as_ref().map(delivery_of).transpose()
}

/// Makes a settled delivery pending again, due at once (a replay); whether it was settled.
pub async fn replay(tx: &mut Tx, id: &str, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, replays = replays + 1, \
         next_attempt_at = $2, first_pending_at = $2, claimed_until = NULL WHERE id = $1 \
         AND status <> 'pending'",
    )
    .bind(id)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Claims up to `limit` due deliveries for `lease_ms`, each the head of its lane on an enabled
/// endpoint. A claim that lapsed (its worker died) is due again.
pub async fn claim_due(db: &Db, now: i64, lease_ms: i64, limit: i64) -> Result<Vec<DeliveryRow>> {
    let rows = lease::claim(
        db,
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id \
         WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
         AND (d.claimed_until IS NULL OR d.claimed_until < $1) \
         AND (w.enabled = 1 OR d.event_type = 'webhook.test') \
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.endpoint_id = d.endpoint_id \
             AND e.lane = d.lane AND e.status = 'pending' AND e.seq < d.seq) \
         ORDER BY d.next_attempt_at, d.seq LIMIT $2",
        &format!(
            "UPDATE webhook_deliveries SET claimed_until = $2, attempts = attempts + 1 \
             WHERE id = $1 AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $3) \
             RETURNING {DELIVERY_COLUMNS}"
        ),
        now,
        lease_ms,
        limit,
    )
    .await?;
    rows.iter().map(delivery_of).collect()
}

/// What one attempt found.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: i64,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub excerpt: Option<String>,
}

/// Records an attempt: `status` `succeeded`, `given_up`, or `pending` again at `next_attempt_at`;
/// the delivery's last attempt and a row of its attempt log, together.
pub async fn record_attempt(
    db: &Db,
    id: &str,
    a: &Attempt,
    status: &str,
    next_attempt_at: i64,
) -> Result<()> {
    let mut owned = db.begin_write_relaxed().await?;
    let tx = &mut owned;
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, claimed_until = NULL, \
         last_attempt_at = $4, last_status_code = $5, last_latency_ms = $6, last_error = $7, \
         last_response_excerpt = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(next_attempt_at)
    .bind(a.at)
    .bind(a.status_code)
    .bind(a.latency_ms)
    .bind(a.error.clone())
    .bind(a.excerpt.clone())
    .execute(&mut **tx)
    .await?;
    // The attempt just recorded as the last, copied into the log.
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, at, status_code, latency_ms, error, excerpt) \
         SELECT id, last_attempt_at, last_status_code, COALESCE(last_latency_ms, 0), last_error, \
         last_response_excerpt FROM webhook_deliveries WHERE id = $1",
    )
    .bind(id)
    .execute(&mut **tx)
    .await?;
    owned.commit().await?;
    Ok(())
}

/// The attempts of the deliveries `deliveries` would list (same endpoint, `seq < before`,
/// newest `limit`), each with its delivery's id, oldest first: the delivery log's detail.
pub async fn attempts(
    db: &Db,
    endpoint_id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<(String, Attempt)>> {
    let rows = sqlx::query(
        "SELECT delivery_id, at, status_code, latency_ms, error, excerpt FROM webhook_attempts \
         WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 \
         AND seq < $2 ORDER BY seq DESC LIMIT $3) ORDER BY at",
    )
    .bind(endpoint_id)
    .bind(before)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("delivery_id")?,
                Attempt {
                    at: r.try_get("at")?,
                    status_code: r.try_get("status_code")?,
                    latency_ms: r.try_get("latency_ms")?,
                    error: r.try_get("error")?,
                    excerpt: r.try_get("excerpt")?,
                },
            ))
        })
        .collect()
}

/// A success ends the endpoint's failing streak.
pub async fn endpoint_succeeded(db: &Db, id: &str) -> Result<()> {
    sqlx::query("UPDATE webhook_endpoints SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A failure starts the streak if none is running; when the streak began.
pub async fn endpoint_failed(db: &Db, id: &str, now: i64) -> Result<Option<i64>> {
    let row = sqlx::query(
        "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, $2) WHERE id = $1 \
         RETURNING failing_since",
    )
    .bind(id)
    .bind(now)
    .fetch_optional(db.pool())
    .await?;
    Ok(row
        .map(|r| r.try_get("failing_since"))
        .transpose()?
        .flatten())
}

/// Switches an endpoint off for `reason` unless it already is; whether this call did.
pub async fn disable(tx: &mut Tx, id: &str, reason: &str, now: i64) -> Result<bool> {
    Ok(sqlx::query(
        "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = $2, updated_at = $3 \
         WHERE id = $1 AND enabled = 1",
    )
    .bind(id)
    .bind(reason)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1)
}

/// Deliveries still pending (for `/metrics`).
pub async fn pending_count(db: &Db) -> Result<i64> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM webhook_deliveries WHERE status = 'pending'")
        .fetch_one(db.pool())
        .await?;
    Ok(r.try_get("n")?)
}
