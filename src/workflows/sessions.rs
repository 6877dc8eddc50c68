//! Sessions: a new one after a log-in, the one a request presents, and logging out. Tokens are
//! random; only their SHA-256 is stored.

use super::accounts::AccountView;
use super::{limits, Ctx, Result};
use crate::crypto::{random_token, sha256_hex};
use crate::domain::account::{AccountStatus, Roles};
use crate::domain::audit::NewEvent;
use crate::domain::client::Client;
use crate::i18n::Lang;
use crate::store::accounts::AccountRow;
use crate::store::{self, sessions};
use crate::time_util::now_ms;

/// A new session: the token is returned once and only its hash is stored.
pub struct NewSession {
    pub token: String,
    pub account: AccountView,
    /// A staff account without a second factor: this session can only enrol one.
    pub enrolment_required: bool,
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
    // The staff list shows when each account last signed in.
    store::staff::set_last_sign_in(tx, &row.id, now).await?;
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
#[tracing::instrument(name = "sessions::logout", skip_all, fields(account_id = %account_id))]
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
