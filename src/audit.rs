//! The tamper-evident audit log: every state change appends an event in the same transaction.
//! Each event's hash is SHA-256 over the previous event's hash and the event's own fields, so
//! altering, removing or reordering any row breaks the chain from that row on.

use sha2::{Digest, Sha256};

use crate::store::{self, Db, Tx};

/// The all-zero hash the chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it: an account id, or one of the fixed names below.
pub const SYSTEM: &str = "system";
pub const ANONYMOUS: &str = "anonymous";

/// An event about to be appended. `detail` must never carry a secret.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub subject: &'a str,
    pub detail: serde_json::Value,
}

impl<'a> NewEvent<'a> {
    pub fn new(actor: &'a str, action: &'a str, subject: &'a str) -> NewEvent<'a> {
        NewEvent {
            actor,
            action,
            subject,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn detail(mut self, detail: serde_json::Value) -> NewEvent<'a> {
        self.detail = detail;
        self
    }
}

#[derive(Debug, Clone)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of one event: every field length-prefixed, so no two events share an encoding.
pub fn event_hash(
    prev_hash: &str,
    seq: i64,
    at: i64,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    for field in [
        prev_hash,
        &seq.to_string(),
        &at.to_string(),
        actor,
        action,
        subject,
        detail,
    ] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Appends `event` inside `tx`; returns its seq.
pub async fn append(tx: &mut Tx, event: NewEvent<'_>) -> store::Result<i64> {
    store::audit::append(
        tx,
        event.actor,
        event.action,
        event.subject,
        &event.detail.to_string(),
    )
    .await
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact { events: i64 },
    Broken { seq: i64, reason: &'static str },
}

/// Re-computes the whole chain, oldest first, and names the first event that does not fit.
pub async fn verify(db: &Db) -> store::Result<Verification> {
    let mut prev_hash = GENESIS.to_string();
    let mut expected_seq = 1;
    let mut after = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        if batch.is_empty() {
            break;
        }
        for e in &batch {
            if e.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    reason: "missing event",
                });
            }
            if e.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: e.seq,
                    reason: "does not follow the previous event",
                });
            }
            let h = event_hash(
                &e.prev_hash,
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                &e.subject,
                &e.detail,
            );
            if h != e.hash {
                return Ok(Verification::Broken {
                    seq: e.seq,
                    reason: "content does not match its hash",
                });
            }
            prev_hash = e.hash.clone();
            expected_seq += 1;
            after = e.seq;
        }
    }
    let (head_seq, head_hash) = store::audit::head(db).await?;
    if head_seq != expected_seq - 1 || head_hash != prev_hash {
        return Ok(Verification::Broken {
            seq: expected_seq,
            reason: "events after this one were removed",
        });
    }
    Ok(Verification::Intact {
        events: expected_seq - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_depend_on_every_field() {
        let base = event_hash(GENESIS, 1, 10, "a", "b", "c", "{}");
        assert_ne!(base, event_hash(GENESIS, 2, 10, "a", "b", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 11, "a", "b", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 10, "ab", "", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 10, "a", "b", "c", "{ }"));
        assert_eq!(base.len(), 64);
    }
}
