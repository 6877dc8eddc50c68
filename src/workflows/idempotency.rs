//! Stored first answers of state-changing requests sent with an `Idempotency-Key`, scoped to the
//! caller (an account, or an anonymous client's key) and the path; sealed under the master key,
//! since a log-in answer carries a token.

use super::{Ctx, Result};
use crate::store::idempotency::{self as store, StoredAnswer};
use crate::time_util::now_ms;

/// What a key has seen before.
pub enum Recall {
    /// Nothing: the request goes on.
    New,
    /// The same request: its first answer.
    Replay { status: u16, body: Vec<u8> },
    /// The same key with another request.
    Reused,
}

fn context(scope: &str) -> String {
    format!("idempotency_keys.response:{scope}")
}

pub async fn recall(ctx: &Ctx, scope: &str, request_hash: &str) -> Result<Recall> {
    match store::find(&ctx.db, scope).await? {
        None => Ok(Recall::New),
        Some(stored) if stored.request_hash != request_hash => Ok(Recall::Reused),
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

/// Keeps the first successful answer (a concurrent duplicate that finished second changes
/// nothing).
pub async fn remember(
    ctx: &Ctx,
    scope: &str,
    request_hash: &str,
    status: u16,
    body: &[u8],
) -> Result<()> {
    let answer = StoredAnswer {
        request_hash: request_hash.to_string(),
        status: i64::from(status),
        response: ctx.key.encrypt(&context(scope), body),
    };
    store::insert(&ctx.db, scope, &answer, now_ms()).await?;
    Ok(())
}
