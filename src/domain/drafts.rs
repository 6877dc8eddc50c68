//! Drafts saved from a page as far as they are valid: a field that failed its check keeps the
//! value saved before, so nothing typed correctly is lost beside a mistake and a draft never
//! holds a value that failed its check.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use super::FieldError;

/// `a.b[1]` → `["a", "b"]`: list errors keep the whole list as it was.
fn path_of(field: &str) -> Vec<&str> {
    field
        .split('.')
        .map(|p| p.split('[').next().unwrap_or(p))
        .filter(|p| !p.is_empty())
        .collect()
}

fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// `data` with each refused field (and the fields `tied` to it, such as an agreement's
/// acceptance time to its version) set back to its value in `previous` (none before: empty).
/// Fields the data does not hold (secrets, documents) are left alone.
pub fn keep_refused<T: Serialize + DeserializeOwned>(
    data: T,
    previous: &T,
    refused: &[FieldError],
    tied: &[(&str, &str)],
) -> T {
    let (Ok(mut now), Ok(before)) = (serde_json::to_value(&data), serde_json::to_value(previous))
    else {
        return data;
    };
    let mut fields: Vec<&str> = refused.iter().map(|e| e.field.as_str()).collect();
    for (field, with) in tied {
        if fields.iter().any(|f| path_of(f) == path_of(field)) {
            fields.push(with);
        }
    }
    for field in fields {
        let path = path_of(field);
        let Some((last, parents)) = path.split_last() else {
            continue;
        };
        let old = at(&before, &path).cloned().unwrap_or(Value::Null);
        if let Some(Value::Object(map)) = parents.iter().try_fold(&mut now, |v, k| v.get_mut(k)) {
            if let Some(slot) = map.get_mut(*last) {
                // An absent list is empty, not null.
                *slot = match (old, slot.is_array()) {
                    (Value::Null, true) => Value::Array(Vec::new()),
                    (old, _) => old,
                };
            }
        }
    }
    // Values copied between two drafts of one type read back; should one not, nothing changes.
    serde_json::from_value(now).unwrap_or(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::ApplicationData;

    #[test]
    fn a_refused_field_keeps_what_was_saved_and_the_rest_is_new() {
        let mut before = ApplicationData::default();
        before.contact.name = Some("李四".into());
        before.contact.mobile = Some("13800138000".into());
        before.categories = vec!["iot".into()];
        let mut typed = ApplicationData::default();
        typed.contact.name = Some("王五".into());
        typed.contact.mobile = None; // refused
        typed.categories = vec!["api-market".into()]; // one refused
        typed.years_in_industry = Some(500); // refused
        typed.agreement_version = Some("1999".into());
        typed.agreement_accepted_at = Some("now".into());
        let refused = [
            FieldError::new("contact.mobile", "mobile"),
            FieldError::new("categories[1]", "not_allowed"),
            FieldError::new("years_in_industry", "out_of_range"),
            FieldError::new("agreement_version", "agreement_outdated"),
        ];
        let kept = keep_refused(
            typed,
            &before,
            &refused,
            &[("agreement_version", "agreement_accepted_at")],
        );
        assert_eq!(kept.contact.name.as_deref(), Some("王五"));
        assert_eq!(kept.contact.mobile.as_deref(), Some("13800138000"));
        assert_eq!(kept.categories, vec!["iot".to_string()]);
        assert_eq!(kept.years_in_industry, None);
        assert_eq!(kept.agreement_version, None);
        assert_eq!(kept.agreement_accepted_at, None);
    }
}
