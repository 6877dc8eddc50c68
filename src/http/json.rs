//! The JSON body extractor of the API: requires `application/json`, refuses unknown fields and
//! repeated keys, and reports where a body does not fit (400 for broken JSON, 422 naming the
//! field otherwise). `misfit` names the field of any serde error, for query strings too.
//!
//! Integer fields (money in fen, limits, counts) take JSON integers only: `100.0` and `1e2` are
//! refused with `integer`, never read as 100, so an amount in yuan sent as `1.0` cannot pass for
//! one fen and no client learns to send floats for money.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::domain::FieldError;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| {
                let mime = mime.trim();
                mime.eq_ignore_ascii_case("application/json") || mime.ends_with("+json")
            });
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large")
            } else {
                ApiError::malformed()
            }
        })?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Parses `bytes` as `T`: syntax errors are 400 `malformed_request`; a body that is JSON but does
/// not fit `T` is 422 with the path of the offending field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // First: is it JSON at all?
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ApiError::malformed())?;
    if !value.is_object() {
        return Err(ApiError::field("body", "object_expected"));
    }
    if let Some(path) = duplicate_key(bytes) {
        return Err(ApiError::field(&path, "duplicate_key"));
    }
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        ApiError::validation(vec![misfit(
            &e.path().to_string(),
            &e.inner().to_string(),
            "body",
        )])
    })
}

/// The field error of a value that does not fit its type: `path` is where serde stopped,
/// `message` its error; `whole` names the request part when the path is empty.
pub fn misfit(path: &str, message: &str, whole: &str) -> FieldError {
    let (field, code) = if let Some(name) = between_backticks(message, "unknown field") {
        (join_path(path, &name), "unknown_field")
    } else if let Some(name) = between_backticks(message, "missing field") {
        (join_path(path, &name), "required")
    } else if message.starts_with("unknown variant") {
        (path.to_string(), "not_allowed")
    } else if float_for_integer(message) {
        (path.to_string(), "integer")
    } else {
        (path.to_string(), "invalid_type")
    };
    let field = if field == "." || field.is_empty() || field.ends_with('.') {
        if field.len() > 1 && field.ends_with('.') {
            field.trim_end_matches('.').to_string()
        } else {
            whole.to_string()
        }
    } else {
        field
    };
    FieldError::new(field, code)
}

/// Whether serde's `message` says a number with a fraction or an exponent (`100.0`, `1e2`) was
/// given where an integer type (`i64`, `u32`, …) was expected.
fn float_for_integer(message: &str) -> bool {
    let Some(rest) = message.strip_prefix("invalid type: floating point") else {
        return false;
    };
    let Some((_, expected)) = rest.rsplit_once("expected ") else {
        return false;
    };
    let expected = expected.trim();
    expected.contains("integer")
        || matches!(expected.as_bytes(), [b'i' | b'u', digits @ ..] if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit))
        || expected == "usize"
        || expected == "isize"
}

/// Parses a form field that must hold an integer (a multipart part, say) as the JSON bodies do:
/// `100` is 100; `100.0` and `1e2` are refused with `integer`, anything else with `invalid_type`.
pub fn integer_field(field: &str, text: &str) -> Result<i64, ApiError> {
    let text = text.trim();
    text.parse::<i64>().map_err(|_| {
        if text.parse::<f64>().is_ok_and(f64::is_finite) {
            ApiError::field(field, "integer")
        } else {
            ApiError::field(field, "invalid_type")
        }
    })
}

/// The path of the first object key that appears twice (serde would keep the last one silently,
/// so `{"amount_fen": 1, "amount_fen": 99}` could mean either).
fn duplicate_key(bytes: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};

    struct Walk<'a> {
        path: String,
        found: &'a mut Option<String>,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0;
            loop {
                let path = format!("{}[{i}]", self.path);
                let seed = Walk {
                    path,
                    found: &mut *self.found,
                };
                if seq.next_element_seed(seed)?.is_none() {
                    return Ok(());
                }
                i += 1;
            }
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                let path = if self.path.is_empty() {
                    key.clone()
                } else {
                    format!("{}.{key}", self.path)
                };
                if !seen.insert(key) && self.found.is_none() {
                    *self.found = Some(path.clone());
                }
                map.next_value_seed(Walk {
                    path,
                    found: &mut *self.found,
                })?;
            }
            Ok(())
        }
    }

    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let walk = Walk {
        path: String::new(),
        found: &mut found,
    };
    walk.deserialize(&mut de).ok()?;
    found
}

