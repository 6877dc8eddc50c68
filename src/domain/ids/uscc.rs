//! Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{fold_upper, IdError};

/// The 31 characters of the code, in value order (no I, O, S, V, Z).
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights for positions 1–17: 3^(i-1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A Unified Social Credit Code that passed every check: 18 characters from the
/// code alphabet, positions 3–8 digits, and a matching check character.
///
/// Stored upper-case and half-width. Only `parse` makes codes that pass the check; the rare
/// real codes that fail it come from `parse_failing_check`, which the enterprise form flags and
/// an operator must accept with a recorded reason.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

impl Uscc {
    /// Trims, folds full-width characters and upper-cases `s`, then checks it.
    ///
    /// Errors, most specific first: `Required` (empty), `Charset` (a character outside
    /// the alphabet), `Length` (not 18), `Format` (positions 3–8 not digits),
    /// `Checksum` (wrong check character).
    pub fn parse(s: &str) -> Result<Uscc, IdError> {
        let (code, passes) = Self::parse_shape(s)?;
        if !passes {
            return Err(IdError::Checksum);
        }
        Ok(code)
    }

    /// A code of the right shape whose check character is wrong: some real, registered codes
    /// are (DOMAIN.md). `Checksum` when the check passes after all (use `parse`), else the
    /// errors of `parse`.
    pub fn parse_failing_check(s: &str) -> Result<Uscc, IdError> {
        match Self::parse_shape(s)? {
            (code, false) => Ok(code),
            (_, true) => Err(IdError::Checksum),
        }
    }

    /// The normalised code and whether its check character is right.
    fn parse_shape(s: &str) -> Result<(Uscc, bool), IdError> {
        let folded = fold_upper(s);
        if folded.is_empty() {
            return Err(IdError::Required);
        }
        let values = folded
            .chars()
            .map(value_of)
            .collect::<Option<Vec<u32>>>()
            .ok_or(IdError::Charset)?;
        if values.len() != 18 {
            return Err(IdError::Length);
        }
        if !values[2..8].iter().all(|&v| v < 10) {
            return Err(IdError::Format);
        }
        let passes = check_value(&values[..17]) == values[17];
        Ok((Uscc(folded), passes))
    }

    /// The normalised 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Value (0–30) of an alphabet character, or `None` if it is not in the alphabet.
fn value_of(c: char) -> Option<u32> {
    let b = u8::try_from(c).ok()?;
    ALPHABET
        .iter()
        .position(|&a| a == b)
        .and_then(|i| u32::try_from(i).ok())
}

/// Check value for the 17 leading values: 31 − (Σ value·weight mod 31), 31 → 0.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uscc::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn weights_are_powers_of_three() {
        let mut w = 1;
        for weight in WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn domain_valid_vectors() {
        for code in ["914403001922038216", "91110108551385082Q"] {
            let u = Uscc::parse(code).expect(code);
            assert_eq!(u.as_str(), code);
            assert_eq!(u.to_string(), code);
        }
    }

    #[test]
    fn domain_example_sum() {
        let values: Vec<u32> = "91440300192203821"
            .chars()
            .map(|c| value_of(c).expect("alphabet"))
            .collect();
        let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
        assert_eq!(sum, 831);
        assert_eq!(check_value(&values), 6);
    }

    #[test]
    fn domain_invalid_vectors() {
        assert_eq!(Uscc::parse("914403001922038217"), Err(IdError::Checksum));
        assert_eq!(Uscc::parse("9144030019220382I6"), Err(IdError::Charset));
        assert_eq!(Uscc::parse("91440300192203821"), Err(IdError::Length));
    }

    #[test]
    fn a_failing_check_is_only_accepted_on_request() {
        let u = Uscc::parse_failing_check(" 914403001922038217").expect("shape is right");
        assert_eq!(u.as_str(), "914403001922038217");
        // A code that passes is not "failing"; the shape errors stay errors.
        assert_eq!(
            Uscc::parse_failing_check("914403001922038216"),
            Err(IdError::Checksum)
        );
        assert_eq!(
            Uscc::parse_failing_check("9144030019220382I6"),
            Err(IdError::Charset)
        );
        assert_eq!(
            Uscc::parse_failing_check("91440300192203821"),
            Err(IdError::Length)
        );
    }

    #[test]
    fn normalises_case_width_and_spaces() {
        let u = Uscc::parse("  ９１１１０１０８５５１３８５０８２ｑ \u{3000}").expect("full-width");
        assert_eq!(u.as_str(), "91110108551385082Q");
        let u = Uscc::parse("91110108551385082q").expect("lower-case");
        assert_eq!(u.as_str(), "91110108551385082Q");
    }

    #[test]
    fn other_errors() {
        assert_eq!(Uscc::parse(""), Err(IdError::Required));
        assert_eq!(Uscc::parse("  \u{3000} "), Err(IdError::Required));
        assert_eq!(Uscc::parse("9144030019220382 6"), Err(IdError::Charset));
        assert_eq!(Uscc::parse("91440300192203821O"), Err(IdError::Charset));
        assert_eq!(Uscc::parse("9144030019220382166"), Err(IdError::Length));
        // A letter in the administrative-division digits.
        assert_eq!(Uscc::parse("9144A3001922038216"), Err(IdError::Format));
    }

    #[test]
    fn serde_round_trip_validates() {
        let u: Uscc = "914403001922038216".parse().expect("valid");
        let s: String = u.clone().into();
        assert_eq!(Uscc::try_from(s), Ok(u));
        assert_eq!(
            Uscc::try_from("914403001922038217".to_owned()),
            Err(IdError::Checksum)
        );
    }

    /// A valid code built from 17 generated characters plus the computed check character.
    fn valid_code() -> impl Strategy<Value = String> {
        let any = || prop::sample::select(ALPHABET.to_vec());
        (
            any(),
            any(),
            prop::collection::vec(prop::sample::select(b"0123456789".to_vec()), 6),
            prop::collection::vec(any(), 9),
        )
            .prop_map(|(a, b, division, org)| {
                let mut bytes = vec![a, b];
                bytes.extend(division);
                bytes.extend(org);
                let values: Vec<u32> = bytes
                    .iter()
                    .map(|&c| value_of(char::from(c)).expect("alphabet"))
                    .collect();
                let check = ALPHABET[usize::try_from(check_value(&values)).expect("small")];
                bytes.push(check);
                String::from_utf8(bytes).expect("ascii")
            })
    }

    proptest! {
        #[test]
        fn generated_codes_are_accepted(code in valid_code()) {
            let u = Uscc::parse(&code);
            prop_assert_eq!(u.as_ref().map(Uscc::as_str), Ok(code.as_str()));
            let lower = code.to_ascii_lowercase();
            prop_assert_eq!(Uscc::parse(&lower).map(String::from), Ok(code));
        }

        #[test]
        fn every_substitution_is_rejected(code in valid_code()) {
            let bytes = code.as_bytes();
            for i in 0..bytes.len() {
                for &c in ALPHABET.iter().filter(|&&c| c != bytes[i]) {
                    let mut changed = bytes.to_vec();
                    changed[i] = c;
                    let changed = String::from_utf8(changed).expect("ascii");
                    prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
                }
            }
        }

        #[test]
        fn every_adjacent_transposition_is_rejected(code in valid_code()) {
            let bytes = code.as_bytes();
            for i in 0..bytes.len() - 1 {
                if bytes[i] == bytes[i + 1] {
                    continue;
                }
                let mut swapped = bytes.to_vec();
                swapped.swap(i, i + 1);
                let swapped = String::from_utf8(swapped).expect("ascii");
                prop_assert!(Uscc::parse(&swapped).is_err(), "{} accepted", swapped);
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            let _ = Uscc::parse(&s);
        }
    }
}
