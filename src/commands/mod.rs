//! The operator's commands, one file per group; `main.rs` parses and dispatches.

pub mod audit;
pub mod backup;
pub mod storage;
pub mod user;
