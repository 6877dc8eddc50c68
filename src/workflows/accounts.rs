//! Account actions: register, activate, resend the code, log in and out, reset the password, and
//! the CLI's `user add`.

use serde_json::json;

use super::codes::{judge_code, mail_bucket, request_code, send_code};
use super::{limits, second_factor, Ctx, Error, Result};
use crate::crypto::{random_token, sha256_hex};
use crate::domain::account::{
    parse_code, AccountStatus, CodePurpose, Email, Password, Role, Roles, PASSWORD_MAX,
    PASSWORD_MIN,
};
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::ids::MobilePhone;
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::mail;
use crate::store::accounts::{self as account_store, AccountRow};
use crate::store::{self, sessions};
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
    fn from_row(row: &AccountRow) -> AccountView {
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
}

/// Registers a provider account, pending activation, and mails its activation code. The cheap
/// checks (the fields, the client's registrations, whether the address is taken) come before the
/// password is hashed.
pub async fn register(
    ctx: &Ctx,
    input: Registration<'_>,
    lang: Lang,
    client: &Client,
) -> Result<AccountView> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", input.email, Email::parse);
    let password = parse_password(&mut errors, "password", input.password);
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
        NewEvent::new(&row.id, "account.created", &row.id)
            .detail(json!({"email": row.email, "roles": ["provider"]})),
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
    tx.commit().await?;
    let mut view = AccountView::from_row(row);
    view.status = AccountStatus::Active;
    Ok(view)
}

/// Mails a fresh activation code when the address belongs to a pending account.
pub async fn resend_activation_code(ctx: &Ctx, email: Option<&str>, client: &Client) -> Result<()> {
    request_code(ctx, CodePurpose::Activation, email, client).await
}

/// Mails a password-reset code when the address belongs to an account that may sign in.
pub async fn request_password_reset(ctx: &Ctx, email: Option<&str>, client: &Client) -> Result<()> {
    request_code(ctx, CodePurpose::PasswordReset, email, client).await
}

/// A new session: the token is returned once and only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub account: AccountView,
    /// A staff account without a second factor: this session can only enrol one.
    pub enrolment_required: bool,
}

/// What a right password leads to.
pub enum LoginOutcome {
    SignedIn(NewSession),
    /// The account has a second factor: answer `challenge` with a code within five minutes.
    SecondFactorRequired {
        challenge: String,
        expires_at: i64,
    },
}

/// A live session, as a request presents it.
#[derive(Debug, Clone)]
pub struct SessionView {
    pub token_hash: String,
    pub account: AccountView,
    /// When the session last passed a second factor.
    pub second_factor_at: Option<i64>,
    /// Whether the account has a confirmed second factor.
    pub enrolled: bool,
}

/// What a session may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStanding {
    Full,
    /// Staff without a second factor: enrolling is all it may do.
    EnrolmentOnly,
    /// An account whose factor this session never passed (a session older than its factor).
    SecondFactorMissing,
}

impl SessionView {
    pub fn standing(&self) -> SessionStanding {
        match (self.second_factor_at, self.enrolled) {
            (Some(_), _) => SessionStanding::Full,
            (None, true) => SessionStanding::SecondFactorMissing,
            (None, false) if self.account.roles.needs_second_factor() => {
                SessionStanding::EnrolmentOnly
            }
            (None, false) => SessionStanding::Full,
        }
    }
}

/// The budgets a password counts against: the address with this client, the client with any
/// address (spraying), and the address from every client.
fn login_budgets(ctx: &Ctx, email: &str, client: &Client) -> limits::GuessBudgets {
    let l = &ctx.limits;
    limits::GuessBudgets {
        pair: ctx.pair_bucket(l.login_failures_per_pair, "login/pair", email, client),
        client: ctx.client_bucket(l.login_failures_per_client, "login/client", client),
        subject: ctx.bucket(l.login_failures_per_address, "login/address", email),
    }
}

