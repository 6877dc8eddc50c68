//! The JSON body extractor of the API: requires `application/json`, refuses unknown fields and
//! reports where a body does not fit (400 for broken JSON, 422 naming the field otherwise).

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
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let (field, code) = if let Some(name) = between_backticks(&message, "unknown field") {
            (join_path(&path, &name), "unknown_field")
        } else if let Some(name) = between_backticks(&message, "missing field") {
            (join_path(&path, &name), "required")
        } else if message.starts_with("unknown variant") {
            (path, "not_allowed")
        } else {
            (path, "invalid_type")
        };
        let field = if field == "." || field.is_empty() {
            "body".to_string()
        } else {
            field
        };
        ApiError::validation(vec![FieldError::new(field, code)])
    })
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

    #[test]
    fn broken_json_is_400() {
        assert_eq!(fail("{").0, StatusCode::BAD_REQUEST);
        assert_eq!(fail("").0, StatusCode::BAD_REQUEST);
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
