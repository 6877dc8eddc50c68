//! Connecting: one pool over SQLite (the file and its folder created, private) or PostgreSQL;
//! liveness; a consistent copy of a live SQLite database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Connection, Executor};

use super::tx::WriterState;
use super::{Dialect, Result, StoreError};

/// A PostgreSQL connection idle this long is pinged before it is handed out (one released less
/// than this ago was pinged on its release).
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// The pool and what kind of database is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pub(super) pool: AnyPool,
    pub(super) dialect: Dialect,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of in SQLite's busy handler, which sleeps (1 … 100 ms) and leaves the lock idle meanwhile.
    pub(super) writer: Option<std::sync::Arc<tokio::sync::Mutex<WriterState>>>,
    /// Write transactions this process committed, for what reads keep for a moment
    /// (`Db::writes_committed`).
    pub(super) writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Db {
    /// Connects; for SQLite the file (and its folder) is created when missing.
    pub async fn connect(url: &str) -> Result<Db> {
        sqlx::any::install_default_drivers();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(StoreError::BadUrl(
                "must start with sqlite:// or postgres://".into(),
            ));
        };
        let url = match dialect {
            Dialect::Sqlite => prepare_sqlite_url(url)?,
            Dialect::Postgres => url.to_string(),
        };
        let options =
            AnyConnectOptions::from_str(&url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
        let pool = match dialect {
            Dialect::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    // A SQLite connection is a file handle in this process: nothing can hang up
                    // on it, so the liveness ping sqlx sends on every checkout (a round trip to
                    // the connection's worker thread) is skipped.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            // WAL lets readers run beside the one writer; FULL makes every
                            // acknowledged decision durable; busy_timeout waits out other
                            // processes (the CLI) instead of failing; an 8 MiB page cache per
                            // connection keeps the storefront's tables in memory (the 2 MiB
                            // default missed on every search and fought over SQLite's mutex);
                            // secure_delete zeroes what a delete or update frees, so erased
                            // personal data does not linger in free pages (docs/PRIVACY.md).
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA cache_size = -8192; PRAGMA secure_delete = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Dialect::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    // sqlx pings a connection when it goes back to the pool (a broken one is
                    // dropped there) and, by default, again when it is taken out: two round
                    // trips to the server around every checkout. The second is sent only when
                    // the connection has lain idle long enough for the server to have gone
                    // away since (a restart, an idle-session timeout, a proxy's cut).
                    .test_before_acquire(false)
                    .before_acquire(|conn, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= PING_WHEN_IDLE_FOR {
                                conn.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(options)
                    .await?
            }
        };
        let writer = (dialect == Dialect::Sqlite)
            .then(|| std::sync::Arc::new(tokio::sync::Mutex::default()));
        Ok(Db {
            pool,
            dialect,
            writer,
            writes: Default::default(),
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// How many write transactions this process has committed: a read remembered at one count
    /// is stale once the count moves (writes of other processes are not counted).
    pub fn writes_committed(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// A connection of the pool, held until dropped. Hold it only while no other connection is
    /// waited for: the pool is small, and requests that each hold one and wait for a second
    /// could wait for one another.
    pub async fn checkout(&self) -> Result<super::Conn> {
        Ok(self.pool.acquire().await?)
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// A consistent copy of a live SQLite database (`VACUUM INTO`), safe while serving.
    pub async fn backup_sqlite(&self, target: &std::path::Path) -> Result<()> {
        if self.dialect != Dialect::Sqlite {
            return Err(StoreError::BadUrl(
                "backup copies the SQLite database; for PostgreSQL use pg_dump".into(),
            ));
        }
        let path = target.to_string_lossy().replace('\'', "''");
        sqlx::query(&format!("VACUUM INTO '{path}'"))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Adds `mode=rwc` and creates the folder and the file (both private), so a fresh data directory
/// just works.
fn prepare_sqlite_url(url: &str) -> Result<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() {
        return Err(StoreError::BadUrl("sqlite URL has no file path".into()));
    }
    if path != ":memory:" {
        let file = std::path::Path::new(path);
        if let Some(parent) = file.parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                crate::private_files::create_dir(parent).map_err(|e| {
                    StoreError::BadUrl(format!("cannot create {}: {e}", parent.display()))
                })?;
            }
        }
        // Made 0600 before SQLite opens it: its WAL and shared memory take the file's mode.
        crate::private_files::create_file(file)
            .map_err(|e| StoreError::BadUrl(format!("cannot create {}: {e}", file.display())))?;
    }
    Ok(if rest.contains("mode=") {
        url.to_string()
    } else if rest.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}
