//! The database: one `AnyPool` over SQLite (the embedded default) or PostgreSQL (scale-out), the
//! embedded migrations of both dialects, and write transactions. SQL lives here and nowhere else;
//! one file per aggregate. Queries are portable (`$1` placeholders, no dialect types).
//!
//! `db.rs` connects, `migrate.rs` applies the embedded migrations, `tx.rs` begins write
//! transactions (SQLite's writer slot, account row locks), and `batch.rs` sends a blind write
//! with its audit event in one round trip (`one_statement.rs` on PostgreSQL).

pub mod accounts;
pub mod agreements;
pub mod api_tokens;
pub mod appeals;
pub mod application;
pub mod audit;
pub mod auto_rules;
pub mod calendar;
pub mod catalog;
pub mod claims;
pub mod consultations;
pub mod documents;
pub mod enterprise;
pub mod events;
pub mod guarantee;
pub mod idempotency;
pub mod integration;
pub mod jobs;
pub mod lease;
pub mod limits;
pub mod move_in;
pub mod names;
pub mod outbox;
pub mod privacy;
pub mod products;
pub mod provider;
pub mod reasons;
pub mod review;
pub mod review_queue;
pub mod second_factor;
pub mod sessions;
pub mod staff;
pub mod validity;
pub mod webhooks;

mod batch;
mod db;
mod migrate;
mod one_statement;
mod tx;

pub use batch::AnyQuery;
pub use db::Db;
/// A connection taken from the pool and held: a read and the write that follows it on one
/// checkout (`Db::checkout`).
pub type Conn = sqlx::pool::PoolConnection<sqlx::Any>;
pub use tx::{Durability, Tx, WriteTx};

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

/// True when the error is a unique-constraint violation (on either dialect).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db.is_unique_violation(),
        _ => false,
    }
}
