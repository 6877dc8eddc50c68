//! The signature of a call Berth makes (the Stripe scheme): the header
//! `Berth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(key, "<t>.<body>")>`, with one `v1`
//! per key in force (after a rotation, the new key's and, for a while, the previous one's).
//! A receiver recomputes the HMAC with its key and accepts the call when one `v1` matches and
//! `t` is recent.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::constant_time_eq;

pub const HEADER: &str = "Berth-Signature";

/// How far a receiver should let `t` be from its own clock.
pub const TOLERANCE_SECS: i64 = 300;

/// The hex HMAC-SHA256 of `"<t>.<body>"` under `key`.
pub fn sign(key: &[u8], t: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The header's value for `body` at `t`, signed with each of `keys` (newest first).
pub fn header_value(keys: &[&[u8]], t: i64, body: &[u8]) -> String {
    let mut v = format!("t={t}");
    for key in keys {
        v.push_str(",v1=");
        v.push_str(&sign(key, t, body));
    }
    v
}

/// Why a signature is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// No `t=` or no `v1=`, or a `t` that is not a number.
    Malformed,
    /// `t` is further than `TOLERANCE_SECS` from `now`.
    Stale,
    /// No `v1` matches.
    Mismatch,
}

/// Checks a header value against `key` at `now` (unix seconds).
pub fn verify(header: &str, key: &[u8], body: &[u8], now: i64) -> Result<(), Invalid> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let t = t.ok_or(Invalid::Malformed)?;
    if candidates.is_empty() {
        return Err(Invalid::Malformed);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(Invalid::Stale);
    }
    let expected = sign(key, t, body);
    if candidates
        .iter()
        .any(|c| constant_time_eq(c.as_bytes(), expected.as_bytes()))
    {
        Ok(())
    } else {
        Err(Invalid::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_example_of_docs_integration_md() {
        // docs/INTEGRATION.md walks through exactly this computation.
        let key = b"3q2-7wEjRZ8kL0TfYbVxNQ4mUcA5sHdG9pJrWiKoe1M";
        let body = br#"{"action":"createInstance","order_id":"test-order-7d2c41","plan":{"billing":"monthly","name":"test","quantity":1},"product_id":"0193f1c2-0a4e-7b51-8c3d-5e6f7a8b9c0d","request_id":"5f0c2a9e-8d1b-4c3e-9a77-2b6f1e0d4c11","test":true,"timestamp":"2026-01-01T00:00:00.000Z"}"#;
        let expected = "8f787472b50998797dffdfe9f32773a7509c2437b19dc94a5b6013e35782688e";
        assert_eq!(sign(key, 1_767_225_600, body), expected);
        assert_eq!(
            header_value(&[key], 1_767_225_600, body),
            format!("t=1767225600,v1={expected}")
        );
    }

    #[test]
    fn any_key_in_force_verifies_and_nothing_else_does() {
        let body = b"{}";
        let h = header_value(&[b"new", b"old"], 1000, body);
        assert_eq!(verify(&h, b"new", body, 1000), Ok(()));
        assert_eq!(verify(&h, b"old", body, 1100), Ok(()));
        assert_eq!(verify(&h, b"other", body, 1000), Err(Invalid::Mismatch));
        assert_eq!(verify(&h, b"new", b"{ }", 1000), Err(Invalid::Mismatch));
        assert_eq!(verify(&h, b"new", body, 1000 + 301), Err(Invalid::Stale));
        assert_eq!(verify("v1=ab", b"new", body, 1000), Err(Invalid::Malformed));
        assert_eq!(
            verify("t=1000", b"new", body, 1000),
            Err(Invalid::Malformed)
        );
    }
}