/// Logs in; `replaces` is the hash of a session the client already had, which is ended (at once,
/// or once the second factor is passed).
///
/// Before any hashing: a pair (address, client) or a client past its failures waits; an
/// address past its failures from everywhere is open only to clients that signed in to it
/// recently, so a stranger can slow an account down but not lock its owner out.
pub async fn login(
    ctx: &Ctx,
    email: Option<&str>,
    password: Option<&str>,
    replaces: Option<&str>,
    client: &Client,
) -> Result<LoginOutcome> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    if password.is_none_or(str::is_empty) {
        errors.push(FieldError::new("password", "required"));
    }
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    ctx.hasher.ensure_room()?;
    let budgets = login_budgets(ctx, email.as_str(), client);
    let row = account_store::find_by_email(ctx.db.pool(), email.as_str()).await?;
    // Counted before the hash: parallel guesses cannot outrun the budgets. Past the address's
    // budget only clients the owner signed in from may try: strangers cannot lock them out.
    let guess = budgets
        .admit(ctx, async |tx| match &row {
            Some(r) => limits::is_known_client(ctx, tx, &r.id, client).await,
            None => Ok(false),
        })
        .await?;
    let ok = match ctx
        .hasher
        .verify(
            password,
            row.as_ref().map(|r| r.password_hash.clone()),
            client,
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => {
            // Not judged (busy): it does not count.
            guess.not_judged(ctx, &budgets).await?;
            return Err(e);
        }
    };
    let Some(row) = row.filter(|_| ok) else {
        // The failure was counted already; its audit event may skip the fsync.
        let mut tx = ctx.db.begin_write_relaxed().await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(
                audit::ANONYMOUS,
                "session.login_failed",
                &format!("email:{}", email.as_str()),
            ),
        )
        .await?;
        tx.commit().await?;
        return Err(Error::InvalidCredentials);
    };
    let mut tx = ctx.db.begin_write().await?;
    // The right password: it does not count against the budgets.
    guess.was_right(&mut tx, &budgets).await?;
    match AccountStatus::parse(&row.status) {
        Some(AccountStatus::Active) => {}
        other => {
            tx.commit().await?;
            return Err(if other == Some(AccountStatus::PendingActivation) {
                Error::NotActivated
            } else {
                Error::Forbidden
            });
        }
    }
    if second_factor::is_enrolled(ctx, &row.id).await? {
        let (challenge, expires_at) =
            second_factor::open_challenge(ctx, &mut tx, &row.id, replaces).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&row.id, "session.password_accepted", &row.id)
                .detail(json!({"second_factor": "required"})),
        )
        .await?;
        tx.commit().await?;
        return Ok(LoginOutcome::SecondFactorRequired {
            challenge,
            expires_at,
        });
    }
    if let Some(old) = replaces {
        sessions::delete(&mut tx, old).await?;
    }
    let session = start_session(ctx, &mut tx, &row, client, None).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "session.login_succeeded", &row.id),
    )
    .await?;
    tx.commit().await?;
    Ok(LoginOutcome::SignedIn(session))
}

/// A new session for `row` (remembering the client as one the account signs in from);
/// `second_factor_at` when the sign-in passed a second factor.
pub(super) async fn start_session(
    ctx: &Ctx,
    tx: &mut store::Tx,
    row: &AccountRow,
    client: &Client,
    second_factor_at: Option<i64>,
) -> Result<NewSession> {
    let now = now_ms();
    store::limits::remember_client(tx, &row.id, &limits::client_key(ctx, &row.id, client), now)
        .await?;
    let token = random_token();
    sessions::insert(
        tx,
        &sha256_hex(token.as_bytes()),
        &row.id,
        now,
        now + ctx.session_ttl_ms,
        second_factor_at,
    )
    .await?;
    let account = AccountView::from_row(row);
    Ok(NewSession {
        token,
        enrolment_required: second_factor_at.is_none() && account.roles.needs_second_factor(),
        account,
    })
}

