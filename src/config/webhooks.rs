//! Calls Berth makes to addresses its users give (webhooks, SaaS callbacks): which addresses
//! `outbound.rs` may reach; and how webhook deliveries are paced, retried and given up.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhooksConfig {
    /// Lets webhooks and callbacks reach loopback, private, link-local and metadata addresses:
    /// for tests and for deployments whose receivers live on a private network. Logged at start.
    pub allow_private_networks: bool,
    /// Lets webhooks and callbacks use plain `http://` (else only `https://`).
    pub allow_http: bool,
    /// How often the delivery worker looks for due deliveries (it is also woken by each commit
    /// of this process that records an event).
    pub poll_ms: u64,
    /// The wait after a delivery's first failed attempt; it doubles after each further one…
    pub retry_base_secs: u64,
    /// …up to this.
    pub retry_cap_secs: u64,
    /// A delivery still failing this long after its event is given up.
    pub give_up_after_secs: u64,
    /// An endpoint whose deliveries have failed this long without one success is switched off
    /// and its owner mailed.
    pub disable_after_secs: u64,
    /// Deliveries attempted at once by one instance.
    pub concurrency: usize,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        WebhooksConfig {
            allow_private_networks: false,
            allow_http: false,
            poll_ms: 1000,
            retry_base_secs: 30,
            retry_cap_secs: 3600,
            give_up_after_secs: 3 * 86_400,
            disable_after_secs: 86_400,
            concurrency: 8,
        }
    }
}
