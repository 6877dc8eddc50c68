//! The one integration-test binary: every test talks HTTP to a real server (or runs the real
//! binary), on SQLite by default and on PostgreSQL when `BERTH_TEST_DATABASE_URL` is set.

mod helpers;

mod accounts;
mod agreements;
mod appeals;
mod audit;
mod audit_page;
mod authorization;
mod auto_review;
mod backup;
mod bad_input;
mod claims;
mod cli;
mod closed_accounts;
mod contract;
mod deadlines;
mod deposits;
mod events;
mod expiry;
mod exposure;
mod http_basics;
mod integration;
mod journey;
mod limits;
mod pages;
mod privacy;
mod probe14;
mod products;
mod reasons;
mod report;
mod review;
mod roles;
mod second_factor;
mod sessions;
mod shown_once;
mod staff;
mod staff_pages;
mod storage;
mod store;
mod tokens;
mod webhook_delivery;
mod webhook_pages;
mod webhooks;
mod wire;
