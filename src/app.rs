//! Start-up and shut-down: connect and migrate the store, load the key, build the state and the
//! router, bind, run the background workers, and stop gracefully (in-flight requests finish).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::blobs::{BlobError, Blobs};
use crate::config::Config;
use crate::crypto::{KeyError, MasterKey};
use crate::http::{self, metrics::Metrics, AppState};
use crate::mail::{self, MailError, Mailer};
use crate::store::{Db, StoreError};
use crate::workflows::{accounts, Ctx};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Blobs(#[from] BlobError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Storage(String),
    #[error(transparent)]
    Lock(#[from] crate::backup::BackupError),
    #[error("the client for webhooks and callbacks: {0}")]
    Outbound(String),
    #[error("migrating stored files: {0}")]
    Migrate(String),
    #[error("listen: cannot bind {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("data_dir: cannot create {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
}

/// Opens what every command needs: the data directory, the database (migrated) and the key.
pub async fn open(config: &Config) -> Result<(Db, MasterKey), StartupError> {
    let data_dir_error = |source| StartupError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    };
    crate::private_files::create_dir(&config.data_dir).map_err(data_dir_error)?;
    let db = Db::connect(&config.database_url()).await?;
    db.migrate().await?;
    let key = MasterKey::load_or_create(config.master_key.as_deref(), &config.data_dir)?;
    // Files of older versions (a 0644 berth.db) are tightened too.
    crate::private_files::tighten(
        &config.data_dir,
        &[
            "berth.db",
            "berth.db-wal",
            "berth.db-shm",
            "master.key",
            "mail",
            "files",
        ],
    )
    .map_err(data_dir_error)?;
    Ok((db, key))
}

pub fn context(config: &Config, db: Db, key: MasterKey) -> Result<Ctx, StartupError> {
    let blobs = Blobs::open(&config.storage_location()?, &config.storage, key.clone())?;
    Ctx::new(db, key, blobs, config).map_err(|e| StartupError::Outbound(e.to_string()))
}

/// Stops start-up when the file store does not answer or refuses writes, naming the key.
pub async fn check_storage(ctx: &Ctx, config: &Config) -> Result<(), StartupError> {
    ctx.blobs.check().await.map_err(|e| {
        let url = config
            .storage
            .url
            .as_deref()
            .unwrap_or("file://<data_dir>/files");
        StartupError::Storage(format!(
            "storage.url: {url} cannot be used: {e}{}",
            if config.storage.endpoint.is_some() {
                " (check storage.endpoint, storage.region and the keys)"
            } else {
                ""
            }
        ))
    })
}

/// The data migrations that follow the schema's: files older versions stored in plaintext are
/// encrypted. `berth migrate` runs them, and so does every start (quick once done).
pub async fn migrate_data(ctx: &Ctx) -> Result<(), StartupError> {
    let sealed = crate::workflows::documents::seal_older_files(ctx)
        .await
        .map_err(|e| StartupError::Migrate(e.to_string()))?;
    if sealed > 0 {
        tracing::info!(files = sealed, "stored files of an older version encrypted");
    }
    Ok(())
}

/// A built server, bound to its address but not yet serving.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    mailer: Arc<Mailer>,
    /// Held while serving, so that `berth restore` cannot replace the data underneath.
    _lock: crate::backup::DataDirLock,
}

