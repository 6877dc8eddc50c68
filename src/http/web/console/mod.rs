//! The operator console, one file per screen as under `api/`: the review queue with what is
//! waiting, the review screen of an item (its submission in sections, its documents shown
//! inline, and what is done there: the decision, the micro-deposit, the provider's standing),
//! the audit log, the contact-us messages and the catalog.

pub mod agreements;
pub mod audit;
pub mod audit_details;
pub mod audit_rows;
pub mod calendar;
pub mod catalog;
pub mod catalog_names;
pub mod claims;
pub mod consultations;
pub mod decide;
pub mod deposit;
pub mod documents;
pub mod guarantee;
pub mod item;
pub mod queue;
pub mod reasons;
pub mod report;
pub mod report_svg;
pub mod rules;
pub mod sections;
pub mod staff;
pub mod standing;
pub mod terms;
pub mod words;
