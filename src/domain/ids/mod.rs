//! Identifier newtypes ("parse, don't validate") and the shared [`IdError`].
//!
//! Every type here has `parse()` as its only constructor, so holding one is proof
//! that the value passed the rules of `DOMAIN.md`. Errors map to stable field-error
//! codes through [`IdError::code`].

pub mod bank;
pub mod company_name;
pub mod phone;
pub mod prc_id;
pub mod uscc;

pub use bank::{AccountNumber, BankName, BranchCode};
pub use company_name::{company_names_match, normalize_company_name};
pub use phone::{MobilePhone, ServicePhone, ServicePhoneKind};
pub use prc_id::{IdNumber, IdType, PrcIdNumber, Ymd};
pub use uscc::Uscc;

/// Why an identifier was rejected. Validators return the most specific variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The value is empty (after trimming).
    #[error("a value is required")]
    Required,
    /// The value has the wrong number of characters or digits.
    #[error("the value has the wrong length")]
    Length,
    /// The value contains a character that is not allowed.
    #[error("the value contains a character that is not allowed")]
    Charset,
    /// The check character does not match the rest of the value.
    #[error("the check character does not match")]
    Checksum,
    /// The embedded birth date is not a real date, or lies in the future.
    #[error("the birth date is not a real past date")]
    BirthDate,
    /// The characters are allowed but not in this arrangement.
    #[error("the value is not in a recognised format")]
    Format,
}

impl IdError {
    /// Stable field-error code for API responses and translations.
    pub fn code(&self) -> &'static str {
        match self {
            IdError::Required => "required",
            IdError::Length => "length",
            IdError::Charset => "charset",
            IdError::Checksum => "checksum",
            IdError::BirthDate => "birth_date",
            IdError::Format => "format",
        }
    }
}

/// Folds full-width ASCII (U+FF01..=U+FF5E) and the ideographic space (U+3000)
/// to their half-width forms; every other character is returned unchanged.
pub(crate) fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Trims `s`, folds full-width characters and upper-cases ASCII letters.
pub(crate) fn fold_upper(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| fold_width(c).to_ascii_uppercase())
        .collect()
}

/// Masks all but a few characters at each end: `min(4, len / 4)` stay visible on
/// each side, so an 18-character ID shows 4 + 4 and a short value shows less.
pub(crate) fn mask_middle(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let keep = (chars.len() / 4).min(4);
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < keep || i >= chars.len() - keep {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// A number kept secret: stored encrypted, shown masked (ID and bank account numbers).
pub trait SecretNumber {
    /// The full number, for encryption only.
    fn secret(&self) -> &str;
    fn masked(&self) -> String;
}

impl SecretNumber for IdNumber {
    fn secret(&self) -> &str {
        self.as_str()
    }

    fn masked(&self) -> String {
        IdNumber::masked(self)
    }
}

impl SecretNumber for AccountNumber {
    fn secret(&self) -> &str {
        self.as_str()
    }

    fn masked(&self) -> String {
        AccountNumber::masked(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(IdError::Required.code(), "required");
        assert_eq!(IdError::Length.code(), "length");
        assert_eq!(IdError::Charset.code(), "charset");
        assert_eq!(IdError::Checksum.code(), "checksum");
        assert_eq!(IdError::BirthDate.code(), "birth_date");
        assert_eq!(IdError::Format.code(), "format");
    }

    #[test]
    fn folds_full_width() {
        assert_eq!(fold_upper("  ９１ａＺ！～\u{3000}"), "91AZ!~");
        assert_eq!(fold_width('（'), '(');
        assert_eq!(fold_width('中'), '中');
    }

    #[test]
    fn masks_middle() {
        assert_eq!(mask_middle("11010519491231002X"), "1101**********002X");
        assert_eq!(mask_middle("E12345678"), "E1*****78");
        assert_eq!(mask_middle("G1234"), "G***4");
        assert_eq!(mask_middle("123"), "***");
    }
}
