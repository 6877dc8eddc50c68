//! One function per user action: load → decide (with `domain`) → save, in one transaction that
//! also appends the audit event and queues the mail. HTTP handlers and the CLI call these; they
//! never touch SQL themselves.

pub mod accounts;
pub mod agreements;
pub mod api_tokens;
pub mod appeals;
pub mod application;
pub mod audit_log;
pub mod audit_view;
pub mod auto_review;
pub mod catalog;
pub mod claims;
pub mod codes;
pub mod consultations;
pub mod deadlines;
pub mod decision;
pub mod documents;
pub mod drafts;
pub mod events;
pub mod expiry;
pub mod fresh;
pub mod guarantee;
pub mod guarantee_ledger;
pub mod guarantee_requirement;
pub mod housekeeping;
pub mod idempotency;
pub mod integration_key;
pub mod integration_test;
pub mod jobs;
pub mod limits;
pub mod login;
pub mod micro_deposit;
pub mod move_in;
pub mod names;
pub mod notify;
pub mod password_reset;
pub mod passwords;
pub mod privacy;
pub mod privacy_erasure;
mod product_choices;
pub mod product_icons;
pub mod products;
pub mod provider_info;
pub mod provider_profile;
pub mod providers;
pub mod queue;
pub mod reasons;
pub mod report;
pub mod reverification;
pub mod review;
pub mod second_factor;
pub mod sessions;
pub mod staff;
pub mod storage;
pub mod storefront;
pub mod storefront_index;
pub mod verification;
pub mod verification_documents;
pub mod verification_form;
pub mod waiting;
pub mod webhook_delivery;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::blobs::Blobs;
use crate::config::{Config, Limits};
use crate::crypto::MasterKey;
use crate::domain::FieldError;
use crate::store::{Db, StoreError};
use crate::time_util::{Clock, HOUR_MS};

/// What every workflow needs: the database, the key, the limits, and a way to wake the mail
/// worker.
#[derive(Clone)]
pub struct Ctx {
    pub db: Db,
    pub key: MasterKey,
    pub blobs: Blobs,
    pub mail_wake: Arc<Notify>,
    pub session_ttl_ms: i64,
    /// The address people reach the server at, for links in mail (`public_url`, else the
    /// address `serve` listens on), without a trailing slash.
    pub public_url: String,
    /// The security limits (`limits.rs` counts them in the database).
    pub limits: Arc<Limits>,
    /// Bounded password hashing.
    pub hasher: Arc<passwords::Hasher>,
    /// Refusals of the limits seen moments ago, answered from memory.
    pub refusals: Arc<limits::Refusals>,
    /// The storefront's listings, in memory (see `storefront_index`).
    pub storefront: Arc<storefront_index::StorefrontIndex>,
    /// The time second factors are judged by.
    pub clock: Clock,
    /// The zone times are shown in, on pages and in mail.
    pub zone: crate::display::Zone,
    /// How long events stay in the feed (`events.retention_days`).
    pub events_retention_days: u32,
    /// When failed webhook deliveries are tried again, given up, and endpoints switched off.
    pub webhook_policy: crate::domain::webhooks::RetryPolicy,
    /// Wakes the webhook delivery worker (a commit recorded events, a test or replay was asked).
    pub webhook_wake: Arc<Notify>,
    /// This process, as the leases of background jobs name their holder.
    pub instance: String,
    /// Set when the process was told to stop: `/readyz` answers 503 from then on, so that a load
    /// balancer sends nothing new while in-flight requests finish.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
    /// Calls to the addresses users give (webhooks, SaaS callbacks), SSRF-guarded.
    pub outbound: crate::outbound::Outbound,
    /// How long API tokens last (`tokens.*`).
    pub token_lifetime: crate::domain::api_token::Lifetime,
    /// The review queue: how long claims last, the targets per kind (`review.*`).
    pub review: crate::config::ReviewConfig,
    /// The reads every queue view repeats, kept for a moment (`fresh`): the holidays, and the
    /// console's "what is waiting".
    pub kept: Arc<Kept>,
    /// Category deposits: the grace period after a deduction (`deposits.*`).
    pub guarantee: guarantee::Settings,
    /// Data rights: retention after closure, exports a day (`privacy.*`).
    pub privacy: crate::config::PrivacyConfig,
    /// Where mail is written as `.eml` files when there is no SMTP relay (erasure removes an
    /// erased account's mail from it).
    pub mail_dir: Option<std::path::PathBuf>,
}

