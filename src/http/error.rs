//! The one error type of the HTTP layer.
//!
//! Rules for the whole code base: `domain` returns small error values with stable codes;
//! `workflows` return `workflows::Error`; handlers return `ApiError`, which every lower error
//! converts into. An `ApiError` becomes a response *without* a body; the `render_errors`
//! middleware (`render_errors.rs`) then writes the body in the request's language (JSON under
//! `/api`, an HTML page elsewhere), so extractor rejections, unknown routes and handler errors all
//! look the same.
//! A 5xx logs its cause chain on the server; the client only sees a generic message.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::FieldError;
use crate::i18n::{self, Lang};
use crate::workflows;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    pub due: Option<Vec<String>>,
    pub retry_after_secs: Option<u64>,
    /// Extra members of the `error` object (e.g. `attempts_left`).
    pub extra: Vec<(&'static str, serde_json::Value)>,
    /// Where a page's form shows this refusal, when it is about what was typed; `None`: the
    /// page fails with the error page. (Boxed: most errors carry none.)
    pub form: Option<Box<FormNote>>,
}

/// How a page's form shows a refusal that is about what was typed.
#[derive(Debug, Clone)]
pub enum FormNote {
    /// Every invalid field beside its field, as the workflow found them.
    Fields(Vec<FieldError>),
    /// One message at `field` (`_form`: above the form): the catalog's `key` with `params`.
    Message {
        field: &'static str,
        key: String,
        params: Vec<(&'static str, String)>,
    },
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
            form: None,
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

    fn in_form_note(mut self, note: FormNote) -> ApiError {
        self.form = Some(Box::new(note));
        self
    }

    /// A page's form shows it as the catalog's `key` at `field`.
    fn in_form(self, field: &'static str, key: impl Into<String>) -> ApiError {
        self.in_form_with(field, key, Vec::new())
    }

    fn in_form_with(
        self,
        field: &'static str,
        key: impl Into<String>,
        params: Vec<(&'static str, String)>,
    ) -> ApiError {
        self.in_form_note(FormNote::Message {
            field,
            key: key.into(),
            params,
        })
    }

    /// The message of the code in `lang`; a missing role is named ("needs the Finance role").
    fn message(&self, lang: Lang) -> String {
        let role = self
            .extra
            .iter()
            .find(|(k, _)| *k == "role")
            .and_then(|(_, v)| v.as_str());
        match (self.code, role) {
            ("role_required", Some(role)) => {
                let name = i18n::t(lang, &format!("audit.role.{role}")).to_string();
                i18n::tf(lang, "error.role_required_named", &[("role", &name)])
            }
            _ => i18n::t(lang, &format!("error.{}", self.code)).to_string(),
        }
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
                message: self.message(lang),
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

/// The one table of `workflows::Error`: for each refusal its status, its stable code, what the
/// JSON body carries beyond them, and where a page's form shows it (`in_form`). A new variant is
/// described here once; the JSON body (`body`) and the pages (`web::forms::absorb`) both read
/// the result.
impl From<workflows::Error> for ApiError {
    fn from(e: workflows::Error) -> ApiError {
        use workflows::Error as E;
        match e {
            E::Validation(fields) => {
                ApiError::validation(fields.clone()).in_form_note(FormNote::Fields(fields))
            }
            E::Conflict(code) => ApiError::new(StatusCode::CONFLICT, code)
                .in_form(conflict_field(code), format!("error.{code}")),
            E::InvalidCredentials => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials")
                .in_form("_form", "error.invalid_credentials"),
            E::NotActivated => ApiError::new(StatusCode::FORBIDDEN, "account_not_activated")
                .in_form("_form", "error.account_not_activated"),
            E::AccountDisabled => ApiError::new(StatusCode::FORBIDDEN, "account_disabled")
                .in_form("_form", "error.account_disabled"),
            E::Unauthenticated => ApiError::unauthenticated(),
            E::Forbidden => ApiError::forbidden(),
            E::RoleRequired(role) => ApiError::new(StatusCode::FORBIDDEN, "role_required")
                .with_extra("role", serde_json::json!(role.as_str()))
                .in_form("_form", "error.role_required"),
            E::NotFound => ApiError::not_found(),
            E::RateLimited { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited")
            }
            .in_form_with(
                "_form",
                "error.rate_limited_wait",
                vec![("minutes", retry_after_secs.div_ceil(60).to_string())],
            ),
            E::Busy { retry_after_secs } => ApiError {
                retry_after_secs: Some(retry_after_secs),
                ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy")
            }
            .in_form("_form", "error.busy"),
            E::InsufficientScope => ApiError::new(StatusCode::FORBIDDEN, "insufficient_scope"),
            E::Claimed {
                code,
                holder,
                until_ms,
            } => ApiError::new(StatusCode::CONFLICT, code)
                .with_extra("claimed_by", serde_json::json!(holder))
                .with_extra(
                    "claimed_until",
                    serde_json::json!(crate::time_util::rfc3339(until_ms)),
                )
                .in_form_with(
                    "_form",
                    format!("error.{code}_by"),
                    vec![("holder", holder)],
                ),
            E::StepUpRequired => ApiError::new(StatusCode::FORBIDDEN, "step_up_required")
                .in_form("second_factor_code", "error.step_up_required"),
            E::OwnItem => {
                ApiError::new(StatusCode::FORBIDDEN, "own_item").in_form("_form", "error.own_item")
            }
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
            }
            .in_form("amount_fen", "error.verification_frozen"),
            E::WrongAmount { attempts_left } => ApiError {
                fields: vec![FieldError::new("amount_fen", "wrong_amount")
                    .with("attempts_left", attempts_left)],
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "wrong_amount")
            }
            .with_extra("attempts_left", serde_json::json!(attempts_left))
            .in_form_with(
                "amount_fen",
                "field.wrong_amount",
                vec![("attempts_left", attempts_left.to_string())],
            ),
            E::AccountNameMismatch => ApiError {
                fields: vec![FieldError::new("account_name", "account_name_mismatch")],
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "account_name_mismatch")
            }
            .in_form("account_name", "field.account_name_mismatch"),
            E::Upload(code) => match code {
                "too_large" => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
                "unsupported_media_type" => {
                    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                }
                other => ApiError::field("file", other),
            }
            .in_form("file", format!("field.{code}")),
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

/// The form field a conflict is about, for the pages (`_form`: the form as a whole).
fn conflict_field(code: &str) -> &'static str {
    match code {
        "email_taken" => "email",
        "uscc_taken" => "uscc",
        // Beside the callback URL, where the form links to the test.
        "integration_test_required" => "callback_url",
        _ => "_form",
    }
}
