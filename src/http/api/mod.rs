//! JSON API handlers, one file per resource; each handler is named after its verb.

pub mod accounts;
pub mod application;
pub mod audit;
pub mod catalog;
pub mod consultations;
pub mod documents;
pub mod enterprise;
pub mod me;
pub mod move_in;
pub mod products;
pub mod provider;
pub mod providers;
pub mod review;
pub mod sessions;
pub mod storefront;

use serde::Serialize;
use utoipa::ToSchema;

use crate::workflows::accounts::AccountView;

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    pub id: String,
    pub email: String,
    /// `provider`, `operator`, `admin`.
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
