//! Personal ID documents: PRC resident ID (GB 11643-1999), passports and travel permits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{fold_upper, mask_middle, IdError};

/// Weights for the first 17 digits (2^(17-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character for each remainder R = Σ mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// A calendar date as `(year, month, day)`, as passed to [`PrcIdNumber::parse_at`].
pub type Ymd = (i32, u8, u8);

/// A PRC resident ID number (居民身份证号码) that passed every check: 17 digits and a
/// check character (`0`–`9` or `X`), a real birth date that is not in the future, and a
/// matching ISO 7064 MOD 11-2 check character. Area codes are deliberately not checked:
/// abolished districts still appear on valid cards.
///
/// `Debug` prints only the masked form; there is no `Display` or `Serialize`, so the
/// full number leaves only through an explicit [`PrcIdNumber::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct PrcIdNumber(String);

impl PrcIdNumber {
    /// Parses `s` with today's UTC date as the latest allowed birth date.
    pub fn parse(s: &str) -> Result<PrcIdNumber, IdError> {
        PrcIdNumber::parse_at(s, today_utc())
    }

    /// Parses `s`, rejecting birth dates after `today` (`(year, month, day)`).
    ///
    /// Trims, folds full-width characters, reads `x` as `X`. Errors, most specific first:
    /// `Required`, `Charset` (not a digit or X), `Length` (not 18), `Format` (X before
    /// the last position), `BirthDate` (not a real date, or in the future), `Checksum`.
    pub fn parse_at(s: &str, today: Ymd) -> Result<PrcIdNumber, IdError> {
        let folded = fold_upper(s);
        if folded.is_empty() {
            return Err(IdError::Required);
        }
        if !folded.chars().all(|c| c.is_ascii_digit() || c == 'X') {
            return Err(IdError::Charset);
        }
        // Only ASCII from here on, so bytes are characters.
        let bytes = folded.as_bytes();
        if bytes.len() != 18 {
            return Err(IdError::Length);
        }
        if !bytes[..17].iter().all(u8::is_ascii_digit) {
            return Err(IdError::Format);
        }
        let birth = (
            digits(&bytes[6..10]),
            digits(&bytes[10..12]),
            digits(&bytes[12..14]),
        );
        let birth = (
            i32::try_from(birth.0).map_err(|_| IdError::BirthDate)?,
            u8::try_from(birth.1).map_err(|_| IdError::BirthDate)?,
            u8::try_from(birth.2).map_err(|_| IdError::BirthDate)?,
        );
        if !is_real_date(birth) || birth > today {
            return Err(IdError::BirthDate);
        }
        if check_char(&bytes[..17]) != bytes[17] {
            return Err(IdError::Checksum);
        }
        Ok(PrcIdNumber(folded))
    }

    /// The full normalised number. Show it only to its owner; use [`Self::masked`] elsewhere.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with all but the first 4 and last 4 characters masked:
    /// `1101**********002X`.
    pub fn masked(&self) -> String {
        mask_middle(&self.0)
    }
}

/// Today's date in UTC.
fn today_utc() -> Ymd {
    let d = time::OffsetDateTime::now_utc().date();
    (d.year(), u8::from(d.month()), d.day())
}

/// Decimal value of a run of ASCII digits (the caller checked they are digits).
fn digits(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
}

/// Whether `(y, m, d)` is a date of the proleptic Gregorian calendar.
fn is_real_date((y, m, d): Ymd) -> bool {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&d)
}

/// Check character for 17 ASCII digits: `"10X98765432"[Σ digit·weight mod 11]`.
fn check_char(first17: &[u8]) -> u8 {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(&b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Debug for PrcIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrcIdNumber({})", self.masked())
    }
}

impl FromStr for PrcIdNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PrcIdNumber::parse(s)
    }
}

impl TryFrom<String> for PrcIdNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PrcIdNumber::parse(&s)
    }
}