fn between_backticks(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.trim_start();
    let rest = rest.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some(rest[..end].to_string())
}

fn join_path(path: &str, name: &str) -> String {
    if path == name || path.ends_with(&format!(".{name}")) {
        path.to_string()
    } else if path.is_empty() || path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        name: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: Option<String>,
        inner: Option<Inner>,
    }

    fn fail(json: &str) -> (StatusCode, String, String) {
        let e = parse_json::<Body>(json.as_bytes()).expect_err("must fail");
        let f = e
            .fields
            .first()
            .map(|f| (f.field.clone(), f.code.to_string()))
            .unwrap_or_default();
        (e.status, f.0, f.1)
    }

    #[derive(Debug, Deserialize)]
    struct Amount {
        n: i64,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Counts {
        small: Option<u32>,
        list: Option<Vec<u8>>,
    }

    fn code_of<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> (String, String) {
        let e = parse_json::<T>(json.as_bytes()).expect_err("must fail");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        e.fields
            .first()
            .map(|f| (f.field.clone(), f.code.to_string()))
            .unwrap_or_default()
    }

    #[test]
    fn integers_written_as_floats_are_refused_naming_the_field() {
        assert_eq!(
            parse_json::<Amount>(br#"{"n": 5}"#).map(|a| a.n).ok(),
            Some(5)
        );
        for n in ["5.0", "1e2", "1E2", "100.00", "5.5", "1e300", "-0.0"] {
            assert_eq!(
                code_of::<Amount>(&format!(r#"{{"n": {n}}}"#)),
                ("n".into(), "integer".into()),
                "{n}"
            );
        }
        assert_eq!(
            code_of::<Counts>(r#"{"small": 3.0}"#),
            ("small".into(), "integer".into())
        );
        assert_eq!(
            code_of::<Counts>(r#"{"list": [1, 2e0]}"#),
            ("list[1]".into(), "integer".into())
        );
        // A string is still the wrong type, not a misspelt integer.
        assert_eq!(
            code_of::<Amount>(r#"{"n": "5"}"#),
            ("n".into(), "invalid_type".into())
        );
    }

    #[test]
    fn integer_form_fields_read_as_json_integers_do() {
        assert_eq!(integer_field("a", " 100 ").ok(), Some(100));
        for (text, code) in [
            ("100.0", "integer"),
            ("1e2", "integer"),
            ("x", "invalid_type"),
            ("inf", "invalid_type"),
        ] {
            let e = integer_field("a", text).expect_err(text);
            assert_eq!(e.fields[0].field, "a");
            assert_eq!(e.fields[0].code, code, "{text}");
        }
    }

    #[test]
    fn broken_json_is_400() {
        assert_eq!(fail("{").0, StatusCode::BAD_REQUEST);
        assert_eq!(fail("").0, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn repeated_keys_are_refused_where_they_are() {
        assert_eq!(
            fail(r#"{"email": "a@b.cn", "email": "c@d.cn"}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "email".into(),
                "duplicate_key".into()
            )
        );
        assert_eq!(
            fail(r#"{"inner": {"name": "x", "name": "y"}}"#).1,
            "inner.name"
        );
        assert!(duplicate_key(br#"{"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}"#).is_none());
        assert_eq!(
            duplicate_key(br#"{"a": [{"b": 1}, {"b": 2, "b": 3}]}"#).as_deref(),
            Some("a[1].b")
        );
    }

    #[test]
    fn misfits_name_the_field() {
        assert_eq!(
            fail(r#"{"emial": "x"}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "emial".into(),
                "unknown_field".into()
            )
        );
        assert_eq!(
            fail(r#"{"email": 5}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "email".into(),
                "invalid_type".into()
            )
        );
        assert_eq!(
            fail(r#"{"inner": {"nme": "x"}}"#),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "inner.nme".into(),
                "unknown_field".into()
            )
        );
        assert_eq!(
            fail("[]"),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "body".into(),
                "object_expected".into()
            )
        );
    }
}
