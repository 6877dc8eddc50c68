//! The review report's arithmetic: decisions per day and kind, time to decision (median and
//! 90th percentile) against each kind's target, rejection rates and the most frequent reasons.
//! Pure: the decisions come in already placed on their local day and measured.

use serde::Serialize;
use utoipa::ToSchema;

use super::review::ReviewKind;

/// One decision as the report counts it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub kind: ReviewKind,
    pub approved: bool,
    /// The local day it was made (`2026-12-01`).
    pub day: String,
    /// From the submission (or the appeal) to the decision.
    pub hours: f64,
    pub within_target: bool,
    /// The library codes of its reasons.
    pub codes: Vec<String>,
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    })
}

/// The `p`th percentile of sorted values by the nearest-rank method: the smallest value with at
/// least `p` % of the values at or below it.
pub fn percentile(sorted: &[f64], p: u32) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // ceil(p/100 * n) in integers, at least rank 1.
    let rank = (usize::try_from(p).unwrap_or(100) * n).div_ceil(100).max(1);
    sorted.get(rank.min(n) - 1).copied()
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Decisions of one day, per kind in `ReviewKind::ALL` order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DayRow {
    /// `2026-12-01`, in the marketplace's time zone.
    pub day: String,
    pub enterprise_verification: i64,
    pub partner_application: i64,
    pub settlement_change: i64,
    pub product: i64,
    pub reverification: i64,
    pub total: i64,
}

impl DayRow {
    pub fn counts(&self) -> [i64; 5] {
        [
            self.enterprise_verification,
            self.partner_application,
            self.settlement_change,
            self.product,
            self.reverification,
        ]
    }
}

/// One kind over the period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct KindRow {
    pub kind: String,
    pub decided: i64,
    pub approved: i64,
    pub rejected: i64,
    /// Rejected ÷ decided, 0–1 (to 3 places); none without decisions.
    pub rejection_rate: Option<f64>,
    /// Hours from submission (or appeal) to decision, to one decimal.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    /// The target, in working days.
    pub target_working_days: i64,
    /// Decisions made within the target.
    pub within_target: i64,
}

/// How often a library code was given.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReasonCount {
    pub code: String,
    pub count: i64,
}

/// The report's numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub days: Vec<DayRow>,
    pub kinds: Vec<KindRow>,
    pub total: KindRow,
    pub top_reasons: Vec<ReasonCount>,
}

/// Summarises `decided` over `days` (every day of the period, in order, so that a day without
/// decisions is a zero, not a gap); `target` gives each kind's target in working days.
pub fn summarize(
    days: &[String],
    decided: &[Decided],
    target: impl Fn(ReviewKind) -> i64,
    top: usize,
) -> Summary {
    let day_rows = days
        .iter()
        .map(|day| {
            let of = |k: ReviewKind| {
                decided
                    .iter()
                    .filter(|d| d.kind == k && d.day == *day)
                    .count() as i64
            };
            let counts = ReviewKind::ALL.map(of);
            DayRow {
                day: day.clone(),
                enterprise_verification: counts[0],
                partner_application: counts[1],
                settlement_change: counts[2],
                product: counts[3],
                reverification: counts[4],
                total: counts.iter().sum(),
            }
        })
        .collect();
    let row = |name: &str, of: &[&Decided], target_days: i64| {
        let mut hours: Vec<f64> = of.iter().map(|d| d.hours).collect();
        hours.sort_by(f64::total_cmp);
        let decided = of.len() as i64;
        let rejected = of.iter().filter(|d| !d.approved).count() as i64;
        KindRow {
            kind: name.to_string(),
            decided,
            approved: decided - rejected,
            rejected,
            rejection_rate: (decided > 0)
                .then(|| (rejected as f64 / decided as f64 * 1000.0).round() / 1000.0),
            median_hours: median(&hours).map(round1),
            p90_hours: percentile(&hours, 90).map(round1),
            target_working_days: target_days,
            within_target: of.iter().filter(|d| d.within_target).count() as i64,
        }
    };
    let kinds = ReviewKind::ALL
        .iter()
        .map(|k| {
            let of: Vec<&Decided> = decided.iter().filter(|d| d.kind == *k).collect();
            row(k.as_str(), &of, target(*k))
        })
        .collect();
    let all: Vec<&Decided> = decided.iter().collect();
    let total = row("all", &all, 0);
    let mut counts: Vec<ReasonCount> = Vec::new();
    for code in decided
        .iter()
        .filter(|d| !d.approved)
        .flat_map(|d| &d.codes)
    {
        match counts.iter_mut().find(|c| c.code == *code) {
            Some(c) => c.count += 1,
            None => counts.push(ReasonCount {
                code: code.clone(),
                count: 1,
            }),
        }
    }
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.code.cmp(&b.code)));
    counts.truncate(top);
    Summary {
        days: day_rows,
        kinds,
        total,
        top_reasons: counts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_nearest_rank_percentile() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 3.0, 10.0]), Some(2.5));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(percentile(&ten, 90), Some(9.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(percentile(&eleven, 90), Some(10.0));
        assert_eq!(percentile(&[4.0], 90), Some(4.0));
        assert_eq!(percentile(&[1.0, 2.0], 50), Some(1.0));
    }

    fn d(kind: ReviewKind, approved: bool, day: &str, hours: f64, codes: &[&str]) -> Decided {
        Decided {
            kind,
            approved,
            day: day.into(),
            hours,
            within_target: hours <= 24.0,
            codes: codes.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn a_period_is_summed_per_day_kind_and_reason() {
        use ReviewKind::*;
        let days = vec![
            "2026-12-01".to_string(),
            "2026-12-02".into(),
            "2026-12-03".into(),
        ];
        let decided = vec![
            d(
                EnterpriseVerification,
                false,
                "2026-12-01",
                2.0,
                &["a", "b"],
            ),
            d(EnterpriseVerification, true, "2026-12-01", 30.0, &[]),
            d(EnterpriseVerification, false, "2026-12-03", 5.0, &["a"]),
            d(Product, true, "2026-12-03", 50.0, &[]),
        ];
        let s = summarize(&days, &decided, |_| 1, 10);
        assert_eq!(s.days[0].enterprise_verification, 2);
        assert_eq!(s.days[1].total, 0, "a quiet day is a zero");
        assert_eq!(s.days[2].counts(), [1, 0, 0, 1, 0]);
        let ev = &s.kinds[0];
        assert_eq!((ev.decided, ev.rejected), (3, 2));
        assert_eq!(ev.rejection_rate, Some(0.667));
        assert_eq!(ev.median_hours, Some(5.0));
        assert_eq!(ev.p90_hours, Some(30.0));
        assert_eq!(ev.within_target, 2);
        assert_eq!(s.kinds[1].rejection_rate, None);
        assert_eq!(s.total.decided, 4);
        assert_eq!(
            s.top_reasons,
            vec![
                ReasonCount {
                    code: "a".into(),
                    count: 2
                },
                ReasonCount {
                    code: "b".into(),
                    count: 1
                }
            ]
        );
    }
}
