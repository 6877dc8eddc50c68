//! The rules of webhook delivery: when a failed delivery is tried again, when it is given up,
//! when an endpoint is switched off. Deliveries are signed as every call Berth makes is
//! (`domain::signature`).

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3_600_000;

/// Retry timing and giving up, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base_ms: i64,
    pub cap_ms: i64,
    pub give_up_after_ms: i64,
    /// An endpoint whose deliveries have failed without a success for this long is disabled.
    pub disable_after_ms: i64,
}

impl RetryPolicy {
    /// The wait after the `attempts`-th failed attempt (1 = the first): base · 2^(attempts−1),
    /// at most the cap.
    pub fn backoff_ms(&self, attempts: i64) -> i64 {
        let doublings = attempts.clamp(1, 40) - 1;
        self.base_ms
            .max(1)
            .saturating_mul(1_i64 << doublings.min(40))
            .min(self.cap_ms.max(1))
    }

    /// Whether a delivery pending since `pending_since` is given up at `now`.
    pub fn gives_up(&self, pending_since: i64, now: i64) -> bool {
        now - pending_since >= self.give_up_after_ms
    }

    /// Whether an endpoint failing since `failing_since` is disabled at `now`.
    pub fn disables(&self, failing_since: i64, now: i64) -> bool {
        now - failing_since >= self.disable_after_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_example_of_docs_events_md_holds() {
        use crate::domain::signature::{header_value, sign};
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        let sig = sign(b"whsec_test", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            sig,
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        assert_eq!(
            header_value(&[b"whsec_test"], 1_700_000_000, br#"{"a":1}"#),
            format!("t=1700000000,v1={sig}")
        );
        let two = header_value(&[b"new", b"old"], 5, b"x");
        assert_eq!(two.matches(",v1=").count(), 2);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            base_ms: 30_000,
            cap_ms: 3_600_000,
            give_up_after_ms: 3 * 86_400_000,
            disable_after_ms: 86_400_000,
        };
        assert_eq!(p.backoff_ms(1), 30_000);
        assert_eq!(p.backoff_ms(2), 60_000);
        assert_eq!(p.backoff_ms(3), 120_000);
        assert_eq!(p.backoff_ms(20), 3_600_000);
        assert_eq!(p.backoff_ms(i64::MAX), 3_600_000);
        assert!(p.gives_up(0, 3 * 86_400_000));
        assert!(!p.gives_up(0, 3 * 86_400_000 - 1));
        assert!(p.disables(10, 10 + 86_400_000));
    }
}
