//! Reading and checking the audit log (operators and admins; `berth audit verify`).

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{Ctx, Error, Result};
use crate::domain::audit::{AuditEvent, ChainCheck, Verification, GENESIS};
use crate::store::{self, Db};
use crate::time_util::rfc3339;

/// Events after `after`, oldest first; at most `limit`.
pub async fn list_events(ctx: &Ctx, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    Ok(store::audit::list(&ctx.db, after, limit).await?)
}

/// Re-computes the whole chain, oldest first, and names the first event that does not fit.
pub async fn verify(db: &Db) -> Result<Verification> {
    let mut check = ChainCheck::default();
    let mut after = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(broken) = check.next(e) {
                return Ok(broken);
            }
        }
    }
    let (head_seq, head_hash) = store::audit::head(db).await?;
    Ok(check.finish(head_seq, &head_hash))
}

/// One line of an export: every field the hash covers, as stored (`at` in unix ms, `detail` as
/// its JSON text), and the time in words for people.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedEvent {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub time: String,
}

/// Writes the events after `since` to `out` as JSON Lines, oldest first; how many.
pub async fn export(db: &Db, since: i64, out: &mut impl Write) -> Result<i64> {
    let mut after = since;
    let mut written = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            let line = ExportedEvent {
                event: e.clone(),
                time: rfc3339(e.at),
            };
            serde_json::to_writer(&mut *out, &line)
                .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
            out.write_all(b"\n")
                .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
            written += 1;
        }
    }
    out.flush()
        .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
    Ok(written)
}

/// What an offline check of an export found.
#[derive(Debug, PartialEq, Eq)]
pub enum ExportCheck {
    /// Events `first..=last` hash and link correctly; `last_hash` is the hash to compare with
    /// the live chain's (or a published one).
    Intact {
        first: i64,
        last: i64,
        last_hash: String,
        from_genesis: bool,
    },
    Broken {
        line: usize,
        seq: Option<i64>,
        reason: String,
    },
}

/// Checks an export without the database: every line parses, every hash matches its event, and
/// each event follows the one before (the first follows its own `prev_hash`; an export from seq
/// 1 starts at the chain's beginning).
pub fn verify_export(input: impl BufRead) -> ExportCheck {
    let mut check: Option<ChainCheck> = None;
    let mut first = 0;
    for (i, line) in input.lines().enumerate() {
        let broken = |seq, reason: String| ExportCheck::Broken {
            line: i + 1,
            seq,
            reason,
        };
        let line = match line {
            Ok(l) => l,
            Err(e) => return broken(None, format!("unreadable: {e}")),
        };
        if line.trim().is_empty() {
            continue;
        }
        let event: AuditEvent = match serde_json::from_str::<ExportedEvent>(&line) {
            Ok(e) => e.event,
            Err(e) => return broken(None, format!("not an exported event: {e}")),
        };
        let walk = check.get_or_insert_with(|| {
            first = event.seq;
            // The chain's first event follows nothing but the genesis hash.
            let prev = if event.seq == 1 {
                GENESIS
            } else {
                &event.prev_hash
            };
            ChainCheck::starting_at(event.seq, prev)
        });
        if let Err(Verification::Broken { seq, reason }) = walk.next(&event) {
            return broken(Some(seq), reason.to_string());
        }
    }
    match check {
        None => ExportCheck::Broken {
            line: 0,
            seq: None,
            reason: "the file holds no events".into(),
        },
        Some(walk) => {
            let (last, hash) = walk.last();
            ExportCheck::Intact {
                first,
                last,
                last_hash: hash.to_string(),
                from_genesis: first == 1,
            }
        }
    }
}
