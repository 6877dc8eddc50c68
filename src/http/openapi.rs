//! The OpenAPI document, generated from the handlers' annotations and the route list in
//! `api::routes()` (one list serves and documents every route), served at
//! `/api/v1/openapi.json`. `finish` adds what every operation shares: the error answers any of
//! them can give (in the one error shape) and the bearer scheme. A snapshot test keeps the
//! document and API.md honest.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type};
use utoipa::OpenApi;

use crate::http::api;
use crate::http::error;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Berth API",
        description = "Service-provider move-in for a cloud marketplace. Errors always have the shape \
            `{\"error\": {\"code\", \"message\", \"fields\"?}}`, in the request's language. \
            Integer fields (amounts in fen, limits) take JSON integers: `100`, never `100.0` or \
            `1e2` (422, field code `integer`).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, error::FieldErrorBody)),
    tags(
        (name = "accounts", description = "Register, activate, reset the password"),
        (name = "sessions", description = "Log in and out; the signed-in account"),
        (name = "move-in", description = "Where an account stands on the move-in journey"),
        (name = "enterprise", description = "Enterprise real-name verification"),
        (name = "application", description = "The move-in (partner) application"),
        (name = "catalog", description = "Categories and service types"),
        (name = "provider", description = "Provider backend: Information Management → Basic Information"),
        (name = "products", description = "Product release (moved-in providers)"),
        (name = "storefront", description = "The public catalogue"),
        (name = "contact", description = "Contact us"),
        (name = "operators", description = "The back office: reviewers, finance and admins (docs/STAFF.md)"),
        (name = "staff", description = "Staff accounts, roles and invitations (admins)"),
        (name = "events", description = "The event feed and webhooks (docs/EVENTS.md)"),
        (name = "agreements", description = "The provider agreement: versions, acceptance, publishing"),
        (name = "tokens", description = "API tokens for machines: scopes, expiry, revocation"),
    )
)]
pub struct ApiDoc;

/// The error answers `finish` documents where they can occur.
const SHARED_ERRORS: &[(&str, &str)] = &[
    (
        "400",
        "`malformed_request`: the body is not valid JSON (or multipart).",
    ),
    ("401", "`unauthenticated`: no or bad credentials."),
    (
        "403",
        "`forbidden` (or a more precise code): authenticated but not allowed.",
    ),
    (
        "404",
        "`not_found`: no such thing, or it belongs to someone else.",
    ),
    ("409", "The state does not allow it; `code` says why."),
    ("413", "`too_large`: the body is over the limit."),
    ("414", "`uri_too_long`: the address is over 8 KiB."),
    (
        "415",
        "`unsupported_media_type`: the body is not of the type this operation takes.",
    ),
    (
        "422",
        "`validation_failed`: `fields` names every invalid field.",
    ),
    (
        "429",
        "`rate_limited`: too many attempts; wait `Retry-After` seconds.",
    ),
    ("431", "`headers_too_large`: too many or too large headers."),
    (
        "503",
        "`busy`: the server cannot take this now; retry after `Retry-After` seconds.",
    ),
];

/// The finished document: the routes' operations under `ApiDoc`'s head, a fixed version (the
/// snapshot does not move with each release), the bearer scheme, and the shared error answers on
/// every operation where they can occur.
pub fn finish(routes: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(routes);
    doc.info.version = "1".to_string();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
    );
    for (status, description) in SHARED_ERRORS {
        components
            .responses
            .insert(format!("Error{status}"), shared_error(status, description));
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            for status in applicable_errors(path, op) {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| {
                        Ref::new(format!("#/components/responses/Error{status}")).into()
                    });
            }
            // A handler lists an error status to say which codes it gives: keep its words, and
            // give it the one error body (and `Retry-After` where it applies).
            for (status, response) in op.responses.responses.iter_mut() {
                if !SHARED_ERRORS.iter().any(|(s, _)| s == status) {
                    continue;
                }
                if let RefOr::T(r) = response {
                    let mut shared = Ref::new(format!("#/components/responses/Error{status}"));
                    shared.description = r.description.clone();
                    *response = shared.into();
                }
            }
        }
    }
    doc
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Which shared errors an operation can give: body errors where it takes a body, credential
/// errors where it needs them, 404 where its path names something, 422 where it reads input, and
/// the head limits everywhere. 429 and 503 are listed by the operations that have them.
fn applicable_errors(path: &str, op: &Operation) -> Vec<&'static str> {
    let body = op.request_body.is_some();
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let input = body
        || op.parameters.as_ref().is_some_and(|p| {
            p.iter()
                .any(|p| !matches!(p.parameter_in, utoipa::openapi::path::ParameterIn::Path))
        });
    let mut out = vec!["414", "431"];
    if body {
        out.extend(["400", "413", "415"]);
    }
    if secured {
        out.extend(["401", "403"]);
    }
    if path.contains('{') {
        out.push("404");
    }
    if input {
        out.push("422");
    }
    out
}

fn shared_error(status: &str, description: &str) -> RefOr<Response> {
    let mut response = ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    );
    if status == "429" || status == "503" {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(1)),
                )
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    response.build().into()
}

/// Operation ids must be unique (clients are generated from them); the test suite checks.
pub fn duplicate_operation_ids(doc: &utoipa::openapi::OpenApi) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for item in doc.paths.paths.values() {
        for op in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
            .into_iter()
            .flatten()
        {
            if let Some(id) = &op.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
    }
    seen.into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| id)
        .collect()
}

/// The document as served, for tests and tools.
pub fn document() -> utoipa::openapi::OpenApi {
    finish(api::routes().split_for_parts().1)
}
