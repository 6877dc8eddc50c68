//! The review queue's vocabulary: kinds, statuses, and what a decision must carry.

use serde::Deserialize;
use utoipa::ToSchema;

use super::move_in::Reason;
use super::{FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    EnterpriseVerification,
    PartnerApplication,
    SettlementChange,
    Product,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 4] = [
        ReviewKind::EnterpriseVerification,
        ReviewKind::PartnerApplication,
        ReviewKind::SettlementChange,
        ReviewKind::Product,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::EnterpriseVerification => "enterprise_verification",
            ReviewKind::PartnerApplication => "partner_application",
            ReviewKind::SettlementChange => "settlement_change",
            ReviewKind::Product => "product",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Pending => "pending",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewStatus> {
        match s {
            "pending" => Some(ReviewStatus::Pending),
            "approved" => Some(ReviewStatus::Approved),
            "rejected" => Some(ReviewStatus::Rejected),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionForm {
    pub decision: Option<Decision>,
    /// Required to reject: one reason per field concerned.
    pub reasons: Option<Vec<ReasonForm>>,
    /// The item's `version` as the reviewer saw it.
    pub version: Option<i64>,
    /// Required to approve an enterprise verification whose credit code fails its check
    /// character (`data.uscc_check_failed`): why the code is accepted, e.g. how it was checked
    /// against the licence and the registry. Recorded in the audit log.
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonForm {
    pub field: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug)]
pub struct ValidDecision {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub version: i64,
    /// Trimmed, non-empty, at most 500 characters.
    pub override_reason: Option<String>,
}

/// A rejection needs at least one reason, each naming a field and saying why.
pub fn validate_decision(f: &DecisionForm) -> Result<ValidDecision, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    if f.decision.is_none() {
        e.push(FieldError::new("decision", "required"));
    }
    if f.version.is_none() {
        e.push(FieldError::new("version", "required"));
    }
    let mut reasons = Vec::new();
    for (i, r) in f.reasons.as_deref().unwrap_or_default().iter().enumerate() {
        let field = r.field.as_deref().map(str::trim).unwrap_or("");
        let message = r.message.as_deref().map(str::trim).unwrap_or("");
        if field.is_empty() || field.len() > 100 {
            e.push(FieldError::new(format!("reasons[{i}].field"), "required"));
        }
        if message.is_empty() {
            e.push(FieldError::new(format!("reasons[{i}].message"), "required"));
        } else if message.chars().count() > 500 {
            e.push(FieldError::new(format!("reasons[{i}].message"), "too_long").with("max", 500));
        }
        reasons.push(Reason {
            field: field.to_string(),
            message: message.to_string(),
        });
    }
    if f.decision == Some(Decision::Reject) && reasons.is_empty() {
        e.push(FieldError::new("reasons", "required"));
    }
    let override_reason = f
        .override_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if override_reason.is_some_and(|r| r.chars().count() > 500) {
        e.push(FieldError::new("override_reason", "too_long").with("max", 500));
    }
    e.into_result()?;
    match (f.decision, f.version) {
        (Some(decision), Some(version)) => Ok(ValidDecision {
            decision,
            reasons: if decision == Decision::Approve {
                Vec::new()
            } else {
                reasons
            },
            version,
            override_reason: override_reason.map(str::to_string),
        }),
        _ => Err(vec![FieldError::new("decision", "required")]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rejection_needs_reasons() {
        let f = DecisionForm {
            decision: Some(Decision::Reject),
            reasons: Some(vec![]),
            version: Some(1),
            override_reason: None,
        };
        let errs = validate_decision(&f).expect_err("no reasons");
        assert_eq!(errs[0].field, "reasons");
        let f = DecisionForm {
            decision: Some(Decision::Reject),
            reasons: Some(vec![ReasonForm {
                field: Some("uscc".into()),
                message: Some("blurred scan".into()),
            }]),
            version: Some(1),
            override_reason: None,
        };
        assert_eq!(validate_decision(&f).expect("ok").reasons.len(), 1);
    }

    #[test]
    fn an_override_reason_is_trimmed_and_bounded() {
        let form = |r: &str| DecisionForm {
            decision: Some(Decision::Approve),
            reasons: None,
            version: Some(1),
            override_reason: Some(r.into()),
        };
        assert_eq!(
            validate_decision(&form("  on the licence  "))
                .expect("ok")
                .override_reason
                .as_deref(),
            Some("on the licence")
        );
        assert_eq!(
            validate_decision(&form(" ")).expect("ok").override_reason,
            None
        );
        let errs = validate_decision(&form(&"长".repeat(501))).expect_err("too long");
        assert_eq!(errs[0].field, "override_reason");
    }

    #[test]
    fn kinds_round_trip() {
        for k in ReviewKind::ALL {
            assert_eq!(ReviewKind::parse(k.as_str()), Some(k));
        }
    }
}
