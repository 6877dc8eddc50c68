//! Automatic approval, narrowly: a fixed list of rules an admin may turn on (docs/STAFF.md), what
//! each needs to hold, and the kinds no rule may ever decide. Pure: the workflow gathers the
//! facts, this module says whether a rule approves.

use serde::{Deserialize, Serialize};

use super::product::ProductData;
use super::review::ReviewKind;

/// The rules there are. Adding one is a code change with its own tests, never configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AutoRule {
    /// A new revision of a listed product that changes only the description, summary, icon or
    /// plans, from a provider with at least `min_approved_products` approved products (each
    /// product counted once, however many of its revisions were approved) and no rejection (of any kind) in the last 90 days.
    ProductMinorRevision,
    /// A new product of such a provider in a category and service type it already has an
    /// approved product in. (Stands in for "a customer-service change of a live provider":
    /// those are not reviewed at all — they go live at once, audited and announced as events.)
    TrustedProviderNewProduct,
}

/// How far back a rejection stops a provider counting as trusted.
pub const NO_REJECTION_DAYS: i64 = 90;

impl AutoRule {
    pub const ALL: [AutoRule; 2] = [
        AutoRule::ProductMinorRevision,
        AutoRule::TrustedProviderNewProduct,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AutoRule::ProductMinorRevision => "product_minor_revision",
            AutoRule::TrustedProviderNewProduct => "trusted_provider_new_product",
        }
    }

    pub fn parse(s: &str) -> Option<AutoRule> {
        AutoRule::ALL.into_iter().find(|r| r.code() == s)
    }

    /// The kind of item the rule decides.
    pub fn kind(self) -> ReviewKind {
        ReviewKind::Product
    }
}

/// Whether any rule may ever decide items of `kind`. Bank details (settlement changes) and
/// identity (enterprise verification) are always a person's decision, and so is the partner
/// application that rests on them. Checked again where a decision is recorded.
pub fn may_be_automatic(kind: ReviewKind) -> bool {
    match kind {
        ReviewKind::Product => true,
        ReviewKind::SettlementChange
        | ReviewKind::EnterpriseVerification
        | ReviewKind::PartnerApplication
        | ReviewKind::Reverification => false,
    }
}

/// A rule's settings as an admin keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleParams {
    /// Approved products the provider needs (1–1000), each product counted once.
    pub min_approved_products: i64,
    /// Automatic approvals sampled into the queue for a human second look, in percent (0–100).
    pub sample_percent: i64,
}

impl Default for RuleParams {
    fn default() -> Self {
        RuleParams {
            min_approved_products: 3,
            sample_percent: 10,
        }
    }
}

impl RuleParams {
    /// The fields that are out of range, with the range each allows.
    pub fn problems(&self) -> Vec<(&'static str, i64, i64)> {
        let mut v = Vec::new();
        if !(1..=1000).contains(&self.min_approved_products) {
            v.push(("min_approved_products", 1, 1000));
        }
        if !(0..=100).contains(&self.sample_percent) {
            v.push(("sample_percent", 0, 100));
        }
        v
    }
}

/// What the workflow found out about a product submission and its provider.
#[derive(Debug, Clone)]
pub struct ProductFacts {
    /// The revision submitted, and its icon.
    pub new: ProductData,
    pub new_icon: Option<String>,
    /// The live revision, when the product is listed.
    pub live: Option<(ProductData, Option<String>)>,
    /// The submitted revision calls the marketplace's SaaS callbacks elsewhere than the live
    /// one: where money-bearing calls go is a person's decision.
    pub callback_changed: bool,
    /// The provider's products that were ever approved (each once, whatever its revisions).
    pub approved_products: i64,
    /// Any rejection of the provider's items in the last `NO_REJECTION_DAYS`.
    pub recent_rejection: bool,
    /// Whether the provider has an approved product of the new revision's category and type.
    pub has_same_category_and_type: bool,
    /// The provider is suspended: whatever it sends waits for a person.
    pub suspended: bool,
}

/// Whether `rule` (with `params`) approves the submission described by `facts`.
pub fn approves(rule: AutoRule, params: &RuleParams, facts: &ProductFacts) -> bool {
    if !may_be_automatic(rule.kind()) {
        return false;
    }
    let trusted = facts.approved_products >= params.min_approved_products
        && !facts.recent_rejection
        && !facts.suspended;
    if !trusted {
        return false;
    }
    match rule {
        AutoRule::ProductMinorRevision => match &facts.live {
            Some((live, live_icon)) => {
                let n = &facts.new;
                // Only description, summary, icon and plans may differ.
                !facts.callback_changed
                    && n.name == live.name
                    && n.category == live.category
                    && n.service_type == live.service_type
                    && n.delivery == live.delivery
                    && n.terms == live.terms
                    && (n.description != live.description
                        || n.summary != live.summary
                        || n.plans != live.plans
                        || facts.new_icon != *live_icon)
            }
            None => false,
        },
        AutoRule::TrustedProviderNewProduct => {
            facts.live.is_none() && facts.has_same_category_and_type
        }
    }
}

