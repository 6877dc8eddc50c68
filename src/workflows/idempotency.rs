//! Stored first answers of state-changing requests sent with an `Idempotency-Key`, scoped to the
//! caller (an account, or an anonymous client's key) and the path; sealed under the master key,
//! since a log-in answer carries a token.

use super::{Ctx, Result};
use crate::store::idempotency as store;
use crate::time_util::now_ms;

/// What a key has seen before.
pub enum Recall {
    /// Nothing: this request has the key and goes on; `remember` or `forget` follows.
    New,
    /// The same request: its first answer.
    Replay { status: u16, body: Vec<u8> },
    /// The same request is still at work (sent again before its first answer came).
    InProgress,
    /// The same key with another request.
    Reused,
}

fn context(scope: &str) -> String {
    format!("idempotency_keys.response:{scope}")
}

/// A request still unanswered after this long is taken to have died with its server.
const ABANDONED_MS: i64 = 60_000;

/// Takes the key for this request, or says what it has seen: the key is claimed before the
/// request runs, so that duplicates sent at once wait for no answer and change nothing (they
/// were each recorded when the key was only looked up).
pub async fn recall(ctx: &Ctx, scope: &str, request_hash: &str) -> Result<Recall> {
    let now = now_ms();
    if store::claim_request(&ctx.db, scope, request_hash, now, now - ABANDONED_MS).await? {
        return Ok(Recall::New);
    }
    match store::find(&ctx.db, scope).await? {
        // Given back meanwhile (its request was refused): try once more.
        None if store::claim_request(&ctx.db, scope, request_hash, now, now - ABANDONED_MS)
            .await? =>
        {
            Ok(Recall::New)
        }
        None => Ok(Recall::InProgress),
        Some(stored) if stored.request_hash != request_hash => Ok(Recall::Reused),
        Some(stored) if stored.status == 0 => Ok(Recall::InProgress),
        Some(stored) => {
            let body = ctx
                .key
                .decrypt(&context(scope), &stored.response)
                .map_err(|e| super::Error::Internal(format!("idempotency answer: {e}")))?;
            Ok(Recall::Replay {
                status: u16::try_from(stored.status).unwrap_or(200),
                body: body.to_vec(),
            })
        }
    }
}

/// Keeps the successful answer of the request that holds the key.
pub async fn remember(ctx: &Ctx, scope: &str, status: u16, body: &[u8]) -> Result<()> {
    let sealed = ctx.key.encrypt(&context(scope), body);
    store::answer(&ctx.db, scope, i64::from(status), &sealed).await?;
    Ok(())
}

/// The request that held the key was refused (or its answer could not be kept): the key is
/// free again, so the caller may correct the request and send it once more.
pub async fn forget(ctx: &Ctx, scope: &str) -> Result<()> {
    store::release(&ctx.db, scope).await?;
    Ok(())
}

/// Where a page form's one-time token stands.
pub enum Once {
    /// Never seen: this request is the one that does the work.
    First,
    /// Another request with it is still at work.
    Pending,
    /// Done before: the address its answer sent the visitor to.
    Answered(String),
}

/// Takes a page form's one-time token (`scope`), or says who has it.
pub async fn claim_once(ctx: &Ctx, scope: &str) -> Result<Once> {
    if store::claim(&ctx.db, scope, now_ms()).await? {
        return Ok(Once::First);
    }
    match store::find(&ctx.db, scope).await? {
        Some(stored) if stored.status != 0 => {
            let location = ctx
                .key
                .decrypt(&context(scope), &stored.response)
                .map_err(|e| super::Error::Internal(format!("form answer: {e}")))?;
            Ok(Once::Answered(
                String::from_utf8_lossy(&location).into_owned(),
            ))
        }
        Some(_) => Ok(Once::Pending),
        // Given back meanwhile: try again.
        None if store::claim(&ctx.db, scope, now_ms()).await? => Ok(Once::First),
        None => Ok(Once::Pending),
    }
}

/// Keeps where the first request with the token sent the visitor (a `303`'s address).
pub async fn answer_once(ctx: &Ctx, scope: &str, location: &str) -> Result<()> {
    let sealed = ctx.key.encrypt(&context(scope), location.as_bytes());
    store::answer(&ctx.db, scope, 303, &sealed).await?;
    Ok(())
}

/// The form was refused: the token may be used again.
pub async fn release_once(ctx: &Ctx, scope: &str) -> Result<()> {
    store::release(&ctx.db, scope).await?;
    Ok(())
}

/// Keeps what a refused form held (sealed, for a day) for the page that shows it next: a
/// language switch goes back to a page by its address, and what was typed must not be lost.
pub async fn keep_typed(ctx: &Ctx, scope: &str, typed: &serde_json::Value) -> Result<()> {
    let sealed = ctx
        .key
        .encrypt(&context(scope), typed.to_string().as_bytes());
    store::keep(&ctx.db, scope, &sealed, now_ms()).await?;
    Ok(())
}

/// What `keep_typed` kept under `scope`, if anything.
pub async fn typed(ctx: &Ctx, scope: &str) -> Result<Option<serde_json::Value>> {
    let Some(stored) = store::find(&ctx.db, scope).await? else {
        return Ok(None);
    };
    if stored.request_hash != "typed" {
        return Ok(None);
    }
    Ok(ctx
        .key
        .decrypt(&context(scope), &stored.response)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok()))
}
