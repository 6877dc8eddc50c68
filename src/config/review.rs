//! The review queue's settings (`[review]`): how long a claim lasts, and the target of each
//! kind in working days (the applicant's expected date is computed from it).

use serde::{Deserialize, Serialize};

use crate::domain::calendar::Targets;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReviewConfig {
    /// Minutes a claim on an item lasts; then it lapses and anyone may claim the item.
    pub claim_minutes: u32,
    /// Working days to decide each kind.
    pub target_days: TargetDays,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TargetDays {
    pub enterprise_verification: u32,
    pub partner_application: u32,
    pub settlement_change: u32,
    pub product: u32,
    pub reverification: u32,
}

impl Default for ReviewConfig {
    fn default() -> Self {
        ReviewConfig {
            claim_minutes: 30,
            target_days: TargetDays::default(),
        }
    }
}

impl Default for TargetDays {
    fn default() -> Self {
        let t = Targets::default();
        TargetDays {
            enterprise_verification: t.enterprise_verification,
            partner_application: t.partner_application,
            settlement_change: t.settlement_change,
            product: t.product,
            reverification: t.reverification,
        }
    }
}

impl ReviewConfig {
    pub fn targets(&self) -> Targets {
        let t = &self.target_days;
        Targets {
            enterprise_verification: t.enterprise_verification,
            partner_application: t.partner_application,
            settlement_change: t.settlement_change,
            product: t.product,
            reverification: t.reverification,
        }
    }

    /// A bad value, named by its key.
    pub fn check(&self) -> Result<(), String> {
        if !(1..=7 * 24 * 60).contains(&self.claim_minutes) {
            return Err("review.claim_minutes: must be between 1 and 10080".into());
        }
        let t = &self.target_days;
        for (key, v) in [
            ("enterprise_verification", t.enterprise_verification),
            ("partner_application", t.partner_application),
            ("settlement_change", t.settlement_change),
            ("product", t.product),
            ("reverification", t.reverification),
        ] {
            if !(1..=60).contains(&v) {
                return Err(format!(
                    "review.target_days.{key}: must be between 1 and 60"
                ));
            }
        }
        Ok(())
    }
}
