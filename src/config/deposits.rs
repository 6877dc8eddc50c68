//! Category deposits' settings (`[deposits]`).

use serde::{Deserialize, Serialize};

use crate::domain::guarantee::DEFAULT_TOP_UP_WORKING_DAYS;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DepositsConfig {
    /// Working days a provider has to top its deposit up after a deduction left it below the
    /// required amount; after the last of them its listings are hidden until it does (1–30).
    pub top_up_working_days: u32,
}

impl Default for DepositsConfig {
    fn default() -> Self {
        DepositsConfig {
            top_up_working_days: DEFAULT_TOP_UP_WORKING_DAYS,
        }
    }
}

impl DepositsConfig {
    /// A bad value, named by its key.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=30).contains(&self.top_up_working_days) {
            return Err("deposits.top_up_working_days: must be between 1 and 30".into());
        }
        Ok(())
    }
}
