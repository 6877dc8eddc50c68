//! Category deposits (保证金): the amount a provider owes — the largest deposit among the
//! categories its move-in application declares — and where it stands, read from the ledger of
//! payments and deductions finance recorded. The balance is always the ledger's sum; nothing
//! stores it apart. (Not the micro-deposit of the enterprise check: that is
//! `enterprise::DepositStatus`.)

use serde::Serialize;

use super::{FieldError, FieldErrors};

/// The largest amount one entry (or one category's deposit) may carry: ¥10,000,000.00.
pub const MAX_AMOUNT_FEN: i64 = 1_000_000_000;
/// A bank reference: 1–64 letters, digits and `-_./#:` (no spaces).
pub const MAX_REFERENCE_CHARS: usize = 64;
/// A deduction's reason, in characters.
pub const MAX_REASON_CHARS: usize = 500;
/// The default grace period after a deduction, in working days (JD Cloud's rule).
pub const DEFAULT_TOP_UP_WORKING_DAYS: u32 = 3;

/// A ledger entry's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Payment,
    Deduction,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Payment => "payment",
            EntryKind::Deduction => "deduction",
        }
    }

    pub fn parse(s: &str) -> Option<EntryKind> {
        match s {
            "payment" => Some(EntryKind::Payment),
            "deduction" => Some(EntryKind::Deduction),
            _ => None,
        }
    }

    /// The entry's effect on the balance.
    pub fn signed(self, amount_fen: i64) -> i64 {
        match self {
            EntryKind::Payment => amount_fen,
            EntryKind::Deduction => -amount_fen,
        }
    }
}

/// Where a provider's deposit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GuaranteeStatus {
    /// Nothing is owed: no declared category carries a deposit, or the application is not
    /// approved yet.
    NotDue,
    /// Owed and never paid in full: the move-in has a `deposit` step still due.
    Due,
    /// The balance covers the required amount.
    Paid,
    /// Paid in full once, now below the required amount (after a deduction): to be topped up
    /// within the grace period, or the listings are hidden.
    Short,
}

impl GuaranteeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GuaranteeStatus::NotDue => "not_due",
            GuaranteeStatus::Due => "due",
            GuaranteeStatus::Paid => "paid",
            GuaranteeStatus::Short => "short",
        }
    }

    /// The move-in's deposit step is done: paid in full at least once.
    pub fn step_done(self) -> bool {
        matches!(self, GuaranteeStatus::Paid | GuaranteeStatus::Short)
    }
}

/// The ledger summed up: the balance now and the highest it ever was.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub balance_fen: i64,
    pub peak_fen: i64,
}

impl Totals {
    /// Sums entries in the order they were recorded.
    pub fn of(entries: impl IntoIterator<Item = (EntryKind, i64)>) -> Totals {
        let mut t = Totals::default();
        for (kind, amount) in entries {
            t = t.after(kind, amount);
        }
        t
    }

    /// The totals once one more entry is recorded.
    pub fn after(self, kind: EntryKind, amount_fen: i64) -> Totals {
        let balance_fen = self.balance_fen.saturating_add(kind.signed(amount_fen));
        Totals {
            balance_fen,
            peak_fen: self.peak_fen.max(balance_fen),
        }
    }
}

/// What a provider owes and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub required_fen: i64,
    pub totals: Totals,
    pub status: GuaranteeStatus,
}

impl Standing {
    /// `approved`: the move-in application is approved (before that nothing is owed);
    /// `required_fen`: the largest deposit among its declared categories.
    pub fn of(approved: bool, required_fen: i64, totals: Totals) -> Standing {
        let status = if !approved || required_fen <= 0 {
            GuaranteeStatus::NotDue
        } else if totals.balance_fen >= required_fen {
            GuaranteeStatus::Paid
        } else if totals.peak_fen >= required_fen {
            GuaranteeStatus::Short
        } else {
            GuaranteeStatus::Due
        };
        Standing {
            required_fen: required_fen.max(0),
            totals,
            status,
        }
    }

    /// Where it stands while a top-up period is open (`open`: a shortfall): below the required
    /// amount is `short` even when the balance never reached it — the required amount was raised
    /// after the step was done — so the step stays done and the grace period applies.
    pub fn in_grace(mut self, open: bool) -> Standing {
        if open && self.status == GuaranteeStatus::Due {
            self.status = GuaranteeStatus::Short;
        }
        self
    }

    /// The balance is below the required amount (owed, short or never paid).
    pub fn below(&self) -> bool {
        self.status != GuaranteeStatus::NotDue && self.totals.balance_fen < self.required_fen
    }
}

