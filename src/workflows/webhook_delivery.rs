//! The webhook delivery worker inside `serve`: claims due deliveries (each the head of its
//! endpoint's lane for one provider, so a provider's events arrive in order), POSTs each signed
//! event through the SSRF-guarded client, records what happened, retries with backoff, gives up
//! after `webhooks.give_up_after_secs`, and switches off an endpoint that has failed without a
//! success for `webhooks.disable_after_secs`, mailing its owner. At least once: a delivery is
//! marked done only after the receiver's 2xx; a crash before that sends it again.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use tokio::sync::watch;

use super::webhooks::signing_secrets;
use super::{Ctx, Result};
use crate::domain::audit::NewEvent;
use crate::domain::signature;
use crate::i18n::Lang;
use crate::mail;
use crate::store::events::EventRow;
use crate::store::webhooks::{self as hooks, Attempt, DeliveryRow, EndpointRow};
use crate::store::{self, accounts};
use crate::time_util::{now_ms, rfc3339};

/// How long a claimed delivery is someone's: longer than a call can take (10 s).
const LEASE_MS: i64 = 60_000;

/// Runs until `stop` turns true. A continuous claim loop: at most `concurrency` deliveries are in
/// flight, and as soon as one finishes more are claimed, so that one slow endpoint (a call lasts
/// at most 10 s) holds one slot and nothing else. Order per provider is kept by the claim itself
/// (only the head of a lane is claimed, and a delivery in flight stays pending, so the next one
/// of its lane waits). On `stop`, the calls under way finish first, so that a drained instance
/// leaves nothing half-recorded.
pub async fn run_worker(
    ctx: Ctx,
    poll: Duration,
    concurrency: usize,
    mut stop: watch::Receiver<bool>,
) {
    let ctx = &ctx;
    let slots = concurrency.max(1);
    let mut in_flight = FuturesUnordered::new();
    loop {
        if *stop.borrow() {
            while in_flight.next().await.is_some() {}
            break;
        }
        let free = slots - in_flight.len();
        // Whether the claim took every free slot: more may be due at once.
        let mut more_due = false;
        if free > 0 {
            match claim(ctx, free).await {
                Ok(due) => {
                    more_due = due.len() == free;
                    for d in due {
                        in_flight.push(deliver_logged(ctx, d));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "webhook deliveries"),
            }
        }
        let full = in_flight.len() >= slots;
        if more_due && !full {
            continue;
        }
        tokio::select! {
            Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
            _ = tokio::time::sleep(poll), if !full => {}
            _ = ctx.webhook_wake.notified(), if !full => {}
            _ = stop.changed() => {}
        }
    }
}

/// Claims up to `n` due deliveries, each the head of its lane.
async fn claim(ctx: &Ctx, n: usize) -> Result<Vec<DeliveryRow>> {
    let limit = i64::try_from(n).unwrap_or(i64::MAX);
    Ok(hooks::claim_due(&ctx.db, now_ms(), LEASE_MS, limit).await?)
}

async fn deliver_logged(ctx: &Ctx, d: DeliveryRow) {
    if let Err(e) = deliver(ctx, &d).await {
        tracing::warn!(error = %e, delivery = %d.id, "webhook delivery");
    }
}

/// The body every receiver gets: the event as the feed shows it.
pub fn body_of(e: &EventRow) -> Vec<u8> {
    let data: serde_json::Value = serde_json::from_str(&e.data).unwrap_or_default();
    let mut body =
        json!({"id": e.id, "seq": e.seq, "type": e.kind, "at": rfc3339(e.at), "data": data});
    if let Some(p) = &e.provider_id {
        body["provider_id"] = json!(p);
    }
    body.to_string().into_bytes()
}

async fn deliver(ctx: &Ctx, d: &DeliveryRow) -> Result<()> {
    let Some(endpoint) = hooks::get(ctx.db.pool(), &d.endpoint_id).await? else {
        return Ok(());
    };
    let now = now_ms();
    let Some(event) = store::events::get(ctx.db.pool(), &d.event_id).await? else {
        let gone = Attempt {
            at: now,
            status_code: None,
            latency_ms: 0,
            error: Some("event_deleted".into()),
            excerpt: None,
        };
        return Ok(hooks::record_attempt(&ctx.db, &d.id, &gone, "given_up", now).await?);
    };
    let body = body_of(&event);
    let secrets = signing_secrets(&ctx.key, &endpoint, now)?;
    let refs: Vec<&[u8]> = secrets.iter().map(Vec::as_slice).collect();
    let signature = signature::header_value(&refs, now / 1000, &body);
    let attempt = match ctx.outbound.vet(&endpoint.url).await {
        Err(refusal) => Attempt {
            at: now,
            status_code: None,
            latency_ms: 0,
            error: Some(refusal.code().to_string()),
            excerpt: None,
        },
        Ok(vetted) => {
            let headers = [
                ("content-type", "application/json"),
                ("berth-signature", signature.as_str()),
                ("berth-event-id", event.id.as_str()),
                ("berth-event-type", event.kind.as_str()),
            ];
            match ctx.outbound.post(&vetted, &headers, body).await {
                Ok(answer) => Attempt {
                    at: now,
                    status_code: Some(i64::from(answer.status)),
                    latency_ms: i64::try_from(answer.latency_ms).unwrap_or(i64::MAX),
                    error: None,
                    excerpt: Some(answer.excerpt()),
                },
                Err(e) => Attempt {
                    at: now,
                    status_code: None,
                    latency_ms: 0,
                    error: Some(e.code().to_string()),
                    excerpt: None,
                },
            }
        }
    };
    let succeeded = attempt.status_code.is_some_and(|s| (200..300).contains(&s));
    if succeeded {
        hooks::record_attempt(&ctx.db, &d.id, &attempt, "succeeded", now).await?;
        hooks::endpoint_succeeded(&ctx.db, &endpoint.id).await?;
        return Ok(());
    }
    let policy = ctx.webhook_policy;
    let (status, next) = if policy.gives_up(d.first_pending_at, now) {
        ("given_up", now)
    } else {
        ("pending", now + policy.backoff_ms(d.attempts))
    };
    hooks::record_attempt(&ctx.db, &d.id, &attempt, status, next).await?;
    // A test event says nothing about the endpoint's health.
    if d.event_type == crate::domain::events::TEST_EVENT_TYPE {
        return Ok(());
    }
    if let Some(since) = hooks::endpoint_failed(&ctx.db, &endpoint.id, now).await? {
        if policy.disables(since, now) {
            switch_off(ctx, &endpoint, since, &attempt).await?;
        }
    }
    Ok(())
}

/// Switches off an endpoint that kept failing and mails its owner (once: the first worker to
/// switch it off).
async fn switch_off(ctx: &Ctx, e: &EndpointRow, since: i64, last: &Attempt) -> Result<()> {
    let now = now_ms();
    let mut tx = ctx.db.begin_write().await?;
    if !hooks::disable(&mut tx, &e.id, "failing", now).await? {
        return Ok(());
    }
    store::audit::append(
        &mut tx,
        NewEvent::new("system", "webhook.disabled", &e.id)
            .detail(json!({"failing_since": rfc3339(since), "url": e.url})),
    )
    .await?;
    if let Some(owner) = accounts::find_by_id(&mut *tx, &e.created_by).await? {
        let lang = Lang::from_tag(&owner.lang).unwrap_or_default();
        let host = url_host(&e.url);
        let since = ctx.zone.time(since, lang);
        let last = match (last.status_code, &last.error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(error)) => {
                crate::i18n::t(lang, &format!("webhook.error.{error}")).to_string()
            }
            (None, None) => String::new(),
        };
        mail::enqueue(
            &mut tx,
            &ctx.key,
            mail::MailKind::WebhookDisabled,
            &owner.email,
            lang,
            &[("host", &host), ("since", &since), ("last", &last)],
        )
        .await?;
    }
    tx.commit().await?;
    ctx.mail_committed();
    tracing::warn!(endpoint = %e.id, "webhook switched off after failing continuously");
    Ok(())
}

/// The host of an address, for people (no path, no query: they may carry a token).
pub fn url_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_is_shown_without_path_or_query() {
        assert_eq!(
            super::url_host("https://hooks.example.com:8443/in?token=x"),
            "hooks.example.com:8443"
        );
        assert_eq!(super::url_host("nonsense"), "nonsense");
    }
}
