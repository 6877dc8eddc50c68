//! Bank data: CNAPS branch bank numbers (联行号) and settlement account numbers.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{fold_width, IdError};

/// A CNAPS branch bank number: exactly 12 ASCII digits. There is no public check-digit
/// algorithm, so none is applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BranchCode(String);

/// Chinese and English name of a bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BankName {
    /// Chinese name, e.g. `中国工商银行`.
    pub zh: &'static str,
    /// English name, e.g. `Industrial and Commercial Bank of China`.
    pub en: &'static str,
}

/// Well-known bank codes (first 3 digits of a branch code).
const KNOWN_BANKS: [(&str, BankName); 7] = [
    (
        "102",
        BankName {
            zh: "中国工商银行",
            en: "Industrial and Commercial Bank of China",
        },
    ),
    (
        "103",
        BankName {
            zh: "中国农业银行",
            en: "Agricultural Bank of China",
        },
    ),
    (
        "104",
        BankName {
            zh: "中国银行",
            en: "Bank of China",
        },
    ),
    (
        "105",
        BankName {
            zh: "中国建设银行",
            en: "China Construction Bank",
        },
    ),
    (
        "301",
        BankName {
            zh: "交通银行",
            en: "Bank of Communications",
        },
    ),
    (
        "308",
        BankName {
            zh: "招商银行",
            en: "China Merchants Bank",
        },
    ),
    (
        "403",
        BankName {
            zh: "中国邮政储蓄银行",
            en: "Postal Savings Bank of China",
        },
    ),
];

impl BranchCode {
    /// Trims spaces and folds full-width digits, then requires exactly 12 ASCII digits.
    /// Errors: `Required`, `Charset` (not a digit), `Length` (not 12).
    pub fn parse(s: &str) -> Result<BranchCode, IdError> {
        let v: String = s.trim().chars().map(fold_width).collect();
        if v.is_empty() {
            return Err(IdError::Required);
        }
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Charset);
        }
        if v.len() != 12 {
            return Err(IdError::Length);
        }
        Ok(BranchCode(v))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The bank code: the first 3 digits.
    pub fn bank_code(&self) -> &str {
        &self.0[..3]
    }

    /// The bank's name, for the few well-known bank codes; `None` for the others.
    pub fn bank_name_hint(&self) -> Option<BankName> {
        let code = self.bank_code();
        KNOWN_BANKS
            .iter()
            .find(|(c, _)| *c == code)
            .map(|&(_, name)| name)
    }
}

impl fmt::Display for BranchCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for BranchCode {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BranchCode::parse(s)
    }
}

impl TryFrom<String> for BranchCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        BranchCode::parse(&s)
    }
}

impl From<BranchCode> for String {
    fn from(b: BranchCode) -> String {
        b.0
    }
}

/// A settlement account number: 8–32 ASCII digits, no checksum (many fail Luhn).
///
/// Never shown in full outside the one screen where its owner re-enters it: `Debug`
/// prints `AccountNumber(****4444)`, there is no `Display` or `Serialize`, and the full
/// number leaves only through an explicit [`AccountNumber::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct AccountNumber(String);

impl AccountNumber {
    /// Removes spaces and hyphens and folds full-width digits, then requires 8–32 ASCII
    /// digits. Errors: `Required`, `Charset` (not a digit), `Length` (not 8–32).
    pub fn parse(s: &str) -> Result<AccountNumber, IdError> {
        let v: String = s
            .chars()
            .map(fold_width)
            .filter(|&c| !c.is_whitespace() && c != '-')
            .collect();
        if v.is_empty() {
            return Err(IdError::Required);
        }
        if !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::Charset);
        }
        if !(8..=32).contains(&v.len()) {
            return Err(IdError::Length);
        }
        Ok(AccountNumber(v))
    }

    /// The full number, for storage and for its owner only; use [`Self::masked`] elsewhere.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last 4 digits.
    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// Display form showing only the last 4 digits: `**** **** 4444`.
    pub fn masked(&self) -> String {
        format!("**** **** {}", self.last4())
    }
}

impl fmt::Debug for AccountNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountNumber(****{})", self.last4())
    }
}

