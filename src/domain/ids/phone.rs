//! Mainland mobile numbers and customer-service phone numbers (mobile, landline, 400/800).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{fold_width, IdError};

/// A mainland China mobile number, stored as 11 digits (`13800138000`).
///
/// Accepted input: optional `+86`, `0086` or `86` prefix (stripped only when 11 digits
/// starting with `1` follow), spaces and hyphens anywhere, full-width digits; then
/// `^1[3-9]\d{9}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Parses and normalises a mobile number. Errors: `Required`, `Charset` (anything
    /// but digits after removing the prefix, spaces and hyphens), `Length` (not 11
    /// digits), `Format` (not `1[3-9]…`).
    pub fn parse(s: &str) -> Result<MobilePhone, IdError> {
        let compact: String = s
            .trim()
            .chars()
            .map(fold_width)
            .filter(|&c| !c.is_whitespace() && c != '-')
            .collect();
        if compact.is_empty() {
            return Err(IdError::Required);
        }
        let number = strip_country_code(&compact);
        if !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Charset);
        }
        if number.len() != 11 {
            return Err(IdError::Length);
        }
        let b = number.as_bytes();
        if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
            return Err(IdError::Format);
        }
        Ok(MobilePhone(number.to_owned()))
    }

    /// The 11-digit number.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Strips `+86`, `0086` or `86` when exactly 11 digits starting with `1` follow.
fn strip_country_code(s: &str) -> &str {
    for prefix in ["+86", "0086", "86"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            if rest.len() == 11 && rest.starts_with('1') && rest.bytes().all(|b| b.is_ascii_digit())
            {
                return rest;
            }
        }
    }
    s
}

impl fmt::Display for MobilePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for MobilePhone {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MobilePhone::parse(s)
    }
}

impl TryFrom<String> for MobilePhone {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MobilePhone::parse(&s)
    }
}

impl From<MobilePhone> for String {
    fn from(p: MobilePhone) -> String {
        p.0
    }
}

/// Which kind of number a [`ServicePhone`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServicePhoneKind {
    /// Mainland mobile, normalised `13800138000`.
    Mobile,
    /// Landline with area code, normalised `010-12345678` or `010-12345678-123`.
    Landline,
    /// 400 / 800 number, normalised `400-123-4567` or `400-123-4567-8`.
    TollFree,
}

/// A customer-service phone number in normalised form.
///
/// Accepted input (after trimming and folding full-width characters):
/// - a [`MobilePhone`] (no extension);
/// - a landline `0\d{2,3}-?\d{7,8}`, the area code optionally written `(010)`. The area
///   code length must be the real one: 3 digits for `010` and `02x`, 4 digits for every
///   other `0xxx` (so `01012345678` splits unambiguously as `010-12345678`);
/// - a 400/800 number `[48]00-?\d{3}-?\d{4}`;
///
/// Landline and 400/800 numbers may carry an extension of 1–6 digits written `-123`,
/// `转123`, `分机123`, `ext 123`, `ext.123` or `x123`. Spaces between groups are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServicePhone {
    kind: ServicePhoneKind,
    normalized: String,
}

/// Longest extension accepted.
const MAX_EXTENSION: usize = 6;

