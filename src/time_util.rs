//! Time as the store keeps it (unix milliseconds) and as the API shows it (RFC 3339 UTC).

use time::OffsetDateTime;

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    let now = OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Formats unix milliseconds as an RFC 3339 UTC string (`2026-11-29T09:04:28.123Z`).
/// Always with three fractional digits, so the strings sort like the times.
pub fn rfc3339(ms: i64) -> String {
    // Every listed item carries two of these; the digits are written by hand for the years
    // 1970–9999 (`time`'s formatter interprets a description for each), the rest goes the long way.
    const MAX_MS: i64 = 253_402_300_800_000; // 10000-01-01T00:00:00Z
    if (0..MAX_MS).contains(&ms) {
        return rfc3339_digits(ms);
    }
    rfc3339_formatted(ms)
}

/// `rfc3339` for 0 <= ms < year 10000: the civil date from days since the epoch (Howard
/// Hinnant's `civil_from_days`), then fixed-width digits.
fn rfc3339_digits(ms: i64) -> String {
    let (days, ms_of_day) = (ms.div_euclid(DAY_MS), ms.rem_euclid(DAY_MS));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = [0u8; 24];
    let mut put = |at: usize, width: usize, mut v: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, ms_of_day / HOUR_MS);
    put(14, 2, ms_of_day / MINUTE_MS % 60);
    put(17, 2, ms_of_day / 1000 % 60);
    put(20, 3, ms_of_day % 1000);
    for (at, c) in [
        (4, b'-'),
        (7, b'-'),
        (10, b'T'),
        (13, b':'),
        (16, b':'),
        (19, b'.'),
        (23, b'Z'),
    ] {
        out[at] = c;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn rfc3339_formatted(ms: i64) -> String {
    const FORMAT: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(FORMAT).ok())
        .unwrap_or_default()
}

/// The time the second factor and its challenges are judged by: the system clock, moved by an
/// offset that tests set (a code is good once per 30-second step, so a test must not wait).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        now_ms() + self.offset_ms.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this clock forward (tests only ever need forward).
    pub fn advance(&self, ms: i64) {
        self.offset_ms
            .fetch_add(ms, std::sync::atomic::Ordering::Relaxed);
    }
}

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_a_fixed_width() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_944_103_370), "2026-11-29T09:21:43.370Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59.999Z");
    }

    proptest::proptest! {
        #[test]
        fn the_digits_written_by_hand_are_the_formatters(ms in 0i64..253_402_300_800_000) {
            proptest::prop_assert_eq!(rfc3339_digits(ms), rfc3339_formatted(ms));
        }
    }
}
