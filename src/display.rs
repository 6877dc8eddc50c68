//! Values as people read them, on pages and in mail: times in the marketplace's time zone (never
//! an ISO timestamp), dates, file sizes, yes and no. Pages and workflows (for mail) both use it;
//! the time zone is `timezone` in the configuration (`Asia/Shanghai` by default).

use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::i18n::Lang;

/// The zone times are shown in, parsed once from the configuration.
#[derive(Clone, Debug)]
pub struct Zone(TimeZone);

impl Zone {
    /// An IANA name such as `Asia/Shanghai` or `Europe/Berlin`, or `UTC`.
    pub fn named(name: &str) -> Result<Zone, String> {
        TimeZone::get(name)
            .map(Zone)
            .map_err(|_| format!("{name:?} is not a time zone name such as \"Asia/Shanghai\""))
    }

    /// The wall-clock time of `unix_ms` here (the zone's offset at that instant applied; no
    /// `Zoned` is built, as a page of fifty rows would build fifty).
    fn civil(&self, unix_ms: i64) -> Option<jiff::civil::DateTime> {
        Timestamp::from_millisecond(unix_ms)
            .ok()
            .map(|t| self.0.to_offset(t).to_datetime(t))
    }

    /// `2026年12月1日 18:15` or `1 Dec 2026, 18:15`.
    pub fn time(&self, unix_ms: i64, lang: Lang) -> String {
        let Some(z) = self.civil(unix_ms) else {
            return String::new();
        };
        match lang {
            Lang::ZhCn => format!(
                "{}年{}月{}日 {:02}:{:02}",
                z.year(),
                z.month(),
                z.day(),
                z.hour(),
                z.minute()
            ),
            Lang::En => format!(
                "{} {} {}, {:02}:{:02}",
                z.day(),
                MONTHS[usize::try_from(z.month() - 1).unwrap_or(0) % 12],
                z.year(),
                z.hour(),
                z.minute()
            ),
        }
    }

    /// `2026年12月1日` or `1 Dec 2026`.
    pub fn date(&self, unix_ms: i64, lang: Lang) -> String {
        let Some(z) = self.civil(unix_ms) else {
            return String::new();
        };
        match lang {
            Lang::ZhCn => format!("{}年{}月{}日", z.year(), z.month(), z.day()),
            Lang::En => format!(
                "{} {} {}",
                z.day(),
                MONTHS[usize::try_from(z.month() - 1).unwrap_or(0) % 12],
                z.year()
            ),
        }
    }
}

impl Zone {
    /// The start of the day `date` (`2026-12-01`, as a date field sends it) and of the day
    /// after, in unix ms in this zone; `None` for anything else.
    pub fn day_bounds(&self, date: &str) -> Option<(i64, i64)> {
        let day: jiff::civil::Date = date.trim().parse().ok()?;
        let start = day.to_zoned(self.0.clone()).ok()?;
        let end = day.tomorrow().ok()?.to_zoned(self.0.clone()).ok()?;
        Some((
            start.timestamp().as_millisecond(),
            end.timestamp().as_millisecond(),
        ))
    }

    /// The day of `unix_ms` in this zone as a date field shows it: `2026-12-01`.
    pub fn date_field(&self, unix_ms: i64) -> String {
        self.civil(unix_ms)
            .map(|z| z.date().to_string())
            .unwrap_or_default()
    }
}

impl Zone {
    /// The day `unix_ms` falls on in this zone.
    pub fn day_of(&self, unix_ms: i64) -> Option<jiff::civil::Date> {
        self.civil(unix_ms).map(|z| z.date())
    }