/// Ends one session.
pub async fn logout(ctx: &Ctx, token_hash: &str, account_id: &str) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    if sessions::delete(&mut tx, token_hash).await? {
        store::audit::append(
            &mut tx,
            NewEvent::new(account_id, "session.logged_out", account_id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The session behind a token, with one indexed query; `None` when the token is unknown or
/// expired.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Option<SessionView>> {
    let hash = sha256_hex(token.as_bytes());
    let Some(s) = sessions::find(&ctx.db, &hash, now_ms()).await? else {
        return Ok(None);
    };
    Ok(Some(SessionView {
        token_hash: s.token_hash,
        account: AccountView {
            id: s.account_id,
            email: s.email,
            roles: Roles::parse_stored(&s.roles),
            status: AccountStatus::parse(&s.status).unwrap_or(AccountStatus::Disabled),
            lang: Lang::from_tag(&s.lang).unwrap_or_default(),
        },
        second_factor_at: s.second_factor_at,
        enrolled: s.enrolled,
    }))
}

/// Sets a new password with the mailed code; ends every session of the account. The code proves
/// the address, so a pending account is activated too. The code is checked before the new
/// password is hashed: a guesser costs no hashing.
pub async fn confirm_password_reset(
    ctx: &Ctx,
    email: Option<&str>,
    code: Option<&str>,
    new_password: Option<&str>,
    client: &Client,
) -> Result<()> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    let code = errors.require("code", code, parse_code);
    let password = parse_password(&mut errors, "new_password", new_password);
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(code), Some(password)) = (email, code, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let right = judge_code(ctx, CodePurpose::PasswordReset, &email, &code, client).await?;
    let row = &right.account;
    // Busy here leaves the code and the budgets as they were: the person may simply try again.
    let new_hash = match ctx.hasher.hash(password, Some(client)).await {
        Ok(h) => h,
        Err(e) => {
            right.not_used(ctx).await?;
            return Err(e);
        }
    };
    let mut tx = ctx.db.begin_for_account(&row.id).await?;
    right.use_up(&mut tx).await?;
    account_store::set_password_hash(&mut tx, &row.id, &new_hash).await?;
    if row.status == AccountStatus::PendingActivation.as_str() {
        account_store::set_active(&mut tx, &row.id, now_ms()).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(&row.id, "account.activated", &row.id),
        )
        .await?;
    }
    let ended = sessions::delete_for_account(&mut tx, &row.id).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&row.id, "account.password_changed", &row.id)
            .detail(json!({"sessions_ended": ended, "via": "reset_code"})),
    )
    .await?;
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    mail::enqueue(&mut tx, &ctx.key, "password_changed", &row.email, lang, &[]).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// What `berth user add` did.
#[derive(Debug, PartialEq, Eq)]
pub enum UserAdded {
    Created { id: String },
    RoleGranted { id: String },
    AlreadyHeld { id: String },
}

/// Creates an active staff account, or grants the role to an existing account.
pub async fn add_user(
    ctx: &Ctx,
    email: &str,
    password: Option<&str>,
    role: Role,
) -> Result<UserAdded> {
    let email = Email::parse(email).map_err(|c| Error::field("email", c))?;
    let mut tx = ctx.db.begin_write().await?;
    if let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? {
        let mut roles = Roles::parse_stored(&row.roles);
        if !roles.grant(role) {
            return Ok(UserAdded::AlreadyHeld { id: row.id });
        }
        account_store::set_roles(&mut tx, &row.id, &roles.to_stored()).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(audit::SYSTEM, "account.role_granted", &row.id)
                .detail(json!({"role": role.as_str()})),
        )
        .await?;
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
        roles: Roles::one(role).to_stored(),
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
        NewEvent::new(audit::SYSTEM, "account.created", &row.id)
            .detail(json!({"email": row.email, "via": "cli"})),
    )
    .await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(audit::SYSTEM, "account.role_granted", &row.id)
            .detail(json!({"role": role.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(UserAdded::Created { id: row.id })
}

/// Whether an active admin exists (the start-up banner explains how to make one when not).
/// Whether an account has the address `email` (for the operator's CLI, which asks for a
/// password only for a new account).
pub async fn has_account(ctx: &Ctx, email: &str) -> Result<bool> {
    Ok(store::accounts::find_by_email(ctx.db.pool(), email)
        .await?
        .is_some())
}

pub async fn admin_exists(ctx: &Ctx) -> store::Result<bool> {
    Ok(account_store::count_admins(ctx.db.pool()).await? > 0)
}

/// Records the language the account's mail is written in.
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
fn parse_password(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<Password> {
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
