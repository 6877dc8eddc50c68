//! Account actions: register, activate, resend the code, log in and out, reset the password, and
//! the CLI's `user add`.

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use serde_json::json;

use super::{Ctx, Error, Result};
use crate::audit::{self, NewEvent};
use crate::crypto::{random_code, random_token, sha256_hex};
use crate::domain::account::{
    parse_code, AccountStatus, CodePurpose, Email, Password, Role, Roles, CODE_ATTEMPTS,
    CODE_TTL_MS, PASSWORD_MAX, PASSWORD_MIN,
};
use crate::domain::ids::MobilePhone;
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::mail;
use crate::store::accounts::{self as account_store, AccountRow};
use crate::store::{self, sessions, Tx};
use crate::time_util::{now_ms, MINUTE_MS};

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

/// A fresh code is mailed at most once a minute per account.
const RESEND_INTERVAL_MS: i64 = MINUTE_MS;

fn code_purpose_key(purpose: CodePurpose) -> &'static str {
    purpose.as_str()
}

/// Registers a provider account, pending activation, and mails its activation code.
pub async fn register(ctx: &Ctx, input: Registration<'_>, lang: Lang) -> Result<AccountView> {
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

    let password_hash = hash_password(password).await?;
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
    audit::append(
        &mut tx,
        NewEvent::new(&row.id, "account.created", &row.id)
            .detail(json!({"email": row.email, "roles": ["provider"]})),
    )
    .await?;
    send_code(ctx, &mut tx, &row, CodePurpose::Activation, lang).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(AccountView::from_row(&row))
}

/// Stores a fresh code (replacing any earlier one) and queues the mail that carries it.
async fn send_code(
    ctx: &Ctx,
    tx: &mut Tx,
    account: &AccountRow,
    purpose: CodePurpose,
    lang: Lang,
) -> Result<()> {
    let code = random_code(6);
    let now = now_ms();
    let hash = ctx.key.keyed_hash(
        &code_hmac_purpose(purpose),
        code_material(&account.id, &code).as_bytes(),
    );
    account_store::put_code(
        tx,
        &account.id,
        code_purpose_key(purpose),
        &hash,
        now,
        now + CODE_TTL_MS,
        CODE_ATTEMPTS,
    )
    .await?;
    let kind = match purpose {
        CodePurpose::Activation => "activation_code",
        CodePurpose::PasswordReset => "password_reset_code",
    };
    mail::enqueue(
        tx,
        &ctx.key,
        kind,
        &account.email,
        lang,
        &[("code", &code), ("minutes", "15")],
    )
    .await?;
    audit::append(
        tx,
        NewEvent::new(&account.id, &format!("account.{kind}_sent"), &account.id),
    )
    .await?;
    Ok(())
}

fn code_hmac_purpose(purpose: CodePurpose) -> String {
    format!("code/{}", purpose.as_str())
}

fn code_material(account_id: &str, code: &str) -> String {
    format!("{account_id}:{code}")
}

/// Checks a typed code against the live one, spending an attempt when it is wrong. `Ok(())` when
/// it matches (the code is then consumed); the error names the field `code`.
async fn check_code(
    ctx: &Ctx,
    tx: &mut Tx,
    account_id: &str,
    purpose: CodePurpose,
    typed: &str,
) -> Result<CodeCheck> {
    let Some(stored) = account_store::get_code(tx, account_id, code_purpose_key(purpose)).await?
    else {
        return Ok(CodeCheck::Rejected(FieldError::new("code", "code_invalid")));
    };
    if stored.expires_at <= now_ms() {
        return Ok(CodeCheck::Rejected(FieldError::new("code", "code_expired")));
    }
    if stored.attempts_left <= 0 {
        return Ok(CodeCheck::Rejected(FieldError::new("code", "code_used_up")));
    }
    let matches = ctx.key.keyed_hash_matches(
        &code_hmac_purpose(purpose),
        code_material(account_id, typed).as_bytes(),
        &stored.code_hash,
    );
    if matches {
        account_store::delete_code(tx, account_id, code_purpose_key(purpose)).await?;
        return Ok(CodeCheck::Matched);
    }
    account_store::spend_code_attempt(tx, account_id, code_purpose_key(purpose)).await?;
    let left = stored.attempts_left - 1;
    audit::append(
        tx,
        NewEvent::new(
            account_id,
            &format!("account.{}_code_rejected", purpose.as_str()),
            account_id,
        )
        .detail(json!({"attempts_left": left})),
    )
    .await?;
    Ok(CodeCheck::Rejected(if left > 0 {
        FieldError::new("code", "code_wrong").with("attempts_left", left)
    } else {
        FieldError::new("code", "code_used_up")
    }))
}

