//! Pure rules: validated newtypes whose only door is `parse()`, state machines and the move-in
//! requirements. No I/O, no database, no HTTP: nothing here imports the other layers.

pub mod account;
pub mod agreement;
pub mod api_token;
pub mod application;
pub mod audit;
pub mod auto_rules;
pub mod calendar;
pub mod catalog;
pub mod client;
pub mod deposit;
pub mod drafts;
pub mod enterprise;
pub mod enterprise_terms;
pub mod events;
pub mod guarantee;
pub mod ids;
pub mod limits;
pub mod money;
pub mod move_in;
pub mod paging;
pub mod phase;
pub mod product;
pub mod provider;
pub mod reason_library;
pub mod reasons;
pub mod report;
pub mod review;
pub mod second_factor;
pub mod signature;
pub mod staff;
pub mod text;
pub mod upload;
pub mod validity;
pub mod webhooks;

/// One invalid field: the field's path as the client sent it, a stable code, and parameters for
/// the localised message (`field.<code>` in the i18n catalog).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> FieldError {
        FieldError {
            field: field.into(),
            code,
            params: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> FieldError {
        self.params.push((name, value.to_string()));
        self
    }
}

/// Collects every invalid field of a request so that one answer can name them all, one error
/// per field: the first found (a field is never both `too_long` and `required`).
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, e: FieldError) {
        if !self.0.iter().any(|x| x.field == e.field) {
            self.0.push(e);
        }
    }

    /// Runs a parser on a required value and records its error under `field`.
    pub fn require<T, E: Into<&'static str>>(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match value.map(str::trim) {
            None | Some("") => {
                self.push(FieldError::new(field, "required"));
                None
            }
            Some(v) => match parse(v) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.push(FieldError::new(field, e.into()));
                    None
                }
            },
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
