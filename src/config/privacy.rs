//! The data-rights settings (`[privacy]`): how long a closed account's personal data is kept
//! before the erasure job removes it (see docs/PRIVACY.md).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Days between an account's closure and the erasure of its personal data.
    pub retention_days: u32,
    /// Downloads of "everything held about me" an account may make in a day.
    pub exports_per_day: u32,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            retention_days: 30,
            exports_per_day: 5,
        }
    }
}
