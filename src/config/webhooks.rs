//! Calls Berth makes to addresses its users give (webhooks, SaaS callbacks): which addresses
//! `outbound.rs` may reach.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Lets webhooks and callbacks reach loopback, private, link-local and metadata addresses:
    /// for tests and for deployments whose receivers live on a private network. Logged at start.
    pub allow_private_networks: bool,
    /// Lets webhooks and callbacks use plain `http://` (else only `https://`).
    pub allow_http: bool,
}