enum CodeCheck {
    Matched,
    Rejected(FieldError),
}

/// Activates a pending account with the mailed code.
pub async fn activate(ctx: &Ctx, email: Option<&str>, code: Option<&str>) -> Result<AccountView> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    let code = errors.require("code", code, parse_code);
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(code)) = (email, code) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        // No enumeration: an unknown address looks like a wrong code.
        return Err(Error::field("code", "code_invalid"));
    };
    if row.status != AccountStatus::PendingActivation.as_str() {
        return Err(Error::Conflict("already_activated"));
    }
    match check_code(ctx, &mut tx, &row.id, CodePurpose::Activation, &code).await? {
        CodeCheck::Matched => {
            let now = now_ms();
            account_store::set_active(&mut tx, &row.id, now).await?;
            audit::append(
                &mut tx,
                NewEvent::new(&row.id, "account.activated", &row.id),
            )
            .await?;
            tx.commit().await?;
            let mut view = AccountView::from_row(&row);
            view.status = AccountStatus::Active;
            Ok(view)
        }
        CodeCheck::Rejected(field) => {
            // The spent attempt is kept even though the answer is an error.
            tx.commit().await?;
            Err(Error::Validation(vec![field]))
        }
    }
}

/// Mails a fresh activation code when the address belongs to a pending account. Answers the same
/// whatever the address, so it cannot be used to learn who has an account.
pub async fn resend_activation_code(ctx: &Ctx, email: Option<&str>) -> Result<()> {
    let email = match email.map(Email::parse) {
        Some(Ok(e)) => e,
        Some(Err(code)) => return Err(Error::field("email", code)),
        None => return Err(Error::field("email", "required")),
    };
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        return Ok(());
    };
    if row.status != AccountStatus::PendingActivation.as_str() {
        return Ok(());
    }
    if let Some(code) =
        account_store::get_code(&mut tx, &row.id, code_purpose_key(CodePurpose::Activation)).await?
    {
        if code.created_at + RESEND_INTERVAL_MS > now_ms() && code.attempts_left > 0 {
            return Ok(());
        }
    }
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    send_code(ctx, &mut tx, &row, CodePurpose::Activation, lang).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// A new session: the token is returned once and only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub account: AccountView,
}

