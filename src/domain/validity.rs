//! How long a verified enterprise's documents stay valid: the business licence's term and the
//! legal representative's ID, each a calendar day (`YYYY-MM-DD`, in the marketplace's zone,
//! China, UTC+8) or long-term. A document is valid through its day and expired the day after.
//! Reminders go out 90, 30 and 7 days ahead, and once more at expiry; from then on new product
//! releases wait for a re-verification (`move_in`).

use jiff::civil::Date;
use serde::{Deserialize, Deserializer};

use super::{FieldError, FieldErrors};

/// Days ahead of an expiry that a reminder is mailed, farthest first.
pub const REMINDER_DAYS: [i64; 3] = [90, 30, 7];

/// A document's term as stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Term {
    /// Not recorded (a verification approved before terms were asked for): never expires
    /// until the provider adds it.
    Unknown,
    LongTerm,
    Until(Date),
}

impl Term {
    /// From the stored pair: the day (if dated) and the long-term flag.
    pub fn of(day: Option<&str>, long_term: bool) -> Term {
        match day.and_then(parse_day) {
            Some(d) => Term::Until(d),
            None if long_term => Term::LongTerm,
            None => Term::Unknown,
        }
    }

    pub fn until(self) -> Option<Date> {
        match self {
            Term::Until(d) => Some(d),
            _ => None,
        }
    }
}

/// The two documents whose validity is tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Document {
    BusinessLicense,
    LegalRepId,
}

impl Document {
    pub const ALL: [Document; 2] = [Document::BusinessLicense, Document::LegalRepId];

    pub fn as_str(self) -> &'static str {
        match self {
            Document::BusinessLicense => "business_license",
            Document::LegalRepId => "legal_rep_id",
        }
    }

    /// The field a form names it by.
    pub fn field(self) -> &'static str {
        match self {
            Document::BusinessLicense => "license_valid_until",
            Document::LegalRepId => "legal_rep.id_valid_until",
        }
    }
}

/// Both terms of a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub license: Term,
    pub legal_rep_id: Term,
}

impl Validity {
    pub fn term(&self, doc: Document) -> Term {
        match doc {
            Document::BusinessLicense => self.license,
            Document::LegalRepId => self.legal_rep_id,
        }
    }

    /// The document that expires first, and its day (none: nothing dated).
    pub fn earliest(&self) -> Option<(Document, Date)> {
        Document::ALL
            .into_iter()
            .filter_map(|d| self.term(d).until().map(|u| (d, u)))
            .min_by_key(|(_, u)| *u)
    }

    /// Some term was never recorded: the provider backend asks for it.
    pub fn incomplete(&self) -> bool {
        self.license == Term::Unknown || self.legal_rep_id == Term::Unknown
    }
}

/// Whole days between two dates, exactly.
fn days_between(from: Date, to: Date) -> i64 {
    let span = from.until((jiff::Unit::Day, to)).unwrap_or_default();
    i64::from(span.get_days())
}

/// The days left before `until`, exactly (0: the last valid day; negative: expired).
pub fn remaining(until: Date, today: Date) -> i64 {
    days_between(today, until)
}

/// Expired: the day after its last valid day has come.
pub fn expired(until: Date, today: Date) -> bool {
    remaining(until, today) < 0
}

/// The reminder a document valid `until` is due on `today`: `"90"`, `"30"` or `"7"` days ahead
/// (the nearest threshold reached: a job that missed days does not send the older ones), or
/// `"expired"`; none while more than 90 days remain.
pub fn reminder_due(until: Date, today: Date) -> Option<&'static str> {
    let left = remaining(until, today);
    if left < 0 {
        return Some("expired");
    }
    REMINDER_DAYS
        .iter()
        .rev()
        .zip(["7", "30", "90"])
        .find(|(d, _)| left <= **d)
        .map(|(_, s)| s)
}

/// A day as a date field sends it (`2026-12-01`), nothing else.
pub fn parse_day(input: &str) -> Option<Date> {
    let t = input.trim();
    if t.len() != 10 {
        return None;
    }
    t.parse().ok()
}

/// A term as a client sends it: absent (not given), `null` (long-term) or a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum TermInput {
    #[default]
    Absent,
    LongTerm,
    Day(String),
}

