//! The one error type of the HTTP layer.
//!
//! Rules for the whole code base: `domain` returns small error values with stable codes;
//! `workflows` return `workflows::Error`; handlers return `ApiError`, which every lower error
//! converts into. An `ApiError` becomes a response *without* a body; the `render_errors`
//! middleware then writes the body in the request's language (JSON under `/api`, later HTML for
//! pages), so extractor rejections, unknown routes and handler errors all look the same.
//! A 5xx logs its cause chain on the server; the client only sees a generic message.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::http::request_lang;
use crate::i18n::{self, Lang};
use crate::workflows;

use super::AppState;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    pub due: Option<Vec<String>>,
    pub retry_after_secs: Option<u64>,
    /// Extra members of the `error` object (e.g. `attempts_left`).
    pub extra: Vec<(&'static str, serde_json::Value)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str) -> ApiError {
        ApiError {
            status,
            code,
            fields: Vec::new(),
            due: None,
            retry_after_secs: None,
            extra: Vec::new(),
        }
    }

    pub fn malformed() -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_request")
    }

    pub fn unauthenticated() -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthenticated")
    }

    pub fn forbidden() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden")
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found")
    }

    pub fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal")
    }

    /// A 422 naming each invalid field once (the first error found for it).
    pub fn validation(fields: Vec<FieldError>) -> ApiError {
        let mut once: Vec<FieldError> = Vec::with_capacity(fields.len());
        for f in fields {
            if !once.iter().any(|x| x.field == f.field) {
                once.push(f);
            }
        }
        ApiError {
            fields: once,
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed")
        }
    }

    pub fn field(field: &str, code: &'static str) -> ApiError {
        ApiError::validation(vec![FieldError::new(field, code)])
    }

    pub fn with_extra(mut self, name: &'static str, value: serde_json::Value) -> ApiError {
        self.extra.push((name, value));
        self
    }

    /// The JSON body in `lang`.
    pub fn body(&self, lang: Lang, request_id: Option<&str>) -> ErrorBody {
        let fields = self
            .fields
            .iter()
            .map(|f| {
                let params: Vec<(&str, &str)> =
                    f.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                FieldErrorBody {
                    field: f.field.clone(),
                    code: f.code.to_string(),
                    message: i18n::tf(lang, &format!("field.{}", f.code), &params),
                }
            })
            .collect();
        let mut extra = serde_json::Map::new();
        for (k, v) in &self.extra {
            extra.insert((*k).to_string(), v.clone());
        }
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: i18n::t(lang, &format!("error.{}", self.code)).to_string(),
                fields,
                due: self.due.clone(),
                request_id: request_id.map(str::to_string),
                extra,
            },
        }
    }
}

/// `{"error": {...}}`
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code, e.g. `validation_failed`.
    pub code: String,
    /// Human message in the request's language.
    pub message: String,
    /// Every invalid field (422).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldErrorBody>,
    /// Requirement keys still missing (`provider_access_required`, `enterprise_verification_required`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Vec<String>>,
    /// The `x-request-id` of the request, for support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = Response::new(Body::empty());
        *resp.status_mut() = self.status;
        if let Some(secs) = self.retry_after_secs {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp.extensions_mut().insert(Arc::new(self));
        resp
    }
}

