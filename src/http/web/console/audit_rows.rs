//! An audit event as a person reads it: when (in the marketplace's zone), who (e-mail and
//! company, or "the system"), what (the action in words), about what (an item by kind and
//! company, a product by name, a consultation by reference, an account by e-mail, a catalog
//! entry by name), and its details in words. Ids, codes and JSON never reach the page.

use std::collections::HashMap;

use serde_json::Value;

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

/// Detail keys that are ids or checksums, already shown as the subject or of no use to a
/// person.
const HIDDEN: &[&str] = &["document", "sha256", "hash", "entry"];

/// The words for `key` under `prefix`, or `None` when the catalog has none.
fn words(page: &Page, prefix: &str, key: &str) -> Option<String> {
    let k = format!("{prefix}.{key}");
    let t = page.t(&k);
    (t != k).then_some(t)
}

fn account_text(named: Option<&Named>) -> Option<(String, Option<String>)> {
    match named {
        Some(Named::Account(a)) => Some((a.email.clone(), a.company.clone())),
        _ => None,
    }
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
    match names.get(&e.subject) {
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

/// A detail value in words, by what its key says it is.
fn detail_value(page: &Page, key: &str, v: &Value, names: &HashMap<String, Named>) -> String {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n
            .as_i64()
            .map(crate::display::thousands)
            .unwrap_or_else(|| n.to_string()),
        Value::Bool(b) => page.yes_no(b).to_string(),
        _ => String::new(),
    };
    match (key, v) {
        ("account", Value::String(id)) => account_text(names.get(id))
            .map(|(email, _)| email)
            .unwrap_or_else(|| page.t("audit.unknown")),
        ("review_item", Value::String(id)) => match names.get(id) {
            Some(Named::Item { kind, .. }) => page.t(&format!("kind.{kind}")),
            _ => page.t("audit.unknown"),
        },
        ("kind", Value::String(k)) => words(page, "kind", k)
            .or_else(|| words(page, "doc", k))
            .unwrap_or_else(|| k.clone()),
        ("reasons", Value::Array(items)) => items
            .iter()
            .map(|r| {
                let field = r.get("field").and_then(Value::as_str).unwrap_or("");
                let message = r.get("message").and_then(Value::as_str).unwrap_or("");
                format!(
                    "{}{}{message}",
                    page.field_label(field),
                    page.pick("：", ": ")
                )
            })
            .collect::<Vec<_>>()
            .join(page.pick("；", "; ")),
        ("roles", Value::Array(items)) => items
            .iter()
            .map(|r| {
                let r = text(r);
                words(page, "audit.role", &r).unwrap_or(r)
            })
            .collect::<Vec<_>>()
            .join(page.pick("、", ", ")),
        ("size", Value::Number(n)) => crate::display::file_size(n.as_i64().unwrap_or(0)),
        // Money is fen (a category deposit, a ledger entry, a balance): "¥5,000.00".
        (k, Value::Number(n)) if k.ends_with("_fen") => {
            crate::domain::money::Fen(n.as_i64().unwrap_or(0)).to_string()
        }
        (k, Value::Number(n)) if k.ends_with("_ms") => page.time(&n.as_i64().unwrap_or(0)),
        ("role" | "via" | "second_factor" | "lang" | "topic", Value::String(s)) => {
            let prefix = match key {
                "topic" => "topic".to_string(),
                other => format!("audit.{other}"),
            };
            words(page, &prefix, s).unwrap_or_else(|| s.clone())
        }
        (_, Value::Array(items)) => items
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join(page.pick("、", ", ")),
        (_, other) => text(other),
    }
}

fn details(page: &Page, e: &AuditEvent, names: &HashMap<String, Named>) -> Vec<(String, String)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&e.detail) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, v)| !HIDDEN.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| {
            let label = words(page, "audit.detail", k).unwrap_or_else(|| page.field_label(k));
            (label, detail_value(page, k, v, names))
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
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
        details: details(page, e, names),
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