/// Kind of personal identity document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdType {
    /// PRC resident ID card (居民身份证).
    PrcId,
    /// Passport of any country.
    Passport,
    /// Mainland Travel Permit for Hong Kong and Macao Residents (港澳居民来往内地通行证).
    HkMacaoPermit,
    /// Mainland Travel Permit for Taiwan Residents (台湾居民来往大陆通行证).
    TaiwanPermit,
}

impl IdType {
    /// Parses the snake_case name (`prc_id`, `passport`, `hk_macao_permit`,
    /// `taiwan_permit`); `Required` if empty, `Format` if unknown.
    pub fn parse(s: &str) -> Result<IdType, IdError> {
        match s.trim() {
            "" => Err(IdError::Required),
            "prc_id" => Ok(IdType::PrcId),
            "passport" => Ok(IdType::Passport),
            "hk_macao_permit" => Ok(IdType::HkMacaoPermit),
            "taiwan_permit" => Ok(IdType::TaiwanPermit),
            _ => Err(IdError::Format),
        }
    }

    /// The snake_case name, as used by serde.
    pub fn as_str(&self) -> &'static str {
        match self {
            IdType::PrcId => "prc_id",
            IdType::Passport => "passport",
            IdType::HkMacaoPermit => "hk_macao_permit",
            IdType::TaiwanPermit => "taiwan_permit",
        }
    }
}

impl fmt::Display for IdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdType {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdType::parse(s)
    }
}

/// A validated identity document number of a given [`IdType`].
///
/// Formats (input is trimmed, full-width folded and upper-cased first; no inner spaces):
/// - `PrcId`: see [`PrcIdNumber`].
/// - `Passport`: 5–20 characters `A`–`Z`, `0`–`9` (format only: issuing countries differ).
/// - `HkMacaoPermit`: `H` (Hong Kong) or `M` (Macao) followed by 8 digits (cards issued
///   since 2013, 9 characters) or 10 digits (older booklets, 11 characters).
/// - `TaiwanPermit`: 8 digits (cards issued since 2015) or 10 digits (older booklets).
///
/// `Debug` prints only the masked number.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    id_type: IdType,
    value: String,
}

impl IdNumber {
    /// Parses `s` as a document number of `id_type`, with today's UTC date for PRC IDs.
    pub fn parse(id_type: IdType, s: &str) -> Result<IdNumber, IdError> {
        IdNumber::parse_at(id_type, s, today_utc())
    }

    /// Like [`IdNumber::parse`] with an explicit `today` for the PRC ID birth-date check.
    pub fn parse_at(id_type: IdType, s: &str, today: Ymd) -> Result<IdNumber, IdError> {
        let value = match id_type {
            IdType::PrcId => PrcIdNumber::parse_at(s, today)?.0,
            IdType::Passport => parse_passport(s)?,
            IdType::HkMacaoPermit => parse_hk_macao(s)?,
            IdType::TaiwanPermit => parse_taiwan(s)?,
        };
        Ok(IdNumber { id_type, value })
    }

    /// The document type.
    pub fn id_type(&self) -> IdType {
        self.id_type
    }

    /// The full normalised number. Show it only to its owner; use [`Self::masked`] elsewhere.
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The number with its middle masked: `min(4, len/4)` characters stay visible at each
    /// end (`1101**********002X`, `E1*****78`).
    pub fn masked(&self) -> String {
        mask_middle(&self.value)
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdNumber")
            .field("id_type", &self.id_type)
            .field("value", &self.masked())
            .finish()
    }
}

impl From<PrcIdNumber> for IdNumber {
    fn from(id: PrcIdNumber) -> IdNumber {
        IdNumber {
            id_type: IdType::PrcId,
            value: id.0,
        }
    }
}

/// Trimmed, folded, upper-cased `s`, or `Required` if nothing is left.
fn folded_nonempty(s: &str) -> Result<String, IdError> {
    let folded = fold_upper(s);
    if folded.is_empty() {
        Err(IdError::Required)
    } else {
        Ok(folded)
    }
}

