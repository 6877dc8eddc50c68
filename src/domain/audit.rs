//! The audit log's vocabulary: an event about to be appended, an event as recorded, the hash that
//! chains them, and the walk that checks the chain. Each event's hash is SHA-256 over the
//! previous event's hash and the event's own fields, so altering, removing or reordering any row
//! breaks the chain from that row on. Appending and reading live in `store::audit`.

use sha2::{Digest, Sha256};

/// The all-zero hash the chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it: an account id, or one of the fixed names below.
pub const SYSTEM: &str = "system";
pub const ANONYMOUS: &str = "anonymous";

/// Every action the log records, grouped by what it is about; the console offers them as a
/// filter and names each in words (`audit.action.<action>`). A test keeps the list complete.
pub const ACTIONS: &[&str] = &[
    "account.created",
    "account.activation_code_sent",
    "account.activation_code_rejected",
    "account.activated",
    "account.password_reset_code_sent",
    "account.password_reset_code_rejected",
    "account.password_changed",
    "account.language_changed",
    "account.role_granted",
    "account.data_exported",
    "account.closed",
    "account.erased",
    "session.password_accepted",
    "session.login_succeeded",
    "session.login_failed",
    "session.second_factor_rejected",
    "session.step_up",
    "session.step_up_rejected",
    "session.logged_out",
    "api_token.created",
    "api_token.revoked",
    "api_token.used",
    "second_factor.enrolment_started",
    "second_factor.enrolment_code_rejected",
    "second_factor.enrolled",
    "second_factor.disabled",
    "second_factor.reset",
    "enterprise.draft_saved",
    "enterprise.document_uploaded",
    "enterprise.submitted",
    "enterprise.micro_deposit_confirmed",
    "enterprise.micro_deposit_wrong_amount",
    "enterprise.micro_deposit_requested",
    "enterprise.reverification_submitted",
    "enterprise.terms_renewed",
    "enterprise.expiry_reminder_sent",
    "application.draft_saved",
    "application.submitted",
    "review.approved",
    "review.rejected",
    "review.micro_deposit_sent",
    "review.claimed",
    "review.released",
    "review.assigned",
    "review.taken_over",
    "calendar.holiday_added",
    "calendar.holiday_removed",
    "staff.invited",
    "staff.invitation_accepted",
    "staff.roles_changed",
    "staff.deactivated",
    "staff.reactivated",
    "staff.invitations_withdrawn",
    "review.rule_changed",
    "review.second_look_done",
    "provider.customer_service_saved",
    "provider.settlement_saved",
    "provider.settlement_change_requested",
    "provider.suspended",
    "provider.reinstated",
    "product.created",
    "product.edited",
    "product.icon_uploaded",
    "product.submitted",
    "product.integration_tested",
    "integration_key.created",
    "integration_key.rotated",
    "product.unlisted",
    "product.relisted",
    "consultation.received",
    "consultation.replied",
    "catalog.category_added",
    "catalog.category_renamed",
    "catalog.category_retired",
    "catalog.category_restored",
    "catalog.category_deposit_set",
    "catalog.service_type_added",
    "catalog.service_type_renamed",
    "catalog.service_type_retired",
    "catalog.service_type_restored",
    "reason.added",
    "reason.changed",
    "reason.retired",
    "reason.restored",
    "review.appealed",
    "deposit.payment_recorded",
    "deposit.deduction_recorded",
    "deposit.listings_hidden",
    "deposit.listings_restored",
    "deposit.top_up_requested",
];

/// An event about to be appended. `detail` is JSON text and must never carry a secret.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl NewEvent {
    pub fn new(actor: &str, action: &str, subject: &str) -> NewEvent {
        NewEvent {
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            detail: "{}".to_string(),
        }
    }

    pub fn detail(mut self, detail: serde_json::Value) -> NewEvent {
        self.detail = detail.to_string();
        self
    }

    /// `hashed_tail` of this event recorded at `at`.
    pub fn hashed_tail(&self, at: i64) -> Vec<u8> {
        hashed_tail(at, &self.actor, &self.action, &self.subject, &self.detail)
    }

    /// The hash this event gets when it follows `prev_hash` as event `seq`, recorded at `at`.
    pub fn hash_after(&self, prev_hash: &str, seq: i64, at: i64) -> String {
        event_hash(
            prev_hash,
            seq,
            at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
        )
    }
}

/// An event as recorded (and as an export carries it).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
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
    h.update(length_prefixed(&[prev_hash, &seq.to_string()]));
    h.update(hashed_tail(at, actor, action, subject, detail));
    hex::encode(h.finalize())
}

/// The hashed bytes after the place in the chain (`prev_hash`, `seq`): what an event brings
/// itself. PostgreSQL's one-statement append (`store::audit::append_cte`) is sent these and
/// hashes the place it locks in front of them, in the same layout as `event_hash`.
pub fn hashed_tail(at: i64, actor: &str, action: &str, subject: &str, detail: &str) -> Vec<u8> {
    length_prefixed(&[&at.to_string(), actor, action, subject, detail])
}

