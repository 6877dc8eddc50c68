//! Webhook endpoints as their owners manage them: operators (staff) own marketplace-wide
//! endpoints, a provider its own. Every action checks ownership here: someone else's endpoint is
//! not found. The secret is shown once, stored sealed under the master key, and rotates with a
//! day's overlap. The delivery itself is `webhook_delivery.rs`.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::move_in::require_provider_access;
use super::{Ctx, Error, Result};
use crate::crypto::{random_token, MasterKey};
use crate::domain::audit::NewEvent;
use crate::domain::events;
use crate::domain::webhooks::ROTATION_OVERLAP_MS;
use crate::domain::{FieldError, FieldErrors};
use crate::store::webhooks::{self as hooks, DeliveryRow, EndpointRow};
use crate::store::{self, Tx};
use crate::time_util::{now_ms, rfc3339};

/// What a client sends to create (`url` and `event_types` required) or change an endpoint.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookForm {
    /// `https://…` (plain `http://` only where `webhooks.allow_http` is on), resolving to
    /// public addresses only.
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// Event types (docs/EVENTS.md), or `["*"]` for all.
    pub event_types: Option<Vec<String>>,
    /// Off: nothing is sent or queued. Switching an endpoint back on sends what waited.
    pub enabled: Option<bool>,
}

/// An endpoint as its owner sees it (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    /// Why it is off: `failing` (switched off after failing continuously), `owner` (by hand).
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed, if they do.
    pub failing_since: Option<String>,
    /// Until when the previous secret still signs too, after a rotation.
    pub previous_secret_until: Option<String>,
    pub created_at: String,
    #[serde(skip)]
    pub failing_since_ms: Option<i64>,
    #[serde(skip)]
    pub previous_secret_until_ms: Option<i64>,
}

/// A new endpoint, or a rotated one, with its secret: the only time the secret is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookView,
    /// The signing secret (`whsec_…`): keep it; it is not shown again.
    pub secret: String,
}

/// One delivery of one event to one endpoint, as the log shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub seq: i64,
    /// `pending` (being sent or waiting for its next attempt), `succeeded`, `given_up`.
    pub status: String,
    /// Attempts since it was queued (or last replayed).
    pub attempts: i64,
    /// How often it was sent again by hand.
    pub replays: i64,
    /// When it is next tried, while pending.
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    /// The receiver's HTTP status, when it answered.
    pub last_status_code: Option<i64>,
    pub last_latency_ms: Option<i64>,
    /// Why no answer came (`timeout`, `connect_failed`, `url_not_public`, …).
    pub last_error: Option<String>,
    /// The start of the receiver's answer.
    pub response_excerpt: Option<String>,
    pub created_at: String,
    /// Every attempt, oldest first (replays included): when, the answer or why none, how long.
    pub history: Vec<AttemptView>,
    #[serde(skip)]
    pub created_at_ms: i64,
    #[serde(skip)]
    pub last_attempt_at_ms: Option<i64>,
    #[serde(skip)]
    pub next_attempt_at_ms: Option<i64>,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttemptView {
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    /// Why no answer came (`timeout`, `connect_failed`, `url_not_public`, …).
    pub error: Option<String>,
    #[serde(skip)]
    pub at_ms: i64,
}

/// What `send_test` queued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TestQueued {
    pub event_id: String,
    pub delivery_id: String,
}

fn view(e: &EndpointRow, now: i64) -> WebhookView {
    let previous_until = e.previous_until.filter(|u| *u > now);
    WebhookView {
        id: e.id.clone(),
        url: e.url.clone(),
        event_types: e.event_types.clone(),
        enabled: e.enabled,
        disabled_reason: e.disabled_reason.clone(),
        failing_since: e.failing_since.map(rfc3339),
        previous_secret_until: previous_until.map(rfc3339),
        created_at: rfc3339(e.created_at),
        failing_since_ms: e.failing_since,
        previous_secret_until_ms: previous_until,
    }
}

