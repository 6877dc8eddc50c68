//! JSON API handlers, one file per resource; each handler is named after its verb. `routes()`
//! lists every route once, and the OpenAPI document (`openapi.rs`) is built from the same list,
//! so no route can be served undocumented.

pub mod accounts;
pub mod agreements;
pub mod appeals;
pub mod application;
pub mod audit;
pub mod calendar;
pub mod catalog;
pub mod claims;
pub mod consultations;
pub mod deposits;
pub mod documents;
pub mod enterprise;
pub mod events;
pub mod integration;
pub mod me;
pub mod move_in;
pub mod privacy;
pub mod products;
pub mod provider;
pub mod providers;
pub mod reasons;
pub mod report;
pub mod review;
pub mod rules;
pub mod second_factor;
pub mod sessions;
pub mod staff;
pub mod storefront;
pub mod tokens;
pub mod webhooks;

use axum::extract::DefaultBodyLimit;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::http::state::AppState;
use crate::http::upload::UPLOAD_BODY_LIMIT;
use crate::workflows::accounts::AccountView;

/// Every route of the API under `/api/v1`, one `routes!` per path.
pub fn routes() -> OpenApiRouter<AppState> {
    let upload = || DefaultBodyLimit::max(UPLOAD_BODY_LIMIT);
    OpenApiRouter::new()
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::activate))
        .routes(routes!(accounts::resend_activation_code))
        .routes(routes!(accounts::request_password_reset))
        .routes(routes!(accounts::confirm_password_reset))
        .routes(routes!(sessions::create))
        .routes(routes!(sessions::second_factor))
        .routes(routes!(sessions::step_up))
        .routes(routes!(sessions::delete_current))
        .routes(routes!(second_factor::enrol))
        .routes(routes!(second_factor::confirm))
        .routes(routes!(second_factor::disable))
        .routes(routes!(me::show))
        .routes(routes!(move_in::show))
        .routes(routes!(appeals::show))
        .routes(routes!(appeals::appeal).layer(upload()))
        .routes(routes!(enterprise::show, enterprise::save))
        .routes(routes!(enterprise::upload_document).layer(upload()))
        .routes(routes!(enterprise::submit))
        .routes(routes!(enterprise::confirm_deposit))
        .routes(routes!(enterprise::request_deposit))
        .routes(routes!(application::show, application::save))
        .routes(routes!(application::submit))
        .routes(routes!(catalog::categories))
        .routes(routes!(catalog::service_types))
        .routes(routes!(
            provider::customer_service,
            provider::save_customer_service
        ))
        .routes(routes!(provider::settlement, provider::save_settlement))
        .routes(routes!(integration::show, integration::rotate))
        .routes(routes!(integration::list, integration::run))
        .routes(routes!(documents::download))
        .routes(routes!(review::queue))
        .routes(routes!(review::summary))
        .routes(routes!(review::show))
        .routes(routes!(review::decide))
        .routes(routes!(review::micro_deposit))
        .routes(routes!(reasons::list, reasons::add))
        .routes(routes!(reasons::change))
        .routes(routes!(report::show))
        .routes(routes!(claims::claim))
        .routes(routes!(claims::release))
        .routes(routes!(claims::assign))
        .routes(routes!(privacy::export))
        .routes(routes!(privacy::close))
        .routes(routes!(agreements::current))
        .routes(routes!(agreements::show))
        .routes(routes!(agreements::accept))
        .routes(routes!(agreements::publish))
        .routes(routes!(calendar::show))
        .routes(routes!(calendar::add))
        .routes(routes!(calendar::remove))
        .routes(routes!(audit::list))
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(events::list))
        .routes(routes!(webhooks::list, webhooks::create))
        .routes(routes!(webhooks::show, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::rotate_secret))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::test))
        .routes(routes!(webhooks::replay))
        .routes(routes!(products::list, products::create))
        .routes(routes!(products::show, products::update))
        .routes(routes!(products::submit))
        .routes(routes!(products::unlist))
        .routes(routes!(products::relist))
        .routes(routes!(products::icon, products::upload_icon).layer(upload()))
        .routes(routes!(storefront::search))
        .routes(routes!(storefront::show))
        .routes(routes!(storefront::icon))
        .routes(routes!(consultations::create))
        .routes(routes!(consultations::list))
        .routes(routes!(consultations::reply))
        .routes(routes!(providers::profile))
        .routes(routes!(providers::suspend))
        .routes(routes!(providers::reinstate))
        .routes(routes!(providers::catalog_add))
        .routes(routes!(providers::catalog_rename))
        .routes(routes!(providers::catalog_retire))
        .routes(routes!(providers::catalog_restore))
        .routes(routes!(deposits::mine))
        .routes(routes!(deposits::show))
        .routes(routes!(deposits::payment))
        .routes(routes!(deposits::deduction).layer(upload()))
        .routes(routes!(staff::invite))
        .routes(routes!(staff::accept))
        .routes(routes!(staff::list))
        .routes(routes!(staff::update))
        .routes(routes!(rules::list))
        .routes(routes!(rules::set))
        .routes(routes!(rules::second_looks))
        .routes(routes!(rules::second_look_done))
}

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    pub id: String,
    pub email: String,
    /// `provider`, `reviewer`, `finance`, `admin`.
    pub roles: Vec<String>,
    /// `pending_activation`, `active` or `disabled`.
    pub status: String,
    /// The language of the account's mail: `zh-CN` or `en`.
    pub language: String,
}

impl From<&AccountView> for AccountBody {
    fn from(a: &AccountView) -> AccountBody {
        AccountBody {
            id: a.id.clone(),
            email: a.email.clone(),
            roles: a.roles.names().into_iter().map(str::to_string).collect(),
            status: a.status.as_str().to_string(),
            language: a.lang.tag().to_string(),
        }
    }
}

/// Raw bytes (a download, an image).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

/// `{"status": "..."}`
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusBody {
    pub status: String,
}

/// Pagination parameters: `limit` (default 50, at most 200) and an opaque `cursor`.
pub fn page_limit(limit: Option<i64>) -> Result<i64, crate::http::error::ApiError> {
    match limit {
        None => Ok(50),
        Some(n) if (1..=200).contains(&n) => Ok(n),
        Some(_) => Err(crate::http::error::ApiError::validation(vec![
            crate::domain::FieldError::new("limit", "out_of_range")
                .with("min", 1)
                .with("max", 200),
        ])),
    }
}
