//! Working days and review targets: when a submission is due (its submission day plus the
//! kind's target in working days), when it is overdue, and when its decision can be expected
//! given its place in line. Pure: the holidays and "today" come from the caller.

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};

use super::review::ReviewKind;

/// A search over days never walks further than this (a calendar of holidays only, entered by
/// mistake, must not hang a request).
const MAX_DAYS_WALKED: usize = 3_660;

/// The working-day calendar: Monday to Friday, except the holidays an admin entered.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<Date>,
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = Date>) -> Calendar {
        Calendar {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&day)
    }

    /// The `n`-th working day after `day` (`day` itself never counts; `n = 0` is `day`).
    /// A submission on a weekend or a holiday therefore starts counting at the next working day.
    pub fn working_days_after(&self, day: Date, n: u32) -> Date {
        let mut d = day;
        let mut left = n;
        for _ in 0..MAX_DAYS_WALKED {
            if left == 0 {
                break;
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The day a submission made on `submitted` is due: `target` working days later.
    pub fn due_date(&self, submitted: Date, target: u32) -> Date {
        self.working_days_after(submitted, target)
    }

    /// The first submission day that is not overdue on `today`: every submission made before
    /// it has a due date before `today`. (Due dates never decrease as the submission day
    /// moves on, so one boundary splits the queue.)
    pub fn overdue_before(&self, today: Date, target: u32) -> Date {
        let mut first = today;
        for _ in 0..MAX_DAYS_WALKED {
            let Ok(earlier) = first.yesterday() else {
                break;
            };
            if self.due_date(earlier, target) < today {
                break;
            }
            first = earlier;
        }
        first
    }

    /// Working days in the `days` calendar days before `today` (`today` not included).
    pub fn working_days_in_last(&self, today: Date, days: u32) -> u32 {
        let mut n = 0;
        let mut d = today;
        for _ in 0..days {
            let Ok(earlier) = d.yesterday() else {
                break;
            };
            d = earlier;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// When the decision on an item can be expected: its due date, or later when the line
    /// ahead of it is longer than the reviewers' pace allows — `position` items (this one
    /// included) at `per_day` decisions a working day, counting from today when today is a
    /// working day.
    pub fn expected_by(&self, due: Date, today: Date, position: u64, per_day: u64) -> Date {
        let per_day = per_day.max(1);
        let days = u32::try_from(position.div_ceil(per_day).max(1)).unwrap_or(u32::MAX);
        let start = today.yesterday().unwrap_or(today);
        due.max(self.working_days_after(start, days))
    }
}

/// The target of each kind, in working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    pub enterprise_verification: u32,
    pub partner_application: u32,
    pub settlement_change: u32,
    pub product: u32,
    pub reverification: u32,
}

impl Default for Targets {
    /// As the anchors promise: real-name review within one working day, products in three.
    fn default() -> Targets {
        Targets {
            enterprise_verification: 1,
            partner_application: 2,
            settlement_change: 1,
            product: 3,
            reverification: 2,
        }
    }
}

impl Targets {
    pub fn of(&self, kind: ReviewKind) -> u32 {
        match kind {
            ReviewKind::EnterpriseVerification => self.enterprise_verification,
            ReviewKind::PartnerApplication => self.partner_application,
            ReviewKind::SettlementChange => self.settlement_change,
            ReviewKind::Product => self.product,
            ReviewKind::Reverification => self.reverification,
        }
    }
}

/// A holiday as an admin enters it: a date (`2026-10-01`) and a name.
pub fn parse_day(input: &str) -> Option<Date> {
    let t = input.trim();
    // Only the plain form a date field sends; jiff would also take other shapes.
    if t.len() != 10 {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    // 2026-12-04 is a Friday.
    const FRI: Date = date(2026, 12, 4);

    #[test]
    fn weekends_are_skipped() {
        let cal = Calendar::default();
        assert_eq!(cal.due_date(FRI, 1), date(2026, 12, 7)); // Monday
        assert_eq!(cal.due_date(date(2026, 12, 7), 1), date(2026, 12, 8));
        assert_eq!(cal.due_date(FRI, 3), date(2026, 12, 9));
        assert_eq!(cal.due_date(FRI, 0), FRI);
    }

    #[test]
    fn a_submission_on_a_weekend_counts_from_the_next_working_day() {
        let cal = Calendar::default();
        assert_eq!(cal.due_date(date(2026, 12, 5), 1), date(2026, 12, 7));
        assert_eq!(cal.due_date(date(2026, 12, 6), 2), date(2026, 12, 8));
    }

    #[test]
    fn holidays_are_skipped_and_a_submission_on_one_waits_for_the_next_working_day() {
        // National Day week 2026: Thursday 1 to Wednesday 7 October.
        let cal = Calendar::new((1..=7).map(|d| date(2026, 10, d)));
        assert_eq!(cal.due_date(date(2026, 9, 30), 1), date(2026, 10, 8));
        assert_eq!(cal.due_date(date(2026, 10, 2), 1), date(2026, 10, 8));
        assert_eq!(cal.due_date(date(2026, 10, 2), 2), date(2026, 10, 9));
        assert!(!cal.is_working_day(date(2026, 10, 5)));
        assert!(cal.is_working_day(date(2026, 10, 8)));
    }

    #[test]
    fn overdue_starts_the_day_after_the_due_date() {
        let cal = Calendar::default();
        // Due Monday 7th: not overdue on Monday, overdue on Tuesday.
        assert!(cal.overdue_before(date(2026, 12, 7), 1) <= FRI);
        assert!(cal.overdue_before(date(2026, 12, 8), 1) > FRI);
        // On Tuesday, the weekend's submissions (due Monday) are overdue, Monday's are not.
        assert_eq!(cal.overdue_before(date(2026, 12, 8), 1), date(2026, 12, 7));
    }

    #[test]
    fn the_expected_date_follows_the_line() {
        let cal = Calendar::default();
        let mon = date(2026, 12, 7);
        // Due Tuesday; third in line at one decision a day: Wednesday (Mon, Tue, Wed).
        assert_eq!(
            cal.expected_by(date(2026, 12, 8), mon, 3, 1),
            date(2026, 12, 9)
        );
        // The line ahead decided: the due date again.
        assert_eq!(
            cal.expected_by(date(2026, 12, 8), mon, 1, 1),
            date(2026, 12, 8)
        );
        // A fast team: the due date.
        assert_eq!(
            cal.expected_by(date(2026, 12, 8), mon, 30, 100),
            date(2026, 12, 8)
        );
        // Today a Saturday: counting starts Monday.
        assert_eq!(
            cal.expected_by(FRI, date(2026, 12, 5), 2, 1),
            date(2026, 12, 8)
        );
    }

    #[test]
    fn days_parse_only_in_the_plain_form() {
        assert_eq!(parse_day(" 2026-10-01 "), Some(date(2026, 10, 1)));
        for bad in ["2026-13-01", "2026-02-30", "1 Oct", "", "2026-10-01T00:00"] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    fn any_day() -> impl Strategy<Value = Date> {
        (0i64..2_000).prop_map(|n| {
            date(2025, 1, 1)
                .checked_add(jiff::Span::new().days(n))
                .expect("in range")
        })
    }

    proptest! {
        #[test]
        fn a_due_date_is_a_working_day_exactly_target_working_days_on(
            submitted in any_day(),
            target in 1u32..10,
            holidays in proptest::collection::vec(any_day(), 0..40),
        ) {
            let cal = Calendar::new(holidays);
            let due = cal.due_date(submitted, target);
            prop_assert!(due > submitted);
            prop_assert!(cal.is_working_day(due));
            let mut d = submitted;
            let mut counted = 0;
            while d < due {
                d = d.tomorrow().expect("day");
                if cal.is_working_day(d) {
                    counted += 1;
                }
            }
            prop_assert_eq!(counted, target);
        }

        #[test]
        fn one_boundary_splits_overdue_from_not(
            today in any_day(),
            back in 0i64..40,
            target in 1u32..6,
            holidays in proptest::collection::vec(any_day(), 0..40),
        ) {
            let cal = Calendar::new(holidays);
            let submitted = today.checked_sub(jiff::Span::new().days(back)).expect("day");
            let overdue = cal.due_date(submitted, target) < today;
            prop_assert_eq!(overdue, submitted < cal.overdue_before(today, target));
        }
    }
}
