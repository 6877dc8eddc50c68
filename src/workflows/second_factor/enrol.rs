//! Enrolling a TOTP app (with one-time recovery codes), turning it off (providers), and the
//! admin's reset from the command line.

use rand::RngCore;
use serde_json::json;

use super::check::{
    admit, guess_budgets, parse, recovery_hash, secret_context, step_up, totp_step, wrong,
};
use crate::domain::account::Email;
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::second_factor::{
    self as sf, Code, RECOVERY_ALPHABET, RECOVERY_CODES, RECOVERY_LEN, SECRET_BYTES,
};
use crate::mail;
use crate::store::accounts as account_store;
use crate::store::audit::append as append_event;
use crate::store::second_factor::{self as store, FactorRow};
use crate::store::sessions;
use crate::workflows::accounts::AccountView;
use crate::workflows::notify;
use crate::workflows::sessions::SessionView;
use crate::workflows::{Ctx, Error, Result};

/// What an authenticator app needs, shown until the first code confirms it.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The shared secret in base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
}

impl Enrolment {
    /// The `otpauth://` address as a QR code (SVG), for scanning.
    pub fn qr_svg(&self) -> String {
        qrcode::QrCode::new(self.otpauth_uri.as_bytes())
            .map(|q| {
                q.render::<qrcode::render::svg::Color>()
                    .min_dimensions(200, 200)
                    .quiet_zone(true)
                    .build()
            })
            .unwrap_or_default()
    }
}

fn enrolment_of(ctx: &Ctx, factor: &FactorRow, email: &str) -> Result<Enrolment> {
    let secret = ctx
        .key
        .decrypt(&secret_context(&factor.account_id), &factor.secret_enc)
        .map_err(|e| Error::Internal(format!("second factor secret: {e}")))?;
    let totp = sf::totp(secret.to_vec(), email).map_err(Error::Internal)?;
    Ok(Enrolment {
        secret: totp.get_secret_base32(),
        otpauth_uri: totp.get_url(),
    })
}

/// Whether the account has a confirmed second factor.
pub async fn is_enrolled(ctx: &Ctx, account_id: &str) -> Result<bool> {
    Ok(store::get(ctx.db.pool(), account_id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some()))
}

/// The enrolment waiting for its first code, if one was started.
pub async fn pending_enrolment(ctx: &Ctx, account: &AccountView) -> Result<Option<Enrolment>> {
    match store::get(ctx.db.pool(), &account.id).await? {
        Some(f) if f.confirmed_at.is_none() => Ok(Some(enrolment_of(ctx, &f, &account.email)?)),
        _ => Ok(None),
    }
}

/// Starts (or starts over) an enrolment: a new secret, not yet in force.
#[tracing::instrument(name = "second_factor::begin_enrolment", skip_all, fields(account = %account.id))]
pub async fn begin_enrolment(ctx: &Ctx, account: &AccountView) -> Result<Enrolment> {
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    if store::get(&mut *tx, &account.id)
        .await?
        .is_some_and(|f| f.confirmed_at.is_some())
    {
        return Err(Error::Conflict("second_factor_enrolled"));
    }
    let mut secret = zeroize::Zeroizing::new(vec![0u8; SECRET_BYTES]);
    rand::rngs::OsRng.fill_bytes(&mut secret);
    let sealed = ctx.key.encrypt(&secret_context(&account.id), &secret);
    store::put_pending(&mut tx, &account.id, &sealed, ctx.clock.now_ms()).await?;
    append_event(
        &mut tx,
        NewEvent::new(&account.id, "second_factor.enrolment_started", &account.id),
    )
    .await?;
    tx.commit().await?;
    let totp = sf::totp(secret.to_vec(), &account.email).map_err(Error::Internal)?;
    Ok(Enrolment {
        secret: totp.get_secret_base32(),
        otpauth_uri: totp.get_url(),
    })
}

