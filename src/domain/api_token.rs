//! API tokens for machines: their scopes, their shape (`berth_<id>_<secret>`), their name and
//! their lifetime. A token does only what its scopes name, within what its owner may do.

use super::{FieldError, FieldErrors};

/// What a token may be used for. Each scope-aware route names the one it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// The event feed (`GET /api/v1/events`).
    EventsRead,
    /// Providers' profiles (`GET /api/v1/review/providers/{id}`); a provider's token: its own.
    ProvidersRead,
    /// Registering and managing webhook endpoints.
    WebhooksWrite,
}

impl Scope {
    pub const ALL: [Scope; 3] = [
        Scope::EventsRead,
        Scope::ProvidersRead,
        Scope::WebhooksWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EventsRead => "events:read",
            Scope::ProvidersRead => "providers:read",
            Scope::WebhooksWrite => "webhooks:write",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// What every token string starts with, so that it is told from a session token (and found
/// by secret scanners).
pub const PREFIX: &str = "berth_";

/// The id part of a presented token, when it has the shape of an API token:
/// `berth_<32 hex digits>_<secret>`.
pub fn token_id(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() >= 32)
        .then_some(id)
}

/// Whether a bearer token is meant as an API token (even a malformed one: it is then refused as
/// one, never tried as a session).
pub fn looks_like_api_token(presented: &str) -> bool {
    presented.starts_with(PREFIX)
}

/// The lifetime rules: `default_days` when none is asked for, at most `max_days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    pub default_days: u32,
    pub max_days: u32,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// A token request, checked: its name, its scopes (sorted, once each) and when it expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub name: String,
    pub scopes: Vec<Scope>,
    pub expires_at: i64,
}

/// Checks a token request; every invalid field is named. `expires_at` is unix milliseconds
/// (`None`: the default lifetime).
pub fn validate(
    name: Option<&str>,
    scopes: Option<&[String]>,
    expires_at: Option<i64>,
    now: i64,
    lifetime: Lifetime,
) -> Result<TokenRequest, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let name = name.map(str::trim).unwrap_or("");
    if name.is_empty() {
        e.push(FieldError::new("name", "required"));
    } else if name.chars().count() > 100 {
        e.push(FieldError::new("name", "too_long").with("max", 100));
    } else if name.chars().any(char::is_control) {
        e.push(FieldError::new("name", "charset"));
    }
    let mut parsed = Vec::new();
    match scopes {
        None | Some([]) => e.push(FieldError::new("scopes", "required")),
        Some(list) => {
            for s in list {
                match Scope::parse(s) {
                    Some(scope) => parsed.push(scope),
                    None => {
                        e.push(FieldError::new("scopes", "unknown_scope"));
                        break;
                    }
                }
            }
        }
    }
    parsed.sort();
    parsed.dedup();
    let max = now + i64::from(lifetime.max_days) * DAY_MS;
    let expires_at = match expires_at {
        None => now + i64::from(lifetime.default_days.min(lifetime.max_days)) * DAY_MS,
        Some(at) if at <= now => {
            e.push(FieldError::new("expires_at", "in_the_past"));
            at
        }
        Some(at) if at > max => {
            e.push(FieldError::new("expires_at", "too_far").with("max_days", lifetime.max_days));
            at
        }
        Some(at) => at,
    };
    e.into_result()?;
    Ok(TokenRequest {
        name: name.to_string(),
        scopes: parsed,
        expires_at,
    })
}

/// The scopes stored as a JSON array, back as scopes (unknown names are dropped).
pub fn scopes_from_json(stored: &str) -> Vec<Scope> {
    serde_json::from_str::<Vec<String>>(stored)
        .unwrap_or_default()
        .iter()
        .filter_map(|s| Scope::parse(s))
        .collect()
}

pub fn scopes_to_json(scopes: &[Scope]) -> String {
    serde_json::Value::from(scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIFE: Lifetime = Lifetime {
        default_days: 90,
        max_days: 365,
    };

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_request_gets_sorted_scopes_and_the_default_lifetime() {
        let r = validate(
            Some(" feed reader "),
            Some(&scopes(&["providers:read", "events:read", "events:read"])),
            None,
            1_000,
            LIFE,
        )
        .expect("valid");
        assert_eq!(r.name, "feed reader");
        assert_eq!(r.scopes, vec![Scope::EventsRead, Scope::ProvidersRead]);
        assert_eq!(r.expires_at, 1_000 + 90 * DAY_MS);
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = validate(None, Some(&scopes(&["admin:all"])), Some(5), 1_000, LIFE)
            .expect_err("invalid");
        let codes: Vec<(&str, &str)> = e.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("name", "required"),
                ("scopes", "unknown_scope"),
                ("expires_at", "in_the_past")
            ]
        );
        let e = validate(
            Some("x"),
            Some(&[]),
            Some(1_000 + 400 * DAY_MS),
            1_000,
            LIFE,
        )
        .expect_err("invalid");
        assert_eq!(e[0].field, "scopes");
        assert_eq!(e[1].code, "too_far");
    }

    #[test]
    fn the_shape_of_a_token_gives_its_id() {
        let id = "0123456789abcdef0123456789abcdef";
        let secret = "s".repeat(43);
        assert_eq!(token_id(&format!("berth_{id}_{secret}")), Some(id));
        assert_eq!(token_id(&format!("berth_{id}_short")), None);
        assert_eq!(token_id(&format!("berth_{}_{secret}", &id[1..])), None);
        assert_eq!(token_id(&secret), None);
        assert!(looks_like_api_token("berth_x"));
        assert!(!looks_like_api_token("abc"));
    }

    #[test]
    fn scopes_round_trip_through_json() {
        let s = vec![Scope::EventsRead, Scope::WebhooksWrite];
        assert_eq!(scopes_from_json(&scopes_to_json(&s)), s);
        assert!(scopes_from_json("not json").is_empty());
    }
}
