//! Rate limits as arithmetic: a `Rate` ("5 per 15 minutes") and the generic cell-rate
//! algorithm (GCRA) that enforces it with one number per key, the *theoretical arrival time*.
//! It is a token bucket: a key holds up to `max` tokens, spends one per event and gets one back
//! every `window / max`. So a fresh key may take `max` events at once, then one every
//! `window / max`; over any long stretch it averages `max` per `window`. The store keeps the
//! number; nothing here does I/O.

use std::fmt;
use std::str::FromStr;

/// At most `max` events per `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub max: u32,
    pub window_ms: i64,
}

/// What a key may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// The event fits; `tat` is the key's new theoretical arrival time, `left` how many more
    /// events would fit right after it.
    Allowed { tat: i64, left: u32 },
    /// The event does not fit; it would in `retry_after_ms`.
    Refused { retry_after_ms: i64 },
}

impl Rate {
    pub const fn new(max: u32, window_ms: i64) -> Rate {
        Rate { max, window_ms }
    }

    /// The spacing of events once the burst is spent.
    pub fn interval(&self) -> i64 {
        (self.window_ms / i64::from(self.max.max(1))).max(1)
    }

    /// Whether one more event fits, given the key's stored `tat` (None: never seen).
    pub fn admit(&self, tat: Option<i64>, now: i64) -> Admission {
        let t = self.interval();
        let next = tat.unwrap_or(now).max(now) + t;
        let ahead = next - now;
        if ahead <= self.window_ms {
            Admission::Allowed {
                tat: next,
                left: self.left_with_ahead(ahead),
            }
        } else {
            Admission::Refused {
                retry_after_ms: ahead - self.window_ms,
            }
        }
    }

    /// How many events fit now (0 when the key must wait).
    pub fn left(&self, tat: Option<i64>, now: i64) -> u32 {
        let ahead = tat.map_or(0, |tat| (tat - now).max(0));
        self.left_with_ahead(ahead)
    }

    fn left_with_ahead(&self, ahead: i64) -> u32 {
        let room = (self.window_ms - ahead).max(0) / self.interval();
        u32::try_from(room).unwrap_or(u32::MAX).min(self.max)
    }

    /// Milliseconds until one event fits again (0 when one fits now).
    pub fn wait(&self, tat: Option<i64>, now: i64) -> i64 {
        match self.admit(tat, now) {
            Admission::Allowed { .. } => 0,
            Admission::Refused { retry_after_ms } => retry_after_ms,
        }
    }
}

/// "5/15m", "20/1h", "3/30s", "10/24h", "2/7d".
impl FromStr for Rate {
    type Err = String;

    fn from_str(s: &str) -> Result<Rate, String> {
        let bad = || format!("{s:?} is not a rate such as \"5/15m\" (count/duration: s, m, h, d)");
        let (max, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = max.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let split = window.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (n, unit) = window.split_at(split);
        let n: i64 = if n.is_empty() {
            1
        } else {
            n.parse().map_err(|_| bad())?
        };
        let unit_ms = match unit {
            "s" => 1_000,
            "m" => 60_000,
            "h" => 3_600_000,
            "d" => 86_400_000,
            _ => return Err(bad()),
        };
        if max == 0 || n == 0 {
            return Err(format!(
                "{s:?}: the count and the duration must be at least 1"
            ));
        }
        Ok(Rate::new(max, n.saturating_mul(unit_ms)))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self.window_ms;
        let (n, unit) = if w % 86_400_000 == 0 {
            (w / 86_400_000, "d")
        } else if w % 3_600_000 == 0 {
            (w / 3_600_000, "h")
        } else if w % 60_000 == 0 {
            (w / 60_000, "m")
        } else {
            (w / 1_000, "s")
        };
        write!(f, "{}/{n}{unit}", self.max)
    }
}

impl serde::Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Rate, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    fn run(rate: Rate, times: &[i64]) -> Vec<bool> {
        let mut tat = None;
        times
            .iter()
            .map(|&now| match rate.admit(tat, now) {
                Admission::Allowed { tat: t, .. } => {
                    tat = Some(t);
                    true
                }
                Admission::Refused { .. } => false,
            })
            .collect()
    }

    #[test]
    fn a_burst_of_max_then_one_per_interval() {
        let r = Rate::new(5, 15 * MIN);
        assert_eq!(
            run(r, &[0, 0, 0, 0, 0, 0]),
            vec![true, true, true, true, true, false]
        );
        // After the burst, one more every three minutes.
        assert!(!run(r, &[0, 0, 0, 0, 0, 3 * MIN - 1])[5]);
        assert!(run(r, &[0, 0, 0, 0, 0, 3 * MIN])[5]);
    }

    #[test]
    fn left_and_wait_tell_the_client() {
        let r = Rate::new(5, 15 * MIN);
        assert_eq!(r.left(None, 0), 5);
        let mut tat = None;
        for expected_left in (0..5).rev() {
            match r.admit(tat, 0) {
                Admission::Allowed { tat: t, left } => {
                    assert_eq!(left, expected_left);
                    tat = Some(t);
                }
                Admission::Refused { .. } => panic!("within the burst"),
            }
        }
        assert_eq!(r.left(tat, 0), 0);
        assert_eq!(r.wait(tat, 0), 3 * MIN);
        assert_eq!(r.left(tat, 15 * MIN), 5);
    }

    #[test]
    fn rates_parse_and_print() {
        assert_eq!("5/15m".parse::<Rate>(), Ok(Rate::new(5, 15 * MIN)));
        assert_eq!("20/1h".parse::<Rate>(), Ok(Rate::new(20, 60 * MIN)));
        assert_eq!(" 3 / 30s ".parse::<Rate>(), Ok(Rate::new(3, 30_000)));
        assert_eq!("1/d".parse::<Rate>(), Ok(Rate::new(1, 1_440 * MIN)));
        for bad in ["", "5", "5/", "x/1h", "5/1y", "0/1h", "5/0m", "-1/1h"] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
        for s in [
            "5/15m",
            "20/1h",
            "3/30s",
            "10/24h".replace("24h", "1d").as_str(),
        ] {
            assert_eq!(s.parse::<Rate>().map(|r| r.to_string()), Ok(s.to_string()));
        }
    }

    proptest! {
        /// However the events are spread, a stretch of time `d` admits at most
        /// `(window + d) / interval` events: a full bucket, then its refill. So a window admits
        /// fewer than two buckets.
        #[test]
        fn a_burst_then_the_refill_rate(
            max in 1u32..12,
            window in 1_000i64..100_000,
            gaps in proptest::collection::vec(0i64..20_000, 1..120),
        ) {
            let rate = Rate::new(max, window);
            let mut now = 0;
            let mut times = Vec::new();
            for g in gaps {
                now += g;
                times.push(now);
            }
            let admitted: Vec<i64> = times
                .iter()
                .zip(run(rate, &times))
                .filter_map(|(t, ok)| ok.then_some(*t))
                .collect();
            let interval = rate.interval();
            for (i, start) in admitted.iter().enumerate() {
                for (j, end) in admitted[i..].iter().enumerate() {
                    let bound = (window + (end - start)) / interval;
                    prop_assert!((j as i64 + 1) <= bound, "{} in {}..{}", j + 1, start, end);
                }
            }
        }
    }
}
