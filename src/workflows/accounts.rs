//! Account actions: register, activate, resend the code, the language of the account's mail,
//! and the CLI's `user add`. Sessions are `sessions.rs`, the log-in `login.rs`, the password
//! reset `password_reset.rs`.

use serde_json::json;

use super::codes::{judge_code, mail_bucket, request_code, send_code};
use super::{limits, Ctx, Error, Result};
use crate::domain::account::{
    parse_code, AccountStatus, CodePurpose, Email, Password, Role, Roles, PASSWORD_MAX,
    PASSWORD_MIN,
};
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::events::{Event, EventType};
use crate::domain::ids::MobilePhone;
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::store;
use crate::store::accounts::{self as account_store, AccountRow};
use crate::time_util::now_ms;

/// What a client may see of an account.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub id: String,
    pub email: String,
    pub roles: Roles,
    pub status: AccountStatus,
    pub lang: Lang,
}

impl AccountView {
    pub(super) fn from_row(row: &AccountRow) -> AccountView {
        AccountView {
            id: row.id.clone(),
            email: row.email.clone(),
            roles: Roles::parse_stored(&row.roles),
            status: AccountStatus::parse(&row.status).unwrap_or(AccountStatus::Disabled),
            lang: Lang::from_tag(&row.lang).unwrap_or_default(),
        }
    }
}

pub struct Registration<'a> {
    pub email: Option<&'a str>,
    pub password: Option<&'a str>,
    pub mobile: Option<&'a str>,
    /// The password typed again, when the form asks for it (the pages do): a mismatch is one
    /// more field error, reported with the others.
    pub password_confirm: Option<&'a str>,
}

/// Registers a provider account, pending activation, and mails its activation code. The cheap
/// checks (the fields, the client's registrations, whether the address is taken) come before the
/// password is hashed.
#[tracing::instrument(name = "accounts::register", skip_all)]
pub async fn register(
    ctx: &Ctx,
    input: Registration<'_>,
    lang: Lang,
    client: &Client,
) -> Result<AccountView> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", input.email, Email::parse);
    let password = parse_password(&mut errors, "password", input.password);
    if input
        .password_confirm
        .is_some_and(|c| Some(c) != input.password)
    {
        errors.push(FieldError::new("password_confirm", "password_mismatch"));
    }
    let mobile = match input.mobile.map(str::trim) {
        None | Some("") => None,
        Some(m) => match MobilePhone::parse(m) {
            Ok(m) => Some(m.as_str().to_string()),
            Err(e) => {
                errors.push(FieldError::new("mobile", e.code()));
                None
            }
        },
    };
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    ctx.hasher.ensure_room()?;
    let l = &ctx.limits;
    limits::take(
        ctx,
        &[&ctx.client_bucket(l.registrations_per_client, "register/client", client)],
    )
    .await?;
    if account_store::find_by_email(ctx.db.pool(), email.as_str())
        .await?
        .is_some()
    {
        return Err(Error::Conflict("email_taken"));
    }
    let password_hash = ctx.hasher.hash(password, Some(client)).await?;
    let now = now_ms();
    let row = AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.as_str().to_string(),
        password_hash,
        mobile,
        status: AccountStatus::PendingActivation.as_str().to_string(),
        roles: Roles::one(Role::Provider).to_stored(),
        lang: lang.tag().to_string(),
        created_at: now,
    };
    let mut tx = ctx.db.begin_write().await?;
    if !account_store::insert(&mut tx, &row).await? {
        return Err(Error::Conflict("email_taken"));
    }
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "account.created", &row.id).detail(json!({"roles": ["provider"]})),
    )
    .await?;
    // The first code counts against the address's mail budget like every later one.
    limits::spend(&mut tx, &[&mail_bucket(ctx, email.as_str())]).await?;
    send_code(ctx, &mut tx, &row, CodePurpose::Activation, lang, client).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(AccountView::from_row(&row))
}

/// Activates a pending account with the mailed code. A wrong code, an expired one, an active
/// account and an unknown address all get the same answer.
#[tracing::instrument(name = "accounts::activate", skip_all)]
pub async fn activate(
    ctx: &Ctx,
    email: Option<&str>,
    code: Option<&str>,
    client: &Client,
) -> Result<AccountView> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    let code = errors.require("code", code, parse_code);
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(code)) = (email, code) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let right = judge_code(ctx, CodePurpose::Activation, &email, &code, client).await?;
    let row = &right.account;
    let mut tx = ctx.db.begin_for_account(&row.id).await?;
    right.use_up(&mut tx).await?;
    account_store::set_active(&mut tx, &row.id, now_ms()).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "account.activated", &row.id),
    )
    .await?;
    // Through the store: `workflows::events` reads the move-in state, which reads accounts.
    store::events::record(
        &mut tx,
        &Event {
            kind: EventType::AccountActivated,
            provider_id: None,
            account_id: Some(row.id.clone()),
            data: json!({"account_id": row.id}),
        },
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    ctx.events_committed();
    let mut view = AccountView::from_row(row);
    view.status = AccountStatus::Active;
    Ok(view)
}