/// Each field as its length in bytes (u64, big-endian) followed by its UTF-8 bytes.
fn length_prefixed(fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fields.iter().map(|f| 8 + f.len()).sum());
    for field in fields {
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Intact { events: i64 },
    Broken { seq: i64, reason: &'static str },
}

/// Walks the chain event by event, oldest first: `next` for each, then `finish` with the head.
#[derive(Debug)]
pub struct ChainCheck {
    prev_hash: String,
    expected_seq: i64,
}

impl Default for ChainCheck {
    fn default() -> Self {
        ChainCheck {
            prev_hash: GENESIS.to_string(),
            expected_seq: 1,
        }
    }
}

impl ChainCheck {
    /// A walk that starts inside the chain, at event `seq`, which must follow `prev_hash` (an
    /// export `--since` a seq carries the hash it continues from).
    pub fn starting_at(seq: i64, prev_hash: &str) -> ChainCheck {
        ChainCheck {
            prev_hash: prev_hash.to_string(),
            expected_seq: seq,
        }
    }

    /// The seq and hash of the last event checked (`0` and the start when none was).
    pub fn last(&self) -> (i64, &str) {
        (self.expected_seq - 1, &self.prev_hash)
    }

    /// Checks the next event; the first that does not fit ends the walk.
    pub fn next(&mut self, e: &AuditEvent) -> Result<(), Verification> {
        let broken = |seq, reason| Err(Verification::Broken { seq, reason });
        if e.seq != self.expected_seq {
            return broken(self.expected_seq, "missing event");
        }
        if e.prev_hash != self.prev_hash {
            return broken(e.seq, "does not follow the previous event");
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
            return broken(e.seq, "content does not match its hash");
        }
        self.prev_hash = e.hash.clone();
        self.expected_seq += 1;
        Ok(())
    }

    /// The verdict, given the head the database records `(seq, hash)`: events removed from the
    /// end leave a head that the last event does not reach.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Verification {
        if head_seq != self.expected_seq - 1 || head_hash != self.prev_hash {
            return Verification::Broken {
                seq: self.expected_seq,
                reason: "events after this one were removed",
            };
        }
        Verification::Intact {
            events: self.expected_seq - 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout PostgreSQL rebuilds in SQL: the place in the chain, length-prefixed, then
    /// the tail.
    #[test]
    fn the_hash_is_the_place_in_the_chain_then_the_tail() {
        let e = NewEvent::new("账户", "provider.customer_service_saved", "s")
            .detail(serde_json::json!({"dongdong_group_id": "12345678", "名": "值"}));
        let mut bytes = Vec::new();
        for place in [GENESIS, "42"] {
            bytes.extend_from_slice(&(place.len() as u64).to_be_bytes());
            bytes.extend_from_slice(place.as_bytes());
        }
        bytes.extend_from_slice(&e.hashed_tail(1_700_000_000_123));
        assert_eq!(
            e.hash_after(GENESIS, 42, 1_700_000_000_123),
            hex::encode(Sha256::digest(&bytes))
        );
    }

    #[test]
    fn hashes_depend_on_every_field() {
        let base = event_hash(GENESIS, 1, 10, "a", "b", "c", "{}");
        assert_ne!(base, event_hash(GENESIS, 2, 10, "a", "b", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 11, "a", "b", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 10, "ab", "", "c", "{}"));
        assert_ne!(base, event_hash(GENESIS, 1, 10, "a", "b", "c", "{ }"));
        assert_eq!(base.len(), 64);
    }

    fn chain(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = NewEvent::new("a", "act", "s");
                let hash = e.hash_after(&prev, seq, seq * 10);
                let recorded = AuditEvent {
                    seq,
                    at: seq * 10,
                    actor: e.actor,
                    action: e.action,
                    subject: e.subject,
                    detail: e.detail,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                recorded
            })
            .collect()
    }

    fn walk(events: &[AuditEvent], head: (i64, &str)) -> Verification {
        let mut check = ChainCheck::default();
        for e in events {
            if let Err(v) = check.next(e) {
                return v;
            }
        }
        check.finish(head.0, head.1)
    }

    #[test]
    fn the_walk_names_the_first_event_that_does_not_fit() {
        let events = chain(4);
        let head = (4, events[3].hash.as_str());
        assert_eq!(walk(&events, head), Verification::Intact { events: 4 });
        let mut altered = events.clone();
        altered[2].detail = "{\"x\":1}".into();
        assert!(matches!(
            walk(&altered, head),
            Verification::Broken { seq: 3, .. }
        ));
        let mut gap = events.clone();
        gap.remove(1);
        assert!(matches!(
            walk(&gap, head),
            Verification::Broken { seq: 2, .. }
        ));
        assert!(matches!(
            walk(&events[..3], head),
            Verification::Broken { seq: 4, .. }
        ));
    }
}
