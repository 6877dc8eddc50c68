//! The second factor: TOTP (RFC 6238: SHA-1, six digits, 30-second steps, one step of skew
//! either way, as authenticator apps expect) and one-time recovery codes. Who must have one:
//! staff (operators and admins); providers may. A code is good once: a step at or before the last
//! one accepted is refused.

use totp_rs::{Algorithm, TOTP};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
/// Bytes of a new shared secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes handed out at enrolment.
pub const RECOVERY_CODES: usize = 10;
/// Characters of a recovery code (without its hyphen), from an alphabet without look-alikes.
pub const RECOVERY_LEN: usize = 10;
pub const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// How long a password that was right waits for its second factor.
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;
/// How long a passed second factor counts as fresh for a sensitive action (step-up).
pub const STEP_UP_MS: i64 = 5 * 60 * 1000;
/// The name authenticator apps show.
pub const ISSUER: &str = "Berth";

/// A typed code: six digits from the app, or a recovery code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Totp(String),
    Recovery(String),
}

/// Reads what a person typed: spaces and hyphens are ignored, letters case-folded.
pub fn parse_code(input: &str) -> Result<Code, &'static str> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    if s.is_empty() {
        return Err("required");
    }
    if s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Code::Totp(s));
    }
    if s.len() == RECOVERY_LEN && s.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)) {
        return Ok(Code::Recovery(s));
    }
    Err("code_format")
}

/// The generator for a secret; `account` is the label apps show (the e-mail address).
pub fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, String> {
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        secret,
        Some(ISSUER.to_string()),
        account.replace(':', ""),
    )
    .map_err(|e| e.to_string())
}

/// The step a TOTP code belongs to, if it is right at `now_secs` (one step of skew) and newer
/// than `last_step`.
pub fn matching_step(totp: &TOTP, code: &str, now_secs: u64, last_step: u64) -> Option<u64> {
    let current = now_secs / STEP_SECS;
    [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .filter(|step| *step > last_step)
        .find(|step| {
            let expected = totp.generate(step * STEP_SECS);
            crate::domain::constant_time_eq(expected.as_bytes(), code.as_bytes())
        })
}

/// A recovery code as it is shown: `abcde-fghjk`.
pub fn display_recovery(code: &str) -> String {
    let (a, b) = code.split_at(code.len() / 2);
    format!("{a}-{b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> Vec<u8> {
        b"12345678901234567890".to_vec()
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238, appendix B (SHA-1), truncated to six digits.
        let t = totp(secret(), "a@b.cn").expect("totp");
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(t.generate(time), code, "{time}");
        }
    }

    #[test]
    fn a_code_is_good_once_and_within_one_step() {
        let t = totp(secret(), "a@b.cn").expect("totp");
        let now = 1_234_567_890;
        let code = t.generate(now);
        let step = now / STEP_SECS;
        assert_eq!(matching_step(&t, &code, now, 0), Some(step));
        assert_eq!(
            matching_step(&t, &code, now + 30, 0),
            Some(step),
            "a step late"
        );
        assert_eq!(matching_step(&t, &code, now + 90, 0), None, "too late");
        assert_eq!(matching_step(&t, &code, now, step), None, "used already");
        assert_eq!(
            matching_step(&t, "000000", now, 0).filter(|_| code != "000000"),
            None
        );
    }

    #[test]
    fn typed_codes_are_read_generously() {
        assert_eq!(parse_code(" 123 456 "), Ok(Code::Totp("123456".into())));
        assert_eq!(
            parse_code("ABCDE-FGHJK"),
            Ok(Code::Recovery("abcdefghjk".into()))
        );
        assert_eq!(parse_code(""), Err("required"));
        assert_eq!(parse_code("12345"), Err("code_format"));
        assert_eq!(
            parse_code("abcde-fghi1"),
            Err("code_format"),
            "i and 1 are not in the alphabet"
        );
        assert_eq!(display_recovery("abcdefghjk"), "abcde-fghjk");
    }
}