impl From<workflows::Error> for ApiError {
    fn from(e: workflows::Error) -> ApiError {
        use workflows::Error as E;
        match e {
            E::Validation(fields) => ApiError::validation(fields),
            E::Conflict(code) => ApiError::new(StatusCode::CONFLICT, code),
            E::InvalidCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials"),
            E::NotActivated => ApiError::new(StatusCode::FORBIDDEN, "account_not_activated"),
            E::Unauthenticated => ApiError::unauthenticated(),
            E::Forbidden => ApiError::forbidden(),
            E::NotFound => ApiError::not_found(),
            E::RateLimited { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited")
            },
            E::Busy { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy")
            },
            E::StepUpRequired => ApiError::new(StatusCode::FORBIDDEN, "step_up_required"),
            E::OwnItem => ApiError::new(StatusCode::FORBIDDEN, "own_item"),
            E::SecondFactorEnrolmentRequired => {
                ApiError::new(StatusCode::FORBIDDEN, "second_factor_enrolment_required")
            }
            E::ProviderAccessRequired { due } => ApiError {
                due: Some(due),
                ..ApiError::new(StatusCode::FORBIDDEN, "provider_access_required")
            },
            E::VerificationRequired { due } => ApiError {
                due: Some(due),
                ..ApiError::new(StatusCode::CONFLICT, "enterprise_verification_required")
            },
            E::Frozen { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "verification_frozen")
            },
            E::WrongAmount { attempts_left } => ApiError {
                fields: vec![FieldError::new("amount_fen", "wrong_amount")
                    .with("attempts_left", attempts_left)],
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong_amount")
            }
            .with_extra("attempts_left", serde_json::json!(attempts_left)),
            E::AccountNameMismatch => ApiError {
                fields: vec![FieldError::new("account_name", "account_name_mismatch")],
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "account_name_mismatch")
            },
            E::Upload(code) => match code {
                "too_large" => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                "unsupported_media_type" => {
                    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                }
                other => ApiError::field("file", other),
            },
            E::Blob(err) => {
                tracing::error!(error = ?err, "file storage failure");
                ApiError::internal()
            }
            E::Store(err) => {
                tracing::error!(error = ?err, "store failure");
                ApiError::internal()
            }
            E::Internal(msg) => {
                tracing::error!(error = %msg, "internal failure");
                ApiError::internal()
            }
        }
    }
}

/// The code of an error status that carries no `ApiError` (a rejection from the router, an
/// extractor or a tower layer), so every error answer has the API's shape.
fn code_for_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "malformed_request",
        StatusCode::UNAUTHORIZED => "unauthenticated",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "validation_failed",
        StatusCode::TOO_MANY_REQUESTS => "rate_limited",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "busy",
        s if s.is_client_error() => "malformed_request",
        _ => "internal",
    }
}

/// Writes the body of every error response: handler errors (carried as an extension), and the
/// bare statuses produced by the router and tower layers (404, 405, 408, 413, panics).
pub async fn render_errors(State(_state): State<AppState>, req: Request, next: Next) -> Response {
    let lang = request_lang(req.headers());
    let path = req.uri().path().to_string();
    let is_api =
        path.starts_with("/api/") || matches!(path.as_str(), "/healthz" | "/readyz" | "/metrics");
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut resp = next.run(req).await;
    let err = match resp.extensions_mut().remove::<Arc<ApiError>>() {
        Some(err) => err,
        None => {
            let status = resp.status();
            if !(status.is_client_error() || status.is_server_error()) {
                return resp;
            }
            let code = code_for_status(status);
            let empty = resp.headers().get(header::CONTENT_TYPE).is_none()
                || resp
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
            if !empty {
                return resp;
            }
            Arc::new(ApiError::new(status, code))
        }
    };
    if !is_api {
        // Pages get an HTML error page in the visitor's language.
        let page = crate::http::web::Page {
            lang,
            account: None,
            session: None,
            csrf: String::new(),
            url: path.clone(),
            path,
            notice: None,
        };
        let mut html = crate::http::web::error_page(page, err.status, err.code);
        for name in [header::RETRY_AFTER, header::CONNECTION] {
            if let Some(v) = resp.headers().get(&name).cloned() {
                html.headers_mut().insert(name, v);
            }
        }
        return html;
    }
    let body = err.body(lang, request_id.as_deref());
    let json = serde_json::to_vec(&body)
        .unwrap_or_else(|_| b"{\"error\":{\"code\":\"internal\"}}".to_vec());
    let (mut parts, _) = resp.into_parts();
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(json))
}
