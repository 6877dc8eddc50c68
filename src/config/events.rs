//! The event feed's settings (`[events]`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Days an event stays in the feed for replay (an event still waiting for a webhook
    /// delivery stays until it is delivered or given up).
    pub retention_days: u32,
}

impl Default for EventsConfig {
    fn default() -> Self {
        EventsConfig { retention_days: 30 }
    }
}
