//! API tokens for machines: created (shown once), listed, revoked, and checked on each use.
//!
//! A token acts for the account that created it, but only through the routes that name one of
//! its scopes; every other route refuses it. Staff create marketplace-wide tokens (with a fresh
//! second factor, like any sensitive staff action); a provider's token reads its own data only.
//! Every use is recorded: `last_used_at` and an `api_token.used` audit event naming the token
//! (its id, never the secret) and the route, written together in one round trip (one batched
//! statement on SQLite, one transaction on PostgreSQL).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::{Ctx, Error, Result};
use crate::crypto::{random_token, sha256_hex};
use crate::domain::account::{AccountStatus, Role};
use crate::domain::api_token::{self, Scope};
use crate::domain::audit::NewEvent;
use crate::domain::constant_time_eq;
use crate::domain::FieldError;
use crate::store::api_tokens::{self as token_store, TokenRow};
use crate::store::{self, Durability};
use crate::time_util::rfc3339;

/// `POST /api/v1/tokens`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenForm {
    /// What the token is for, to recognise it in the list (at most 100 characters).
    pub name: Option<String>,
    /// `events:read`, `providers:read`, `webhooks:write`.
    pub scopes: Option<Vec<String>>,
    /// When it stops working (RFC 3339); default 90 days from now, at most `tokens.max_days`.
    pub expires_at: Option<String>,
    /// Staff: a code from the authenticator app when the session's second factor is not fresh.
    pub second_factor_code: Option<String>,
}

/// A token as its owner sees it: never the token itself.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    /// A provider's token: the provider whose data it reads; absent for marketplace-wide tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub status: String,
    pub expires_at: Option<String>,
    pub created_at: String,
    /// The last use (every use is recorded).
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// In an admin's list of every staff token (`?all=true`): whose token it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<TokenOwner>,
    /// The same moments in unix milliseconds, for the pages to show in words.
    #[serde(skip)]
    pub created_at_ms: i64,
    #[serde(skip)]
    pub expires_at_ms: Option<i64>,
    #[serde(skip)]
    pub last_used_at_ms: Option<i64>,
}

impl TokenView {
    fn of(r: &TokenRow, now: i64) -> TokenView {
        let status = if r.revoked_at.is_some() {
            "revoked"
        } else if r.expires_at.is_some_and(|at| at <= now) {
            "expired"
        } else {
            "active"
        };
        TokenView {
            id: r.id.clone(),
            name: r.name.clone(),
            scopes: api_token::scopes_from_json(&r.scopes)
                .iter()
                .map(|s| s.as_str().to_string())
                .collect(),
            provider_id: r.provider_id.clone(),
            status: status.into(),
            expires_at: r.expires_at.map(rfc3339),
            created_at: rfc3339(r.created_at),
            last_used_at: r.last_used_at.map(rfc3339),
            revoked_at: r.revoked_at.map(rfc3339),
            owner: None,
            created_at_ms: r.created_at,
            expires_at_ms: r.expires_at,
            last_used_at_ms: r.last_used_at,
        }
    }
}

/// Whose a staff token is, for an admin.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenOwner {
    pub account_id: String,
    pub email: String,
}

/// A new token: `token` is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewToken {
    /// `berth_…`: send it as `Authorization: Bearer <token>`. It cannot be shown again.
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

/// Whom a token of `account` would act for: staff → the whole marketplace (`None`); a provider →
/// its own data (`Some(its id)`); anyone else may not have tokens.
fn reach_of(account: &AccountView) -> Result<Option<String>> {
    if account.roles.can_review() {
        Ok(None)
    } else if account.roles.has(Role::Provider) {
        Ok(Some(account.id.clone()))
    } else {
        Err(Error::Forbidden)
    }
}

/// Parses `expires_at` (RFC 3339) to unix milliseconds.
fn parse_time(field: &str, s: &str) -> Result<i64> {
    time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .map_err(|_| Error::field(field, "format"))
}

