//! Events for systems outside: the vocabulary (every type a feed or a webhook carries), the
//! event a workflow records, and the rules of the feed's filters. What goes into an event's
//! `data` is ids and a small snapshot — never an ID number, an account number, a code or a
//! password; `docs/EVENTS.md` lists every type with its fields.

use serde_json::Value;

use super::FieldError;

macro_rules! event_types {
    ($( $variant:ident => $name:literal ),* $(,)?) => {
        /// Every event type, by its stable name (`docs/EVENTS.md`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $( $variant ),* }

        impl EventType {
            /// Every type an endpoint may subscribe to, in the documented order.
            pub const ALL: &'static [EventType] = &[ $( EventType::$variant ),* ];

            pub fn as_str(self) -> &'static str {
                match self { $( EventType::$variant => $name ),* }
            }

            pub fn parse(s: &str) -> Option<EventType> {
                match s { $( $name => Some(EventType::$variant), )* _ => None }
            }
        }
    };
}

event_types! {
    AccountActivated => "account.activated",
    EnterpriseVerificationSubmitted => "enterprise_verification.submitted",
    EnterpriseVerificationApproved => "enterprise_verification.approved",
    EnterpriseVerificationRejected => "enterprise_verification.rejected",
    MicroDepositConfirmed => "micro_deposit.confirmed",
    PartnerApplicationSubmitted => "partner_application.submitted",
    PartnerApplicationApproved => "partner_application.approved",
    PartnerApplicationRejected => "partner_application.rejected",
    ProviderMovedIn => "provider.moved_in",
    ProviderCustomerServiceUpdated => "provider.customer_service_updated",
    SettlementChangeRequested => "settlement_change.requested",
    SettlementChangeApproved => "settlement_change.approved",
    SettlementChangeRejected => "settlement_change.rejected",
    ProductSubmitted => "product.submitted",
    ProductListed => "product.listed",
    ProductRejected => "product.rejected",
    ProductUnlisted => "product.unlisted",
    ProductRelisted => "product.relisted",
    ProviderSuspended => "provider.suspended",
    ProviderReinstated => "provider.reinstated",
    ConsultationCreated => "consultation.created",
    ConsultationReplied => "consultation.replied",
    AgreementAccepted => "agreement.accepted",
    AgreementPublished => "agreement.published",
    DepositPaymentRecorded => "deposit.payment_recorded",
    DepositDeducted => "deposit.deducted",
    DepositShort => "deposit.short",
    ProviderListingsHeld => "provider.listings_held",
    ProviderListingsRestored => "provider.listings_restored",
    ReverificationSubmitted => "reverification.submitted",
    ReverificationApproved => "reverification.approved",
    ReverificationRejected => "reverification.rejected",
    DocumentExpiring => "document.expiring",
    DocumentExpired => "document.expired",
    AccountClosureRequested => "account.closure_requested",
    AccountErased => "account.erased",
}

/// The type of the event `POST /api/v1/webhooks/{id}/test` sends: to that endpoint only, never
/// in the feed.
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// An event as a workflow records it, in the transaction of the change.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    /// The provider (its account) the event is about, when it is about one: the provider sees
    /// it in its feed and its endpoints receive it; events of one provider are delivered in order.
    pub provider_id: Option<String>,
    /// The account concerned, when not the provider's (an activation, a consultation's author).
    pub account_id: Option<String>,
    pub data: Value,
}

impl Event {
    /// An event about a provider (an account on its way in, or moved in).
    pub fn about_provider(kind: EventType, provider_id: &str, data: Value) -> Event {
        Event {
            kind,
            provider_id: Some(provider_id.to_string()),
            account_id: Some(provider_id.to_string()),
            data,
        }
    }

    /// An event about no provider (operators' endpoints only).
    pub fn marketplace(kind: EventType, data: Value) -> Event {
        Event {
            kind,
            provider_id: None,
            account_id: None,
            data,
        }
    }
}

/// The `types` of the feed (`a,b`), or an endpoint's `event_types`, parsed: every name must be
/// a known type (`*`, all of them, only where `star` allows it).
pub fn parse_types<'a>(
    field: &str,
    names: impl IntoIterator<Item = &'a str>,
    star: bool,
) -> Result<Vec<String>, FieldError> {
    let mut out: Vec<String> = Vec::new();
    for raw in names {
        let name = raw.trim();
        if name.is_empty() {
            continue;
        }
        let known = EventType::parse(name).is_some() || (star && name == "*");
        if !known {
            let shown: String = name.chars().take(60).collect();
            return Err(FieldError::new(field, "unknown_event_type").with("value", shown));
        }
        if !out.iter().any(|t| t == name) {
            out.push(name.to_string());
        }
    }
    if out.is_empty() {
        return Err(FieldError::new(field, "required"));
    }
    if out.iter().any(|t| t == "*") {
        return Ok(vec!["*".to_string()]);
    }
    Ok(out)
}

/// Whether an endpoint subscribed to `subscribed` takes an event of type `kind`.
pub fn subscribed_to(subscribed: &[String], kind: &str) -> bool {
    subscribed.iter().any(|t| t == "*" || t == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_reads_back_from_its_name() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
        }
        assert_eq!(EventType::ALL.len(), 36);
        assert_eq!(EventType::parse(TEST_EVENT_TYPE), None);
    }

    #[test]
    fn types_are_known_names_or_a_star_where_allowed() {
        let ok = parse_types(
            "types",
            "product.listed, provider.moved_in".split(','),
            false,
        );
        assert_eq!(ok.unwrap(), vec!["product.listed", "provider.moved_in"]);
        let e = parse_types("types", ["product.listd"], false).unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("types", "unknown_event_type"));
        assert!(parse_types("types", ["*"], false).is_err());
        assert_eq!(
            parse_types("event_types", ["*", "product.listed"], true).unwrap(),
            vec!["*"]
        );
        assert_eq!(
            parse_types("event_types", [" "], true).unwrap_err().code,
            "required"
        );
    }

    #[test]
    fn a_star_takes_everything() {
        assert!(subscribed_to(&["*".into()], "product.listed"));
        assert!(!subscribed_to(
            &["product.unlisted".into()],
            "product.listed"
        ));
    }
}
