//! The web pages: askama templates and plain HTML forms that work without JavaScript
//! (POST → redirect → GET). Pages call the same workflows as the API. Every page shares `Page`
//! (`page.rs`); `extract.rs` says who may see a page, `errors.rs` what a page answers when a
//! workflow refuses, `respond.rs` how it answers otherwise. The modules import one another
//! directly, never through this list.

pub mod agreements;
pub mod assets;
pub mod console;
pub mod csrf;
pub mod deposits;
pub mod errors;
pub mod extract;
pub mod forms;
pub mod integration;
pub mod invitation;
pub mod language;
pub mod login;
pub mod move_in;
pub mod once;
pub mod page;
pub mod privacy;
pub mod product_form;
pub mod products;
pub mod provider;
pub mod provider_deposit;
pub mod public;
pub mod respond;
pub mod reverification;
pub mod second_factor;
pub mod storefront;
pub mod tokens;
pub mod typed;
pub mod webhooks;