fn delivery_view(d: &DeliveryRow) -> DeliveryView {
    let pending = d.status == "pending";
    DeliveryView {
        id: d.id.clone(),
        event_id: d.event_id.clone(),
        event_type: d.event_type.clone(),
        seq: d.seq,
        status: d.status.clone(),
        attempts: d.attempts,
        replays: d.replays,
        next_attempt_at: pending.then(|| rfc3339(d.next_attempt_at)),
        last_attempt_at: d.last_attempt_at.map(rfc3339),
        last_status_code: d.last_status_code,
        last_latency_ms: d.last_latency_ms,
        last_error: d.last_error.clone(),
        response_excerpt: d.last_response_excerpt.clone(),
        created_at: rfc3339(d.created_at),
        history: Vec::new(),
        created_at_ms: d.created_at,
        last_attempt_at_ms: d.last_attempt_at,
        next_attempt_at_ms: pending.then_some(d.next_attempt_at),
    }
}

/// Whose endpoints an account manages: `None` the operators' (staff), else its own (a provider
/// with access to the provider backend).
pub async fn owner_of(ctx: &Ctx, account: &AccountView) -> Result<Option<String>> {
    if account.roles.can_review() {
        return Ok(None);
    }
    require_provider_access(ctx, account).await?;
    Ok(Some(account.id.clone()))
}

fn secret_context(id: &str) -> String {
    format!("webhook_endpoints.secret:{id}")
}

fn previous_context(id: &str) -> String {
    format!("webhook_endpoints.previous_secret:{id}")
}

/// The secrets that sign a delivery now: the current one, and the previous one during the
/// overlap after a rotation.
pub fn signing_secrets(key: &MasterKey, e: &EndpointRow, now: i64) -> Result<Vec<Vec<u8>>> {
    let open = |context: String, stored: &str| {
        key.decrypt(&context, stored)
            .map(|s| s.to_vec())
            .map_err(|e| Error::Internal(format!("webhook secret: {e}")))
    };
    let mut secrets = vec![open(secret_context(&e.id), &e.secret_enc)?];
    if let (Some(prev), Some(until)) = (&e.previous_secret_enc, e.previous_until) {
        if until > now {
            secrets.push(open(previous_context(&e.id), prev)?);
        }
    }
    Ok(secrets)
}

/// The address, checked and vetted (https, public), or the refusal on field `url`.
async fn vetted_url(ctx: &Ctx, url: &str) -> std::result::Result<String, FieldError> {
    ctx.outbound
        .vet(url)
        .await
        .map(|v| v.url().to_string())
        .map_err(|r| r.on("url"))
}

fn parse_types(types: &[String]) -> std::result::Result<Vec<String>, FieldError> {
    events::parse_types("event_types", types.iter().map(String::as_str), true)
}

async fn audit(tx: &mut Tx, account: &AccountView, action: &str, id: &str) -> Result<()> {
    store::audit::append(tx, NewEvent::new(&account.id, action, id)).await?;
    Ok(())
}

/// Registers an endpoint; its secret is in the answer and nowhere else in clear.
#[tracing::instrument(name = "webhooks::create", skip_all, fields(account = %account.id))]
pub async fn create(
    ctx: &Ctx,
    account: &AccountView,
    form: &WebhookForm,
) -> Result<WebhookWithSecret> {
    let owner = owner_of(ctx, account).await?;
    let mut errors = FieldErrors::default();
    let url = match form.url.as_deref().map(str::trim) {
        None | Some("") => {
            errors.push(FieldError::new("url", "required"));
            None
        }
        Some(u) => vetted_url(ctx, u).await.map_err(|e| errors.push(e)).ok(),
    };
    let types = match &form.event_types {
        None => {
            errors.push(FieldError::new("event_types", "required"));
            None
        }
        Some(t) => parse_types(t).map_err(|e| errors.push(e)).ok(),
    };
    errors.into_result().map_err(Error::Validation)?;
    let (Some(url), Some(event_types)) = (url, types) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let now = now_ms();
    let id = uuid::Uuid::now_v7().to_string();
    let secret = format!("whsec_{}", random_token());
    let row = EndpointRow {
        secret_enc: ctx.key.encrypt(&secret_context(&id), secret.as_bytes()),
        id,
        provider_id: owner,
        created_by: account.id.clone(),
        url,
        event_types,
        previous_secret_enc: None,
        previous_until: None,
        enabled: form.enabled != Some(false),
        disabled_reason: (form.enabled == Some(false)).then(|| "owner".to_string()),
        failing_since: None,
        created_at: now,
        updated_at: now,
    };
    let mut tx = ctx.db.begin_write().await?;
    hooks::insert(&mut tx, &row).await?;
    if !row.enabled {
        hooks::update(&mut tx, &row, now).await?;
    }
    audit(&mut tx, account, "webhook.created", &row.id).await?;
    tx.commit().await?;
    Ok(WebhookWithSecret {
        webhook: view(&row, now),
        secret,
    })
}

