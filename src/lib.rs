//! Berth: a self-hostable platform on which companies move in as service providers of a cloud
//! marketplace. The binary in `main.rs` only wires the command line to the pieces below.
//!
//! Layers point one way: `http` → `workflows` → (`domain`, `store`, `mail`, `blobs`, `crypto`).
//! `domain` is pure and imports none of the others.

pub mod app;
pub mod backup;
pub mod blobs;
pub mod config;
pub mod crypto;
pub mod display;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod outbound;
pub mod private_files;
pub mod store;
pub mod time_util;
pub mod workflows;
