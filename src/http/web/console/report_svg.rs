//! The report's charts, drawn here as inline SVG (no script, nothing fetched): each with a
//! `<title>` and `<desc>` for screen readers, a `<title>` on every bar, and the table of the same
//! numbers beside it on the page.

use std::fmt::Write;

use crate::domain::report::{DayRow, KindRow};

/// The kinds' colours, in `ReviewKind::ALL` order (told apart by the legend and the table too).
pub const COLOURS: [&str; 5] = ["#2b6cb0", "#2f855a", "#b7791f", "#805ad5", "#c53030"];

/// Text for XML: `&`, `<`, `>`, `"` and `'` escaped.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Words the charts need, in the reader's language.
pub struct ChartWords {
    pub per_day_title: String,
    pub per_day_desc: String,
    pub target_title: String,
    pub target_desc: String,
    /// The kinds' names, in `ReviewKind::ALL` order.
    pub kinds: [String; 5],
}

/// Decisions per day, stacked by kind.
pub fn per_day(days: &[DayRow], w: &ChartWords) -> String {
    let (width, height, left, bottom, top) = (720.0, 260.0, 40.0, 48.0, 12.0);
    let plot_h = height - bottom - top;
    let max = days.iter().map(|d| d.total).max().unwrap_or(0).max(1) as f64;
    let n = days.len().max(1) as f64;
    let slot = (width - left - 8.0) / n;
    let bar = (slot * 0.8).max(1.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-labelledby="c1t c1d" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title id="c1t">{}</title><desc id="c1d">{}</desc>"#,
        esc(&w.per_day_title),
        esc(&w.per_day_desc)
    );
    // Grid: zero, half and the largest day.
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h * (1.0 - frac);
        let _ = write!(
            s,
            r##"<line x1="{left}" x2="{width}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end" fill="#444">{}</text>"##,
            left - 4.0,
            y + 4.0,
            (max * frac).round()
        );
    }
    // At most about twelve day labels.
    let every = (days.len() / 12).max(1);
    for (i, d) in days.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut y = top + plot_h;
        for (k, count) in d.counts().iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let h = plot_h * (*count as f64) / max;
            y -= h;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{} · {}: {count}</title></rect>"#,
                COLOURS[k],
                esc(&d.day),
                esc(&w.kinds[k])
            );
        }
        if i % every == 0 {
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#444">{}</text>"##,
                x + bar / 2.0,
                top + plot_h + 14.0,
                esc(d.day.get(5..).unwrap_or(&d.day))
            );
        }
    }
    // The legend.
    for (k, name) in w.kinds.iter().enumerate() {
        let x = left + 170.0 * k as f64;
        let y = height - 14.0;
        let _ = write!(
            s,
            r##"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{y:.1}" font-size="11" fill="#222">{}</text>"##,
            y - 9.0,
            COLOURS[k],
            x + 14.0,
            esc(name)
        );
    }
    s.push_str("</svg>");
    s
}

/// The share of each kind's decisions made within its target, as bars from 0 to 100 %.
pub fn within_target(kinds: &[KindRow], w: &ChartWords) -> String {
    let (width, row_h, left) = (720.0, 30.0, 200.0);
    let height = row_h * kinds.len() as f64 + 24.0;
    let plot_w = width - left - 60.0;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" role="img" aria-labelledby="c2t c2d" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg"><title id="c2t">{}</title><desc id="c2d">{}</desc>"#,
        esc(&w.target_title),
        esc(&w.target_desc)
    );
    for (i, k) in kinds.iter().enumerate() {
        let y = 8.0 + row_h * i as f64;
        let share = if k.decided > 0 {
            k.within_target as f64 / k.decided as f64
        } else {
            0.0
        };
        let name = w.kinds.get(i).map(String::as_str).unwrap_or(&k.kind);
        let label = if k.decided > 0 {
            format!("{:.0} %", share * 100.0)
        } else {
            "–".to_string()
        };
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="end" fill="#222">{}</text><rect x="{left}" y="{y:.1}" width="{plot_w:.1}" height="18" fill="#eee"/><rect x="{left}" y="{y:.1}" width="{:.1}" height="18" fill="{}"><title>{}: {} / {}</title></rect><text x="{:.1}" y="{:.1}" font-size="12" fill="#222">{}</text>"##,
            left - 8.0,
            y + 13.0,
            esc(name),
            plot_w * share,
            COLOURS[i % 4],
            esc(name),
            k.within_target,
            k.decided,
            left + plot_w + 6.0,
            y + 13.0,
            esc(&label)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words() -> ChartWords {
        ChartWords {
            per_day_title: "Per <day>".into(),
            per_day_desc: "d".into(),
            target_title: "t".into(),
            target_desc: "d".into(),
            kinds: ["A&B".into(), "b".into(), "c".into(), "d".into(), "e".into()],
        }
    }

    #[test]
    fn charts_are_svg_with_their_words_escaped() {
        let day = DayRow {
            day: "2026-12-01".into(),
            enterprise_verification: 2,
            partner_application: 0,
            settlement_change: 1,
            product: 0,
            reverification: 0,
            total: 3,
        };
        let svg = per_day(&[day], &words());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("<title id=\"c1t\">Per &lt;day&gt;</title>"));
        assert!(svg.contains("2026-12-01 · A&amp;B: 2"));
        assert_eq!(
            svg.matches("<rect").count(),
            2 + 5,
            "two bars and the legend"
        );
    }
}