/// The owner's endpoint, or not found (also when it is someone else's).
async fn owned(ctx: &Ctx, account: &AccountView, id: &str) -> Result<EndpointRow> {
    let owner = owner_of(ctx, account).await?;
    hooks::get_owned(ctx.db.pool(), id, owner.as_deref())
        .await?
        .ok_or(Error::NotFound)
}

pub async fn get(ctx: &Ctx, account: &AccountView, id: &str) -> Result<WebhookView> {
    Ok(view(&owned(ctx, account, id).await?, now_ms()))
}

/// The owner's endpoints after `after` (an id), oldest first.
pub async fn list(
    ctx: &Ctx,
    account: &AccountView,
    after: &str,
    limit: i64,
) -> Result<Vec<WebhookView>> {
    let owner = owner_of(ctx, account).await?;
    let now = now_ms();
    Ok(hooks::list_owned(&ctx.db, owner.as_deref(), after, limit)
        .await?
        .iter()
        .map(|e| view(e, now))
        .collect())
}

/// Changes the address, the types or whether the endpoint is on.
#[tracing::instrument(name = "webhooks::update", skip_all, fields(account = %account.id, id = %id))]
pub async fn update(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    form: &WebhookForm,
) -> Result<WebhookView> {
    let mut row = owned(ctx, account, id).await?;
    let mut errors = FieldErrors::default();
    if let Some(u) = form.url.as_deref().map(str::trim) {
        match vetted_url(ctx, u).await {
            Ok(url) => row.url = url,
            Err(e) => errors.push(e),
        }
    }
    if let Some(t) = &form.event_types {
        match parse_types(t) {
            Ok(types) => row.event_types = types,
            Err(e) => errors.push(e),
        }
    }
    errors.into_result().map_err(Error::Validation)?;
    match form.enabled {
        Some(true) if !row.enabled => {
            row.enabled = true;
            row.disabled_reason = None;
            row.failing_since = None;
        }
        Some(false) if row.enabled => {
            row.enabled = false;
            row.disabled_reason = Some("owner".into());
        }
        _ => {}
    }
    let now = now_ms();
    let mut tx = ctx.db.begin_write().await?;
    // Read again under the write lock: the worker may have switched it off meanwhile.
    if hooks::get(&mut *tx, id).await?.is_none() {
        return Err(Error::NotFound);
    }
    hooks::update(&mut tx, &row, now).await?;
    let detail = json!({"url": row.url, "event_types": row.event_types, "enabled": row.enabled});
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "webhook.updated", id).detail(detail),
    )
    .await?;
    tx.commit().await?;
    ctx.events_committed();
    Ok(view(&row, now))
}

#[tracing::instrument(name = "webhooks::delete", skip_all, fields(account = %account.id, id = %id))]
pub async fn delete(ctx: &Ctx, account: &AccountView, id: &str) -> Result<()> {
    let row = owned(ctx, account, id).await?;
    let mut tx = ctx.db.begin_write().await?;
    hooks::delete(&mut tx, &row.id).await?;
    audit(&mut tx, account, "webhook.deleted", &row.id).await?;
    tx.commit().await?;
    Ok(())
}

