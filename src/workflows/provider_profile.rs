//! A provider's profile for machines and operators (`providers:read`): the company, where its
//! move-in stands, its standing and its customer service. Nothing secret: no ID or account
//! numbers, no settlement account.

use serde::Serialize;
use utoipa::ToSchema;

use super::api_tokens::Reach;
use super::providers::{standing, Standing};
use super::{Ctx, Error, Result};
use crate::domain::account::{Role, Roles};
use crate::domain::provider::CustomerService;
use crate::store;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderProfile {
    pub account_id: String,
    /// The verified company name, once verified.
    pub company_name: Option<String>,
    /// `in_progress` or `moved_in`.
    pub move_in: String,
    /// `not_provider` (its application is not approved yet), `active`, `suspended`, or `closed`
    /// (its holder closed the account: nothing listed, no staff action applies).
    pub standing: String,
    pub customer_service: Option<CustomerService>,
}

/// The profile of provider `account_id`, for a caller who reaches it (others: `NotFound`, as for
/// an account that is no provider).
pub async fn profile(ctx: &Ctx, reach: &Reach, account_id: &str) -> Result<ProviderProfile> {
    if !reach.covers(account_id) {
        return Err(Error::NotFound);
    }
    let is_provider = store::accounts::find_by_id(ctx.db.pool(), account_id)
        .await?
        .is_some_and(|a| Roles::parse_stored(&a.roles).has(Role::Provider));
    if !is_provider {
        return Err(Error::NotFound);
    }
    let moved_in = super::move_in::status(ctx, account_id).await?.moved_in();
    let company_name = store::enterprise::get(ctx.db.pool(), account_id)
        .await?
        .and_then(|e| e.company_name);
    let standing = match standing(ctx, account_id).await? {
        Standing::NotProvider => "not_provider",
        Standing::Active => "active",
        Standing::Suspended => "suspended",
        Standing::Closed => "closed",
    };
    Ok(ProviderProfile {
        account_id: account_id.to_string(),
        company_name,
        move_in: if moved_in { "moved_in" } else { "in_progress" }.into(),
        standing: standing.into(),
        customer_service: store::provider::customer_service(ctx.db.pool(), account_id).await?,
    })
}
