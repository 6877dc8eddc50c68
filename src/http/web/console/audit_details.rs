//! The details of an audit event in words: every detail key an action writes, what its value is
//! (free text, a count, money, a moment, a day, an id named or left out, a code shown by its
//! words, a field by its label), and its label (`audit.detail.<key>`). A key missing from the
//! list is left out rather than shown raw; the export keeps the machine values.

use std::collections::HashMap;

use serde_json::Value;

use crate::domain::audit::AuditEvent;
use crate::http::web::page::Page;
use crate::workflows::names::Named;

/// The words for `key` under `prefix`, or `None` when the catalog has none.
pub(super) fn words(page: &Page, prefix: &str, key: &str) -> Option<String> {
    let k = format!("{prefix}.{key}");
    let t = page.t(&k);
    (t != k).then_some(t)
}

pub(super) fn account_text(named: Option<&Named>) -> Option<(String, Option<String>)> {
    match named {
        Some(Named::Account(a)) => Some((a.email.clone(), a.company.clone())),
        _ => None,
    }
}

/// What a detail value is, and so how a person reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shown {
    /// An id or a checksum the page has no use for (the subject names the thing).
    Hidden,
    /// Typed by a person or a name: shown as it is.
    Text,
    /// Text in both languages (`{"zh-CN": …, "en": …}`): the viewer's.
    Texts,
    Count,
    Percent,
    YesNo,
    /// Fen: "¥5,000.00".
    Money,
    /// Unix ms.
    Moment,
    /// An RFC 3339 timestamp.
    Instant,
    /// A day, `2027-03-07`.
    Day,
    /// An account id: its e-mail (and company); left out when the account is gone.
    Account,
    /// A review item id: its kind.
    Item,
    /// A code shown by its words under the prefix.
    Words(&'static str),
    /// A list of codes, each by its words.
    WordsList(&'static str),
    /// A form field's path: the field's label.
    Field,
    /// A review item's kind, or a document's kind.
    Kind,
    /// A decision's reasons: each field's label and the message.
    Reasons,
    Size,
    /// A route as the router names it (`GET /api/v1/review/providers/{account_id}`): its
    /// parameters as "…".
    Route,
}

/// Every detail key an action writes (`NewEvent::detail` across `workflows/`), and what it is.
const KEYS: &[(&str, Shown)] = &[
    ("account", Shown::Account),
    ("account_last4", Shown::Text),
    ("after", Shown::WordsList("audit.role")),
    ("agreement_version", Shown::Text),
    ("amount_fen", Shown::Money),
    ("appeal_reply", Shown::Text),
    ("attempts_left", Shown::Count),
    ("audit_events", Shown::Count),
    ("balance_fen", Shown::Money),
    ("before", Shown::WordsList("audit.role")),
    ("before_fen", Shown::Money),
    ("delivery", Shown::Hidden),
    ("deposit", Shown::Count),
    ("deposit_fen", Shown::Money),
    ("deposits_sent", Shown::Count),
    ("document", Shown::Hidden),
    ("documents", Shown::Count),
    ("dongdong_group_id", Shown::Text),
    ("effective_at", Shown::Day),
    ("email", Shown::Text),
    ("enabled", Shown::YesNo),
    ("entry", Shown::Hidden),
    ("erase_after", Shown::Instant),
    ("event", Shown::Hidden),
    ("event_types", Shown::WordsList("event_type")),
    ("expires_at", Shown::Instant),
    ("failing_since", Shown::Instant),
    ("field", Shown::Field),
    ("frozen", Shown::YesNo),
    ("grace_started", Shown::YesNo),
    ("had_second_factor", Shown::YesNo),
    ("hash", Shown::Hidden),
    ("id_long_term", Shown::YesNo),
    ("id_valid_until", Shown::Day),
    ("invitation", Shown::Hidden),
    ("invitations", Shown::Count),
    ("invited_by", Shown::Account),
    ("key_version", Shown::Count),
    ("kind", Shown::Kind),
    ("lang", Shown::Words("audit.lang")),
    ("license_long_term", Shown::YesNo),
    ("license_valid_until", Shown::Day),
    ("mails", Shown::Count),
    ("min_approved_products", Shown::Count),
    ("name", Shown::Text),
    ("name_en", Shown::Text),
    ("name_zh", Shown::Text),
    ("owner", Shown::Account),
    ("phone", Shown::Text),
    ("previous_holder", Shown::Text),
    ("products_delisted", Shown::Count),
    ("provider", Shown::Account),
    ("reason", Shown::Text),
    ("reasons", Shown::Reasons),
    ("recovery_codes", Shown::Count),
    ("reference", Shown::Text),
    ("required_fen", Shown::Money),
    ("review_item", Shown::Item),
    ("revision", Shown::Count),
    ("revoked_by", Shown::Account),
    ("role", Shown::Words("audit.role")),
    ("roles", Shown::WordsList("audit.role")),
    ("route", Shown::Route),
    ("rule", Shown::Words("rules")),
    ("sample_percent", Shown::Percent),
    ("scope", Shown::Words("tokens.scope")),
    ("scopes", Shown::WordsList("tokens.scope")),
    ("second_factor", Shown::Words("audit.second_factor")),
    ("second_look", Shown::YesNo),
    ("sessions_ended", Shown::Count),
    ("sha256", Shown::Hidden),
    ("size", Shown::Size),
    ("stage", Shown::Words("audit.stage")),
    ("test", Shown::Hidden),
    ("text", Shown::Texts),
    ("to", Shown::Text),
    ("token", Shown::Hidden),
    ("top_up_by_ms", Shown::Moment),
    ("topic", Shown::Words("topic")),
    ("url", Shown::Text),
    ("uscc", Shown::Text),
    ("uscc_check_override", Shown::Text),
    ("valid_until", Shown::Day),
    ("verdict", Shown::Words("integration.verdict")),
    ("version", Shown::Count),
    ("via", Shown::Words("audit.via")),
];

/// What `key` is in an event of `action`.
fn shown(action: &str, key: &str) -> Option<Shown> {
    if action == "enterprise.expiry_reminder_sent" && key == "document" {
        // Here the document is a kind (the licence, the ID), not a file.
        return Some(Shown::Words("audit.document"));
    }
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, s)| *s)
}

