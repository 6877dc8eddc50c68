//! The micro-deposit check of an enterprise verification: where a deposit stands.

use serde::Serialize;

/// Micro-deposits are 1–99 fen. How many wrong amounts one allows, how long the last one
/// freezes the check and how many deposits a verification may have are limits
/// (`config::Limits`).
pub const DEPOSIT_MIN_FEN: i64 = 1;
pub const DEPOSIT_MAX_FEN: i64 = 99;

/// Where a micro-deposit stands. Stored are `not_sent`, `sent`, `requested` and `confirmed`;
/// `frozen` and `void` are read from a sent deposit's wrong amounts and its freeze.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DepositStatus {
    NotSent,
    /// Paid; the holder may type the amount.
    Sent,
    /// The last wrong amount was typed; the check waits until `frozen_until`.
    Frozen,
    /// Every wrong amount it allowed was used: it no longer counts, the holder asks for another.
    Void,
    /// The holder asked for a new deposit; an operator pays it.
    Requested,
    Confirmed,
}

impl DepositStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DepositStatus::NotSent => "not_sent",
            DepositStatus::Sent => "sent",
            DepositStatus::Frozen => "frozen",
            DepositStatus::Void => "void",
            DepositStatus::Requested => "requested",
            DepositStatus::Confirmed => "confirmed",
        }
    }

    /// The stored status seen at `now`: a sent deposit with no wrong amounts left is frozen until
    /// its freeze passes, then void.
    pub fn at(
        stored: &str,
        frozen_until: Option<i64>,
        attempts_left: i64,
        now: i64,
    ) -> DepositStatus {
        match stored {
            "confirmed" => DepositStatus::Confirmed,
            "requested" => DepositStatus::Requested,
            "sent" if frozen_until.is_some_and(|t| t > now) => DepositStatus::Frozen,
            "sent" if attempts_left <= 0 => DepositStatus::Void,
            "sent" => DepositStatus::Sent,
            _ => DepositStatus::NotSent,
        }
    }

    /// The status from a left-joined row: `None` when the account has no enterprise row yet;
    /// attempts the row does not carry count as none left.
    pub fn of_joined(
        stored: Option<&str>,
        frozen_until: Option<i64>,
        attempts_left: Option<i64>,
        now: i64,
    ) -> Option<DepositStatus> {
        stored.map(|s| DepositStatus::at(s, frozen_until, attempts_left.unwrap_or(0), now))
    }

    /// Whether the holder may type an amount now.
    pub fn takes_amounts(self) -> bool {
        self == DepositStatus::Sent
    }
}
