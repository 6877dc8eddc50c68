//! The review queue's vocabulary: kinds, statuses, and what a decision must carry.

use serde::Deserialize;
use utoipa::ToSchema;

use super::reasons::Reason;
use super::text::{multiline_text, text};
use super::{FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewKind {
    EnterpriseVerification,
    PartnerApplication,
    SettlementChange,
    Product,
    /// New licence and ID terms (and a licence scan) while the verification stays in force.
    Reverification,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 5] = [
        ReviewKind::EnterpriseVerification,
        ReviewKind::PartnerApplication,
        ReviewKind::SettlementChange,
        ReviewKind::Product,
        ReviewKind::Reverification,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::EnterpriseVerification => "enterprise_verification",
            ReviewKind::PartnerApplication => "partner_application",
            ReviewKind::SettlementChange => "settlement_change",
            ReviewKind::Product => "product",
            ReviewKind::Reverification => "reverification",
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
    #[schema(value_type = Decision)]
    pub decision: Option<Decision>,
    /// Required to reject: one reason per field concerned.
    pub reasons: Option<Vec<ReasonForm>>,
    /// The item's `version` as the reviewer saw it.
    #[schema(value_type = i64)]
    pub version: Option<i64>,
    /// Required to approve an enterprise verification whose credit code fails its check
    /// character (`data.uscc_check_failed`): why the code is accepted, e.g. how it was checked
    /// against the licence and the registry. Recorded in the audit log.
    #[schema(
        max_length = 500,
        pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub override_reason: Option<String>,
    /// Approving a settlement change needs a fresh second factor: a code from the authenticator
    /// app (or a recovery code) here, unless the session passed one in the last five minutes.
    #[schema(value_type = Option<String>)]
    pub second_factor_code: Option<String>,
    /// Deciding an appeal: the answer to the applicant's message (required then), shown in the
    /// item's thread and mailed.
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub reply: Option<String>,
    /// Decide an item another reviewer holds (`409 claimed_by_other` without it); the audit
    /// log names the previous holder.
    #[schema(value_type = Option<bool>)]
    pub take_over: Option<bool>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonForm {
    /// The field the reason is about, as the submission names it (`uscc`, `legal_rep.name`).
    /// Required without a `code`; with one, the library reason's own field when left out.
    #[schema(value_type = Option<String>, max_length = 100, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub field: Option<String>,
    #[schema(value_type = String, max_length = 500, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    /// Required without a `code`; with one, the reviewer's note added to the library text.
    pub message: Option<String>,
    /// A code of the reason library (`GET /api/v1/review/reasons`) for the item's kind; the
    /// applicant reads its text in their own language.
    #[schema(value_type = Option<String>, max_length = 64)]
    pub code: Option<String>,
}

#[derive(Debug)]
pub struct ValidDecision {
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub version: i64,
    /// Trimmed, non-empty, at most 500 characters.
    pub override_reason: Option<String>,
    /// Trimmed, non-empty, at most 2,000 characters.
    pub reply: Option<String>,
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
        let field = text(
            &mut e,
            &format!("reasons[{i}].field"),
            r.field.as_ref(),
            100,
        );
        let message = multiline_text(
            &mut e,
            &format!("reasons[{i}].message"),
            r.message.as_ref(),
            500,
        );
        let code = text(&mut e, &format!("reasons[{i}].code"), r.code.as_ref(), 64);
        if code.is_none() {
            // A free-text reason names its field and says why.
            for (name, value) in [("field", &field), ("message", &message)] {
                if value.is_none() {
                    e.push(FieldError::new(format!("reasons[{i}].{name}"), "required"));
                }
            }
        }
        let mut reason = Reason::free(
            field.unwrap_or_default(),
            message.clone().unwrap_or_default(),
        );
        if code.is_some() {
            reason.note = message;
            reason.code = code;
        }
        reasons.push(reason);
    }
    if f.decision == Some(Decision::Reject) && reasons.is_empty() {
        e.push(FieldError::new("reasons", "required"));
    }
    let override_reason =
        multiline_text(&mut e, "override_reason", f.override_reason.as_ref(), 500);
    let reply = multiline_text(&mut e, "reply", f.reply.as_ref(), 2000);
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
            override_reason,
            reply,
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
            second_factor_code: None,
            reply: None,
            take_over: None,
        };
        let errs = validate_decision(&f).expect_err("no reasons");
        assert_eq!(errs[0].field, "reasons");
        let f = DecisionForm {
            decision: Some(Decision::Reject),
            reasons: Some(vec![ReasonForm {
                field: Some("uscc".into()),
                message: Some("blurred scan".into()),
                code: None,
            }]),
            version: Some(1),
            override_reason: None,
            second_factor_code: None,
            reply: None,
            take_over: None,
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
            second_factor_code: None,
            reply: None,
            take_over: None,
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