/// Logs in; `replaces` is the hash of a session the client already had, which is ended.
pub async fn login(
    ctx: &Ctx,
    email: Option<&str>,
    password: Option<&str>,
    replaces: Option<&str>,
) -> Result<NewSession> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    if password.is_none_or(str::is_empty) {
        errors.push(FieldError::new("password", "required"));
    }
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let limit_key = email.as_str().to_string();
    if let Some(wait) = ctx.login_failures.blocked_for(&limit_key) {
        return Err(Error::RateLimited {
            retry_after_secs: wait,
        });
    }
    let row = account_store::find_by_email(ctx.db.pool(), email.as_str()).await?;
    // Unknown addresses cost the same hashing time as known ones.
    let hash = row
        .as_ref()
        .map(|r| r.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.clone());
    let ok = verify_password(password.to_string(), hash).await?;
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = row.filter(|_| ok) else {
        ctx.login_failures.record(&limit_key);
        audit::append(
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
    match AccountStatus::parse(&row.status) {
        Some(AccountStatus::Active) => {}
        Some(AccountStatus::PendingActivation) => return Err(Error::NotActivated),
        _ => return Err(Error::Forbidden),
    }
    ctx.login_failures.clear(&limit_key);
    if let Some(old) = replaces {
        sessions::delete(&mut tx, old).await?;
    }
    let token = random_token();
    let now = now_ms();
    sessions::insert(
        &mut tx,
        &sha256_hex(token.as_bytes()),
        &row.id,
        now,
        now + ctx.session_ttl_ms,
    )
    .await?;
    audit::append(
        &mut tx,
        NewEvent::new(&row.id, "session.login_succeeded", &row.id),
    )
    .await?;
    tx.commit().await?;
    Ok(NewSession {
        token,
        account: AccountView::from_row(&row),
    })
}

/// Ends one session.
pub async fn logout(ctx: &Ctx, token_hash: &str, account_id: &str) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    if sessions::delete(&mut tx, token_hash).await? {
        audit::append(
            &mut tx,
            NewEvent::new(account_id, "session.logged_out", account_id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The account behind a session token, with one indexed query; `None` when the token is unknown
/// or expired.
pub async fn authenticate(ctx: &Ctx, token: &str) -> Result<Option<(String, AccountView)>> {
    let hash = sha256_hex(token.as_bytes());
    let Some(s) = sessions::find(&ctx.db, &hash, now_ms()).await? else {
        return Ok(None);
    };
    let view = AccountView {
        id: s.account_id,
        email: s.email,
        roles: Roles::parse_stored(&s.roles),
        status: AccountStatus::parse(&s.status).unwrap_or(AccountStatus::Disabled),
        lang: Lang::from_tag(&s.lang).unwrap_or_default(),
    };
    Ok(Some((s.token_hash, view)))
}

/// Mails a password-reset code when the address belongs to an account; always answers the same.
pub async fn request_password_reset(ctx: &Ctx, email: Option<&str>) -> Result<()> {
    let email = match email.map(Email::parse) {
        Some(Ok(e)) => e,
        Some(Err(code)) => return Err(Error::field("email", code)),
        None => return Err(Error::field("email", "required")),
    };
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        return Ok(());
    };
    if row.status == AccountStatus::Disabled.as_str() {
        return Ok(());
    }
    if let Some(code) = account_store::get_code(
        &mut tx,
        &row.id,
        code_purpose_key(CodePurpose::PasswordReset),
    )
    .await?
    {
        if code.created_at + RESEND_INTERVAL_MS > now_ms() && code.attempts_left > 0 {
            return Ok(());
        }
    }
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    send_code(ctx, &mut tx, &row, CodePurpose::PasswordReset, lang).await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// Sets a new password with the mailed code; ends every session of the account. The code proves
/// the address, so a pending account is activated too.
pub async fn confirm_password_reset(
    ctx: &Ctx,
    email: Option<&str>,
    code: Option<&str>,
    new_password: Option<&str>,
) -> Result<()> {
    let mut errors = FieldErrors::default();
    let email = errors.require("email", email, Email::parse);
    let code = errors.require("code", code, parse_code);
    let password = parse_password(&mut errors, "new_password", new_password);
    errors.into_result().map_err(Error::Validation)?;
    let (Some(email), Some(code), Some(password)) = (email, code, password) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let new_hash = hash_password(password).await?;
    let mut tx = ctx.db.begin_write().await?;
    let Some(row) = account_store::find_by_email(&mut *tx, email.as_str()).await? else {
        return Err(Error::field("code", "code_invalid"));
    };
    match check_code(ctx, &mut tx, &row.id, CodePurpose::PasswordReset, &code).await? {
        CodeCheck::Matched => {
            account_store::set_password_hash(&mut tx, &row.id, &new_hash).await?;
            if row.status == AccountStatus::PendingActivation.as_str() {
                account_store::set_active(&mut tx, &row.id, now_ms()).await?;
                audit::append(
                    &mut tx,
                    NewEvent::new(&row.id, "account.activated", &row.id),
                )
                .await?;
            }
            let ended = sessions::delete_for_account(&mut tx, &row.id).await?;
            audit::append(
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
        CodeCheck::Rejected(field) => {
            tx.commit().await?;
            Err(Error::Validation(vec![field]))
        }
    }
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
        audit::append(
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
    let password_hash = hash_password(password).await?;
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
    audit::append(
        &mut tx,
        NewEvent::new(audit::SYSTEM, "account.created", &row.id)
            .detail(json!({"email": row.email, "via": "cli"})),
    )
    .await?;
    audit::append(
        &mut tx,
        NewEvent::new(audit::SYSTEM, "account.role_granted", &row.id)
            .detail(json!({"role": role.as_str()})),
    )
    .await?;
    tx.commit().await?;
    Ok(UserAdded::Created { id: row.id })
}

/// Whether an active admin exists (the start-up banner explains how to make one when not).
pub async fn admin_exists(ctx: &Ctx) -> store::Result<bool> {
    Ok(account_store::count_admins(ctx.db.pool()).await? > 0)
}

/// Records the language the account's mail is written in.
pub async fn set_language(ctx: &Ctx, account_id: &str, lang: Lang) -> Result<()> {
    let mut tx = ctx.db.begin_write().await?;
    account_store::set_lang(&mut tx, account_id, lang.tag()).await?;
    audit::append(
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

/// argon2id with the crate's defaults (m = 19 MiB, t = 2, p = 1), off the async threads.
async fn hash_password(password: Password) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| Error::Internal(format!("password hashing task: {e}")))?
}

async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || {
        let password = zeroize::Zeroizing::new(password);
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
    .await
    .map_err(|e| Error::Internal(format!("password check task: {e}")))
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"berth-dummy-password", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});