impl TermInput {
    pub fn is_absent(&self) -> bool {
        *self == TermInput::Absent
    }
}

/// Deserialises a field that tells absent (the default) from `null` (long-term).
pub fn term_input<'de, D: Deserializer<'de>>(d: D) -> Result<TermInput, D::Error> {
    Ok(match Option::<String>::deserialize(d)? {
        None => TermInput::LongTerm,
        Some(s) => TermInput::Day(s),
    })
}

/// Checks a term as sent: a real day not before `today` (an already expired document is
/// refused), or long-term; `Unknown` when not given. Errors name `field`.
pub fn check_term(e: &mut FieldErrors, field: &str, input: &TermInput, today: Date) -> Term {
    match input {
        TermInput::Absent => Term::Unknown,
        TermInput::LongTerm => Term::LongTerm,
        TermInput::Day(s) if s.trim().is_empty() => Term::Unknown,
        TermInput::Day(s) => match parse_day(s) {
            None => {
                e.push(FieldError::new(field, "invalid_date"));
                Term::Unknown
            }
            Some(d) if d < today => {
                e.push(FieldError::new(field, "document_expired"));
                Term::Unknown
            }
            Some(d) => Term::Until(d),
        },
    }
}

/// The stored pair of a term: the day (dated) and the long-term flag.
pub fn stored(term: Term) -> (Option<String>, bool) {
    match term {
        Term::Unknown => (None, false),
        Term::LongTerm => (None, true),
        Term::Until(d) => (Some(d.to_string()), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        parse_day(s).expect("a day")
    }

    #[test]
    fn reminders_fall_on_their_thresholds() {
        let until = day("2027-06-30");
        let on = |s: &str| reminder_due(until, day(s));
        assert_eq!(on("2027-03-31"), None, "91 days ahead");
        assert_eq!(on("2027-04-01"), Some("90"));
        assert_eq!(on("2027-05-31"), Some("30"));
        assert_eq!(on("2027-06-22"), Some("30"), "8 days ahead");
        assert_eq!(on("2027-06-23"), Some("7"));
        assert_eq!(on("2027-06-30"), Some("7"), "the last valid day");
        assert_eq!(on("2027-07-01"), Some("expired"));
        assert!(!expired(until, day("2027-06-30")));
        assert!(expired(until, day("2027-07-01")));
        assert_eq!(remaining(until, day("2027-06-23")), 7);
        assert_eq!(remaining(day("2028-03-01"), day("2027-03-01")), 366);
    }

    #[test]
    fn the_earliest_dated_document_counts() {
        let v = Validity {
            license: Term::LongTerm,
            legal_rep_id: Term::Until(day("2030-01-01")),
        };
        assert_eq!(
            v.earliest(),
            Some((Document::LegalRepId, day("2030-01-01")))
        );
        let unknown = Validity {
            license: Term::Unknown,
            legal_rep_id: Term::LongTerm,
        };
        assert_eq!(unknown.earliest(), None);
        assert!(unknown.incomplete());
        assert_eq!(
            Term::of(Some("2030-01-01"), false).until(),
            v.legal_rep_id.until()
        );
        assert_eq!(Term::of(None, true), Term::LongTerm);
        assert_eq!(stored(Term::of(None, false)), (None, false));
    }

    #[test]
    fn an_expired_or_unreal_day_is_refused() {
        let today = day("2026-12-07");
        let mut e = FieldErrors::default();
        let t = |s: &str| TermInput::Day(s.into());
        assert_eq!(
            check_term(&mut e, "a", &t("2026-12-07"), today),
            Term::Until(today)
        );
        assert_eq!(
            check_term(&mut e, "b", &t("2026-12-06"), today),
            Term::Unknown
        );
        assert_eq!(
            check_term(&mut e, "c", &t("2026-02-30"), today),
            Term::Unknown
        );
        assert_eq!(
            check_term(&mut e, "d", &TermInput::LongTerm, today),
            Term::LongTerm
        );
        let codes: Vec<_> = e.0.iter().map(|f| (f.field.as_str(), f.code)).collect();
        assert_eq!(codes, [("b", "document_expired"), ("c", "invalid_date")]);
    }
}
