//! Where an account stands on the move-in journey. `MoveIn::evaluate` is the one source of
//! truth for the stepper, every `due` list and the provider-backend gate.

use serde::Serialize;

use super::enterprise::{DepositStatus, VerificationStatus};

/// The facts the requirements are computed from (read from the store in one go).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub account_active: bool,
    pub enterprise: Option<VerificationStatus>,
    pub enterprise_reasons: Vec<Reason>,
    pub deposit: Option<DepositStatus>,
    pub application: Option<VerificationStatus>,
    pub application_reasons: Vec<Reason>,
    pub has_customer_service: bool,
    pub has_settlement: bool,
    pub settlement_change_pending: bool,
    /// The last settlement change was rejected (and none is waiting): its reasons.
    pub settlement_change_rejected: Option<Vec<Reason>>,
    /// The provider agreement versions in force and upcoming, each accepted or not.
    pub agreement: super::agreement::Standing,
    /// The verification's document terms, and where a re-verification stands.
    pub validity: Option<ValidityFacts>,
    /// The category deposit (保证金): what is owed and where it stands (`guarantee`).
    pub guarantee: Option<super::guarantee::Standing>,
}

/// What the re-verification step is computed from.
#[derive(Debug, Clone)]
pub struct ValidityFacts {
    /// The terms in force (approved).
    pub terms: Validity,
    /// The marketplace's day.
    pub today: jiff::civil::Date,
    /// A re-verification waits for review.
    pub pending: bool,
    /// The newest re-verification was rejected (and none waits): its reasons.
    pub rejected: Option<Vec<Reason>>,
}

use super::validity::{self, Validity};

pub use super::reasons::{reasons_from_json, Reason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKey {
    Account,
    EnterpriseVerification,
    PartnerApplication,
    CustomerServiceInfo,
    SettlementInfo,
    /// After move-in: a document expires within 90 days, has expired, or new terms wait for
    /// review. Due (new product releases stop) once a document has expired.
    Reverification,
    /// The category deposit, once the application is approved and a declared category carries
    /// one (not the micro-deposit of the enterprise check).
    #[serde(rename = "deposit")]
    CategoryDeposit,
}

impl StepKey {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKey::Account => "account",
            StepKey::EnterpriseVerification => "enterprise_verification",
            StepKey::PartnerApplication => "partner_application",
            StepKey::CustomerServiceInfo => "customer_service_info",
            StepKey::SettlementInfo => "settlement_info",
            StepKey::Reverification => "reverification",
            StepKey::CategoryDeposit => "deposit",
        }
    }
}

/// Where a reviewed form of its owner (the enterprise verification, the move-in application)
/// stands: not started (nothing saved yet), or its stored `VerificationStatus`. Answers and
/// pages show it as `not_started`, `draft`, `in_review`, `rejected` or `approved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormStatus {
    NotStarted,
    Draft,
    InReview,
    Rejected,
    Approved,
}

impl FormStatus {
    /// The status of a form whose stored status is `stored` (none: not started).
    pub fn of(stored: Option<VerificationStatus>) -> FormStatus {
        match stored {
            None => FormStatus::NotStarted,
            Some(VerificationStatus::Draft) => FormStatus::Draft,
            Some(VerificationStatus::InReview) => FormStatus::InReview,
            Some(VerificationStatus::Rejected) => FormStatus::Rejected,
            Some(VerificationStatus::Approved) => FormStatus::Approved,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FormStatus::NotStarted => "not_started",
            FormStatus::Draft => VerificationStatus::Draft.as_str(),
            FormStatus::InReview => VerificationStatus::InReview.as_str(),
            FormStatus::Rejected => VerificationStatus::Rejected.as_str(),
            FormStatus::Approved => VerificationStatus::Approved.as_str(),
        }
    }

    /// The owner may change the form: not started yet, or `VerificationStatus::editable`.
    pub fn editable(self) -> bool {
        VerificationStatus::parse(self.as_str()).is_none_or(VerificationStatus::editable)
    }
}

impl std::fmt::Display for FormStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    NotStarted,
    Draft,
    InReview,
    Rejected,
    Done,
}

