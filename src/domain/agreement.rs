//! The provider agreement: versions that admins publish (Markdown in both languages, the day it
//! takes effect, a summary of the changes) and what a provider owes: the version in force
//! accepted, and a newer published one accepted before its day. The texts are shown as safe
//! HTML (raw HTML in them is shown as text).

use serde::Serialize;

use super::product::render_markdown;
use super::{FieldError, FieldErrors};

/// The longest summary of changes, in characters.
pub const SUMMARY_MAX: usize = 2_000;
/// The longest text of one language, in characters.
pub const TEXT_MAX: usize = 100_000;

/// A version as admins name it: `YYYY-MM` (`2026-12`), month 01–12. Later versions sort after
/// earlier ones as strings.
pub fn parse_version(input: &str) -> Option<&str> {
    let t = input.trim();
    let b = t.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 7 || b[4] != b'-' || !digits(0..4) || !digits(5..7) {
        return None;
    }
    let month = (b[5] - b'0') * 10 + (b[6] - b'0');
    (1..=12).contains(&month).then_some(t)
}

/// A day as a date field sends it (`2026-12-01`), nothing else.
pub fn parse_day(input: &str) -> Option<jiff::civil::Date> {
    let t = input.trim();
    if t.len() != 10 {
        return None;
    }
    t.parse().ok()
}

/// The agreement as safe HTML.
pub fn html(markdown: &str) -> String {
    render_markdown(markdown)
}

/// What an admin sends to publish a version, as typed.
#[derive(Debug, Clone, Default)]
pub struct Draft<'a> {
    pub version: Option<&'a str>,
    pub effective_at: Option<&'a str>,
    pub summary: Option<&'a str>,
    /// The summary in English, when it was sent in both languages (`summary` is the Chinese).
    pub summary_en: Option<&'a str>,
    pub text_zh: Option<&'a str>,
    pub text_en: Option<&'a str>,
}

/// A checked version, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub version: String,
    pub effective_on: jiff::civil::Date,
    pub summary: String,
    pub summary_en: Option<String>,
    pub text_zh: String,
    pub text_en: String,
}

/// The newest version published so far: a new one must come after it in name and in date.
#[derive(Debug, Clone)]
pub struct Latest {
    pub version: String,
    pub effective_on: jiff::civil::Date,
}

fn bounded(e: &mut FieldErrors, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    match value.map(str::trim) {
        None | Some("") => {
            e.push(FieldError::new(field, "required"));
            None
        }
        Some(v) if v.chars().count() > max => {
            e.push(FieldError::new(field, "too_long").with("max", max));
            None
        }
        Some(v)
            if v.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) =>
        {
            e.push(FieldError::new(field, "charset"));
            None
        }
        Some(v) => Some(v.to_string()),
    }
}

/// Checks a version to publish: a `YYYY-MM` name after the latest, an effective day (`YYYY-MM-DD`,
/// from 00:00 in the marketplace's zone) not before `today` and after the latest's day, a
/// summary and both texts, bounded. Every refused field at once.
pub fn check(
    d: &Draft<'_>,
    latest: Option<&Latest>,
    today: jiff::civil::Date,
) -> Result<Checked, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let version = e.require("version", d.version, |s| {
        parse_version(s)
            .map(str::to_string)
            .ok_or("invalid_version")
    });
    if let (Some(v), Some(l)) = (&version, latest) {
        if v.as_str() <= l.version.as_str() {
            e.push(FieldError::new("version", "version_not_newer").with("latest", &l.version));
        }
    }
    let day = e.require("effective_at", d.effective_at, |s| {
        parse_day(s).ok_or("invalid_date")
    });
    if let Some(day) = day {
        if day < today {
            e.push(FieldError::new("effective_at", "date_in_past"));
        } else if let Some(l) = latest.filter(|l| day <= l.effective_on) {
            e.push(
                FieldError::new("effective_at", "not_after_latest")
                    .with("date", l.effective_on.to_string()),
            );
        }
    }
    let (summary, summary_en) = match d.summary_en {
        None => (bounded(&mut e, "summary", d.summary, SUMMARY_MAX), None),
        Some(en) => (
            bounded(&mut e, "summary.zh-CN", d.summary, SUMMARY_MAX),
            bounded(&mut e, "summary.en", Some(en), SUMMARY_MAX),
        ),
    };
    let text_zh = bounded(&mut e, "text_markdown.zh-CN", d.text_zh, TEXT_MAX);
    let text_en = bounded(&mut e, "text_markdown.en", d.text_en, TEXT_MAX);
    e.into_result()?;
    match (version, day, summary, text_zh, text_en) {
        (Some(version), Some(effective_on), Some(summary), Some(text_zh), Some(text_en)) => {
            Ok(Checked {
                version,
                effective_on,
                summary,
                summary_en,
                text_zh,
                text_en,
            })
        }
        _ => Err(vec![FieldError::new("version", "required")]),
    }
}