/// See `Ctx::kept`.
pub struct Kept {
    pub holidays: fresh::Fresh<Vec<jiff::civil::Date>>,
    pub waiting: fresh::Fresh<Vec<waiting::Waiting>>,
}

impl Default for Kept {
    fn default() -> Self {
        // Long enough to serve a burst of views, short enough that another instance's
        // decision shows by the next click.
        const TTL_MS: i64 = 2_000;
        Kept {
            holidays: fresh::Fresh::new(TTL_MS),
            waiting: fresh::Fresh::new(TTL_MS),
        }
    }
}

impl Ctx {
    /// Files are stored before their rows; when the rows were not written after all (a refusal
    /// such as `409 already_appealed`, a conflict, a lost connection) the files go too, so that
    /// a refused upload leaves nothing behind (the sweep would keep it for a day, and repeated
    /// refusals would fill the disk until then).
    pub async fn unless_written<T>(&self, keys: &[&str], outcome: Result<T>) -> Result<T> {
        if outcome.is_err() {
            for key in keys {
                if let Err(e) = self.blobs.delete(key).await {
                    tracing::warn!(error = %e, "a refused upload's file is left to the sweep");
                }
            }
        }
        outcome
    }

    /// The marketplace's day now (China's calendar by default), by the clock tests move.
    pub fn today(&self) -> Result<jiff::civil::Date> {
        self.zone
            .day_of(self.clock.now_ms())
            .ok_or_else(|| Error::Internal("the clock is out of range".into()))
    }

    pub fn new(
        db: Db,
        key: MasterKey,
        blobs: Blobs,
        config: &Config,
    ) -> Result<Ctx, crate::outbound::CallError> {
        let outbound = crate::outbound::Outbound::new((&config.webhooks).into())?;
        Ok(Ctx {
            db,
            key,
            blobs,
            mail_wake: Arc::new(Notify::new()),
            session_ttl_ms: i64::from(config.session_ttl_hours) * HOUR_MS,
            public_url: config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen))
                .trim_end_matches('/')
                .to_string(),
            limits: Arc::new(config.limits.clone()),
            hasher: Arc::new(
                passwords::Hasher::new(
                    config.hash_concurrency(),
                    config.limits.hash_queue,
                    Duration::from_millis(config.limits.hash_wait_ms),
                )
                .with_per_client(config.limits.hash_per_client),
            ),
            storefront: Arc::default(),
            refusals: Arc::default(),
            clock: Clock::default(),
            zone: crate::display::Zone::named(&config.timezone).unwrap_or_default(),
            events_retention_days: config.events.retention_days,
            webhook_policy: webhook_policy(&config.webhooks),
            webhook_wake: Arc::new(Notify::new()),
            instance: uuid::Uuid::new_v4().to_string(),
            draining: Arc::default(),
            outbound,
            token_lifetime: crate::domain::api_token::Lifetime {
                default_days: config.tokens.default_days,
                max_days: config.tokens.max_days,
            },
            review: config.review.clone(),
            kept: Arc::default(),
            guarantee: guarantee::Settings::new(config.deposits.top_up_working_days),
            privacy: config.privacy.clone(),
            mail_dir: config.smtp.is_none().then(|| config.mail_dir()),
        })
    }

    /// Tells the workers that a committed transaction queued mail (and perhaps recorded events
    /// with deliveries: the webhook worker looks too, rather than at its next poll).
    pub fn mail_committed(&self) {
        self.mail_wake.notify_one();
        self.webhook_wake.notify_one();
    }

    /// Tells the webhook worker that a committed transaction queued deliveries.
    pub fn events_committed(&self) {
        self.webhook_wake.notify_one();
    }
}

