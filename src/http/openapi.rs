//! The OpenAPI document, generated from the handlers' annotations and served at
//! `/api/v1/openapi.json`. A snapshot test keeps it (and API.md) honest.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api;
use super::error;

#[derive(OpenApi)]
#[openapi(
    info(title = "Berth API", description = "Service-provider move-in for a cloud marketplace."),
    paths(
        api::accounts::register,
        api::accounts::activate,
        api::accounts::resend_activation_code,
        api::accounts::request_password_reset,
        api::accounts::confirm_password_reset,
        api::sessions::create,
        api::sessions::delete_current,
        api::me::show,
        api::audit::list,
        api::move_in::show,
        api::enterprise::show,
        api::enterprise::save,
        api::enterprise::upload_document,
        api::enterprise::submit,
        api::enterprise::confirm_deposit,
        api::enterprise::request_deposit,
        api::application::show,
        api::application::save,
        api::application::submit,
        api::catalog::categories,
        api::catalog::service_types,
        api::provider::customer_service,
        api::provider::save_customer_service,
        api::provider::settlement,
        api::provider::save_settlement,
        api::documents::download,
        api::review::queue,
        api::review::summary,
        api::review::show,
        api::review::decide,
        api::review::micro_deposit,
        api::products::list,
        api::products::create,
        api::products::show,
        api::products::update,
        api::products::submit,
        api::products::unlist,
        api::products::relist,
        api::products::upload_icon,
        api::storefront::search,
        api::storefront::show,
        api::consultations::create,
        api::consultations::list,
        api::consultations::reply,
        api::providers::suspend,
        api::providers::reinstate,
        api::providers::catalog_add,
        api::providers::catalog_rename,
        api::providers::catalog_retire,
        api::providers::catalog_restore,
    ),
    components(schemas(error::ErrorBody, error::ErrorDetail, error::FieldErrorBody)),
    modifiers(&BearerAuth),
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
        (name = "operators", description = "The back office (operators and admins)"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The document, with a fixed version so the snapshot does not change with each release.
pub fn document_value() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.info.version = "1".to_string();
    serde_json::to_value(&doc).unwrap_or(serde_json::Value::Null)
}

pub async fn document() -> Json<serde_json::Value> {
    Json(document_value())
}