impl ServicePhone {
    /// Parses and normalises a customer-service number. Errors: `Required`, `Charset`
    /// (a character that cannot be part of a phone number), `Length` (wrong number of
    /// digits in a group), `Format` (anything else that matches no accepted shape).
    pub fn parse(s: &str) -> Result<ServicePhone, IdError> {
        let folded: String = s.trim().chars().map(fold_width).collect();
        if folded.is_empty() {
            return Err(IdError::Required);
        }
        let (main, marked_ext) = split_extension(&folded)?;
        let main: String = main.chars().filter(|c| !c.is_whitespace()).collect();
        if main.is_empty() {
            return Err(IdError::Format);
        }
        // `(010)12345678` → `010-12345678`.
        let main = match main.strip_prefix('(') {
            Some(rest) => match rest.split_once(')') {
                Some((area, number)) if !area.is_empty() && !number.starts_with('-') => {
                    format!("{area}-{number}")
                }
                _ => return Err(IdError::Format),
            },
            None => main,
        };
        // No area code starts with 008, so `0086…` is a mobile number too.
        if ["+", "1", "86", "0086"].iter().any(|p| main.starts_with(p)) {
            if marked_ext.is_some() {
                return Err(IdError::Format);
            }
            return MobilePhone::parse(&main).map(|m| ServicePhone {
                kind: ServicePhoneKind::Mobile,
                normalized: m.0,
            });
        }
        if !main.chars().all(|c| c.is_ascii_digit() || c == '-') {
            return Err(IdError::Charset);
        }
        let groups: Vec<&str> = main.split('-').collect();
        if groups.iter().any(|g| g.is_empty()) {
            return Err(IdError::Format);
        }
        let (kind, mut normalized, rest) = if main.starts_with("400") || main.starts_with("800") {
            let (number, rest) = toll_free(&groups)?;
            (ServicePhoneKind::TollFree, number, rest)
        } else if main.starts_with('0') {
            let (number, rest) = landline(&groups)?;
            (ServicePhoneKind::Landline, number, rest)
        } else {
            return Err(IdError::Format);
        };
        // What is left after the number is a hyphenated extension, unless one was marked.
        let ext = match (rest, marked_ext) {
            ([], ext) => ext,
            ([ext], None) => Some(*ext),
            _ => return Err(IdError::Format),
        };
        if let Some(ext) = ext {
            if ext.len() > MAX_EXTENSION {
                return Err(IdError::Length);
            }
            normalized.push('-');
            normalized.push_str(ext);
        }
        Ok(ServicePhone { kind, normalized })
    }

    /// Mobile, landline or toll-free.
    pub fn kind(&self) -> ServicePhoneKind {
        self.kind
    }

    /// The normalised number (`13800138000`, `010-12345678-123`, `400-123-4567`).
    pub fn as_str(&self) -> &str {
        &self.normalized
    }
}

/// Splits a textual extension marker off `s`: returns the main part and the extension
/// digits (checked to be 1+ ASCII digits), or `None` if there is no marker.
fn split_extension(s: &str) -> Result<(&str, Option<&str>), IdError> {
    let lower = s.to_ascii_lowercase();
    // `to_ascii_lowercase` keeps byte offsets, so positions in `lower` are valid in `s`.
    let marker = ["转", "分机", "ext.", "ext", "x"]
        .iter()
        .find_map(|m| lower.find(m).map(|at| (at, m.len())));
    let Some((at, len)) = marker else {
        return Ok((s, None));
    };
    let ext = s[at + len..].trim_start_matches([' ', ':', '.']).trim();
    if ext.is_empty() {
        return Err(IdError::Format);
    }
    if !ext.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdError::Charset);
    }
    Ok((s[..at].trim_end_matches([' ', '-']), Some(ext)))
}

/// Length of the area code that starts `digits`: 3 for `010` / `02x`, else 4.
fn area_code_len(digits: &str) -> usize {
    match digits.as_bytes().get(1) {
        Some(b'1' | b'2') => 3,
        _ => 4,
    }
}

/// Landline from hyphen-separated digit groups; returns `area-number` and the groups left.
fn landline<'a, 'b>(groups: &'b [&'a str]) -> Result<(String, &'b [&'a str]), IdError> {
    let first = groups[0];
    let area_len = area_code_len(first);
    let (area, number, rest) = if first.len() <= 4 {
        // `area-number[-ext]`
        match groups {
            [area, number, rest @ ..] => (*area, *number, rest),
            _ => return Err(IdError::Length),
        }
    } else {
        // `areanumber[-ext]` (longer than 4 digits, so the split is in range)
        let (area, number) = first.split_at(area_len);
        (area, number, &groups[1..])
    };
    if area.len() != area_len || !(7..=8).contains(&number.len()) {
        return Err(IdError::Length);
    }
    Ok((format!("{area}-{number}"), rest))
}

/// 400/800 number from hyphen-separated digit groups: the leading groups must add up to
/// 10 digits, split only as 3-3-4, 3-7, 6-4 or 10. Returns `400-123-4567` and the rest.
fn toll_free<'a, 'b>(groups: &'b [&'a str]) -> Result<(String, &'b [&'a str]), IdError> {
    let mut total = 0;
    for (i, g) in groups.iter().enumerate() {
        total += g.len();
        if total == 10 {
            let lens: Vec<usize> = groups[..=i].iter().map(|g| g.len()).collect();
            if !matches!(lens.as_slice(), [10] | [3, 7] | [6, 4] | [3, 3, 4]) {
                return Err(IdError::Format);
            }
            let digits: String = groups[..=i].concat();
            let number = format!("{}-{}-{}", &digits[..3], &digits[3..6], &digits[6..]);
            return Ok((number, &groups[i + 1..]));
        }
        if total > 10 {
            break;
        }
    }
    Err(IdError::Length)
}

