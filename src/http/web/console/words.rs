//! The console's values in words: waiting times, times the API keeps as RFC 3339, file types.

use crate::http::web::page::Page;

/// How long something has waited: "不到 1 小时", "5 小时", "3 天".
pub fn age(page: &Page, hours: i64) -> String {
    match hours {
        h if h < 1 => page.t("console.age.under_hour"),
        h if h < 48 => page.tf("console.age.hours", "n", &h.to_string()),
        h => page.tf("console.age.days", "n", &(h / 24).to_string()),
    }
}

/// A time the workflows hand over as RFC 3339, in words and in the marketplace's zone.
pub fn rfc3339_time(page: &Page, value: &str) -> String {
    time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc3339)
        .map(|t| page.time(&((t.unix_timestamp_nanos() / 1_000_000) as i64)))
        .unwrap_or_default()
}

/// The type of an uploaded file as people name it.
pub fn file_type(content_type: &str) -> &'static str {
    match content_type {
        "application/pdf" => "PDF",
        "image/png" => "PNG",
        "image/jpeg" => "JPEG",
        _ => "",
    }
}
