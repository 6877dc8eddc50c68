//! HTML form handling: urlencoded bodies as multi-maps, what the user typed (kept when
//! validation fails), and field errors shown beside their fields and in a summary.

use std::collections::HashMap;
use std::future::Future;

use crate::domain::FieldError;
use crate::http::error::{ApiError, FormNote};
use crate::i18n::{self, Lang};
use crate::workflows;

pub type FormData = HashMap<String, Vec<String>>;

/// Parses `application/x-www-form-urlencoded`; repeated names keep every value.
pub fn parse(body: &[u8]) -> FormData {
    let mut map: FormData = HashMap::new();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    for (k, v) in pairs {
        map.entry(k).or_default().push(v);
    }
    map
}

pub fn first<'a>(form: &'a FormData, name: &str) -> Option<&'a str> {
    form.get(name).and_then(|v| v.first()).map(String::as_str)
}

/// A non-empty value, as `Option<String>` for the domain forms.
pub fn opt(form: &FormData, name: &str) -> Option<String> {
    first(form, name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

pub fn all(form: &FormData, name: &str) -> Vec<String> {
    form.get(name).cloned().unwrap_or_default()
}

/// A draft form's two buttons: `action=save` saves the draft, `action=submit` saves it and then
/// submits it. The notice to show (`saved` or `submitted`), or the first refusal.
pub async fn save_or_submit<S, U>(
    form: &FormData,
    save: impl Future<Output = workflows::Result<S>>,
    submit: impl AsyncFnOnce() -> workflows::Result<U>,
) -> workflows::Result<&'static str> {
    save.await?;
    if first(form, "action") == Some("submit") {
        submit().await?;
        Ok("submitted")
    } else {
        Ok("saved")
    }
}

/// What a form shows: the values to fill in and the errors to explain.
#[derive(Clone, Debug, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub multi: HashMap<String, Vec<String>>,
    /// (field, message), in the order the fields were checked.
    pub errors: Vec<(String, String)>,
}

impl FormState {
    pub fn from_form(form: &FormData) -> FormState {
        let mut s = FormState::default();
        for (k, v) in form {
            if k == "csrf_token"
                || k.contains("password")
                || k.contains("id_number")
                || k.contains("account_number")
            {
                // Secrets are never echoed back into a page.
                continue;
            }
            if let Some(first) = v.first() {
                s.values.insert(k.clone(), first.clone());
            }
            s.multi.insert(k.clone(), v.clone());
        }
        s
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_string(), value.into());
    }

    pub fn set_multi(&mut self, name: &str, values: Vec<String>) {
        self.multi.insert(name.to_string(), values);
    }

    pub fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_default()
    }

    pub fn is(&self, name: &str, value: &str) -> bool {
        self.values.get(name).is_some_and(|v| v == value)
    }

    pub fn has(&self, name: &str, value: &str) -> bool {
        self.multi
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    pub fn error(&self, name: &str) -> Option<String> {
        self.errors
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }

    pub fn has_error(&self, name: &str) -> bool {
        self.errors.iter().any(|(f, _)| f == name)
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// `aria-invalid` and the error id, for the input's attributes.
    pub fn invalid(&self, name: &str) -> &'static str {
        if self.has_error(name) {
            "true"
        } else {
            "false"
        }
    }

    pub fn add_errors(&mut self, lang: Lang, errors: &[FieldError]) {
        for e in errors {
            let params: Vec<(&str, &str)> =
                e.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let field = e.field.replace("[", ".").replace(']', "");
            let field = strip_index(&field);
            self.errors
                .push((field, i18n::tf(lang, &format!("field.{}", e.code), &params)));
        }
    }

    pub fn add_error(&mut self, field: &str, message: String) {
        self.errors.push((field.to_string(), message));
    }

    /// A refusal about the input, where the error table puts it.
    pub fn add_note(&mut self, lang: Lang, note: &FormNote) {
        match note {
            FormNote::Fields(fields) => self.add_errors(lang, fields),
            FormNote::Message { field, key, params } => {
                let params: Vec<(&str, &str)> =
                    params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.add_error(field, i18n::tf(lang, key, &params));
            }
        }
    }
}

/// `categories.1` → `categories`: list errors are shown at the list.
fn strip_index(field: &str) -> String {
    let parts: Vec<&str> = field
        .split('.')
        .filter(|p| !p.chars().all(|c| c.is_ascii_digit()))
        .collect();
    parts.join(".")
}

/// Shows a workflow's refusal in the form when it is about the input (validation, conflicts,
/// limits: `ApiError::form`, from the one error table); anything else is handed back, as the
/// status and code of an error page.
pub fn absorb(lang: Lang, state: &mut FormState, err: impl Into<ApiError>) -> Result<(), ApiError> {
    let err: ApiError = err.into();
    match err.form.as_deref() {
        Some(note) => {
            state.add_note(lang, note);
            Ok(())
        }
        None => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_every_value_and_secrets_are_not_echoed() {
        let f = parse(b"categories=iot&categories=api-market&password=secret&name=%E5%BC%A0");
        assert_eq!(all(&f, "categories"), vec!["iot", "api-market"]);
        let s = FormState::from_form(&f);
        assert!(s.has("categories", "api-market"));
        assert_eq!(s.value("name"), "张");
        assert_eq!(s.value("password"), "");
    }

    #[test]
    fn list_errors_land_on_the_list() {
        let mut s = FormState::default();
        s.add_errors(Lang::En, &[FieldError::new("categories[1]", "not_allowed")]);
        assert!(s.has_error("categories"));
    }
}