impl Application {
    pub async fn build(config: Config) -> Result<Application, StartupError> {
        let (db, key) = open(&config).await?;
        let lock = crate::backup::DataDirLock::shared(&config.data_dir)?;
        let mailer = Arc::new(Mailer::from_config(&config)?);
        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let ctx = context(&config, db, key)?;
        check_storage(&ctx, &config).await?;
        migrate_data(&ctx).await?;
        if config.webhooks.allow_private_networks {
            tracing::warn!(
                "webhooks.allow_private_networks is on: webhooks and SaaS callbacks may reach \
                 loopback, private and link-local addresses (for tests and private deployments only)"
            );
        }
        let mut metrics = Metrics::new();
        metrics.register_storefront(&ctx.storefront);
        metrics.register_password_hashing(&ctx.hasher);
        let trusted_proxies = Arc::new(config.trusted_proxy_nets()?);
        let state = AppState {
            ctx: Arc::new(ctx),
            config: Arc::new(config),
            metrics: Arc::new(metrics),
            trusted_proxies,
        };
        Ok(Application {
            listener,
            state,
            mailer,
            _lock: lock,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| self.state.config.listen)
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// What a newcomer needs to know, printed once at start-up.
    pub async fn banner(&self) -> Vec<String> {
        let mut lines = vec![
            format!("Berth is serving at http://{}", self.local_addr()),
            format!("Mail goes to {}", self.mailer.describe()),
        ];
        if matches!(accounts::admin_exists(&self.state.ctx).await, Ok(false)) {
            lines.push(
                "No admin account exists yet. Create one (the password is read from stdin):".into(),
            );
            // Admins manage staff; the first one usually reviews and pays deposits as well.
            lines.push(
                "    berth user add --email you@example.com --role admin,reviewer,finance".into(),
            );
        }
        lines
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish and stops the
    /// workers.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let ctx = self.state.ctx.clone();
        let worker = tokio::spawn(mail::run_worker(
            ctx.db.clone(),
            ctx.key.clone(),
            self.mailer.clone(),
            ctx.mail_wake.clone(),
            stop_rx.clone(),
        ));
        let webhooks = &self.state.config.webhooks;
        let deliveries = tokio::spawn(crate::workflows::webhook_delivery::run_worker(
            Ctx::clone(&ctx),
            Duration::from_millis(webhooks.poll_ms),
            webhooks.concurrency,
            stop_rx.clone(),
        ));
        let janitor = tokio::spawn(housekeeping(Ctx::clone(&ctx), stop_rx));
        let loading = ctx.clone();
        tokio::spawn(async move {
            if let Err(e) = loading.storefront.load(&loading.db).await {
                tracing::error!(error = %e, "loading the storefront index");
            }
        });
        let app = http::router(self.state.clone());
        let limits = http::server::ServeLimits::from_config(&self.state.config);
        let draining = ctx.draining.clone();
        let grace = Duration::from_secs(self.state.config.shutdown_grace_secs);
        let shutdown = async move {
            shutdown.await;
            draining.store(true, std::sync::atomic::Ordering::SeqCst);
            if !grace.is_zero() {
                tracing::info!(
                    seconds = grace.as_secs(),
                    "draining: /readyz answers 503; still serving until the grace period ends"
                );
                tokio::time::sleep(grace).await;
            }
        };
        let served = http::server::serve(self.listener, app, limits, shutdown).await;
        let _ = stop_tx.send(true);
        let _ = worker.await;
        let _ = deliveries.await;
        let _ = janitor.await;
        self.state.ctx.db.close().await;
        served
    }
}

/// Hourly: `housekeeping::sweep` (expired sessions, challenges, limits, idempotency answers),
/// then the daily jobs that are due (one instance of several runs each).
async fn housekeeping(ctx: Ctx, mut stop: watch::Receiver<bool>) {
    loop {
        crate::workflows::housekeeping::sweep(&ctx).await;
        crate::workflows::jobs::run_daily(&ctx).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C. The handlers are installed when this is called, not when the
/// future is first polled: a SIGTERM that arrives while the server is still starting (after it
/// answered its first request, before the accept loop first waited) must stop it gracefully,
/// not kill it by the signal's default action.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::terminate()).ok(),
            signal(SignalKind::interrupt()).ok(),
        )
    };
    async move {
        #[cfg(unix)]
        {
            let (mut term, mut int) = signals;
            tokio::select! {
                _ = next_signal(term.as_mut()) => {},
                _ = next_signal(int.as_mut()) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutting down: finishing in-flight requests");
    }
}

/// The next delivery of a signal whose handler is installed; never, if it could not be.
#[cfg(unix)]
async fn next_signal(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}