impl fmt::Display for ServicePhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.normalized)
    }
}

impl FromStr for ServicePhone {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ServicePhone::parse(s)
    }
}

impl TryFrom<String> for ServicePhone {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ServicePhone::parse(&s)
    }
}

impl From<ServicePhone> for String {
    fn from(p: ServicePhone) -> String {
        p.normalized
    }
}

impl From<MobilePhone> for ServicePhone {
    fn from(m: MobilePhone) -> ServicePhone {
        ServicePhone {
            kind: ServicePhoneKind::Mobile,
            normalized: m.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mobile(s: &str) -> Result<String, IdError> {
        MobilePhone::parse(s).map(String::from)
    }

    fn service(s: &str) -> Result<(ServicePhoneKind, String), IdError> {
        ServicePhone::parse(s).map(|p| (p.kind(), p.as_str().to_owned()))
    }

    #[test]
    fn mobile_valid() {
        for s in [
            "13800138000",
            " 13800138000 ",
            "+8613800138000",
            "+86 138 0013 8000",
            "0086-138-0013-8000",
            "8613800138000",
            "138-0013-8000",
            "１３８００１３８０００",
        ] {
            assert_eq!(mobile(s), Ok("13800138000".into()), "{s}");
        }
        assert_eq!(mobile("19912345678"), Ok("19912345678".into()));
    }

    #[test]
    fn mobile_invalid() {
        assert_eq!(mobile(""), Err(IdError::Required));
        assert_eq!(mobile(" - "), Err(IdError::Required));
        assert_eq!(mobile("1380013800"), Err(IdError::Length));
        assert_eq!(mobile("138001380001"), Err(IdError::Length));
        assert_eq!(mobile("12800138000"), Err(IdError::Format));
        assert_eq!(mobile("23800138000"), Err(IdError::Format));
        assert_eq!(mobile("1380013800a"), Err(IdError::Charset));
        assert_eq!(mobile("(138)00138000"), Err(IdError::Charset));
        // `+86` not followed by 11 digits starting with 1 is not stripped.
        assert_eq!(mobile("+8623800138000"), Err(IdError::Charset));
        // `86` is only stripped before a 1… number.
        assert_eq!(mobile("8623800138000"), Err(IdError::Length));
    }

    #[test]
    fn service_mobile() {
        assert_eq!(
            service("+86 138-0013-8000"),
            Ok((ServicePhoneKind::Mobile, "13800138000".into()))
        );
        assert_eq!(
            service("0086 138 0013 8000"),
            Ok((ServicePhoneKind::Mobile, "13800138000".into()))
        );
        assert_eq!(service("0086-10-12345678"), Err(IdError::Length));
        assert_eq!(service("13800138000转123"), Err(IdError::Format));
        assert_eq!(service("12800138000"), Err(IdError::Format));
    }

    #[test]
    fn service_landline() {
        let ok = |s: &str, n: &str| {
            assert_eq!(
                service(s),
                Ok((ServicePhoneKind::Landline, n.into())),
                "{s}"
            );
        };
        ok("010-12345678", "010-12345678");
        ok("01012345678", "010-12345678");
        ok("(010)12345678", "010-12345678");
        ok("(010) 1234 5678", "010-12345678");
        ok("021 6123 4567", "021-61234567");
        ok("0755-1234567", "0755-1234567");
        ok("07551234567", "0755-1234567");
        ok("075512345678", "0755-12345678");
        ok("010-12345678-123", "010-12345678-123");
        ok("01012345678-123", "010-12345678-123");
        ok("010-12345678转123", "010-12345678-123");
        ok("010-12345678 转 123", "010-12345678-123");
        ok("010-12345678分机123", "010-12345678-123");
        ok("010-12345678 ext 123", "010-12345678-123");
        ok("010-12345678 EXT.123", "010-12345678-123");
        ok("010-12345678 x123", "010-12345678-123");
        ok("０１０－１２３４５６７８", "010-12345678");
    }

    #[test]
    fn service_landline_invalid() {
        assert_eq!(service(""), Err(IdError::Required));
        assert_eq!(service("010-123456"), Err(IdError::Length));
        assert_eq!(service("010-123456789"), Err(IdError::Length));
        assert_eq!(service("0755-123456"), Err(IdError::Length));
        // Wrong area-code length for the region.
        assert_eq!(service("075-51234567"), Err(IdError::Length));
        assert_eq!(service("0101-2345678"), Err(IdError::Length));
        assert_eq!(service("010--12345678"), Err(IdError::Format));
        assert_eq!(service("010-12345678-"), Err(IdError::Format));
        assert_eq!(service("010-12345678-1-2"), Err(IdError::Format));
        assert_eq!(service("010-12345678-1234567"), Err(IdError::Length));
        assert_eq!(service("010-12345678转"), Err(IdError::Format));
        assert_eq!(service("010-12345678转abc"), Err(IdError::Charset));
        assert_eq!(service("010-12345678-1转2"), Err(IdError::Format));
        assert_eq!(service("010#12345678"), Err(IdError::Charset));
        assert_eq!(service("转123"), Err(IdError::Format));
        assert_eq!(service("(010"), Err(IdError::Format));
        assert_eq!(service("22345678"), Err(IdError::Format));
    }

    #[test]
    fn service_toll_free() {
        let ok = |s: &str, n: &str| {
            assert_eq!(
                service(s),
                Ok((ServicePhoneKind::TollFree, n.into())),
                "{s}"
            );
        };
        ok("400-123-4567", "400-123-4567");
        ok("4001234567", "400-123-4567");
        ok("400-1234567", "400-123-4567");
        ok("400123-4567", "400-123-4567");
        ok("400 123 4567", "400-123-4567");
        ok("800-810-8888", "800-810-8888");
        ok("400-123-4567转8", "400-123-4567-8");
        ok("400-123-4567-8", "400-123-4567-8");
        assert_eq!(service("400-12-34567"), Err(IdError::Format));
        assert_eq!(service("400-123-456"), Err(IdError::Length));
        assert_eq!(service("400-123-45678"), Err(IdError::Length));
        assert_eq!(service("500-123-4567"), Err(IdError::Format));
    }

    proptest! {
        #[test]
        fn mobiles_with_decoration_normalise(
            second in 3u8..=9,
            rest in "[0-9]{9}",
            prefix in prop::sample::select(vec!["", "+86", "0086", "86", "+86 "]),
            hyphens in any::<bool>(),
        ) {
            let number = format!("1{second}{rest}");
            let shown = if hyphens {
                format!("{prefix}{}-{}-{}", &number[..3], &number[3..7], &number[7..])
            } else {
                format!("{prefix}{number}")
            };
            prop_assert_eq!(mobile(&shown), Ok(number.clone()));
            prop_assert_eq!(
                service(&shown),
                Ok((ServicePhoneKind::Mobile, number))
            );
        }

        #[test]
        fn normalised_form_is_a_fixed_point(s in "[0-9()+ \\-转ext]{0,20}") {
            if let Ok(p) = ServicePhone::parse(&s) {
                prop_assert_eq!(ServicePhone::parse(p.as_str()), Ok(p));
            }
        }

        #[test]
        fn landlines_round_trip(
            area in prop::sample::select(vec!["010", "021", "029", "0755", "0571", "0311"]),
            number in "[2-8][0-9]{6,7}",
            ext in prop::option::of("[0-9]{1,6}"),
        ) {
            let expected = match &ext {
                Some(e) => format!("{area}-{number}-{e}"),
                None => format!("{area}-{number}"),
            };
            let compact = match &ext {
                Some(e) => format!("{area}{number}转{e}"),
                None => format!("{area}{number}"),
            };
            let p = ServicePhone::parse(&compact);
            prop_assert_eq!(p.as_ref().map(ServicePhone::as_str), Ok(expected.as_str()));
            prop_assert_eq!(ServicePhone::parse(&expected), p);
        }

        #[test]
        fn never_panics(s in "\\PC{0,30}") {
            let _ = ServicePhone::parse(&s);
            let _ = MobilePhone::parse(&s);
        }
    }
}
