//! The catalog of categories and service types: public lists, and operators' changes (add,
//! rename, retire without breaking existing products, restore).

use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::text::text;
use crate::domain::{FieldError, FieldErrors};
use crate::store;
use crate::store::catalog;
use crate::time_util::now_ms;

pub async fn list(ctx: &Ctx, which: CatalogList) -> Result<Vec<CatalogEntry>> {
    Ok(catalog::list(&ctx.db, which, false).await?)
}

pub async fn list_all(ctx: &Ctx, which: CatalogList) -> Result<Vec<CatalogEntry>> {
    Ok(catalog::list(&ctx.db, which, true).await?)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogForm {
    /// Lower-case letters, digits and hyphens (2–40, not starting or ending with a hyphen); only
    /// when adding.
    #[schema(value_type = String, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[a-z0-9][a-z0-9-]{0,38}[a-z0-9][\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub slug: Option<String>,
    #[schema(value_type = String, max_length = 50, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub name_zh: Option<String>,
    #[schema(value_type = String, max_length = 50, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub name_en: Option<String>,
    /// Categories only: the deposit a provider declaring it owes, in fen (0 = none; 0 to
    /// 1,000,000,000); left as it is when not sent. Admins.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub deposit_fen: Option<i64>,
}

/// The names of a catalog entry (renaming keeps the slug).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogNames {
    #[schema(value_type = String, max_length = 50, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub name_zh: Option<String>,
    #[schema(value_type = String, max_length = 50, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub name_en: Option<String>,
    /// Categories only: the deposit a provider declaring it owes, in fen (0 = none; 0 to
    /// 1,000,000,000); left as it is when not sent.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub deposit_fen: Option<i64>,
}

impl From<CatalogNames> for CatalogForm {
    fn from(n: CatalogNames) -> CatalogForm {
        CatalogForm {
            slug: None,
            name_zh: n.name_zh,
            name_en: n.name_en,
            deposit_fen: n.deposit_fen,
        }
    }
}

/// The deposit sent with `f`, checked: categories only, 0 to the maximum.
fn deposit_of(e: &mut FieldErrors, which: CatalogList, f: &CatalogForm) -> Option<i64> {
    let sent = f.deposit_fen?;
    if matches!(which, CatalogList::ServiceTypes) {
        e.push(FieldError::new("deposit_fen", "not_allowed"));
        return None;
    }
    Some(crate::domain::guarantee::amount(
        e,
        "deposit_fen",
        Some(sent),
        true,
    ))
}

fn names(e: &mut FieldErrors, f: &CatalogForm) -> (String, String) {
    let zh = text(e, "name_zh", f.name_zh.as_ref(), 50);
    let en = text(e, "name_en", f.name_en.as_ref(), 50);
    if zh.is_none() && !e.0.iter().any(|x| x.field == "name_zh") {
        e.push(FieldError::new("name_zh", "required"));
    }
    if en.is_none() && !e.0.iter().any(|x| x.field == "name_en") {
        e.push(FieldError::new("name_en", "required"));
    }
    (zh.unwrap_or_default(), en.unwrap_or_default())
}

fn which_name(which: CatalogList) -> &'static str {
    match which {
        CatalogList::Categories => "category",
        CatalogList::ServiceTypes => "service_type",
    }
}

#[tracing::instrument(name = "catalog::add", skip_all, fields(operator = %operator.id))]
pub async fn add(
    ctx: &Ctx,
    operator: &AccountView,
    which: CatalogList,
    f: &CatalogForm,
) -> Result<()> {
    super::decision::require_action(operator, crate::domain::account::StaffAction::EditCatalog)?;
    let mut e = FieldErrors::default();
    let slug = f.slug.as_deref().map(str::trim).unwrap_or("");
    if slug.is_empty() {
        e.push(FieldError::new("slug", "required"));
    } else if !(2..=40).contains(&slug.len())
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
        || slug.ends_with('-')
    {
        e.push(FieldError::new("slug", "format"));
    }
    let (zh, en) = names(&mut e, f);
    let deposit = deposit_of(&mut e, which, f);
    e.into_result().map_err(Error::Validation)?;
    let mut tx = ctx.db.begin_write().await?;
    if !catalog::add(&mut tx, which, slug, &zh, &en).await? {
        return Err(Error::Conflict("slug_taken"));
    }
    if let Some(fen) = deposit {
        super::guarantee_requirement::set_category_deposit(ctx, &mut tx, operator, slug, fen)
            .await?;
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(
            &operator.id,
            &format!("catalog.{}_added", which_name(which)),
            slug,
        )
        .detail(json!({"name_zh": zh, "name_en": en})),
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

#[tracing::instrument(name = "catalog::rename", skip_all, fields(operator = %operator.id))]
pub async fn rename(
    ctx: &Ctx,
    operator: &AccountView,
    which: CatalogList,
    slug: &str,
    f: &CatalogForm,
) -> Result<()> {
    super::decision::require_action(operator, crate::domain::account::StaffAction::EditCatalog)?;
    let mut e = FieldErrors::default();
    if f.slug.is_some() {
        e.push(FieldError::new("slug", "not_allowed"));
    }
    let (zh, en) = names(&mut e, f);
    let deposit = deposit_of(&mut e, which, f);
    e.into_result().map_err(Error::Validation)?;
    let mut tx = ctx.db.begin_write().await?;
    if !catalog::rename(&mut tx, which, slug, &zh, &en).await? {
        return Err(Error::NotFound);
    }
    if let Some(fen) = deposit {
        super::guarantee_requirement::set_category_deposit(ctx, &mut tx, operator, slug, fen)
            .await?;
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(
            &operator.id,
            &format!("catalog.{}_renamed", which_name(which)),
            slug,
        )
        .detail(json!({"name_zh": zh, "name_en": en})),
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

#[tracing::instrument(name = "catalog::set_retired", skip_all, fields(operator = %operator.id))]
pub async fn set_retired(
    ctx: &Ctx,
    operator: &AccountView,
    which: CatalogList,
    slug: &str,
    retired: bool,
) -> Result<()> {
    super::decision::require_action(operator, crate::domain::account::StaffAction::EditCatalog)?;
    let mut tx = ctx.db.begin_write().await?;
    if !catalog::set_retired(&mut tx, which, slug, retired.then(now_ms)).await? {
        return Err(Error::NotFound);
    }
    let verb = if retired { "retired" } else { "restored" };
    store::audit::append(
        &mut tx,
        NewEvent::new(
            &operator.id,
            &format!("catalog.{}_{verb}", which_name(which)),
            slug,
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
