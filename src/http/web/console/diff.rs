//! The review screen's comparison: a submission flattened into named rows, each beside the
//! earlier submission's value (or the account in force), changes marked, and enumerated values
//! in words of the operator's language.

use crate::domain::money::Fen;
use crate::http::web::page::Page;
use crate::workflows::review::ItemDetail;

/// One field of the submission, with the earlier value when it changed.
pub struct FieldRow {
    pub name: String,
    pub value: String,
    pub earlier: Option<String>,
    pub changed: bool,
}

/// One element of a list as text: a plan reads "Basic ¥99.00 monthly".
fn item_text(page: &Page, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(map) if map.contains_key("price_fen") => {
            let name = map.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let price = map
                .get("price_fen")
                .and_then(|p| p.as_i64())
                .map(|fen| Fen(fen).to_string())
                .unwrap_or_default();
            let billing = map.get("billing").and_then(|b| b.as_str()).unwrap_or("");
            format!("{name} {price} {}", page.t(&format!("billing.{billing}")))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| match (k.as_str(), v.as_i64()) {
                    ("price_fen", Some(fen)) => Fen(fen).to_string(),
                    _ => v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                })
                .collect();
            parts.join(" ")
        }
        other => other.to_string(),
    }
}

/// Flattens a JSON object into `a.b: value` rows.
fn flatten(page: &Page, prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(page, &key, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(|i| item_text(page, i)).collect();
            out.push((prefix.to_string(), joined.join("; ")));
        }
        serde_json::Value::Null => out.push((prefix.to_string(), String::new())),
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Enumerated values in words of the page's language (`prc_id` → 居民身份证).
fn display_value(page: &Page, name: &str, value: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    let key = match last {
        "subject_type" => format!("subject.{value}"),
        "id_type" => format!("id_type.{value}"),
        "service_hours" => format!("hours.{value}"),
        "delivery" => format!("delivery.{value}"),
        "billing" => format!("billing.{value}"),
        "same_as_legal_rep" => format!("bool.{value}"),
        _ => return value.to_string(),
    };
    let text = page.t(&key);
    if text == key {
        value.to_string()
    } else {
        text
    }
}

/// The rows of an item: each field of the submission beside its earlier value.
pub fn field_rows(page: &Page, item: &ItemDetail) -> Vec<FieldRow> {
    let mut now = Vec::new();
    flatten(page, "", &item.data, &mut now);
    let mut before = Vec::new();
    // A settlement change is compared with the account in force; others with the last submission.
    let compare_with = item
        .in_force
        .as_ref()
        .or(item.earlier.first().map(|e| &e.data));
    if let Some(data) = compare_with {
        flatten(page, "", data, &mut before);
    }
    now.into_iter()
        .map(|(name, value)| {
            let earlier = if compare_with.is_none() {
                None
            } else {
                Some(
                    before
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                )
            };
            let changed = earlier.as_ref().is_some_and(|e| *e != value);
            let earlier = earlier.map(|e| display_value(page, &name, &e));
            let value = display_value(page, &name, &value);
            FieldRow {
                name,
                value,
                earlier,
                changed,
            }
        })
        .collect()
}