/// The first enabled rule that approves, in the order of `AutoRule::ALL`.
pub fn first_approving(
    kind: ReviewKind,
    enabled: &[(AutoRule, RuleParams)],
    facts: &ProductFacts,
) -> Option<(AutoRule, RuleParams)> {
    if !may_be_automatic(kind) {
        return None;
    }
    AutoRule::ALL.into_iter().find_map(|rule| {
        enabled
            .iter()
            .find(|(r, _)| *r == rule)
            .filter(|(r, p)| r.kind() == kind && approves(*r, p, facts))
            .copied()
    })
}

/// Whether an automatic approval goes to a human for a second look: `roll` is uniform in 0..100.
pub fn sampled(params: &RuleParams, roll: u8) -> bool {
    i64::from(roll) < params.sample_percent
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::product::Plan;

    fn data() -> ProductData {
        ProductData {
            name: "Fleet".into(),
            category: "iot".into(),
            service_type: "saas".into(),
            delivery: "download".into(),
            summary: "Fleet management".into(),
            description: "Features".into(),
            plans: vec![Plan {
                name: "Basic".into(),
                price_fen: 9900,
                billing: "monthly".into(),
            }],
            terms: Default::default(),
        }
    }

    fn facts(new: ProductData, live: Option<ProductData>) -> ProductFacts {
        ProductFacts {
            new,
            new_icon: None,
            live: live.map(|l| (l, None)),
            callback_changed: false,
            approved_products: 5,
            recent_rejection: false,
            has_same_category_and_type: true,
            suspended: false,
        }
    }

    const ON: RuleParams = RuleParams {
        min_approved_products: 3,
        sample_percent: 10,
    };

    #[test]
    fn a_minor_revision_of_a_trusted_provider_is_approved() {
        let mut new = data();
        new.description = "More features".into();
        let f = facts(new.clone(), Some(data()));
        assert!(approves(AutoRule::ProductMinorRevision, &ON, &f));
        // A new name, category or terms is a person's decision.
        for change in [
            |d: &mut ProductData| d.name = "Other".into(),
            |d: &mut ProductData| d.category = "blockchain".into(),
            |d: &mut ProductData| d.delivery = "image".into(),
            |d: &mut ProductData| d.terms.warranty = "none".into(),
        ] {
            let mut n = new.clone();
            change(&mut n);
            assert!(!approves(
                AutoRule::ProductMinorRevision,
                &ON,
                &facts(n, Some(data()))
            ));
        }
        // A new callback URL, even beside a new description.
        let moved = ProductFacts {
            callback_changed: true,
            ..f.clone()
        };
        assert!(!approves(AutoRule::ProductMinorRevision, &ON, &moved));
        // Nothing changed at all: nothing to approve automatically either.
        assert!(!approves(
            AutoRule::ProductMinorRevision,
            &ON,
            &facts(data(), Some(data()))
        ));
        // Too few approved products, or a recent rejection.
        let mut few = f.clone();
        few.approved_products = 2;
        assert!(!approves(AutoRule::ProductMinorRevision, &ON, &few));
        let mut rejected = f.clone();
        rejected.recent_rejection = true;
        assert!(!approves(AutoRule::ProductMinorRevision, &ON, &rejected));
        // A suspended provider's changes wait for a person, whatever its record.
        let mut suspended = f;
        suspended.suspended = true;
        assert!(!approves(AutoRule::ProductMinorRevision, &ON, &suspended));
        assert!(!approves(
            AutoRule::TrustedProviderNewProduct,
            &ON,
            &ProductFacts {
                suspended: true,
                ..facts(data(), None)
            }
        ));
    }

    #[test]
    fn a_new_product_needs_the_new_product_rule() {
        let f = facts(data(), None);
        assert!(!approves(AutoRule::ProductMinorRevision, &ON, &f));
        assert!(approves(AutoRule::TrustedProviderNewProduct, &ON, &f));
        let mut elsewhere = f;
        elsewhere.has_same_category_and_type = false;
        assert!(!approves(
            AutoRule::TrustedProviderNewProduct,
            &ON,
            &elsewhere
        ));
    }

    #[test]
    fn bank_details_and_identity_are_never_automatic() {
        let all: Vec<_> = AutoRule::ALL.iter().map(|r| (*r, ON)).collect();
        let mut new = data();
        new.summary = "changed".into();
        let f = facts(new, Some(data()));
        assert!(first_approving(ReviewKind::Product, &all, &f).is_some());
        for kind in [
            ReviewKind::SettlementChange,
            ReviewKind::EnterpriseVerification,
            ReviewKind::PartnerApplication,
        ] {
            assert!(!may_be_automatic(kind));
            assert_eq!(first_approving(kind, &all, &f), None, "{kind:?}");
        }
    }

    #[test]
    fn sampling_takes_the_share() {
        let p = RuleParams {
            min_approved_products: 1,
            sample_percent: 10,
        };
        assert_eq!((0..100u8).filter(|r| sampled(&p, *r)).count(), 10);
        let none = RuleParams {
            sample_percent: 0,
            ..p
        };
        assert!(!(0..100u8).any(|r| sampled(&none, r)));
    }
}