impl StepStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::NotStarted => "not_started",
            StepStatus::Draft => "draft",
            StepStatus::InReview => "in_review",
            StepStatus::Rejected => "rejected",
            StepStatus::Done => "done",
        }
    }
}

impl std::fmt::Display for StepStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Step {
    pub key: StepKey,
    pub status: StepStatus,
    /// Present when the step is `rejected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<Reason>>,
    /// For enterprise verification: the two checks behind the status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
    /// For settlement: a change waits for review (the old account stays in force).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub change_pending: bool,
    /// For settlement: the last change asked for was rejected, for these reasons (the account
    /// in force stays).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change_rejected: Option<Vec<Reason>>,
    /// In review: the day a decision can be expected (`YYYY-MM-DD`, the marketplace's zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expected_by: Option<String>,
    /// In review: the place among the pending items of its kind, oldest first (1 = next).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_position: Option<i64>,
    /// For re-verification: the document that expires first (`business_license` or
    /// `legal_rep_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<&'static str>,
    /// For re-verification: its last valid day (`YYYY-MM-DD`, the marketplace's zone).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, format = Date)]
    pub valid_until: Option<String>,
    /// For re-verification: days left until then (0: the last valid day; negative: expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// For re-verification: a term was never recorded (verified before terms were asked
    /// for); it never expires until a re-verification records it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub terms_missing: bool,
    /// For the deposit: the amount required, in fen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_fen: Option<i64>,
}

impl Step {
    fn new(key: StepKey, status: StepStatus) -> Step {
        Step {
            key,
            status,
            reasons: None,
            checks: None,
            change_pending: false,
            change_rejected: None,
            expected_by: None,
            queue_position: None,
            document: None,
            valid_until: None,
            days_left: None,
            terms_missing: false,
            amount_fen: None,
        }
    }
}

/// The re-verification step of a verified enterprise, when there is one: a dated document
/// expires within 90 days (or has), or new terms wait for review. While the documents are valid
/// the verification in force keeps the step done (like a settlement change); once one has
/// expired the step is due until new terms are approved.
fn reverification_step(v: &ValidityFacts) -> Option<Step> {
    let earliest = v.terms.earliest();
    let left = earliest.map(|(_, until)| validity::remaining(until, v.today));
    let soon = left.is_some_and(|d| d <= validity::REMINDER_DAYS[0]);
    let missing = v.terms.incomplete();
    if !soon && !v.pending && !missing {
        return None;
    }
    let expired = left.is_some_and(|d| d < 0);
    let rejected = v.rejected.clone().filter(|_| !v.pending);
    let mut step = Step::new(StepKey::Reverification, StepStatus::Done);
    step.terms_missing = missing;
    if expired {
        (step.status, step.reasons) = match (v.pending, rejected) {
            (true, _) => (StepStatus::InReview, None),
            (false, Some(r)) => (StepStatus::Rejected, Some(r)),
            (false, None) => (StepStatus::NotStarted, None),
        };
    } else {
        step.change_pending = v.pending;
        step.change_rejected = rejected;
    }
    if let Some((doc, until)) = earliest {
        step.document = Some(doc.as_str());
        step.valid_until = Some(until.to_string());
        step.days_left = left;
    }
    Some(step)
}