/// Passport: 5–20 of `A`–`Z`, `0`–`9`.
fn parse_passport(s: &str) -> Result<String, IdError> {
    let v = folded_nonempty(s)?;
    if !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(IdError::Charset);
    }
    if !(5..=20).contains(&v.len()) {
        return Err(IdError::Length);
    }
    Ok(v)
}

/// Hong Kong / Macao permit: `^[HM](\d{8}|\d{10})$`.
fn parse_hk_macao(s: &str) -> Result<String, IdError> {
    let v = folded_nonempty(s)?;
    let mut chars = v.chars();
    if !matches!(chars.next(), Some('H' | 'M')) {
        return Err(IdError::Format);
    }
    let rest = chars.as_str();
    if !rest.chars().all(|c| c.is_ascii_digit()) {
        return Err(IdError::Charset);
    }
    if rest.len() != 8 && rest.len() != 10 {
        return Err(IdError::Length);
    }
    Ok(v)
}

/// Taiwan permit: `^(\d{8}|\d{10})$`.
fn parse_taiwan(s: &str) -> Result<String, IdError> {
    let v = folded_nonempty(s)?;
    if !v.chars().all(|c| c.is_ascii_digit()) {
        return Err(IdError::Charset);
    }
    if v.len() != 8 && v.len() != 10 {
        return Err(IdError::Length);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: Ymd = (2025, 6, 15);

    fn parse(s: &str) -> Result<PrcIdNumber, IdError> {
        PrcIdNumber::parse_at(s, TODAY)
    }

    #[test]
    fn domain_valid_vectors() {
        for id in ["11010519491231002X", "440524188001010014"] {
            assert_eq!(parse(id).map(|p| p.as_str().to_owned()), Ok(id.to_owned()));
        }
        let sum: u32 = b"11010519491231002"
            .iter()
            .zip(WEIGHTS)
            .map(|(&b, w)| u32::from(b - b'0') * w)
            .sum();
        assert_eq!(sum, 167);
        assert_eq!(sum % 11, 2);
    }

    #[test]
    fn lower_case_x_and_full_width() {
        let p = parse(" 11010519491231002x ").expect("lower x");
        assert_eq!(p.as_str(), "11010519491231002X");
        let p = parse("１１０１０５１９４９１２３１００２Ｘ").expect("full-width");
        assert_eq!(p.as_str(), "11010519491231002X");
    }

    #[test]
    fn domain_invalid_dates() {
        // Both have a correct check character: only the date is wrong.
        assert_eq!(check_char(b"11010519490230002"), b'0');
        assert_eq!(check_char(b"11010519000229002"), b'5');
        assert_eq!(parse("110105194902300020"), Err(IdError::BirthDate));
        assert_eq!(parse("110105190002290025"), Err(IdError::BirthDate));
    }

    #[test]
    fn leap_years() {
        assert!(is_real_date((2000, 2, 29)));
        assert!(is_real_date((2024, 2, 29)));
        assert!(!is_real_date((1900, 2, 29)));
        assert!(!is_real_date((2023, 2, 29)));
        assert!(!is_real_date((2023, 13, 1)));
        assert!(!is_real_date((2023, 0, 1)));
        assert!(!is_real_date((2023, 4, 31)));
        assert!(!is_real_date((2023, 1, 0)));
    }

    /// 17 digits with the given birth date, plus the computed check character.
    fn with_birth(y: u32, m: u32, d: u32) -> String {
        let mut s = format!("110105{y:04}{m:02}{d:02}001");
        let check = check_char(s.as_bytes());
        s.push(char::from(check));
        s
    }

    #[test]
    fn birth_date_not_in_future() {
        assert!(parse(&with_birth(2025, 6, 15)).is_ok());
        assert_eq!(parse(&with_birth(2025, 6, 16)), Err(IdError::BirthDate));
        assert_eq!(parse(&with_birth(2026, 1, 1)), Err(IdError::BirthDate));
        assert!(PrcIdNumber::parse(&with_birth(2000, 2, 29)).is_ok());
        assert_eq!(
            PrcIdNumber::parse(&with_birth(9999, 12, 31)),
            Err(IdError::BirthDate)
        );
    }

    #[test]
    fn other_errors() {
        assert_eq!(parse(""), Err(IdError::Required));
        assert_eq!(parse("   "), Err(IdError::Required));
        assert_eq!(parse("11010519491231002Y"), Err(IdError::Charset));
        assert_eq!(parse("1101051949123100-X"), Err(IdError::Charset));
        assert_eq!(parse("11010519491231002"), Err(IdError::Length));
        assert_eq!(parse("11010519491231002X0"), Err(IdError::Length));
        assert_eq!(parse("1101051949123100X2"), Err(IdError::Format));
        assert_eq!(parse("110105194912310021"), Err(IdError::Checksum));
        assert_eq!(parse("440524188001010015"), Err(IdError::Checksum));
    }

    #[test]
    fn masked_and_debug_hide_the_number() {
        let p = parse("11010519491231002X").expect("valid");
        assert_eq!(p.masked(), "1101**********002X");
        assert_eq!(format!("{p:?}"), "PrcIdNumber(1101**********002X)");
        let n = IdNumber::from(p);
        let debug = format!("{n:?}");
        assert!(debug.contains("1101**********002X"), "{debug}");
        assert!(!debug.contains("19491231"), "{debug}");
    }

    #[test]
    fn id_type_names() {
        for t in [
            IdType::PrcId,
            IdType::Passport,
            IdType::HkMacaoPermit,
            IdType::TaiwanPermit,
        ] {
            assert_eq!(IdType::parse(t.as_str()), Ok(t));
            assert_eq!(t.to_string().parse::<IdType>(), Ok(t));
        }
        assert_eq!(IdType::parse(" passport "), Ok(IdType::Passport));
        assert_eq!(IdType::parse(""), Err(IdError::Required));
        assert_eq!(IdType::parse("PrcId"), Err(IdError::Format));
        assert_eq!(IdType::parse("driving_licence"), Err(IdError::Format));
    }

    fn id(t: IdType, s: &str) -> Result<String, IdError> {
        IdNumber::parse_at(t, s, TODAY).map(|n| n.as_str().to_owned())
    }

    #[test]
    fn id_number_prc() {
        assert_eq!(
            id(IdType::PrcId, "11010519491231002x"),
            Ok("11010519491231002X".into())
        );
        assert_eq!(
            id(IdType::PrcId, "110105194902300020"),
            Err(IdError::BirthDate)
        );
        let n = IdNumber::parse(IdType::PrcId, "440524188001010014").expect("valid");
        assert_eq!(n.id_type(), IdType::PrcId);
    }

    #[test]
    fn id_number_passport() {
        assert_eq!(id(IdType::Passport, " e12345678 "), Ok("E12345678".into()));
        assert_eq!(id(IdType::Passport, "G1234"), Ok("G1234".into()));
        assert_eq!(
            id(IdType::Passport, "A1234567890123456789"),
            Ok("A1234567890123456789".into())
        );
        assert_eq!(id(IdType::Passport, ""), Err(IdError::Required));
        assert_eq!(id(IdType::Passport, "G123"), Err(IdError::Length));
        assert_eq!(
            id(IdType::Passport, "A12345678901234567890"),
            Err(IdError::Length)
        );
        assert_eq!(id(IdType::Passport, "E1234-5678"), Err(IdError::Charset));
        assert_eq!(id(IdType::Passport, "E1234 5678"), Err(IdError::Charset));
        assert_eq!(id(IdType::Passport, "护照12345"), Err(IdError::Charset));
    }

    #[test]
    fn id_number_hk_macao() {
        assert_eq!(
            id(IdType::HkMacaoPermit, "H12345678"),
            Ok("H12345678".into())
        );
        assert_eq!(
            id(IdType::HkMacaoPermit, "m12345678"),
            Ok("M12345678".into())
        );
        assert_eq!(
            id(IdType::HkMacaoPermit, "H1234567890"),
            Ok("H1234567890".into())
        );
        assert_eq!(id(IdType::HkMacaoPermit, ""), Err(IdError::Required));
        assert_eq!(id(IdType::HkMacaoPermit, "A12345678"), Err(IdError::Format));
        assert_eq!(id(IdType::HkMacaoPermit, "12345678"), Err(IdError::Format));
        assert_eq!(id(IdType::HkMacaoPermit, "H1234567"), Err(IdError::Length));
        assert_eq!(
            id(IdType::HkMacaoPermit, "H123456789"),
            Err(IdError::Length)
        );
        assert_eq!(
            id(IdType::HkMacaoPermit, "H1234567A"),
            Err(IdError::Charset)
        );
    }

    #[test]
    fn id_number_taiwan() {
        assert_eq!(id(IdType::TaiwanPermit, "12345678"), Ok("12345678".into()));
        assert_eq!(
            id(IdType::TaiwanPermit, "1234567890"),
            Ok("1234567890".into())
        );
        assert_eq!(id(IdType::TaiwanPermit, " "), Err(IdError::Required));
        assert_eq!(id(IdType::TaiwanPermit, "123456789"), Err(IdError::Length));
        assert_eq!(id(IdType::TaiwanPermit, "T1234567"), Err(IdError::Charset));
    }

    #[test]
    fn id_number_masked() {
        let n = IdNumber::parse_at(IdType::Passport, "E12345678", TODAY).expect("valid");
        assert_eq!(n.masked(), "E1*****78");
        assert!(!format!("{n:?}").contains("12345678"));
    }

    /// A valid ID number (birth date 1900-01-01..=2025-06-15 via day offset).
    fn valid_id() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(0u8..10, 6),
            1900u32..=2025,
            1u32..=12,
            1u32..=28,
            0u32..1000,
        )
            .prop_filter("not in the future", |&(_, y, m, d, _)| {
                (y, m, d) <= (2025, 6, 15)
            })
            .prop_map(|(area, y, m, d, seq)| {
                let area: String = area.iter().map(|&a| char::from(b'0' + a)).collect();
                let mut s = format!("{area}{y:04}{m:02}{d:02}{seq:03}");
                let check = check_char(s.as_bytes());
                s.push(char::from(check));
                s
            })
    }

    proptest! {
        #[test]
        fn generated_ids_are_accepted(s in valid_id()) {
            prop_assert_eq!(parse(&s).map(|p| p.as_str().to_owned()), Ok(s));
        }

        #[test]
        fn every_substitution_is_rejected(s in valid_id()) {
            let bytes = s.as_bytes();
            for i in 0..bytes.len() {
                for &c in b"0123456789X".iter().filter(|&&c| c != bytes[i]) {
                    let mut changed = bytes.to_vec();
                    changed[i] = c;
                    let changed = String::from_utf8(changed).expect("ascii");
                    prop_assert!(parse(&changed).is_err(), "{} accepted", changed);
                }
            }
        }

        #[test]
        fn every_adjacent_transposition_is_rejected(s in valid_id()) {
            let bytes = s.as_bytes();
            for i in 0..bytes.len() - 1 {
                if bytes[i] == bytes[i + 1] {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(i, i + 1);
                let swapped = String::from_utf8(swapped).expect("ascii");
                prop_assert!(parse(&swapped).is_err(), "{} accepted", swapped);
            }
        }

        #[test]
        fn masked_keeps_only_ends(s in valid_id()) {
            let p = parse(&s).expect("valid");
            let m = p.masked();
            prop_assert_eq!(&m[..4], &s[..4]);
            prop_assert_eq!(&m[14..], &s[14..]);
            prop_assert_eq!(&m[4..14], "**********");
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}", t in 0usize..4) {
            let types = [IdType::PrcId, IdType::Passport, IdType::HkMacaoPermit, IdType::TaiwanPermit];
            let _ = IdNumber::parse_at(types[t], &s, TODAY);
        }
    }
}