/// A new secret, shown once; the old one keeps signing beside it for a day, so that the
/// receiver can switch without missing an event.
#[tracing::instrument(name = "webhooks::rotate_secret", skip_all, fields(account = %account.id, id = %id))]
pub async fn rotate_secret(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
) -> Result<WebhookWithSecret> {
    let mut row = owned(ctx, account, id).await?;
    let now = now_ms();
    let current = ctx
        .key
        .decrypt(&secret_context(id), &row.secret_enc)
        .map_err(|e| Error::Internal(format!("webhook secret: {e}")))?;
    let secret = format!("whsec_{}", random_token());
    row.secret_enc = ctx.key.encrypt(&secret_context(id), secret.as_bytes());
    row.previous_secret_enc = Some(ctx.key.encrypt(&previous_context(id), &current));
    row.previous_until = Some(now + ROTATION_OVERLAP_MS);
    let mut tx = ctx.db.begin_write().await?;
    hooks::rotate_secret(
        &mut tx,
        id,
        &row.secret_enc,
        row.previous_secret_enc.as_deref().unwrap_or_default(),
        now + ROTATION_OVERLAP_MS,
        now,
    )
    .await?;
    audit(&mut tx, account, "webhook.secret_rotated", id).await?;
    tx.commit().await?;
    Ok(WebhookWithSecret {
        webhook: view(&row, now),
        secret,
    })
}

/// The endpoint's deliveries with `seq` below `before`, newest first.
pub async fn deliveries(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    before: i64,
    limit: i64,
) -> Result<Vec<DeliveryView>> {
    let row = owned(ctx, account, id).await?;
    let mut views: Vec<DeliveryView> = hooks::deliveries(&ctx.db, &row.id, before, limit)
        .await?
        .iter()
        .map(delivery_view)
        .collect();
    for (delivery, a) in hooks::attempts(&ctx.db, &row.id, before, limit).await? {
        if let Some(v) = views.iter_mut().find(|v| v.id == delivery) {
            v.history.push(AttemptView {
                at: rfc3339(a.at),
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
                at_ms: a.at,
            });
        }
    }
    Ok(views)
}

/// Queues a `webhook.test` event for this endpoint only (it is sent even while the endpoint's
/// other deliveries wait, and also when the endpoint is switched off: a way to try it).
#[tracing::instrument(name = "webhooks::send_test", skip_all, fields(account = %account.id, id = %id))]
pub async fn send_test(ctx: &Ctx, account: &AccountView, id: &str) -> Result<TestQueued> {
    let row = owned(ctx, account, id).await?;
    let now = now_ms();
    let data = json!({"webhook_id": row.id, "test": true,
                      "message": "A test event from Berth: your endpoint is reachable and verifies signatures."});
    let mut tx = ctx.db.begin_write().await?;
    let (event_id, delivery_id) =
        store::events::record_test(&mut tx, &row.id, row.provider_id.as_deref(), &data, now)
            .await?;
    audit(&mut tx, account, "webhook.test_sent", &row.id).await?;
    tx.commit().await?;
    ctx.events_committed();
    Ok(TestQueued {
        event_id,
        delivery_id,
    })
}

/// Sends a settled delivery again (its event must still be kept).
#[tracing::instrument(name = "webhooks::replay", skip_all, fields(account = %account.id, id = %id))]
pub async fn replay(
    ctx: &Ctx,
    account: &AccountView,
    id: &str,
    delivery_id: &str,
) -> Result<DeliveryView> {
    let row = owned(ctx, account, id).await?;
    let now = now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let d = hooks::delivery(&mut *tx, &row.id, delivery_id)
        .await?
        .ok_or(Error::NotFound)?;
    if d.status == "pending" {
        return Err(Error::Conflict("delivery_pending"));
    }
    if store::events::get(&mut *tx, &d.event_id).await?.is_none() {
        return Err(Error::Conflict("event_expired"));
    }
    hooks::replay(&mut tx, &d.id, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "webhook.delivery_replayed", &row.id)
            .detail(json!({"delivery": d.id, "event": d.event_id})),
    )
    .await?;
    let replayed = hooks::delivery(&mut *tx, &row.id, delivery_id)
        .await?
        .ok_or(Error::NotFound)?;
    tx.commit().await?;
    ctx.events_committed();
    Ok(delivery_view(&replayed))
}
