//! Free text as people type it: one-line fields (names, addresses) and paragraphs (messages,
//! reasons, terms), trimmed, with no control characters and none of the invisible ones that
//! make one text look like another.

use super::{FieldError, FieldErrors};

/// An optional one-line text of at most `max` characters as sent, trimmed, without control or
/// invisible characters; empty becomes `None`. The API documents it with
/// `domain::schema::TEXT` / `OPTIONAL_TEXT`.
pub fn text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&String>,
    max: usize,
) -> Option<String> {
    checked_text(errors, field, value, max, false)
}

/// `text` for what people write in paragraphs (messages, replies, reasons, terms): line breaks
/// and tabs are kept, a `\r\n` or lone `\r` becoming `\n`.
pub fn multiline_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&String>,
    max: usize,
) -> Option<String> {
    checked_text(errors, field, value, max, true)
}

fn checked_text(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&String>,
    max: usize,
    multiline: bool,
) -> Option<String> {
    // The length as sent, so that the API's `maxLength` means exactly this.
    if value.is_some_and(|s| s.chars().count() > max) {
        errors.push(FieldError::new(field, "too_long").with("max", max));
        return None;
    }
    let v = value.map(|s| s.trim()).filter(|s| !s.is_empty())?;
    for c in v.chars() {
        let code = match c {
            '\n' | '\r' | '\t' if multiline => continue,
            '\n' | '\r' | '\u{2028}' | '\u{2029}' => "line_break",
            c if c.is_control() || invisible(c) => "unprintable",
            _ => continue,
        };
        errors.push(FieldError::new(field, code));
        return None;
    }
    Some(if multiline && v.contains('\r') {
        v.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        v.to_string()
    })
}

/// Characters that show nothing yet change what a text looks like or how it compares: zero-width
/// spaces and joiners, direction marks, embeddings, overrides and isolates, the word joiner and
/// invisible operators, the byte-order mark and the soft hyphen. In a company name they would
/// let one name pass for another (and make the settlement's account name fail to match it).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_texts_refuse_line_breaks_and_invisible_characters_paragraphs_keep_lines() {
        let one = |v: &str| {
            let mut e = FieldErrors::default();
            let out = text(&mut e, "f", Some(&v.to_string()), 50);
            (out, e.0.first().map(|x| x.code))
        };
        let para = |v: &str| {
            let mut e = FieldErrors::default();
            let out = multiline_text(&mut e, "f", Some(&v.to_string()), 50);
            (out, e.0.first().map(|x| x.code))
        };
        assert_eq!(one(" 阿里 测试 "), (Some("阿里 测试".into()), None));
        assert_eq!(one("a\nb"), (None, Some("line_break")));
        assert_eq!(one("a\u{2029}b"), (None, Some("line_break")));
        assert_eq!(one("a\tb"), (None, Some("unprintable")));
        for c in [
            '\u{0}', '\u{7f}', '\u{ad}', '\u{200b}', '\u{200d}', '\u{202e}', '\u{2066}', '\u{feff}',
        ] {
            assert_eq!(one(&format!("a{c}b")), (None, Some("unprintable")), "{c:?}");
            assert_eq!(
                para(&format!("a{c}b")),
                (None, Some("unprintable")),
                "{c:?}"
            );
        }
        assert_eq!(
            para("a\r\nb\rc\n\n\td"),
            (Some("a\nb\nc\n\n\td".into()), None)
        );
        assert_eq!(para("  \n "), (None, None));
        assert_eq!(
            one("emoji 🚀 and 中文"),
            (Some("emoji 🚀 and 中文".into()), None)
        );
    }
}
