//! The operator console, one file per screen as under `api/`: the review queue, the review
//! screen of an item (with its comparison in `diff.rs`), the audit log, the contact-us
//! messages and the catalog.

pub mod audit;
pub mod catalog;
pub mod consultations;
pub mod diff;
pub mod item;
pub mod queue;
