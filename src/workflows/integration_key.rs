//! The provider's integration key (Information Management → Basic Information): the key the
//! marketplace signs its calls to the provider's SaaS callbacks with. Shown once when made;
//! rotating it keeps the previous key signing beside the new one for 24 hours, so the provider
//! can switch its receivers over without a gap.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use zeroize::Zeroizing;

use super::accounts::AccountView;
use super::move_in::require_provider_access;
use super::{Ctx, Error, Result};
use crate::crypto::random_token;
use crate::domain::audit::NewEvent;
use crate::store;
use crate::store::integration::{self as integration_store, KeyRow};
use crate::time_util::{rfc3339, HOUR_MS};

/// How long the previous key still signs after a rotation.
pub const OVERLAP_MS: i64 = 24 * HOUR_MS;

/// The key as the provider backend shows it after it was made: never the key.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KeyView {
    /// Counts the rotations; a test record names the version it was signed with.
    pub version: i64,
    pub created_at: String,
    #[serde(skip)]
    pub created_ms: i64,
    /// The key's last four characters, to tell keys apart.
    pub last4: String,
    /// Until when the previous key still signs, after a rotation.
    pub previous_valid_until: Option<String>,
    #[serde(skip)]
    pub previous_valid_until_ms: Option<i64>,
}

/// A new key: `key` is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NewKey {
    pub key: String,
    #[serde(flatten)]
    pub view: KeyView,
}

fn view_of(k: &KeyRow, now: i64) -> KeyView {
    let previous = k.previous_expires_at.filter(|at| *at > now);
    KeyView {
        version: k.version,
        created_at: rfc3339(k.created_at),
        created_ms: k.created_at,
        last4: k.last4.clone(),
        previous_valid_until: previous.map(rfc3339),
        previous_valid_until_ms: previous,
    }
}

fn context(provider_id: &str, version: i64) -> String {
    format!("integration_keys.key:{provider_id}:{version}")
}

/// The provider's key, as shown (`None`: none made yet).
pub async fn show(ctx: &Ctx, account: &AccountView) -> Result<Option<KeyView>> {
    require_provider_access(ctx, account).await?;
    let now = ctx.clock.now_ms();
    Ok(integration_store::key(ctx.db.pool(), &account.id)
        .await?
        .map(|k| view_of(&k, now)))
}

/// Makes the provider's first key, or a new one in place of the current (which keeps signing
/// for `OVERLAP_MS`). A new key also means every earlier integration test no longer counts.
#[tracing::instrument(name = "integration_key::rotate", skip_all, fields(account = %account.id))]
pub async fn rotate(ctx: &Ctx, account: &AccountView) -> Result<NewKey> {
    require_provider_access(ctx, account).await?;
    let now = ctx.clock.now_ms();
    let key = Zeroizing::new(random_token());
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let old = integration_store::key(&mut *tx, &account.id).await?;
    let version = old.as_ref().map_or(1, |k| k.version + 1);
    let row = KeyRow {
        provider_id: account.id.clone(),
        version,
        key_enc: ctx
            .key
            .encrypt(&context(&account.id, version), key.as_bytes()),
        last4: key
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect(),
        previous_version: old.as_ref().map(|k| k.version),
        previous_key_enc: old.as_ref().map(|k| k.key_enc.clone()),
        previous_expires_at: old.as_ref().map(|_| now + OVERLAP_MS),
        created_at: now,
    };
    integration_store::put_key(&mut tx, &row).await?;
    let action = if old.is_some() {
        "integration_key.rotated"
    } else {
        "integration_key.created"
    };
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, action, &account.id).detail(json!({"version": version})),
    )
    .await?;
    tx.commit().await?;
    Ok(NewKey {
        key: key.to_string(),
        view: view_of(&row, now),
    })
}

/// The keys that sign a call now: the current one, and the previous one during the overlap.
pub struct SigningKeys {
    pub version: i64,
    pub keys: Vec<Zeroizing<Vec<u8>>>,
}

/// The provider's signing keys (`None`: no key made yet).
pub(super) async fn signing_keys(ctx: &Ctx, provider_id: &str) -> Result<Option<SigningKeys>> {
    let Some(k) = integration_store::key(ctx.db.pool(), provider_id).await? else {
        return Ok(None);
    };
    let open = |version: i64, sealed: &str| {
        ctx.key
            .decrypt(&context(provider_id, version), sealed)
            .map_err(|e| Error::Internal(format!("integration key: {e}")))
    };
    let mut keys = vec![open(k.version, &k.key_enc)?];
    if let (Some(v), Some(sealed), Some(until)) = (
        k.previous_version,
        &k.previous_key_enc,
        k.previous_expires_at,
    ) {
        if until > ctx.clock.now_ms() {
            keys.push(open(v, sealed)?);
        }
    }
    Ok(Some(SigningKeys {
        version: k.version,
        keys,
    }))
}

/// The version of the provider's current key, if it has one.
pub(super) async fn current_version<'e, E>(ex: E, provider_id: &str) -> Result<Option<i64>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(integration_store::key(ex, provider_id)
        .await?
        .map(|k| k.version))
}
