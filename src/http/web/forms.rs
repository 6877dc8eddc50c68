//! HTML form handling: urlencoded bodies as multi-maps, what the user typed (kept when
//! validation fails), and field errors shown beside their fields and in a summary.

use std::collections::HashMap;
use std::future::Future;

use crate::domain::FieldError;
use crate::http::error::{ApiError, FormNote};
use crate::i18n::{self, Lang};
use crate::workflows;

pub type FormData = HashMap<String, Vec<String>>;

/// An amount typed in yuan ("5,000", "¥12.50") as fen; an unreadable one is refused on `field`
/// with how to type it.
pub fn yuan(form: &FormData, field: &str) -> Result<Option<i64>, workflows::Error> {
    match first(form, field).map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(t) => crate::domain::money::Fen::parse_yuan(t)
            .map(|f| Some(f.0))
            .ok_or_else(|| workflows::Error::field(field, "amount_format")),
    }
}

/// The workflow's refusal of an amount in fen (`fen_field`) as the form that took it in yuan
/// (`form_field`) shows it: named by the form's field, its limits in yuan (a finance clerk was
/// told "between 1 and 1000000000" under "Amount (yuan)").
pub fn amount_in_yuan(e: workflows::Error, fen_field: &str, form_field: &str) -> workflows::Error {
    let workflows::Error::Validation(fields) = e else {
        return e;
    };
    let fields = fields
        .into_iter()
        .map(|f| {
            if f.field != fen_field {
                return f;
            }
            let code = if f.code == "out_of_range" {
                "amount_range"
            } else {
                f.code
            };
            let params = f
                .params
                .into_iter()
                .map(|(name, v)| match v.parse::<i64>() {
                    Ok(fen) if matches!(name, "min" | "max") => {
                        (name, crate::domain::money::Fen(fen).to_string())
                    }
                    _ => (name, v),
                })
                .collect();
            FieldError {
                field: form_field.to_string(),
                code,
                params,
            }
        })
        .collect();
    workflows::Error::Validation(fields)
}

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

/// What a form state holds, as a submitted form (to check kept values again).
pub fn as_data(state: &FormState) -> FormData {
    let mut data: FormData = state.multi.clone();
    for (k, v) in &state.values {
        data.entry(k.clone()).or_insert_with(|| vec![v.clone()]);
    }
    data
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
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub multi: HashMap<String, Vec<String>>,
    /// (field, message), in the order the fields were checked (or of the form, once `ordered`).
    #[serde(skip)]
    pub errors: Vec<(String, String)>,
    /// (field, code) of each error: what it is, not only what it says.
    #[serde(skip)]
    pub codes: Vec<(String, String)>,
    /// What the error summary says first (what was saved and what was not).
    #[serde(skip)]
    pub lead: Option<String>,
    /// The label keys of fields whose label is not their `fieldname.*` (the summary names a
    /// field as the form labels it).
    #[serde(skip)]
    pub labels: Vec<(String, String)>,
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

    /// The form labels these fields with these keys (`Page::summary_name` reads them).
    pub fn labelled(mut self, labels: &[(&str, &str)]) -> FormState {
        self.labels = labels
            .iter()
            .map(|(f, k)| (f.to_string(), k.to_string()))
            .collect();
        self
    }

    /// The label key of `field` on this form, when it is not the field's own name.
    pub fn label_key(&self, field: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, k)| k.as_str())
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

    /// Whether an error is about a field (the rest, `_form`, is about the whole form).
    pub fn has_field_errors(&self) -> bool {
        self.errors.iter().any(|(f, _)| f != "_form")
    }

    /// Whether `field` was refused with `code` (`checksum`, `required`, …).
    pub fn has_error_code(&self, field: &str, code: &str) -> bool {
        self.codes.iter().any(|(f, c)| f == field && c == code)
    }

    /// Puts the errors in the order the form shows its fields (`fields`, top to bottom); one
    /// field's errors keep their order, fields the list does not name come last.
    pub fn ordered(mut self, fields: &[&str]) -> FormState {
        let rank = |f: &str| {
            fields
                .iter()
                .position(|x| *x == f || f.starts_with(&format!("{x}.")))
                .unwrap_or(fields.len())
        };
        self.errors.sort_by_key(|(f, _)| rank(f));
        self
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
            self.codes.push((field.clone(), e.code.to_string()));
            // A field may say more than the code's general words (a mobile number's length:
            // what a mobile number looks like): `fieldmsg.<field>.<code>` when the catalog has it.
            let specific = format!("fieldmsg.{field}.{}", e.code);
            let key = if i18n::t(lang, &specific) == specific {
                format!("field.{}", e.code)
            } else {
                specific
            };
            self.errors.push((field, i18n::tf(lang, &key, &params)));
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
                let code = key.rsplit('.').next().unwrap_or(key);
                self.codes.push((field.to_string(), code.to_string()));
                self.add_error(field, i18n::tf(lang, key, &params));
            }
        }
    }
}

/// `categories.1` → `categories`: an error about one value of a list is shown at the list. A
/// row of a repeated group keeps its number (`plans.0.name`): each row has its own inputs.
fn strip_index(field: &str) -> String {
    match field.rsplit_once('.') {
        Some((list, last)) if !last.is_empty() && last.chars().all(|c| c.is_ascii_digit()) => {
            list.to_string()
        }
        _ => field.to_string(),
    }
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
        s.add_errors(
            Lang::En,
            &[
                FieldError::new("categories[1]", "not_allowed"),
                FieldError::new("plans[2].name", "required"),
            ],
        );
        assert!(s.has_error("categories"));
        assert!(s.has_error("plans.2.name"), "a row keeps its number");
    }
}