/// Mails a fresh activation code when the address belongs to a pending account.
pub async fn resend_activation_code(ctx: &Ctx, email: Option<&str>, client: &Client) -> Result<()> {
    request_code(ctx, CodePurpose::Activation, email, client).await
}

/// What `berth user add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum UserAdded {
    Created { id: String },
    RoleGranted { id: String },
    AlreadyHeld { id: String },
}

/// Creates an active staff account with `grant` (staff roles), or grants them to an existing
/// account (the operator's shell: `berth user add`).
#[tracing::instrument(name = "accounts::add_user", skip_all)]
pub async fn add_user(
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
    grant: &Roles,
) -> Result<UserAdded> {
    let email = Email::parse(email).map_err(|c| Error::field("email", c))?;
    if grant.is_empty() || grant.has(Role::Provider) {
        return Err(Error::field("role", "not_allowed"));
    }
    let mut tx = ctx.db.begin_write().await?;
    if let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? {
        let mut roles = Roles::parse_stored(&row.roles);
        let added: Vec<Role> = grant.iter().filter(|r| roles.grant(*r)).collect();
        if added.is_empty() {
            return Ok(UserAdded::AlreadyHeld { id: row.id });
        }
        account_store::set_roles(&mut tx, &row.id, &roles.to_stored()).await?;
        for role in added {
            store::audit::append(&mut tx, role_granted(&row.id, role)).await?;
        }
        tx.commit().await?;
        return Ok(UserAdded::RoleGranted { id: row.id });
    }
    drop(tx);
    let mut errors = FieldErrors::default();
    let password = parse_password(&mut errors, "password", password);
    errors.into_result().map_err(Error::Validation)?;
    let Some(password) = password else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let password_hash = ctx.hasher.hash(password, None).await?;
    let now = now_ms();
    let row = AccountRow {
        id: uuid::Uuid::now_v7().to_string(),
        email: email.as_str().to_string(),
        password_hash,
        mobile: None,
        status: AccountStatus::Active.as_str().to_string(),
        roles: grant.to_stored(),
        lang: Lang::default().tag().to_string(),
        created_at: now,
    };
    let mut tx = ctx.db.begin_write().await?;
    if !account_store::insert(&mut tx, &row).await? {
        return Err(Error::Conflict("email_taken"));
    }
    account_store::set_active(&mut tx, &row.id, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(audit::SYSTEM, "account.created", &row.id).detail(json!({"via": "cli"})),
    )
    .await?;
    for role in grant.iter() {
        store::audit::append(&mut tx, role_granted(&row.id, role)).await?;
    }
    tx.commit().await?;
    Ok(UserAdded::Created { id: row.id })
}

/// The audit event of a role given from the operator's shell.
fn role_granted(account_id: &str, role: Role) -> NewEvent {
    NewEvent::new(audit::SYSTEM, "account.role_granted", account_id)
        .detail(json!({"role": role.as_str()}))
}

/// Whether an account has the address `email` (for the operator's CLI, which asks for a
/// password only for a new account).
pub async fn has_account(ctx: &Ctx, email: &str) -> Result<bool> {
    Ok(store::accounts::find_by_email(ctx.db.pool(), email)
        .await?
        .is_some())
}

/// Whether an active admin exists (the start-up banner explains how to make one when not).
pub async fn admin_exists(ctx: &Ctx) -> store::Result<bool> {
    Ok(account_store::count_admins(ctx.db.pool()).await? > 0)
}

/// Records the language the account's mail is written in.
#[tracing::instrument(name = "accounts::set_language", skip_all, fields(account_id = %account_id))]
pub async fn set_language(ctx: &Ctx, account_id: &str, lang: Lang) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    account_store::set_lang(&mut tx, account_id, lang.tag()).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(account_id, "account.language_changed", account_id)
            .detail(json!({"lang": lang.tag()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A new password; not trimmed, the raw value counts. Errors carry the allowed lengths.
pub(super) fn parse_password(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<Password> {
    match Password::parse(value.unwrap_or("")) {
        Ok(p) => Some(p),
        Err(code) => {
            errors.push(
                FieldError::new(field, code)
                    .with("min", PASSWORD_MIN)
                    .with("max", PASSWORD_MAX),
            );
            None
        }
    }
}
