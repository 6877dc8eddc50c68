//! Write transactions: on SQLite in the process's writer slot (writers queue here instead of in
//! SQLite's busy handler), with `synchronous` chosen per write; on PostgreSQL with the row lock
//! of the account acted for.

use super::{Db, Dialect, Result, StoreError};

/// A write transaction. On SQLite it also holds the process's writer slot (see `Db::begin_write`).
pub type Tx = WriteTx;

pub struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    dialect: Dialect,
    slot: Option<tokio::sync::OwnedMutexGuard<WriterState>>,
    /// The audit chain's head (seq, hash) as this transaction last knew it, when it knows it.
    pub(super) audit_head: Option<(i64, String)>,
    /// The database's count of committed writes, moved on by `commit`.
    writes: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// What the SQLite writer slot remembers from one write of this process to the next.
#[derive(Debug, Default)]
pub(super) struct WriterState {
    /// The audit chain's head after this process's last committed write, so that the next
    /// append need not read it. Another process (the CLI, a second server on the same file) may
    /// have moved it since: the append then collides on `seq` and reads the head after all.
    pub(super) audit_head: Option<(i64, String)>,
}

impl WriteTx {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let WriteTx {
            tx,
            slot,
            audit_head,
            writes,
            ..
        } = self;
        tx.commit().await?;
        writes.fetch_add(1, std::sync::atomic::Ordering::Release);
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

/// Whether a commit waits for the disk (see `Db::begin_write_relaxed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Full,
    Relaxed,
}

impl Durability {
    /// On PostgreSQL a relaxed write commits without waiting for the WAL flush
    /// (`synchronous_commit = off` for this transaction only): like SQLite's NORMAL, a power
    /// failure may lose the last moments of such writes, a crash of the database corrupts
    /// nothing. Appends to the audit chain take its head's row lock until commit, so the flush
    /// no longer holds up every other writer.
    pub(super) fn postgres_begin(self) -> Option<&'static str> {
        match self {
            Durability::Full => None,
            Durability::Relaxed => Some("BEGIN; SET LOCAL synchronous_commit = off"),
        }
    }

    pub(super) fn sqlite_begin(self) -> &'static str {
        match self {
            Durability::Full => "PRAGMA synchronous = FULL; BEGIN IMMEDIATE",
            Durability::Relaxed => "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE",
        }
    }
}

impl Db {
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

    pub(super) async fn begin(&self, durability: Durability) -> Result<Tx> {
        let slot = match &self.writer {
            Some(m) => Some(m.clone().lock_owned().await),
            None => None,
        };
        self.begin_in(slot, durability).await
    }

    pub(super) async fn begin_in(
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
                Dialect::Postgres => match durability.postgres_begin() {
                    Some(begin) => pool.begin_with(begin).await,
                    None => pool.begin().await,
                },
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
            writes: self.writes.clone(),
        })
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

    /// `begin_for_account` with the durability asked for.
    pub async fn begin_for_account_as(
        &self,
        account_id: &str,
        durability: Durability,
    ) -> Result<Tx> {
        self.lock_account(self.begin(durability).await?, account_id)
            .await
    }

    /// `begin_for_account` with relaxed durability (see `begin_write_relaxed`).
    pub async fn begin_for_account_relaxed(&self, account_id: &str) -> Result<Tx> {
        self.lock_account(self.begin_write_relaxed().await?, account_id)
            .await
    }

    pub(super) async fn lock_account(&self, mut tx: Tx, account_id: &str) -> Result<Tx> {
        if self.dialect == Dialect::Postgres {
            sqlx::query("SELECT id FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account_id)
                .fetch_optional(&mut *tx)
                .await?;
        }
        Ok(tx)
    }
}