/// Confirms the enrolment with a first code from the app; the session counts as having passed
/// the second factor. Answers the recovery codes, shown this once.
#[tracing::instrument(name = "second_factor::confirm_enrolment", skip_all, fields(account = %session.account.id))]
pub async fn confirm_enrolment(
    ctx: &Ctx,
    session: &SessionView,
    code: Option<&str>,
    client: &Client,
) -> Result<Vec<String>> {
    let account = &session.account;
    let code = parse(code)?;
    let factor = store::get(ctx.db.pool(), &account.id).await?;
    let factor = match factor {
        Some(f) if f.confirmed_at.is_none() => f,
        Some(_) => return Err(Error::Conflict("second_factor_enrolled")),
        None => return Err(Error::Conflict("second_factor_not_started")),
    };
    let budgets = guess_budgets(ctx, &account.id, client);
    let guess = admit(ctx, &budgets, &account.id, client).await?;
    let step = match &code {
        Code::Totp(c) => totp_step(ctx, &factor, &account.email, c)?,
        Code::Recovery(_) => None,
    };
    let Some(step) = step else {
        return Err(wrong(
            ctx,
            guess,
            &account.id,
            "second_factor.enrolment_code_rejected",
        )
        .await?);
    };
    let now = ctx.clock.now_ms();
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| recovery_code()).collect();
    let hashes: Vec<String> = codes
        .iter()
        .map(|c| recovery_hash(ctx, &account.id, c))
        .collect();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    store::confirm(&mut tx, &account.id, step as i64, now).await?;
    store::replace_recovery_codes(&mut tx, &account.id, &hashes).await?;
    sessions::mark_second_factor(&mut tx, &session.token_hash, now).await?;
    guess.was_right(&mut tx, &budgets).await?;
    append_event(
        &mut tx,
        NewEvent::new(&account.id, "second_factor.enrolled", &account.id)
            .detail(json!({"recovery_codes": RECOVERY_CODES})),
    )
    .await?;
    notify::mail_account(
        ctx,
        &mut tx,
        mail::MailKind::SecondFactorEnabled,
        account,
        &[],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(codes.iter().map(|c| sf::display_recovery(c)).collect())
}

/// A provider turns the second factor off (with a code); staff cannot.
#[tracing::instrument(name = "second_factor::disable", skip_all, fields(account = %session.account.id))]
pub async fn disable(
    ctx: &Ctx,
    session: &SessionView,
    code: Option<&str>,
    client: &Client,
) -> Result<()> {
    if session.account.roles.needs_second_factor() {
        return Err(Error::Forbidden);
    }
    step_up(ctx, session, code, client).await?;
    let account = &session.account;
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    store::delete(&mut tx, &account.id).await?;
    append_event(
        &mut tx,
        NewEvent::new(&account.id, "second_factor.disabled", &account.id),
    )
    .await?;
    notify::mail_account(
        ctx,
        &mut tx,
        mail::MailKind::SecondFactorDisabled,
        account,
        &[],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(())
}

/// `berth user reset-2fa`: for the person who lost their phone. The factor, its recovery codes
/// and every session end; the next log-in enrols again.
#[tracing::instrument(name = "second_factor::reset", skip_all)]
pub async fn reset(ctx: &Ctx, email: &str) -> Result<bool> {
    let email = Email::parse(email).map_err(|c| Error::field("email", c))?;
    let Some(account) = account_store::find_by_email(ctx.db.pool(), email.as_str()).await? else {
        return Err(Error::NotFound);
    };
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let had = store::delete(&mut tx, &account.id).await?;
    let ended = sessions::delete_for_account(&mut tx, &account.id).await?;
    append_event(
        &mut tx,
        NewEvent::new(audit::SYSTEM, "second_factor.reset", &account.id)
            .detail(json!({"had_second_factor": had, "sessions_ended": ended, "via": "cli"})),
    )
    .await?;
    if had {
        let lang = crate::i18n::Lang::from_tag(&account.lang).unwrap_or_default();
        mail::enqueue(
            &mut tx,
            &ctx.key,
            mail::MailKind::SecondFactorReset,
            &account.email,
            lang,
            &[],
        )
        .await?;
    }
    tx.commit().await?;
    ctx.mail_committed();
    Ok(had)
}

/// How many recovery codes are left unused.
pub async fn recovery_codes_left(ctx: &Ctx, account_id: &str) -> Result<i64> {
    Ok(store::unused_recovery_codes(ctx.db.pool(), account_id).await?)
}

fn recovery_code() -> String {
    let mut bytes = [0u8; RECOVERY_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| RECOVERY_ALPHABET[usize::from(*b) % RECOVERY_ALPHABET.len()] as char)
        .collect()
}
