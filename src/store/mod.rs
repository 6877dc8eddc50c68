//! The database: one `AnyPool` over SQLite (the embedded default) or PostgreSQL (scale-out), the
//! embedded migrations of both dialects, and write transactions. SQL lives here and nowhere else;
//! one file per aggregate. Queries are portable (`$1` placeholders, no dialect types).

pub mod accounts;
pub mod application;
pub mod audit;
pub mod catalog;
pub mod consultations;
pub mod enterprise;
pub mod idempotency;
pub mod limits;
pub mod move_in;
pub mod outbox;
pub mod products;
pub mod provider;
pub mod review;
pub mod second_factor;
pub mod sessions;

use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Arguments, Execute, Executor};

use crate::domain::audit::NewEvent;

/// A write transaction. On SQLite it also holds the process's writer slot (see `Db::begin_write`).
pub type Tx = WriteTx;

pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
    slot: Option<tokio::sync::OwnedMutexGuard<WriterState>>,
    /// The audit chain's head (seq, hash) as this transaction last knew it, when it knows it.
    audit_head: Option<(i64, String)>,
}

/// What the SQLite writer slot remembers from one write of this process to the next.
#[derive(Debug, Default)]
struct WriterState {
    /// The audit chain's head after this process's last committed write, so that the next
    /// append need not read it. Another process (the CLI, a second server on the same file) may
    /// have moved it since: the append then collides on `seq` and reads the head after all.
    audit_head: Option<(i64, String)>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx {
            tx,
            slot,
            audit_head,
            ..
        } = self;
        tx.commit().await?;
        if let Some(mut slot) = slot {
            slot.audit_head = audit_head;
        }
        Ok(())
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database_url: {0}")]
    BadUrl(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether a commit waits for the disk (see `Db::begin_write_relaxed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    Relaxed,
}

impl Durability {
    fn sqlite_begin(self) -> &'static str {
        match self {
            Durability::Full => "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
            Durability::Relaxed => "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE",
        }
    }
}

/// The pool and what kind of database is behind it.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    dialect: Dialect,
    /// SQLite has one writer at a time. Writers of this process queue here, in order, instead
    /// of in SQLite's busy handler, which sleeps (1 … 100 ms) and leaves the lock idle meanwhile.
    writer: Option<std::sync::Arc<tokio::sync::Mutex<WriterState>>>,
}

macro_rules! migrations {
    ($dir:literal: $( $version:literal $file:literal ),* $(,)?) => {
        &[ $( ($version, $file, include_str!(concat!("../../migrations/", $dir, "/", $file, ".sql"))) ),* ]
    };
}

// The two folders carry the same numbers with the same meaning.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = migrations!("sqlite": 1 "0001_foundation", 2 "0002_move_in", 3 "0003_products", 4 "0004_audit_head_trigger", 5 "0005_product_terms", 6 "0006_storefront_generation", 7 "0007_security_limits", 8 "0008_second_factor", 9 "0009_code_requester", 10 "0010_sealed_files");
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = migrations!("postgres": 1 "0001_foundation", 2 "0002_move_in", 3 "0003_products", 4 "0004_audit_head_trigger", 5 "0005_product_terms", 6 "0006_storefront_generation", 7 "0007_security_limits", 8 "0008_second_factor", 9 "0009_code_requester", 10 "0010_sealed_files");

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
                            // default missed on every search and fought over SQLite's mutex).
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA cache_size = -8192;",
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
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Applies the migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        let list = match self.dialect {
            Dialect::Sqlite => SQLITE_MIGRATIONS,
            Dialect::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations: Vec<Migration> = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so a read-then-write transaction cannot fail to upgrade.
    pub async fn begin_write(&self) -> Result<Tx> {
        self.begin(Durability::Full).await
    }

    /// A write whose loss in a power failure (not in a crash of the process) is acceptable: a
    /// saved draft, the customer-service details. On SQLite the commit skips the fsync
    /// (`synchronous = NORMAL` in WAL mode); decisions, money and accounts use `begin_write`.
    pub async fn begin_write_relaxed(&self) -> Result<Tx> {
        self.begin(Durability::Relaxed).await
    }

    async fn begin(&self, durability: Durability) -> Result<Tx> {
        let slot = match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        self.begin_in(slot, durability).await
    }

    async fn begin_in(
        &self,
        mut slot: Option<tokio::sync::OwnedMutexGuard<WriterState>>,
        durability: Durability,
    ) -> Result<Tx> {
        // `synchronous` is a connection setting that cannot change inside a transaction: each
        // write sets its own just before BEGIN, in the same round trip.
        //
        // In a task of its own: a request cancelled (its client hung up) after the database began
        // the transaction but before the `Transaction` existed would return the connection to the
        // pool with the transaction open — on SQLite holding the write lock, so that every later
        // write failed. The task always finishes; if nobody awaits it any more, its
        // `Transaction` is dropped, which rolls it back.
        let pool = self.pool.clone();
        let dialect = self.dialect;
        let begun = tokio::spawn(async move {
            match dialect {
                Dialect::Sqlite => pool.begin_with(durability.sqlite_begin()).await,
                Dialect::Postgres => pool.begin().await,
            }
        });
        let tx = begun
            .await
            .map_err(|e| StoreError::Corrupt(format!("begin task: {e}")))??;
        // Taken, not copied: if this transaction does not commit, the next one reads the head.
        let audit_head = slot.as_mut().and_then(|s| s.audit_head.take());
        Ok(WriteTx {
            tx,
            dialect: self.dialect,
            slot,
            audit_head,
        })
    }

    /// A write that reads nothing first: one statement (binding `$1`…`$n` through `bind`) and
    /// its audit event, committed together, on behalf of `account_id` (whose row it locks on
    /// PostgreSQL, as `begin_for_account` does).
    ///
    /// On SQLite, when this process knows the audit chain's head from its last write, the whole
    /// transaction — `BEGIN IMMEDIATE`, the statement, the event, `COMMIT` — goes to the
    /// connection's thread as one batch: one round trip while the writer slot is held instead of
    /// five, which is what bounds the rate of all writes. If the batch fails it is rolled back;
    /// when the head had moved (another process appended: the event collides on `seq`), the
    /// write is done again the ordinary way.
    pub async fn write_with_event<F>(
        &self,
        durability: Durability,
        account_id: &str,
        sql: &str,
        bind: F,
        event: &NewEvent,
    ) -> Result<i64>
    where
        F: for<'b> Fn(AnyQuery<'b>) -> AnyQuery<'b> + Send + 'static,
    {
        let Some(writer) = &self.writer else {
            let tx = self
                .lock_account(self.begin(durability).await?, account_id)
                .await?;
            return write_in(tx, sql, &bind, event).await;
        };
        // The event's placeholders follow the statement's: `bind` must fill `$1`…`$n` exactly.
        let bound = bind(sqlx::query(""))
            .take_arguments()
            .map_err(|e| StoreError::Corrupt(format!("binding: {e}")))?
            .map_or(0, |a| a.len());
        let batchable = bound == placeholders_in(sql);
        if !batchable {
            tracing::warn!(
                bound,
                placeholders = placeholders_in(sql),
                "a blind write binds another number of values than it has placeholders; \
                 written the ordinary way"
            );
        }
        let mut slot = writer.clone().lock_owned().await;
        let mut bind = bind;
        if let Some((head_seq, head_hash)) = slot.audit_head.take_if(|_| batchable) {
            let (seq, at, hash) = audit::next(head_seq, &head_hash, event);
            let batch = format!(
                "{}; {sql}; {}; COMMIT",
                durability.sqlite_begin(),
                audit::insert_sql(bound)
            );
            let owned = event.clone();
            let pool = self.pool.clone();
            // In a task of its own: a request that goes away mid-batch must not stop the batch
            // half-way (sqlx's worker stops when nobody listens) and leave a transaction open on
            // a pooled connection.
            let task = tokio::spawn(async move {
                let query = audit::bind_insert(
                    bind(sqlx::query(&batch)),
                    seq,
                    at,
                    &owned,
                    &head_hash,
                    &hash,
                );
                let outcome = async {
                    let mut conn = pool.acquire().await?;
                    let done = query.execute(&mut *conn).await;
                    if done.is_err() {
                        // Whatever ran of the batch is undone before the connection goes back.
                        if let Err(e) = conn.execute("ROLLBACK").await {
                            // Not knowing whether a transaction is still open on it, the
                            // connection is closed rather than handed to the next writer.
                            tracing::debug!(error = %e, "rollback after a failed batch");
                            conn.close_on_drop();
                        }
                    }
                    done
                }
                .await;
                if outcome.is_ok() {
                    slot.audit_head = Some((seq, hash));
                }
                (outcome, slot, bind)
            });
            let (outcome, back, unused) = task
                .await
                .map_err(|e| StoreError::Corrupt(format!("write task: {e}")))?;
            match outcome {
                Ok(_) => return Ok(seq),
                Err(e) if audit::is_seq_collision(&e) => {
                    tracing::debug!("the audit head moved in another process; writing again");
                }
                Err(e) => return Err(e.into()),
            }
            (slot, bind) = (back, unused);
        }
        let tx = self.begin_in(Some(slot), durability).await?;
        write_in(tx, sql, &bind, event).await
    }

    /// A write transaction that also holds the lock of one account's row, so that concurrent
    /// read-then-write actions on the same account (double submits, parallel guesses of the
    /// micro-deposit) run one after the other. SQLite's `BEGIN IMMEDIATE` already serialises
    /// all writers; on PostgreSQL the row lock does it. Lock order everywhere: account, then
    /// anything else.
    pub async fn begin_for_account(&self, account_id: &str) -> Result<Tx> {
        self.lock_account(self.begin_write().await?, account_id)
            .await
    }

    /// `begin_for_account` with relaxed durability (see `begin_write_relaxed`).
    pub async fn begin_for_account_relaxed(&self, account_id: &str) -> Result<Tx> {
        self.lock_account(self.begin_write_relaxed().await?, account_id)
            .await
    }

    async fn lock_account(&self, mut tx: Tx, account_id: &str) -> Result<Tx> {
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        Ok(tx)
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
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

/// The ordinary way of `Db::write_with_event`: statement by statement in `tx`.
async fn write_in<F>(mut tx: Tx, sql: &str, bind: &F, event: &NewEvent) -> Result<i64>
where
    F: for<'b> Fn(AnyQuery<'b>) -> AnyQuery<'b>,
{
    bind(sqlx::query(sql)).execute(&mut *tx).await?;
    let seq = audit::append_event(&mut tx, event).await?;
    tx.commit().await?;
    Ok(seq)
}

/// A query as `write_with_event` binds it.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// The highest `$n` placeholder in a statement (our SQL has no `$` in literals).
fn placeholders_in(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut highest = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if let Ok(n) = sql[i + 1..i + 1 + digits].parse::<usize>() {
                highest = highest.max(n);
            }
            i += digits;
        }
        i += 1;
    }
    highest
}

/// True when the error is a unique-constraint violation (on either dialect).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}

impl Db {
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

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_counted_by_their_highest_number() {
        assert_eq!(super::placeholders_in("SELECT 1"), 0);
        assert_eq!(super::placeholders_in("a = $1, b = $12, c = $3, d = $"), 12);
        assert_eq!(super::placeholders_in("$2 $1"), 2);
    }
}