/// The largest deposit among `declared` categories, given each category's deposit.
pub fn required_fen<'a>(
    declared: impl IntoIterator<Item = &'a str>,
    deposits: &[(String, i64)],
) -> i64 {
    declared
        .into_iter()
        .filter_map(|slug| deposits.iter().find(|(s, _)| s == slug).map(|(_, f)| *f))
        .max()
        .unwrap_or(0)
        .max(0)
}

/// An amount as finance sends it: a whole number of fen, more than 0 and at most
/// `MAX_AMOUNT_FEN` (`allow_zero`: a category's deposit may be 0, meaning none).
pub fn amount(errors: &mut FieldErrors, field: &str, value: Option<i64>, allow_zero: bool) -> i64 {
    let min = i64::from(!allow_zero);
    match value {
        None => {
            errors.push(FieldError::new(field, "required"));
            0
        }
        Some(v) if !(min..=MAX_AMOUNT_FEN).contains(&v) => {
            errors.push(
                FieldError::new(field, "out_of_range")
                    .with("min", min)
                    .with("max", MAX_AMOUNT_FEN),
            );
            0
        }
        Some(v) => v,
    }
}

/// A payment's bank reference: required, 1–64 letters, digits and `-_./#:`.
pub fn reference(errors: &mut FieldErrors, value: Option<&str>) -> String {
    let v = value.map(str::trim).unwrap_or("");
    if v.is_empty() {
        errors.push(FieldError::new("reference", "required"));
    } else if v.chars().count() > MAX_REFERENCE_CHARS {
        errors.push(FieldError::new("reference", "too_long").with("max", MAX_REFERENCE_CHARS));
    } else if !v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./#:".contains(c))
    {
        errors.push(FieldError::new("reference", "charset"));
    } else {
        return v.to_string();
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntryKind::{Deduction, Payment};

    #[test]
    fn the_status_follows_the_ledger() {
        let none = Totals::default();
        assert_eq!(
            Standing::of(false, 500_000, none).status,
            GuaranteeStatus::NotDue
        );
        assert_eq!(Standing::of(true, 0, none).status, GuaranteeStatus::NotDue);
        assert_eq!(
            Standing::of(true, 500_000, none).status,
            GuaranteeStatus::Due
        );
        let part = Totals::of([(Payment, 200_000)]);
        assert_eq!(
            Standing::of(true, 500_000, part).status,
            GuaranteeStatus::Due
        );
        let paid = Totals::of([(Payment, 200_000), (Payment, 300_000)]);
        assert_eq!(
            Standing::of(true, 500_000, paid).status,
            GuaranteeStatus::Paid
        );
        let short = Totals::of([(Payment, 500_000), (Deduction, 100_000)]);
        assert_eq!(short.balance_fen, 400_000);
        assert_eq!(short.peak_fen, 500_000);
        let s = Standing::of(true, 500_000, short);
        assert_eq!(s.status, GuaranteeStatus::Short);
        assert!(s.below() && s.status.step_done());
        // A raise past what was ever paid: owed again, as never paid in full.
        assert_eq!(
            Standing::of(true, 1_000_000, paid).status,
            GuaranteeStatus::Due
        );
    }

    #[test]
    fn the_largest_declared_deposit_is_owed() {
        let deposits = vec![("iot".to_string(), 500_000), ("saas".to_string(), 800_000)];
        assert_eq!(required_fen(["iot", "ops"], &deposits), 500_000);
        assert_eq!(required_fen(["iot", "saas"], &deposits), 800_000);
        assert_eq!(required_fen(["ops"], &deposits), 0);
    }

    #[test]
    fn amounts_and_references_are_checked() {
        let code_of_amount = |v: i64, zero: bool| {
            let mut e = FieldErrors::default();
            amount(&mut e, "amount_fen", Some(v), zero);
            e.0.first().map(|f| f.code)
        };
        assert_eq!(code_of_amount(1, false), None);
        assert_eq!(code_of_amount(0, false), Some("out_of_range"));
        assert_eq!(code_of_amount(0, true), None);
        assert_eq!(
            code_of_amount(MAX_AMOUNT_FEN + 1, true),
            Some("out_of_range")
        );
        let code_of_reference = |v: &str| {
            let mut e = FieldErrors::default();
            let r = reference(&mut e, Some(v));
            (r, e.0.first().map(|f| f.code))
        };
        assert_eq!(
            code_of_reference(" CMB-2026/12#0042 "),
            ("CMB-2026/12#0042".to_string(), None)
        );
        assert_eq!(code_of_reference("has space").1, Some("charset"));
        assert_eq!(code_of_reference("").1, Some("required"));
        assert_eq!(code_of_reference(&"x".repeat(65)).1, Some("too_long"));
    }
}
