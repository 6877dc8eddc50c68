//! The storefront's read model: every listed product of a provider in good standing, held in
//! memory newest first, with a list per category and a bigram index over the lower-cased names
//! and summaries.
//!
//! The database stays the source of truth. Triggers record every change a listing shows in
//! `storefront_changes` (which product, or which provider's products) and move
//! `storefront_state.generation`, in the same transaction as the change (migrations 0006 and
//! 0012). Every search reads that one row first; when it is newer than the index, one request
//! applies the changes since — re-reading only the products they name — before anyone answers.
//! So a search never answers from a state older than the database it could have read itself,
//! on one server or on several sharing PostgreSQL, and a change costs a few keyed reads instead
//! of reloading every product. The whole index is loaded at start, in the background; `/readyz`
//! says "warming up" until it is.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::RwLock;

use prometheus_client::metrics::counter::Counter;

use crate::store::products::{
    storefront_changes_since, storefront_generation, storefront_listings, storefront_listings_of,
};
use crate::store::{Db, Result};

mod index;

use index::Index;

/// Past this many changes since the index's generation (or when the log no longer reaches back
/// that far), the whole index is loaded again instead.
const MAX_CHANGES_APPLIED: i64 = 5_000;

/// The index, kept up to date with the database.
pub struct StorefrontIndex {
    index: RwLock<Index>,
    /// One updater at a time; whoever waited here finds the index up to date.
    updating: tokio::sync::Mutex<()>,
    loaded: AtomicBool,
    loaded_signal: tokio::sync::Notify,
    /// Whole loads since start (exported at `/metrics`).
    pub reloads: Counter,
    /// Changes applied in place since start.
    pub changes_applied: Counter,
}

impl Default for StorefrontIndex {
    fn default() -> Self {
        StorefrontIndex {
            index: RwLock::new(Index::default()),
            updating: tokio::sync::Mutex::new(()),
            loaded: AtomicBool::new(false),
            loaded_signal: tokio::sync::Notify::new(),
            reloads: Counter::default(),
            changes_applied: Counter::default(),
        }
    }
}

/// One listing as a search answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub category: String,
    pub price_from_fen: Option<i64>,
    pub company_name: Option<String>,
    pub has_icon: bool,
    pub listed_at: i64,
}

/// What a buyer asked for.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    /// Lower-cased and trimmed; matched anywhere in the name or in the summary.
    pub text: Option<&'a str>,
    pub category: Option<&'a str>,
    /// Continue after this (`listed_at`, `id`).
    pub after: Option<(i64, &'a str)>,
    pub limit: usize,
}

impl StorefrontIndex {
    /// Whether the first load is done (`/readyz` waits for it).
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// Whether the first load is done, waiting up to `patience` for it.
    pub async fn wait_loaded(&self, patience: std::time::Duration) -> bool {
        let waiting = self.loaded_signal.notified();
        if self.is_loaded() {
            return true;
        }
        let _ = tokio::time::timeout(patience, waiting).await;
        self.is_loaded()
    }

    /// Loads every listing (at start, in the background).
    pub async fn load(&self, db: &Db) -> Result<()> {
        let _updating = self.updating.lock().await;
        self.reload(db).await
    }

    async fn reload(&self, db: &Db) -> Result<()> {
        let (generation, rows) = storefront_listings(db).await?;
        let fresh = Index::build(generation, rows);
        tracing::debug!(
            generation,
            products = fresh.len(),
            "storefront index loaded"
        );
        *self.write() = fresh;
        self.loaded.store(true, Ordering::Release);
        self.loaded_signal.notify_waiters();
        self.reloads.inc();
        Ok(())
    }

    /// Brings the index up to the database's generation (read now), so that a search made
    /// after this never answers from an older state.
    pub async fn catch_up(&self, db: &Db) -> Result<()> {
        let generation = storefront_generation(db).await?;
        if self.generation() >= generation {
            return Ok(());
        }
        let _updating = self.updating.lock().await;
        let have = self.generation();
        if have >= generation {
            return Ok(());
        }
        if !self.is_loaded() || generation - have > MAX_CHANGES_APPLIED {
            return self.reload(db).await;
        }
        let changes = storefront_changes_since(db, have).await?;
        // The log is pruned: when it no longer starts right after what the index has, load all.
        if changes.first().is_none_or(|c| c.generation != have + 1) {
            return self.reload(db).await;
        }
        let upto = changes.last().map_or(have, |c| c.generation);
        let mut products: Vec<String> = Vec::new();
        let mut accounts: Vec<String> = Vec::new();
        for c in &changes {
            if let Some(p) = &c.product_id {
                products.push(p.clone());
            }
            if let Some(a) = &c.account_id {
                accounts.push(a.clone());
            }
        }
        products.sort_unstable();
        products.dedup();
        accounts.sort_unstable();
        accounts.dedup();
        // Read after the changes: the rows are at least as new as `upto`.
        let rows = storefront_listings_of(db, &products, &accounts).await?;
        let mut index = self.write();
        for p in &products {
            index.remove_product(p);
        }
        for a in &accounts {
            index.remove_account(a);
        }
        for row in rows {
            index.insert(row);
        }
        index.generation = upto;
        self.changes_applied.inc_by(changes.len() as u64);
        Ok(())
    }

    /// Up to `limit` matches, newest first, at least as new as the database when called.
    pub async fn search(&self, db: &Db, q: &Query<'_>) -> Result<Vec<Hit>> {
        self.catch_up(db).await?;
        Ok(self.read().query(q))
    }

    pub fn generation(&self) -> i64 {
        self.read().generation
    }

    /// How many products are listed (for `/metrics`).
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// The heap the index holds, counted from its parts (for `/metrics`).
    pub fn heap_bytes(&self) -> usize {
        self.read().heap_bytes()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Index> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }
}
