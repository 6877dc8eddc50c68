//! API tokens for machines: how long they last.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokensConfig {
    /// How long a token lasts when its creator names no expiry.
    pub default_days: u32,
    /// The longest a token may last.
    pub max_days: u32,
}

impl Default for TokensConfig {
    fn default() -> Self {
        TokensConfig {
            default_days: 90,
            max_days: 365,
        }
    }
}