    /// The first moment of `day` in this zone, in unix ms.
    pub fn start_of(&self, day: jiff::civil::Date) -> Option<i64> {
        day.to_zoned(self.0.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    }

    /// A day in words with its weekday: `2026年12月8日（星期二）` or `Tuesday 8 December 2026`.
    pub fn long_day(day: jiff::civil::Date, lang: Lang) -> String {
        let wd = usize::from(day.weekday().to_monday_zero_offset().unsigned_abs()) % 7;
        match lang {
            Lang::ZhCn => format!(
                "{}年{}月{}日（{}）",
                day.year(),
                day.month(),
                day.day(),
                WEEKDAYS_ZH[wd]
            ),
            Lang::En => format!(
                "{} {} {} {}",
                WEEKDAYS_EN[wd],
                day.day(),
                MONTHS_LONG[usize::try_from(day.month() - 1).unwrap_or(0) % 12],
                day.year()
            ),
        }
    }
}

/// A place in a queue: `3rd in line` or `排第 3 位`.
pub fn in_line(n: i64, lang: Lang) -> String {
    match lang {
        Lang::ZhCn => format!("排第 {n} 位"),
        Lang::En => {
            let suffix = match (n % 10, n % 100) {
                (_, 11..=13) => "th",
                (1, _) => "st",
                (2, _) => "nd",
                (3, _) => "rd",
                _ => "th",
            };
            format!("{n}{suffix} in line")
        }
    }
}

const WEEKDAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const WEEKDAYS_ZH: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl Default for Zone {
    fn default() -> Zone {
        Zone::named("Asia/Shanghai").unwrap_or(Zone(TimeZone::UTC))
    }
}

#[cfg(test)]
mod wait_words {
    use super::*;

    #[test]
    fn places_and_days_read_as_words() {
        let pos: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 103, 111]
            .iter()
            .map(|n| in_line(*n, Lang::En))
            .collect();
        assert_eq!(
            pos.join(","),
            "1st in line,2nd in line,3rd in line,4th in line,11th in line,12th in line,\
             13th in line,21st in line,22nd in line,103rd in line,111th in line"
        );
        assert_eq!(in_line(3, Lang::ZhCn), "排第 3 位");
        let d = jiff::civil::date(2026, 12, 8);
        assert_eq!(Zone::long_day(d, Lang::En), "Tuesday 8 December 2026");
        assert_eq!(Zone::long_day(d, Lang::ZhCn), "2026年12月8日（星期二）");
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `850 B`, `32.5 KB`, `4.2 MB` (1 KB = 1024 B), the same in both languages.
pub fn file_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}

/// `是`/`否` or `Yes`/`No`.
pub fn yes_no(value: bool, lang: Lang) -> &'static str {
    match (lang, value) {
        (Lang::ZhCn, true) => "是",
        (Lang::ZhCn, false) => "否",
        (Lang::En, true) => "Yes",
        (Lang::En, false) => "No",
    }
}

/// A whole number with thousands separators: `1,234,567`.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_local_and_in_words() {
        let zone = Zone::default();
        // 2026-12-01T18:15:56.174Z is 02:15 the next day in Shanghai.
        let ms = 1_796_148_956_174;
        assert_eq!(zone.time(ms, Lang::ZhCn), "2026年12月2日 02:15");
        assert_eq!(zone.time(ms, Lang::En), "2 Dec 2026, 02:15");
        assert_eq!(zone.date(ms, Lang::En), "2 Dec 2026");
        let utc = Zone::named("UTC").expect("utc");
        assert_eq!(utc.time(ms, Lang::En), "1 Dec 2026, 18:15");
        let berlin = Zone::named("Europe/Berlin").expect("berlin");
        assert_eq!(berlin.time(ms, Lang::En), "1 Dec 2026, 19:15");
        assert!(Zone::named("Mars/Olympus").is_err());
    }

    #[test]
    fn days_start_at_local_midnight() {
        let zone = Zone::default();
        let (start, end) = zone.day_bounds("2026-12-02").expect("a day");
        // Midnight in Shanghai is 16:00 UTC the day before.
        assert_eq!(start, 1_796_140_800_000);
        assert_eq!(end - start, 24 * 3600 * 1000);
        assert_eq!(zone.date_field(start), "2026-12-02");
        assert_eq!(zone.day_bounds("2026-02-30"), None);
        assert_eq!(zone.day_bounds("yesterday"), None);
    }

    #[test]
    fn sizes_and_numbers_read_as_words() {
        assert_eq!(file_size(850), "850 B");
        assert_eq!(file_size(33_236), "32.5 KB");
        assert_eq!(file_size(4_404_019), "4.2 MB");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1000), "-1,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(yes_no(false, Lang::ZhCn), "否");
    }
}