fn webhook_policy(c: &crate::config::WebhooksConfig) -> crate::domain::webhooks::RetryPolicy {
    let ms = |secs: u64| i64::try_from(secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    crate::domain::webhooks::RetryPolicy {
        base_ms: ms(c.retry_base_secs),
        cap_ms: ms(c.retry_cap_secs),
        give_up_after_ms: ms(c.give_up_after_secs),
        disable_after_ms: ms(c.disable_after_secs),
    }
}

/// Why a workflow refused or failed. Each variant has a stable API code (see `http::error`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("account not activated")]
    NotActivated,
    /// The right password of a closed (provider) or deactivated (staff) account: told plainly,
    /// since only the holder of the password learns it.
    #[error("account disabled")]
    AccountDisabled,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// Staff without the role an action needs (`domain::account::Role`).
    #[error("the {} role is required", .0.as_str())]
    RoleRequired(crate::domain::account::Role),
    #[error("not found")]
    NotFound,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("busy")]
    Busy { retry_after_secs: u64 },
    /// An API token on a route that does not take it, or without the route's scope.
    #[error("the token does not allow this")]
    InsufficientScope,
    #[error("a fresh second factor is required")]
    StepUpRequired,
    /// Staff acting on their own account's submission or standing: another must.
    #[error("staff may not decide about their own account")]
    OwnItem,
    #[error("the second factor must be enrolled first")]
    SecondFactorEnrolmentRequired,
    #[error("provider access required")]
    ProviderAccessRequired { due: Vec<String> },
    #[error("enterprise verification required")]
    VerificationRequired { due: Vec<String> },
    #[error("micro-deposit check frozen")]
    Frozen { retry_after_secs: u64 },
    #[error("wrong micro-deposit amount")]
    WrongAmount { attempts_left: i64 },
    /// Another member of staff holds the review item (`already_claimed`, `claimed_by_other`).
    #[error("held by another reviewer: {code}")]
    Claimed {
        code: &'static str,
        holder: String,
        until_ms: i64,
    },
    #[error("settlement account name does not match the company")]
    AccountNameMismatch,
    #[error("upload refused: {0}")]
    Upload(&'static str),
    #[error("file storage: {0}")]
    Blob(Located<crate::blobs::BlobError>),
    #[error(transparent)]
    Store(Located<StoreError>),
    #[error("internal: {0}")]
    Internal(String),
}

/// A failure that is not about the input, with the place where it surfaced in a workflow (the
/// `?` that passed it on, through `#[track_caller]`): the log names the step that failed, not
/// only "store failure".
pub struct Located<E> {
    pub error: E,
    pub at: &'static std::panic::Location<'static>,
}

impl<E> Located<E> {
    #[track_caller]
    fn here(error: E) -> Located<E> {
        Located {
            error,
            at: std::panic::Location::caller(),
        }
    }
}

impl<E: std::fmt::Debug> std::fmt::Debug for Located<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} (at {}:{})",
            self.error,
            self.at.file(),
            self.at.line()
        )
    }
}

impl<E: std::fmt::Display> std::fmt::Display for Located<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (at {}:{})",
            self.error,
            self.at.file(),
            self.at.line()
        )
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Located<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<StoreError> for Error {
    #[track_caller]
    fn from(e: StoreError) -> Error {
        Error::Store(Located::here(e))
    }
}

impl From<crate::blobs::BlobError> for Error {
    #[track_caller]
    fn from(e: crate::blobs::BlobError) -> Error {
        Error::Blob(Located::here(e))
    }
}

impl From<sqlx::Error> for Error {
    #[track_caller]
    fn from(e: sqlx::Error) -> Error {
        Error::Store(Located::here(StoreError::Sqlx(e)))
    }
}

impl Error {
    pub fn field(field: &str, code: &'static str) -> Error {
        Error::Validation(vec![FieldError::new(field, code)])
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn fails() -> Result<()> {
        Err(StoreError::Corrupt("x".into()))?
    }

    #[test]
    fn a_store_failure_names_the_line_that_passed_it_on() {
        let line = line!() - 5;
        match fails() {
            Err(Error::Store(located)) => {
                assert_eq!(located.at.file(), file!());
                assert_eq!(located.at.line(), line);
                assert!(format!("{located:?}").contains(&format!("mod.rs:{line}")));
            }
            other => panic!("{other:?}"),
        }
    }
}