/// The provider backend's gate from the three facts it rests on: the documents approved, the
/// micro-deposit confirmed and the application approved. `MoveIn::provider_access` over the
/// evaluated steps says the same (a test holds the two together); this one lets a request
/// that only needs the gate read three columns instead of every fact.
pub fn grants_provider_access(
    enterprise: Option<VerificationStatus>,
    deposit: Option<DepositStatus>,
    application: Option<VerificationStatus>,
) -> bool {
    enterprise == Some(VerificationStatus::Approved)
        && deposit == Some(DepositStatus::Confirmed)
        && application == Some(VerificationStatus::Approved)
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Checks {
    /// `not_started`, `draft`, `in_review`, `rejected` or `approved`.
    pub documents: &'static str,
    /// `not_sent`, `sent`, `confirmed` or `frozen`.
    pub micro_deposit: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MoveIn {
    /// `in_progress` or `moved_in`.
    pub state: &'static str,
    pub steps: Vec<Step>,
    /// The keys of the steps not yet done, in journey order.
    pub due: Vec<StepKey>,
    /// For a provider (application approved): a provider agreement version still to accept,
    /// overdue (no product submissions until accepted) or upcoming (accept before its day).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<super::agreement::AgreementDue>,
}

fn reviewed_step(
    status: Option<VerificationStatus>,
    reasons: &[Reason],
) -> (StepStatus, Option<Vec<Reason>>) {
    match status {
        None => (StepStatus::NotStarted, None),
        Some(VerificationStatus::Draft) => (StepStatus::Draft, None),
        Some(VerificationStatus::InReview) => (StepStatus::InReview, None),
        Some(VerificationStatus::Rejected) => (StepStatus::Rejected, Some(reasons.to_vec())),
        Some(VerificationStatus::Approved) => (StepStatus::Done, None),
    }
}

impl MoveIn {
    pub fn evaluate(f: &Facts) -> MoveIn {
        let (mut ent_status, ent_reasons) = reviewed_step(f.enterprise, &f.enterprise_reasons);
        let deposit = f.deposit.unwrap_or(DepositStatus::NotSent);
        // Verified = documents approved and the micro-deposit confirmed.
        if ent_status == StepStatus::Done && deposit != DepositStatus::Confirmed {
            ent_status = StepStatus::InReview;
        }
        let ent_done = ent_status == StepStatus::Done;
        let (app_status, app_reasons) = reviewed_step(f.application, &f.application_reasons);
        let done_if = |b: bool| {
            if b {
                StepStatus::Done
            } else {
                StepStatus::NotStarted
            }
        };
        let mut steps = vec![
            Step::new(StepKey::Account, done_if(f.account_active)),
            Step {
                reasons: ent_reasons,
                checks: Some(Checks {
                    documents: f.enterprise.map(|s| s.as_str()).unwrap_or("not_started"),
                    micro_deposit: deposit.as_str(),
                }),
                ..Step::new(StepKey::EnterpriseVerification, ent_status)
            },
            Step {
                reasons: app_reasons,
                ..Step::new(StepKey::PartnerApplication, app_status)
            },
            Step::new(
                StepKey::CustomerServiceInfo,
                done_if(f.has_customer_service),
            ),
            Step {
                change_pending: f.settlement_change_pending,
                change_rejected: f
                    .settlement_change_rejected
                    .clone()
                    .filter(|_| !f.settlement_change_pending && f.has_settlement),
                ..Step::new(StepKey::SettlementInfo, done_if(f.has_settlement))
            },
        ];
        // The deposit: owed once the application is approved and a declared category carries
        // one; done once paid in full (a later shortfall hides listings, it does not undo it).
        if let Some(g) = f
            .guarantee
            .filter(|g| g.status != super::guarantee::GuaranteeStatus::NotDue)
        {
            steps.push(Step {
                amount_fen: Some(g.required_fen),
                ..Step::new(StepKey::CategoryDeposit, done_if(g.status.step_done()))
            });
        }
        // The documents' terms matter once the enterprise is verified.
        if ent_done {
            steps.extend(f.validity.as_ref().and_then(reverification_step));
        }
        let due: Vec<StepKey> = steps
            .iter()
            .filter(|s| s.status != StepStatus::Done)
            .map(|s| s.key)
            .collect();
        let moved_in = steps
            .iter()
            .all(|s| s.key == StepKey::Reverification || s.status == StepStatus::Done);
        MoveIn {
            state: if moved_in { "moved_in" } else { "in_progress" },
            agreement: (ent_done && app_status == StepStatus::Done)
                .then(|| f.agreement.due())
                .flatten(),
            steps,
            due,
        }
    }

    /// The provider agreement in force is not accepted: no product may be submitted.
    pub fn agreement_overdue(&self) -> bool {
        self.agreement.as_ref().is_some_and(|a| a.overdue)
    }

    pub fn verified(&self) -> bool {
        self.is_done(StepKey::EnterpriseVerification)
    }

    /// The provider backend opens once the enterprise is verified and the application approved.
    pub fn provider_access(&self) -> bool {
        self.verified() && self.is_done(StepKey::PartnerApplication)
    }

    /// Every move-in step done. A re-verification due later does not undo the move-in (the
    /// state stays `moved_in`, the backend stays open); it stops new product releases
    /// (`reverification_due`).
    pub fn moved_in(&self) -> bool {
        self.due.iter().all(|k| *k == StepKey::Reverification)
    }

    /// A document has expired and no re-verification is approved yet: no new product release.
    pub fn reverification_due(&self) -> bool {
        self.due.contains(&StepKey::Reverification)
    }

    pub fn is_done(&self, key: StepKey) -> bool {
        self.steps
            .iter()
            .any(|s| s.key == key && s.status == StepStatus::Done)
    }

    pub fn due_keys(&self) -> Vec<String> {
        self.due.iter().map(|k| k.as_str().to_string()).collect()
    }

    pub fn step(&self, key: StepKey) -> Option<&Step> {
        self.steps.iter().find(|s| s.key == key)
    }

    /// A step that cannot be started yet: the application waits for the verified enterprise,
    /// the provider information for the approved application.
    pub fn locked(&self, key: StepKey) -> bool {
        match key {
            StepKey::PartnerApplication => !self.verified(),
            StepKey::CustomerServiceInfo | StepKey::SettlementInfo | StepKey::CategoryDeposit => {
                !self.provider_access()
            }
            _ => false,
        }
    }

    /// Where a step stands, finer than its status: every page's words for it come from here.
    pub fn phase(&self, key: StepKey) -> Phase {
        let Some(step) = self.step(key) else {
            return Phase::NotStarted;
        };
        match step.status {
            StepStatus::NotStarted if self.locked(key) => Phase::Locked,
            StepStatus::NotStarted => Phase::NotStarted,
            StepStatus::Draft => Phase::Draft,
            StepStatus::Rejected => Phase::Rejected,
            StepStatus::InReview => match &step.checks {
                Some(c) if c.documents == "approved" => match c.micro_deposit {
                    "sent" => Phase::DepositSent,
                    "frozen" => Phase::DepositFrozen,
                    "void" => Phase::DepositVoid,
                    "requested" => Phase::DepositRequested,
                    _ => Phase::DepositWaiting,
                },
                _ => Phase::InReview,
            },
            StepStatus::Done if step.change_pending => Phase::ChangePending,
            StepStatus::Done if step.change_rejected.is_some() => Phase::ChangeRejected,
            StepStatus::Done
                if step.terms_missing
                    && step
                        .days_left
                        .is_none_or(|d| d > validity::REMINDER_DAYS[0]) =>
            {
                Phase::TermsMissing
            }
            StepStatus::Done if key == StepKey::Reverification => Phase::ExpiresSoon,
            StepStatus::Done => Phase::Done,
        }
    }

    /// The first step still due where the account holder can do something now (none: every
    /// step due waits for the marketplace, or nothing is due).
    pub fn next_for_holder(&self) -> Option<StepKey> {
        self.due
            .iter()
            .copied()
            .find(|k| self.phase(*k).holder_acts())
    }
}

pub use super::phase::Phase;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_statuses_serialise_as_they_are_named() {
        use FormStatus as F;
        for f in [
            F::NotStarted,
            F::Draft,
            F::InReview,
            F::Rejected,
            F::Approved,
        ] {
            assert_eq!(
                serde_json::to_value(f).ok(),
                Some(serde_json::json!(f.as_str()))
            );
        }
        assert!(F::NotStarted.editable() && F::Draft.editable() && F::Rejected.editable());
        assert!(!F::InReview.editable() && !F::Approved.editable());
    }

    #[test]
    fn step_statuses_serialise_as_they_are_named() {
        use StepStatus as S;
        for s in [S::NotStarted, S::Draft, S::InReview, S::Rejected, S::Done] {
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
    }

    #[test]
    fn the_narrow_gate_agrees_with_the_evaluated_steps() {
        use DepositStatus as D;
        use VerificationStatus as V;
        let reviewed = [
            None,
            Some(V::Draft),
            Some(V::InReview),
            Some(V::Rejected),
            Some(V::Approved),
        ];
        let deposits = [
            None,
            Some(D::NotSent),
            Some(D::Sent),
            Some(D::Frozen),
            Some(D::Void),
            Some(D::Requested),
            Some(D::Confirmed),
        ];
        let mut granted = 0;
        for enterprise in reviewed {
            for deposit in deposits {
                for application in reviewed {
                    for rest in [Facts::default(), live()] {
                        let m = MoveIn::evaluate(&Facts {
                            enterprise,
                            deposit,
                            application,
                            ..rest
                        });
                        let narrow = grants_provider_access(enterprise, deposit, application);
                        assert_eq!(
                            m.provider_access(),
                            narrow,
                            "{enterprise:?} {deposit:?} {application:?}"
                        );
                        granted += usize::from(narrow);
                    }
                }
            }
        }
        assert_eq!(
            granted, 2,
            "only the approved, confirmed, approved account passes"
        );
    }

    fn live() -> Facts {
        Facts {
            account_active: true,
            enterprise: Some(VerificationStatus::Approved),
            deposit: Some(DepositStatus::Confirmed),
            application: Some(VerificationStatus::Approved),
            has_customer_service: true,
            has_settlement: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_fresh_account_has_everything_but_the_account_due() {
        let m = MoveIn::evaluate(&Facts {
            account_active: true,
            ..Default::default()
        });
        assert_eq!(m.state, "in_progress");
        assert_eq!(m.due.len(), 4);
        assert!(!m.verified());
    }

    #[test]
    fn approved_documents_without_the_deposit_are_not_verified() {
        let m = MoveIn::evaluate(&Facts {
            deposit: Some(DepositStatus::Sent),
            ..live()
        });
        assert!(!m.verified());
        assert!(!m.provider_access());
        assert_eq!(m.steps[1].status, StepStatus::InReview);
        assert_eq!(m.due, vec![StepKey::EnterpriseVerification]);
    }

    #[test]
    fn everything_done_is_moved_in() {
        let m = MoveIn::evaluate(&live());
        assert_eq!(m.state, "moved_in");
        assert!(m.provider_access() && m.moved_in());
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(
            json["steps"][0],
            serde_json::json!({"key": "account", "status": "done"})
        );
    }

    #[test]
    fn each_step_says_whose_move_it_is() {
        let fresh = MoveIn::evaluate(&Facts {
            account_active: true,
            ..Default::default()
        });
        assert_eq!(
            fresh.phase(StepKey::EnterpriseVerification),
            Phase::NotStarted
        );
        assert_eq!(fresh.phase(StepKey::PartnerApplication), Phase::Locked);
        assert_eq!(fresh.phase(StepKey::SettlementInfo), Phase::Locked);
        assert_eq!(
            fresh.next_for_holder(),
            Some(StepKey::EnterpriseVerification)
        );
        let paying = MoveIn::evaluate(&Facts {
            deposit: Some(DepositStatus::NotSent),
            ..live()
        });
        assert_eq!(
            paying.phase(StepKey::EnterpriseVerification),
            Phase::DepositWaiting
        );
        assert_eq!(paying.next_for_holder(), None, "the marketplace pays first");
        let paid = MoveIn::evaluate(&Facts {
            deposit: Some(DepositStatus::Sent),
            ..live()
        });
        assert_eq!(
            paid.phase(StepKey::EnterpriseVerification),
            Phase::DepositSent
        );
        assert_eq!(
            paid.next_for_holder(),
            Some(StepKey::EnterpriseVerification)
        );
        let returned = MoveIn::evaluate(&Facts {
            settlement_change_rejected: Some(vec![Reason::free("branch_code", "wrong")]),
            ..live()
        });
        assert!(returned.moved_in(), "the account in force stays");
        assert_eq!(
            returned.phase(StepKey::SettlementInfo),
            Phase::ChangeRejected
        );
    }

    fn expiring(until: &str, today: &str, pending: bool) -> Facts {
        let day = |s: &str| validity::parse_day(s).expect("day");
        Facts {
            validity: Some(ValidityFacts {
                terms: Validity {
                    license: validity::Term::LongTerm,
                    legal_rep_id: validity::Term::Until(day(until)),
                },
                today: day(today),
                pending,
                rejected: Some(vec![Reason::free("license_valid_until", "wrong")]),
            }),
            ..live()
        }
    }

    #[test]
    fn an_expired_document_makes_reverification_due_but_keeps_the_move_in() {
        let far = MoveIn::evaluate(&expiring("2027-12-31", "2026-12-07", false));
        assert!(far.step(StepKey::Reverification).is_none());
        let mut unknown = expiring("2027-12-31", "2026-12-07", false);
        if let Some(v) = unknown.validity.as_mut() {
            v.terms.license = validity::Term::Unknown;
            v.rejected = None;
        }
        let unknown = MoveIn::evaluate(&unknown);
        assert_eq!(unknown.phase(StepKey::Reverification), Phase::TermsMissing);
        assert!(!unknown.reverification_due() && unknown.moved_in());
        let soon = MoveIn::evaluate(&expiring("2027-01-06", "2026-12-07", false));
        let step = soon.step(StepKey::Reverification).expect("shown");
        assert_eq!((step.status, step.days_left), (StepStatus::Done, Some(30)));
        assert_eq!(soon.phase(StepKey::Reverification), Phase::ChangeRejected);
        assert!(soon.moved_in() && !soon.reverification_due());
        let expired = MoveIn::evaluate(&expiring("2026-12-06", "2026-12-07", false));
        assert_eq!(expired.state, "moved_in");
        assert!(expired.moved_in() && expired.provider_access());
        assert!(expired.reverification_due());
        assert_eq!(expired.due, vec![StepKey::Reverification]);
        assert_eq!(expired.phase(StepKey::Reverification), Phase::Rejected);
        let waiting = MoveIn::evaluate(&expiring("2026-12-06", "2026-12-07", true));
        assert_eq!(waiting.phase(StepKey::Reverification), Phase::InReview);
        assert!(waiting.reverification_due());
        let early = MoveIn::evaluate(&expiring("2027-06-06", "2026-12-07", true));
        assert_eq!(early.phase(StepKey::Reverification), Phase::ChangePending);
        assert!(!early.reverification_due());
    }

    #[test]
    fn an_unpaid_category_deposit_keeps_the_provider_from_moving_in() {
        use crate::domain::guarantee::{EntryKind, Standing, Totals};
        let owed = |totals| Facts {
            guarantee: Some(Standing::of(true, 500_000, totals)),
            ..live()
        };
        let m = MoveIn::evaluate(&owed(Totals::default()));
        assert_eq!(m.due, vec![StepKey::CategoryDeposit]);
        assert!(m.provider_access() && !m.moved_in());
        assert_eq!(m.phase(StepKey::CategoryDeposit), Phase::NotStarted);
        let json = serde_json::to_value(&m).expect("json");
        assert_eq!(json["steps"][5]["key"], "deposit");
        assert_eq!(json["steps"][5]["amount_fen"], 500_000);
        let paid = MoveIn::evaluate(&owed(Totals::of([(EntryKind::Payment, 500_000)])));
        assert!(paid.moved_in());
        let short = Totals::of([(EntryKind::Payment, 500_000), (EntryKind::Deduction, 1)]);
        assert!(MoveIn::evaluate(&owed(short)).moved_in());
        // Nothing owed: no step at all.
        let none = MoveIn::evaluate(&Facts {
            guarantee: Some(Standing::of(true, 0, Totals::default())),
            ..live()
        });
        assert_eq!(none.steps.len(), 5);
    }

    #[test]
    fn a_rejection_carries_its_reasons() {
        let m = MoveIn::evaluate(&Facts {
            application: Some(VerificationStatus::Rejected),
            application_reasons: vec![Reason::free("business_brief", "too vague")],
            ..live()
        });
        assert_eq!(m.steps[2].status, StepStatus::Rejected);
        assert_eq!(m.steps[2].reasons.as_ref().map(Vec::len), Some(1));
        assert!(!m.provider_access());
    }
}
