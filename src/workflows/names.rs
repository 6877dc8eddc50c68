//! Who and what the ids of the back office stand for, so that staff read names instead of ids:
//! accounts by e-mail and company, review items by kind and company, products by name,
//! consultations by reference. Staff only (the callers are behind the staff check).

use std::collections::HashMap;

use super::{Ctx, Result};
use crate::store;

/// An account as staff recognise it.
#[derive(Debug, Clone)]
pub struct AccountName {
    pub email: String,
    pub company: Option<String>,
}

/// What an id names.
#[derive(Debug, Clone)]
pub enum Named {
    Account(AccountName),
    /// A review item: its kind (`product`, …) and the company it is about.
    Item {
        kind: String,
        company: String,
    },
    Product {
        name: String,
        company: Option<String>,
    },
    Consultation {
        reference: String,
    },
}

fn unique(ids: &[String]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().filter(|i| !i.is_empty()).cloned().collect();
    v.sort();
    v.dedup();
    v
}

/// The accounts among `ids`, by id (ids that are not accounts are left out).
pub async fn accounts(ctx: &Ctx, ids: &[String]) -> Result<HashMap<String, AccountName>> {
    Ok(store::names::accounts(&ctx.db, &unique(ids))
        .await?
        .into_iter()
        .map(|(id, email, company)| (id, AccountName { email, company }))
        .collect())
}

/// Whatever each of `ids` names: an account, a review item, a product or a consultation.
pub async fn anything(ctx: &Ctx, ids: &[String]) -> Result<HashMap<String, Named>> {
    let ids = unique(ids);
    let mut out: HashMap<String, Named> = HashMap::new();
    for (id, name) in accounts(ctx, &ids).await? {
        out.insert(id, Named::Account(name));
    }
    let rest: Vec<String> = ids
        .iter()
        .filter(|i| !out.contains_key(*i))
        .cloned()
        .collect();
    for (id, kind, company) in store::names::review_items(&ctx.db, &rest).await? {
        out.insert(id, Named::Item { kind, company });
    }
    let rest: Vec<String> = ids
        .iter()
        .filter(|i| !out.contains_key(*i))
        .cloned()
        .collect();
    for (id, name, company) in store::names::products(&ctx.db, &rest).await? {
        out.insert(id, Named::Product { name, company });
    }
    let rest: Vec<String> = ids
        .iter()
        .filter(|i| !out.contains_key(*i))
        .cloned()
        .collect();
    for (id, reference) in store::names::consultations(&ctx.db, &rest).await? {
        out.insert(id, Named::Consultation { reference });
    }
    Ok(out)
}
