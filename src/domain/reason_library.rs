//! The reason library: coded rejection reasons per kind (and field) in both languages, and the
//! rules for adding and changing them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reasons::ReasonText;
use super::review::ReviewKind;
use super::text::{multiline_text, text};
use super::{FieldError, FieldErrors};

/// A reason of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LibraryReason {
    pub code: String,
    /// `enterprise_verification`, `partner_application`, `settlement_change` or `product`.
    pub kind: String,
    /// The field it is usually about, or none for the whole submission.
    pub field: Option<String>,
    pub text: ReasonText,
    /// Retired codes are not offered any more; decisions that used them keep their text.
    pub retired: bool,
}

/// Adding a reason to the library (`POST /api/v1/review/reasons`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReasonForm {
    /// Lower-case letters, digits and underscores, 3–64, starting with a letter.
    #[schema(value_type = String, pattern = "^[a-z][a-z0-9_]{2,63}$")]
    pub code: Option<String>,
    #[schema(value_type = String)]
    pub kind: Option<String>,
    #[schema(value_type = Option<String>, max_length = 100)]
    pub field: Option<String>,
    #[schema(value_type = ReasonTextForm)]
    pub text: Option<ReasonTextForm>,
}

/// Editing a reason: its texts, its field, or retiring (`retired: true`) and restoring it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonChangeForm {
    #[schema(value_type = Option<String>, max_length = 100)]
    pub field: Option<String>,
    pub text: Option<ReasonTextForm>,
    pub retired: Option<bool>,
}

/// The two texts as sent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonTextForm {
    #[serde(rename = "zh-CN")]
    #[schema(value_type = String, max_length = 500)]
    pub zh_cn: Option<String>,
    #[schema(value_type = String, max_length = 500)]
    pub en: Option<String>,
}

fn valid_code(code: &str) -> bool {
    (3..=64).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn texts(e: &mut FieldErrors, t: Option<&ReasonTextForm>) -> ReasonText {
    let zh = multiline_text(e, "text.zh-CN", t.and_then(|t| t.zh_cn.as_ref()), 500);
    let en = multiline_text(e, "text.en", t.and_then(|t| t.en.as_ref()), 500);
    for (name, v) in [("text.zh-CN", &zh), ("text.en", &en)] {
        if v.is_none() {
            e.push(FieldError::new(name, "required"));
        }
    }
    ReasonText {
        zh_cn: zh.unwrap_or_default(),
        en: en.unwrap_or_default(),
    }
}

/// A new library reason: every error at once.
pub fn validate_new(f: &NewReasonForm) -> Result<LibraryReason, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let code = f.code.as_deref().map(str::trim).unwrap_or("");
    if code.is_empty() {
        e.push(FieldError::new("code", "required"));
    } else if !valid_code(code) {
        e.push(FieldError::new("code", "format"));
    }
    let kind = f.kind.as_deref().map(str::trim).unwrap_or("");
    if kind.is_empty() {
        e.push(FieldError::new("kind", "required"));
    } else if ReviewKind::parse(kind).is_none() {
        e.push(FieldError::new("kind", "not_allowed"));
    }
    let field = text(&mut e, "field", f.field.as_ref(), 100);
    let text = texts(&mut e, f.text.as_ref());
    e.into_result()?;
    Ok(LibraryReason {
        code: code.to_string(),
        kind: kind.to_string(),
        field,
        text,
        retired: false,
    })
}

/// A change to `current`: every error at once; what is not sent stays.
pub fn validate_change(
    current: &LibraryReason,
    f: &ReasonChangeForm,
) -> Result<LibraryReason, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let mut next = current.clone();
    if f.field.is_some() {
        next.field = text(&mut e, "field", f.field.as_ref(), 100);
    }
    if f.text.is_some() {
        next.text = texts(&mut e, f.text.as_ref());
    }
    if let Some(r) = f.retired {
        next.retired = r;
    }
    e.into_result()?;
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_reasons_are_checked_field_by_field() {
        let f = NewReasonForm {
            code: Some("Bad Code".into()),
            kind: Some("nonsense".into()),
            field: None,
            text: Some(ReasonTextForm {
                zh_cn: Some("文字".into()),
                en: None,
            }),
        };
        let errs = validate_new(&f).expect_err("invalid");
        let fields: Vec<_> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            fields,
            vec![
                ("code", "format"),
                ("kind", "not_allowed"),
                ("text.en", "required")
            ]
        );
        let ok = NewReasonForm {
            code: Some("uscc_mismatch".into()),
            kind: Some("enterprise_verification".into()),
            field: Some(" uscc ".into()),
            text: Some(ReasonTextForm {
                zh_cn: Some("不一致".into()),
                en: Some("Mismatch".into()),
            }),
        };
        let r = validate_new(&ok).expect("valid");
        assert_eq!(r.field.as_deref(), Some("uscc"));
    }
}