fn plain(page: &Page, v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n
            .as_i64()
            .map(crate::display::thousands)
            .unwrap_or_else(|| n.to_string()),
        Value::Bool(b) => page.yes_no(b).to_string(),
        _ => String::new(),
    }
}

fn in_words(page: &Page, prefix: &str, v: &Value) -> String {
    let code = plain(page, v);
    words(page, prefix, &code).unwrap_or(code)
}

fn list(page: &Page, v: &Value, each: impl Fn(&Value) -> String) -> String {
    match v {
        Value::Array(items) => items
            .iter()
            .map(each)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(page.pick("、", ", ")),
        other => each(other),
    }
}

/// A detail value in words; empty when there is nothing a person would read.
fn value(page: &Page, how: Shown, v: &Value, names: &HashMap<String, Named>) -> String {
    let int = || v.as_i64().unwrap_or(0);
    match how {
        Shown::Hidden => String::new(),
        Shown::Text => list(page, v, |x| plain(page, x)),
        Shown::Texts => v
            .get(page.pick("zh-CN", "en"))
            .map(|t| plain(page, t))
            .unwrap_or_else(|| plain(page, v)),
        Shown::Count => plain(page, v),
        Shown::Percent => format!("{}%", int()),
        Shown::YesNo => v
            .as_bool()
            .map(|b| page.yes_no(&b).to_string())
            .unwrap_or_default(),
        Shown::Money => crate::domain::money::Fen(int()).to_string(),
        Shown::Moment => page.time(&int()),
        Shown::Instant => v
            .as_str()
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .map(|t| page.time(&t.as_millisecond()))
            .unwrap_or_default(),
        Shown::Day => v
            .as_str()
            .and_then(crate::domain::calendar::parse_day)
            .map(|d| crate::display::Zone::long_day(d, page.lang))
            .unwrap_or_default(),
        Shown::Account => v
            .as_str()
            .and_then(|id| account_text(names.get(id)))
            .map(|(email, company)| match company {
                Some(c) => format!("{email} · {c}"),
                None => email,
            })
            .unwrap_or_default(),
        Shown::Item => match v.as_str().and_then(|id| names.get(id)) {
            Some(Named::Item { kind, .. }) => page.t(&format!("kind.{kind}")),
            _ => String::new(),
        },
        Shown::Words(prefix) => in_words(page, prefix, v),
        Shown::WordsList(prefix) => list(page, v, |x| in_words(page, prefix, x)),
        Shown::Field => v.as_str().map(|f| page.reason_field(f)).unwrap_or_default(),
        Shown::Kind => {
            let k = plain(page, v);
            words(page, "kind", &k)
                .or_else(|| words(page, "doc", &k))
                .unwrap_or(k)
        }
        Shown::Reasons => v
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|r| {
                        let field = r.get("field").and_then(Value::as_str).unwrap_or("");
                        let message = r.get("message").and_then(Value::as_str).unwrap_or("");
                        let sep = page.pick("：", ": ");
                        format!("{}{sep}{message}", page.reason_field(field))
                    })
                    .collect::<Vec<_>>()
                    .join(page.pick("；", "; "))
            })
            .unwrap_or_default(),
        Shown::Size => crate::display::file_size(int()),
        Shown::Route => {
            let mut out = String::new();
            let mut in_param = false;
            for c in plain(page, v).chars() {
                match c {
                    '{' => {
                        in_param = true;
                        out.push('…');
                    }
                    '}' => in_param = false,
                    c if !in_param => out.push(c),
                    _ => {}
                }
            }
            out
        }
    }
}

/// The details of `e` as (label, value) pairs in words, in the order the action wrote them.
pub fn details(
    page: &Page,
    e: &AuditEvent,
    names: &HashMap<String, Named>,
) -> Vec<(String, String)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&e.detail) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .filter_map(|(k, v)| {
            let how = shown(&e.action, k)?;
            let label = words(page, "audit.detail", k)?;
            let text = value(page, how, v, names);
            (!text.is_empty()).then_some((label, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{Shown, KEYS};
    use crate::i18n::{self, Lang};

    #[test]
    fn every_shown_detail_has_a_label_in_both_languages() {
        for lang in [Lang::ZhCn, Lang::En] {
            for (key, how) in KEYS {
                if *how == Shown::Hidden {
                    continue;
                }
                let k = format!("audit.detail.{key}");
                assert_ne!(i18n::t(lang, &k), k, "{lang:?} has no label for {key}");
            }
        }
    }
}
