//! Money: amounts in fen (1/100 yuan), as stored and as the API sends them; shown to people as
//! "¥12.34" and typed by them in yuan ("12.34"). Nothing else formats or parses an amount.

use std::fmt;

/// An amount in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Fen(pub i64);

impl Fen {
    /// An amount as a person types it on a page: yuan ("0.37", "12", ".5", with a comma for
    /// the point or a trailing 元), or fen ("37分"). At most two decimals; `None` for anything
    /// else, or an amount past `i64`.
    pub fn parse_yuan(typed: &str) -> Option<Fen> {
        let s = typed
            .trim()
            .trim_start_matches(['¥', '￥'])
            .replace(['，', ' '], ",")
            .replace('元', "");
        // "1,234.50" and "1,000": commas before groups of three digits group thousands; any
        // other comma is a decimal point ("0,37").
        let grouped = s.split(',').skip(1).all(|g| {
            let digits = g.split('.').next().unwrap_or("");
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit())
        });
        let s = if s.contains(',') && grouped {
            s.replace(',', "")
        } else {
            s.replace(',', ".")
        };
        if let Some(fen) = s.strip_suffix('分') {
            return fen.trim().parse::<i64>().ok().map(Fen);
        }
        let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
        if whole.is_empty() && frac.is_empty() {
            return None;
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().ok()?
        };
        // Only digits after the point: "1.-5" is not an amount.
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let frac = match frac.len() {
            0 => 0,
            1 => frac.parse::<i64>().ok()? * 10,
            2 => frac.parse::<i64>().ok()?,
            _ => return None,
        };
        whole.checked_mul(100)?.checked_add(frac).map(Fen)
    }

    /// The amount in yuan without the currency sign, as a form field shows it: "12.30".
    pub fn yuan_figure(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// "¥12.30", "¥1,234,567.00": thousands grouped, as people read prices.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let yuan = crate::display::thousands(i64::try_from(abs / 100).unwrap_or(i64::MAX));
        write!(f, "¥{sign}{yuan}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::Fen;
    use proptest::prelude::*;

    #[test]
    fn amounts_as_typed() {
        assert_eq!(Fen::parse_yuan("0.37"), Some(Fen(37)));
        assert_eq!(Fen::parse_yuan("0,3"), Some(Fen(30)));
        assert_eq!(Fen::parse_yuan("1,000"), Some(Fen(100_000)));
        assert_eq!(Fen::parse_yuan("¥1,234,567.89"), Some(Fen(123_456_789)));
        assert_eq!(Fen::parse_yuan("1,2345"), None);
        assert_eq!(Fen::parse_yuan(".05"), Some(Fen(5)));
        assert_eq!(Fen::parse_yuan("37分"), Some(Fen(37)));
        assert_eq!(Fen::parse_yuan(" 12元 "), Some(Fen(1200)));
        assert_eq!(Fen::parse_yuan("1"), Some(Fen(100)));
        assert_eq!(Fen::parse_yuan("1."), Some(Fen(100)));
        assert_eq!(Fen::parse_yuan("0.375"), None);
        assert_eq!(Fen::parse_yuan("1.-5"), None);
        assert_eq!(Fen::parse_yuan("abc"), None);
        assert_eq!(Fen::parse_yuan("."), None);
        assert_eq!(Fen::parse_yuan(""), None);
        assert_eq!(Fen::parse_yuan("99999999999999999999"), None);
    }

    #[test]
    fn shown_in_yuan() {
        assert_eq!(Fen(1230).to_string(), "¥12.30");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen(1_234_567).to_string(), "¥12,345.67");
        assert_eq!(Fen(100_000_000).to_string(), "¥1,000,000.00");
        assert_eq!(Fen(123_456_789).to_string(), "¥1,234,567.89");
        assert_eq!(Fen(-150).to_string(), "¥-1.50");
        assert_eq!(Fen(0).yuan_figure(), "0.00");
        assert_eq!(Fen(-150).yuan_figure(), "-1.50");
    }

    proptest! {
        /// What a page shows in a form field reads back as the same amount.
        #[test]
        fn the_figure_reads_back(fen in 0i64..=i64::MAX / 100) {
            prop_assert_eq!(Fen::parse_yuan(&Fen(fen).yuan_figure()), Some(Fen(fen)));
        }

        /// The sign and two decimals, whatever the amount.
        #[test]
        fn display_has_two_decimals(fen in any::<i64>()) {
            let shown = Fen(fen).to_string();
            prop_assert!(shown.starts_with('¥'));
            let (_, decimals) = shown.rsplit_once('.').expect("a point");
            prop_assert_eq!(decimals.len(), 2);
        }

        /// Typed text never panics, and an amount it reads has at most two decimals' worth.
        #[test]
        fn any_text_is_read_or_refused(s in "\\PC{0,24}") {
            let _ = Fen::parse_yuan(&s);
        }
    }
}
