//! Who and what the ids of the back office stand for, so that staff read names instead of ids:
//! accounts by e-mail and company, review items by kind and company, products by name,
//! consultations by reference, API tokens by name, webhooks by address, invitations by the address
//! invited, reasons by their text. Staff only (the callers are behind the staff check).

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
    /// An API token: its name and its owner's e-mail.
    Token {
        name: String,
        owner: Option<String>,
    },
    Webhook {
        url: String,
    },
    /// A staff invitation: the address invited.
    Invitation {
        email: String,
    },
    /// A review reason of the library, by its code: its text in both languages.
    Reason {
        zh: String,
        en: String,
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
    let rest = unnamed(&ids, &out);
    for (id, name, owner) in store::names::tokens(&ctx.db, &rest).await? {
        out.insert(id, Named::Token { name, owner });
    }
    let rest = unnamed(&ids, &out);
    for (id, url) in store::names::webhooks(&ctx.db, &rest).await? {
        out.insert(id, Named::Webhook { url });
    }
    let rest = unnamed(&ids, &out);
    for (id, email) in store::names::invitations(&ctx.db, &rest).await? {
        out.insert(id, Named::Invitation { email });
    }
    let rest = unnamed(&ids, &out);
    for (code, zh, en) in store::names::reasons(&ctx.db, &rest).await? {
        out.insert(code, Named::Reason { zh, en });
    }
    Ok(out)
}

/// The ids among `ids` not named yet.
fn unnamed(ids: &[String], named: &HashMap<String, Named>) -> Vec<String> {
    ids.iter()
        .filter(|i| !named.contains_key(*i))
        .cloned()
        .collect()
}
