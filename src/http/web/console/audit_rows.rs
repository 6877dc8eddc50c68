//! An audit event as a person reads it: when (in the marketplace's zone), who (e-mail and
//! company, or "the system"), what (the action in words), about what (an item by kind and
//! company, a product by name, a consultation by reference, an account by e-mail, a catalog
//! entry by name), and its details in words. Ids, codes and JSON never reach the page.

use std::collections::HashMap;

use super::audit_details::{account_text, words};
use crate::domain::audit::{AuditEvent, ANONYMOUS, SYSTEM};
use crate::http::web::console::sections::CatalogNames;
use crate::http::web::page::Page;
use crate::workflows::names::Named;

/// What an event was about, and where to look at it.
pub struct About {
    pub text: String,
    pub href: Option<String>,
}

pub struct AuditRow {
    pub seq: i64,
    pub time: String,
    pub who: String,
    pub who_detail: Option<String>,
    pub action: String,
    pub about: About,
    pub details: Vec<(String, String)>,
}

fn about(
    page: &Page,
    catalog: &CatalogNames,
    e: &AuditEvent,
    names: &HashMap<String, Named>,
) -> About {
    let plain = |text: String| About { text, href: None };
    if e.action.starts_with("catalog.") {
        let list = if e.action.contains("service_type") {
            &catalog.service_types
        } else {
            &catalog.categories
        };
        let name = list
            .iter()
            .find(|c| c.slug == e.subject)
            .map(|c| page.pick(&c.name_zh, &c.name_en).to_string());
        return plain(name.unwrap_or_else(|| page.t("audit.unknown")));
    }
    if e.action.starts_with("calendar.") {
        // The subject is the holiday's day.
        let day = crate::domain::calendar::parse_day(&e.subject)
            .map(|d| crate::display::Zone::long_day(d, page.lang));
        return plain(day.unwrap_or_else(|| page.t("audit.unknown")));
    }
    if e.action.starts_with("agreement.published") {
        // The subject is the version itself.
        return plain(page.tf("audit.agreement", "version", &e.subject));
    }
    if e.action == "review.rule_changed" {
        return plain(words(page, "rules", &e.subject).unwrap_or_else(|| page.t("audit.unknown")));
    }
    match names.get(&e.subject) {
        Some(Named::Token { name, owner }) => plain(match owner {
            Some(o) => page.tf("audit.token", "name", name) + " · " + o,
            None => page.tf("audit.token", "name", name),
        }),
        Some(Named::Webhook { url }) => plain(page.tf("audit.webhook", "url", url)),
        Some(Named::Invitation { email }) => plain(page.tf("audit.invitation", "email", email)),
        Some(Named::Reason { zh, en }) => plain(page.pick(zh, en).to_string()),
        Some(Named::Account(a)) => plain(match &a.company {
            Some(c) => format!("{} · {c}", a.email),
            None => a.email.clone(),
        }),
        Some(Named::Item { kind, company }) => About {
            text: format!("{} · {company}", page.t(&format!("kind.{kind}"))),
            href: Some(format!("/console/items/{}", e.subject)),
        },
        Some(Named::Product { name, company }) => plain(match company {
            Some(c) => page.tf("audit.product", "name", name) + " · " + c,
            None => page.tf("audit.product", "name", name),
        }),
        Some(Named::Consultation { reference }) => About {
            text: page.tf("audit.consultation", "reference", reference),
            href: Some(format!("/console/consultations/{}", e.subject)),
        },
        // Refused codes for addresses without an account name the address.
        None if e.subject.contains('@') => {
            plain(e.subject.trim_start_matches("email:").to_string())
        }
        None => plain(page.t("audit.unknown")),
    }
}

/// An event in words.
pub fn row(
    page: &Page,
    catalog: &CatalogNames,
    e: &AuditEvent,
    names: &HashMap<String, Named>,
) -> AuditRow {
    let (who, who_detail) = match e.actor.as_str() {
        SYSTEM => (page.t("audit.system"), None),
        ANONYMOUS => (page.t("audit.anonymous"), None),
        id => account_text(names.get(id)).unwrap_or_else(|| (page.t("audit.unknown"), None)),
    };
    AuditRow {
        seq: e.seq,
        time: page.time(&e.at),
        who,
        who_detail,
        action: words(page, "audit.action", &e.action)
            .unwrap_or_else(|| page.t("audit.other_action")),
        about: about(page, catalog, e, names),
        details: super::audit_details::details(page, e, names),
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::audit::ACTIONS;
    use crate::i18n::{self, Lang};

    #[test]
    fn every_action_has_words_in_both_languages() {
        for lang in [Lang::ZhCn, Lang::En] {
            for a in ACTIONS {
                let key = format!("audit.action.{a}");
                assert_ne!(i18n::t(lang, &key), key, "{lang:?} has no words for {a}");
            }
        }
    }
}
