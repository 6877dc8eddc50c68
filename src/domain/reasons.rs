//! The reasons a decision carries — free text, or a code of the library with its text in both
//! languages — and how a reader reads them in their language (`reason_library.rs` keeps the
//! library itself).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A library text in both languages (`{"zh-CN": "…", "en": "…"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReasonText {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

impl ReasonText {
    /// The text for a reader of `lang` (a tag: `en…` is English, anything else Chinese).
    pub fn get(&self, lang: &str) -> &str {
        if lang.starts_with("en") {
            &self.en
        } else {
            &self.zh_cn
        }
    }
}

/// Why a submission was returned. A reason from the library carries its `code` and its text in
/// both languages as it was when the decision was made (so a later edit or retirement of the code
/// changes nothing already decided); `message` is what the reader reads: the library text in the
/// reader's language (see `localized`), then the reviewer's note, if any. A free-text reason has
/// only `field` and `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Reason {
    /// The field it is about (`uscc`, `documents.business_license`); empty for the whole item.
    pub field: String,
    pub message: String,
    /// The library code (`licence_illegible`), when the reason came from the library.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The library text in the reader's language (without the note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The reviewer's own words added to a library reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Both languages of the library text, as stored with the decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub texts: Option<ReasonText>,
}

impl Reason {
    /// A free-text reason (the form without a code).
    pub fn free(field: impl Into<String>, message: impl Into<String>) -> Reason {
        Reason {
            field: field.into(),
            message: message.into(),
            code: None,
            text: None,
            note: None,
            texts: None,
        }
    }

    /// The reason as a reader of `lang` (`zh-CN` or `en`) reads it: a library reason's text in
    /// that language, followed by the note. A free-text reason is as written.
    pub fn localized(&self, lang: &str) -> Reason {
        let Some(texts) = &self.texts else {
            return self.clone();
        };
        let text = texts.get(lang).to_string();
        let message = match &self.note {
            Some(note) => format!("{text} {note}"),
            None => text.clone(),
        };
        Reason {
            message,
            text: Some(text),
            ..self.clone()
        }
    }
}

/// Stored reasons (JSON) as a reader of `lang` reads them; nothing (or unreadable) is none.
pub fn reasons_from_json(json: Option<&str>, lang: &str) -> Vec<Reason> {
    json.and_then(|j| serde_json::from_str::<Vec<Reason>>(j).ok())
        .unwrap_or_default()
        .iter()
        .map(|r| r.localized(lang))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn coded() -> Reason {
        Reason {
            code: Some("licence_illegible".into()),
            texts: Some(ReasonText {
                zh_cn: "执照不清晰".into(),
                en: "Licence not legible".into(),
            }),
            note: Some("(page 2)".into()),
            ..Reason::free("documents.business_license", "")
        }
    }

    #[test]
    fn a_library_reason_reads_in_the_readers_language() {
        let zh = coded().localized("zh-CN");
        assert_eq!(zh.message, "执照不清晰 (page 2)");
        assert_eq!(zh.text.as_deref(), Some("执照不清晰"));
        let en = coded().localized("en");
        assert_eq!(en.message, "Licence not legible (page 2)");
        let free = Reason::free("uscc", "typo").localized("en");
        assert_eq!(free.message, "typo");
    }

    #[test]
    fn stored_reasons_of_before_the_library_still_read() {
        let old = r#"[{"field":"uscc","message":"blurred"}]"#;
        let r = reasons_from_json(Some(old), "en");
        assert_eq!(r, vec![Reason::free("uscc", "blurred")]);
        assert!(reasons_from_json(Some("nonsense"), "en").is_empty());
    }
}
