//! Page cursors: `<unix ms>_<id>` of the last item of a page, opaque to clients. One parser for
//! every list, and the exact pattern the API documents.

/// The form every cursor has (the OpenAPI document repeats it in each list's `cursor`).
pub const CURSOR_PATTERN: &str = "^[0-9]{1,15}_[0-9A-Za-z-]{1,64}$";

/// `(time, id)` of a cursor; `None` when it is not one.
pub fn parse_cursor(s: &str) -> Option<(i64, String)> {
    let (t, id) = s.split_once('_')?;
    let digits = !t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit());
    let id_ok = !id.is_empty()
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !(digits && id_ok) {
        return None;
    }
    Some((t.parse().ok()?, id.to_string()))
}

pub fn cursor(time: i64, id: &str) -> String {
    format!("{time}_{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_nothing_else_reads_as_one() {
        let c = cursor(1_795_944_103_370, "0190b2a4-0000-7000-8000-000000000000");
        assert_eq!(
            parse_cursor(&c),
            Some((
                1_795_944_103_370,
                "0190b2a4-0000-7000-8000-000000000000".into()
            ))
        );
        for bad in [
            "",
            "_",
            "12_",
            "_ab",
            "+12_ab",
            "-1_ab",
            "12_a b",
            "1234567890123456_a",
            "x_y",
        ] {
            assert_eq!(parse_cursor(bad), None, "{bad}");
        }
    }
}
