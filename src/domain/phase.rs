//! Where a move-in step stands, finer than its status (`move_in::MoveIn::phase`).

/// Where a step stands, finer than `StepStatus`: whose move it is and what it waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    NotStarted,
    /// An earlier step must be done first.
    Locked,
    Draft,
    InReview,
    Rejected,
    /// Documents approved; the marketplace has still to pay the micro-deposit.
    DepositWaiting,
    /// Paid: the holder types the amount.
    DepositSent,
    DepositFrozen,
    /// Every wrong amount was used: the holder asks for a new deposit.
    DepositVoid,
    DepositRequested,
    /// Done, and a change of it waits for review.
    ChangePending,
    /// Done, and the last change asked for was rejected.
    ChangeRejected,
    /// Re-verification: a document expires soon (within 90 days); nothing submitted yet.
    ExpiresSoon,
    /// Re-verification: a term was never recorded; the holder adds it.
    TermsMissing,
    Done,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::NotStarted => "not_started",
            Phase::Locked => "locked",
            Phase::Draft => "draft",
            Phase::InReview => "in_review",
            Phase::Rejected => "rejected",
            Phase::DepositWaiting => "deposit_waiting",
            Phase::DepositSent => "deposit_sent",
            Phase::DepositFrozen => "deposit_frozen",
            Phase::DepositVoid => "deposit_void",
            Phase::DepositRequested => "deposit_requested",
            Phase::ChangePending => "change_pending",
            Phase::ChangeRejected => "change_rejected",
            Phase::ExpiresSoon => "expires_soon",
            Phase::TermsMissing => "terms_missing",
            Phase::Done => "done",
        }
    }

    /// The account holder has something to do (the others wait for the marketplace, or for
    /// time, or for an earlier step).
    pub fn holder_acts(self) -> bool {
        matches!(
            self,
            Phase::NotStarted
                | Phase::Draft
                | Phase::Rejected
                | Phase::DepositSent
                | Phase::DepositVoid
                | Phase::ChangeRejected
                | Phase::ExpiresSoon
                | Phase::TermsMissing
        )
    }
}