/// A published version as the requirement sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFact {
    pub version: String,
    /// `YYYY-MM-DD`.
    pub effective_on: String,
    pub effective_from_ms: i64,
    pub summary: String,
    /// The provider has accepted this version.
    pub accepted: bool,
}

/// The versions that matter to one provider now: the one in force and the newest one published
/// to take effect later (if any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub in_force: Option<VersionFact>,
    pub upcoming: Option<VersionFact>,
}

/// An agreement the provider has still to accept: overdue (the version in force: no product may
/// be submitted until it is accepted), or upcoming (accept it before `effective_at`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgreementDue {
    pub version: String,
    /// The day it takes effect (`YYYY-MM-DD`, from 00:00 in the marketplace's zone).
    #[schema(value_type = String, format = Date)]
    pub effective_at: String,
    /// What changed, as the admin who published it wrote it.
    pub summary: String,
    /// In force and not accepted: product submissions are refused (`agreement_not_accepted`).
    pub overdue: bool,
}

impl Standing {
    /// What is due: the version in force when not accepted, else the upcoming one when not
    /// accepted, else nothing.
    pub fn due(&self) -> Option<AgreementDue> {
        let due = |v: &VersionFact, overdue: bool| AgreementDue {
            version: v.version.clone(),
            effective_at: v.effective_on.clone(),
            summary: v.summary.clone(),
            overdue,
        };
        match (&self.in_force, &self.upcoming) {
            (Some(f), _) if !f.accepted => Some(due(f, true)),
            (_, Some(u)) if !u.accepted => Some(due(u, false)),
            _ => None,
        }
    }

    /// The versions a provider may accept now: the one in force, and the upcoming one.
    pub fn acceptable(&self, version: &str) -> bool {
        [&self.in_force, &self.upcoming]
            .into_iter()
            .flatten()
            .any(|v| v.version == version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fact(v: &str, accepted: bool) -> VersionFact {
        VersionFact {
            version: v.into(),
            effective_on: "2027-01-01".into(),
            effective_from_ms: 0,
            summary: "s".into(),
            accepted,
        }
    }

    #[test]
    fn versions_are_year_and_month() {
        assert_eq!(parse_version(" 2026-12 "), Some("2026-12"));
        for bad in [
            "2026-13",
            "2026-00",
            "2026-1",
            "26-01",
            "2026/01",
            "2026-01-01",
            "１２３４-01",
        ] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_new_version_comes_after_the_latest_in_name_and_date() {
        let latest = Latest {
            version: "2026-12".into(),
            effective_on: date(2027, 1, 1),
        };
        let d = Draft {
            version: Some("2026-11"),
            effective_at: Some("2027-01-01"),
            summary: Some(""),
            summary_en: None,
            text_zh: Some("x"),
            text_en: None,
        };
        let e = check(&d, Some(&latest), date(2026, 12, 7)).unwrap_err();
        let codes: Vec<_> = e.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("version", "version_not_newer"),
                ("effective_at", "not_after_latest"),
                ("summary", "required"),
                ("text_markdown.en", "required"),
            ]
        );
        let past = Draft {
            version: Some("2027-02"),
            effective_at: Some("2026-12-06"),
            summary: Some("s"),
            summary_en: None,
            text_zh: Some("z"),
            text_en: Some("e"),
        };
        let e = check(&past, None, date(2026, 12, 7)).unwrap_err();
        assert_eq!(e[0].code, "date_in_past");
        let ok = Draft {
            effective_at: Some("2026-12-07"),
            ..past
        };
        assert_eq!(
            check(&ok, None, date(2026, 12, 7)).map(|c| c.effective_on),
            Ok(date(2026, 12, 7))
        );
    }

    #[test]
    fn the_version_in_force_comes_before_the_upcoming_one() {
        let s = Standing {
            in_force: Some(fact("2026-01", false)),
            upcoming: Some(fact("2026-12", false)),
        };
        assert_eq!(
            s.due().map(|d| (d.version, d.overdue)),
            Some(("2026-01".into(), true))
        );
        let s = Standing {
            in_force: Some(fact("2026-01", true)),
            upcoming: Some(fact("2026-12", false)),
        };
        assert_eq!(
            s.due().map(|d| (d.version, d.overdue)),
            Some(("2026-12".into(), false))
        );
        assert!(s.acceptable("2026-12") && s.acceptable("2026-01") && !s.acceptable("2025-01"));
        let s = Standing {
            in_force: Some(fact("2026-01", true)),
            upcoming: Some(fact("2026-12", true)),
        };
        assert_eq!(s.due(), None);
    }

    #[test]
    fn texts_render_without_raw_html() {
        let h = html("# T\n\n<script>alert(1)</script>\n");
        assert!(h.contains("<h1>") && !h.contains("<script"), "{h}");
    }
}
