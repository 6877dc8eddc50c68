//! HTTP: the JSON API under `/api/v1`, the pages, the operational endpoints, and the middleware
//! stack. Handlers parse the request, call one workflow and shape the answer; they never talk
//! SQL. `router.rs` lists every route; the files here import one another directly (never through
//! this module, which only re-exports for the rest of the crate).

pub mod api;
pub mod auth;
pub mod client;
pub mod cookies;
pub mod documents;
pub mod error;
pub mod export;
pub mod extract;
pub mod idempotency;
pub mod json;
pub mod language;
pub mod metrics;
pub mod openapi;
pub mod ops;
pub mod render_errors;
pub mod router;
pub mod scoped;
pub mod server;
pub mod state;
pub mod upload;
pub mod web;
pub mod wire;

pub use self::router::router;
pub use self::state::AppState;