/// What is wrong with a token request, without making anything: the same checks as `create`,
/// each invalid field named (the pages show them all at once, with their own).
pub fn check(ctx: &Ctx, account: &AccountView, form: &TokenForm) -> Vec<FieldError> {
    if reach_of(account).is_err() {
        return Vec::new();
    }
    let now = ctx.clock.now_ms();
    let mut found = Vec::new();
    let expires_at = match form.expires_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => match parse_time("expires_at", s) {
            Ok(at) => Some(at),
            Err(_) => {
                found.push(FieldError::new("expires_at", "format"));
                None
            }
        },
        None => None,
    };
    if let Err(fields) = api_token::validate(
        form.name.as_deref(),
        form.scopes.as_deref(),
        expires_at,
        now,
        ctx.token_lifetime,
    ) {
        found.extend(fields);
    }
    found
}

/// Creates a token. `fresh`: for staff, whether the session passed its second factor recently
/// (or just now, with the form's code); a stale staff session is refused `step_up_required`.
#[tracing::instrument(name = "api_tokens::create", skip_all, fields(account = %account.id))]
pub async fn create(
    ctx: &Ctx,
    account: &AccountView,
    form: &TokenForm,
    fresh: bool,
) -> Result<NewToken> {
    let provider_id = reach_of(account)?;
    let now = ctx.clock.now_ms();
    let expires_at = match form.expires_at.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(parse_time("expires_at", s)?),
        None => None,
    };
    let request = api_token::validate(
        form.name.as_deref(),
        form.scopes.as_deref(),
        expires_at,
        now,
        ctx.token_lifetime,
    )
    .map_err(Error::Validation)?;
    if provider_id.is_none() && !fresh {
        return Err(Error::StepUpRequired);
    }
    let id = uuid::Uuid::now_v7().simple().to_string();
    let token = format!("{}{id}_{}", api_token::PREFIX, random_token());
    let row = TokenRow {
        id: id.clone(),
        account_id: account.id.clone(),
        provider_id,
        name: request.name.clone(),
        scopes: api_token::scopes_to_json(&request.scopes),
        token_hash: sha256_hex(token.as_bytes()),
        expires_at: Some(request.expires_at),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    token_store::insert(&mut tx, &row).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "api_token.created", &id).detail(json!({
            "name": request.name,
            "scopes": request.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "provider": row.provider_id,
            "expires_at": rfc3339(request.expires_at),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(NewToken {
        token,
        view: TokenView::of(&row, now),
    })
}

/// The account's tokens, newest first.
pub async fn list(ctx: &Ctx, account: &AccountView) -> Result<Vec<TokenView>> {
    reach_of(account)?;
    let now = ctx.clock.now_ms();
    Ok(token_store::list_for_account(&ctx.db, &account.id)
        .await?
        .iter()
        .map(|r| TokenView::of(r, now))
        .collect())
}

/// Every staff token, whoever made it, each naming its owner: for admins only (`Forbidden` for
/// anyone else), so that a colleague's forgotten or leaked token can be found and revoked.
pub async fn list_staff(ctx: &Ctx, account: &AccountView) -> Result<Vec<TokenView>> {
    if !account.roles.has(Role::Admin) {
        return Err(Error::Forbidden);
    }
    let now = ctx.clock.now_ms();
    Ok(token_store::list_staff(&ctx.db)
        .await?
        .iter()
        .map(|(r, email)| TokenView {
            owner: Some(TokenOwner {
                account_id: r.account_id.clone(),
                email: email.clone(),
            }),
            ..TokenView::of(r, now)
        })
        .collect())
}

/// One of the account's tokens, or for an admin any staff token (`NotFound` otherwise).
pub async fn get(ctx: &Ctx, account: &AccountView, id: &str) -> Result<TokenView> {
    if let Some(own) = list(ctx, account).await?.into_iter().find(|t| t.id == id) {
        return Ok(own);
    }
    if account.roles.has(Role::Admin) {
        if let Some(other) = list_staff(ctx, account)
            .await?
            .into_iter()
            .find(|t| t.id == id)
        {
            return Ok(other);
        }
    }
    Err(Error::NotFound)
}

/// Revokes one of the account's tokens, or for an admin any staff token: it is refused from the
/// next request on. The audit entry names whose token it was and who revoked it.
#[tracing::instrument(name = "api_tokens::revoke", skip_all, fields(account = %account.id, id = %id))]
pub async fn revoke(ctx: &Ctx, account: &AccountView, id: &str) -> Result<()> {
    reach_of(account)?;
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let owner = if token_store::revoke(&mut tx, &account.id, id, now).await? {
        account.id.clone()
    } else if account.roles.has(Role::Admin) {
        token_store::revoke_staff(&mut tx, id, now)
            .await?
            .ok_or(Error::NotFound)?
    } else {
        return Err(Error::NotFound);
    };
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "api_token.revoked", id)
            .detail(json!({"owner": owner, "revoked_by": account.id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whose data a caller reaches: the whole marketplace (staff and their tokens) or one provider's
/// (a provider's session or token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    Marketplace,
    Provider(String),
}

impl Reach {
    /// The reach of a signed-in account (`None`: an account with neither role).
    pub fn of(account: &AccountView) -> Option<Reach> {
        reach_of(account).ok().map(|p| match p {
            None => Reach::Marketplace,
            Some(id) => Reach::Provider(id),
        })
    }

    /// Whether the caller may read provider `id`'s data.
    pub fn covers(&self, provider_id: &str) -> bool {
        match self {
            Reach::Marketplace => true,
            Reach::Provider(p) => p == provider_id,
        }
    }
}

/// What a request authenticated with a token may do.
#[derive(Debug, Clone)]
pub struct Grant {
    pub token_id: String,
    /// The account the token acts for, as it is now.
    pub account: AccountView,
    /// A provider's token: the provider whose data it reads; `None`: marketplace-wide.
    pub provider_id: Option<String>,
    pub scopes: Vec<Scope>,
}

impl Grant {
    pub fn reach(&self) -> Reach {
        match &self.provider_id {
            None => Reach::Marketplace,
            Some(p) => Reach::Provider(p.clone()),
        }
    }
}

/// Checks a presented API token for a route that needs `scope` (`None`: a route that takes no
/// token, which refuses even a good one): `Unauthenticated` for an unknown, wrong, expired or
/// revoked token (or an owner no longer active), `InsufficientScope` for a good token without
/// the scope (or whose owner lost the role it was made under). A use that passes is audited
/// with `route` (method and route template, e.g. `GET /api/v1/events`).
pub async fn authenticate(
    ctx: &Ctx,
    presented: &str,
    scope: Option<Scope>,
    route: &str,
) -> Result<Grant> {
    let id = api_token::token_id(presented).ok_or(Error::Unauthenticated)?;
    let row = token_store::get(&ctx.db, id)
        .await?
        .ok_or(Error::Unauthenticated)?;
    let now = ctx.clock.now_ms();
    if !constant_time_eq(
        sha256_hex(presented.as_bytes()).as_bytes(),
        row.token_hash.as_bytes(),
    ) || row.revoked_at.is_some()
        || row.expires_at.is_some_and(|at| at <= now)
    {
        return Err(Error::Unauthenticated);
    }
    let owner = store::accounts::find_by_id(ctx.db.pool(), &row.account_id)
        .await?
        .map(|r| AccountView::from_row(&r))
        .filter(|a| a.status == AccountStatus::Active)
        .ok_or(Error::Unauthenticated)?;
    let still_allowed = match &row.provider_id {
        None => owner.roles.can_review(),
        Some(p) => *p == owner.id && owner.roles.has(Role::Provider),
    };
    let scopes = api_token::scopes_from_json(&row.scopes);
    if !still_allowed || scope.is_none_or(|s| !scopes.contains(&s)) {
        return Err(Error::InsufficientScope);
    }
    record_use(ctx, &row, scope, route, now).await?;
    Ok(Grant {
        token_id: row.id,
        account: owner,
        provider_id: row.provider_id,
        scopes,
    })
}

/// A use: `last_used_at` and the audit event, in one write.
async fn record_use(
    ctx: &Ctx,
    row: &TokenRow,
    scope: Option<Scope>,
    route: &str,
    now: i64,
) -> Result<()> {
    let event = NewEvent::new(&row.account_id, "api_token.used", &row.id).detail(json!({
        "token": row.id,
        "name": row.name,
        "scope": scope.map(Scope::as_str),
        "route": route,
    }));
    let id = row.id.clone();
    ctx.db
        .write_with_event(
            None,
            Durability::Relaxed,
            &row.account_id,
            token_store::TOUCH_SQL,
            move |q| q.bind(now).bind(id.clone()),
            &event,
            None,
        )
        .await?;
    Ok(())
}