impl FromStr for AccountNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AccountNumber::parse(s)
    }
}

impl TryFrom<String> for AccountNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AccountNumber::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn branch_code_valid() {
        let b = BranchCode::parse(" 102100099996 ").expect("valid");
        assert_eq!(b.as_str(), "102100099996");
        assert_eq!(b.bank_code(), "102");
        assert_eq!(
            b.bank_name_hint(),
            Some(BankName {
                zh: "中国工商银行",
                en: "Industrial and Commercial Bank of China"
            })
        );
        let b = BranchCode::parse("１０４１００００００４５").expect("full-width");
        assert_eq!(b.as_str(), "104100000045");
        assert_eq!(b.bank_name_hint().map(|n| n.en), Some("Bank of China"));
    }

    #[test]
    fn branch_code_hints() {
        for (code, zh) in [
            ("102", "中国工商银行"),
            ("103", "中国农业银行"),
            ("104", "中国银行"),
            ("105", "中国建设银行"),
            ("301", "交通银行"),
            ("308", "招商银行"),
            ("403", "中国邮政储蓄银行"),
        ] {
            let b = BranchCode::parse(&format!("{code}123456789")).expect("valid");
            assert_eq!(b.bank_name_hint().map(|n| n.zh), Some(zh));
        }
        let b = BranchCode::parse("999123456789").expect("valid");
        assert_eq!(b.bank_code(), "999");
        assert_eq!(b.bank_name_hint(), None);
    }

    #[test]
    fn branch_code_invalid() {
        assert_eq!(BranchCode::parse(""), Err(IdError::Required));
        assert_eq!(BranchCode::parse("10210009999"), Err(IdError::Length));
        assert_eq!(BranchCode::parse("1021000999961"), Err(IdError::Length));
        assert_eq!(BranchCode::parse("10210009999A"), Err(IdError::Charset));
        assert_eq!(BranchCode::parse("102 100099996"), Err(IdError::Charset));
    }

    #[test]
    fn account_number_valid() {
        let a = AccountNumber::parse("6222 0202 0000 4444").expect("valid");
        assert_eq!(a.as_str(), "6222020200004444");
        assert_eq!(a.last4(), "4444");
        assert_eq!(a.masked(), "**** **** 4444");
        assert_eq!(format!("{a:?}"), "AccountNumber(****4444)");
        assert!(AccountNumber::parse("1234-5678").is_ok());
        assert!(AccountNumber::parse(&"9".repeat(32)).is_ok());
        // No Luhn check: 12345678 fails Luhn and is accepted.
        assert!(AccountNumber::parse("12345678").is_ok());
    }

    #[test]
    fn account_number_invalid() {
        assert_eq!(AccountNumber::parse(" - "), Err(IdError::Required));
        assert_eq!(AccountNumber::parse("1234567"), Err(IdError::Length));
        assert_eq!(AccountNumber::parse(&"9".repeat(33)), Err(IdError::Length));
        assert_eq!(AccountNumber::parse("1234567a"), Err(IdError::Charset));
        assert_eq!(AccountNumber::parse("1234.5678"), Err(IdError::Charset));
    }

    proptest! {
        #[test]
        fn account_debug_and_mask_show_only_last4(digits in "[0-9]{8,32}") {
            let a = AccountNumber::parse(&digits).expect("valid");
            let last4 = &digits[digits.len() - 4..];
            prop_assert_eq!(a.masked(), format!("**** **** {last4}"));
            prop_assert_eq!(format!("{a:?}"), format!("AccountNumber(****{last4})"));
            // Nothing but the last 4 digits appears.
            let shown = format!("{a:?}{}", a.masked());
            prop_assert_eq!(shown.chars().filter(char::is_ascii_digit).count(), 8);
        }

        #[test]
        fn branch_code_accepts_12_digits(digits in "[0-9]{12}") {
            let b = BranchCode::parse(&digits).expect("valid");
            prop_assert_eq!(b.bank_code(), &digits[..3]);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = AccountNumber::parse(&s);
            let _ = BranchCode::parse(&s);
        }
    }
}
