//! The provider agreement in force: its version (`application::AGREEMENT_VERSION`), the day it
//! took effect, and its text in both languages, kept as Markdown files under `agreements/` in
//! the repository and shown as safe HTML (raw HTML in them is shown as text).

use super::application::AGREEMENT_VERSION;
use super::product::render_markdown;

/// 2026-01-01 00:00 in Asia/Shanghai, when version 2026-01 took effect.
pub const EFFECTIVE_AT_MS: i64 = 1_767_196_800_000;

const TEXT_ZH: &str = include_str!("../../agreements/2026-01.zh-CN.md");
const TEXT_EN: &str = include_str!("../../agreements/2026-01.en.md");

/// The version in force.
pub fn version() -> &'static str {
    AGREEMENT_VERSION
}

/// The agreement's text as Markdown: `en`, else Chinese.
pub fn text(en: bool) -> &'static str {
    if en {
        TEXT_EN
    } else {
        TEXT_ZH
    }
}

/// The agreement as safe HTML.
pub fn html(en: bool) -> String {
    render_markdown(text(en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_texts_are_there_and_render_without_raw_html() {
        for en in [false, true] {
            let h = html(en);
            assert!(h.contains("<h1>"), "{h}");
            assert!(h.contains("<h2>"));
            assert!(!h.contains("<script"));
        }
        assert_eq!(version(), "2026-01");
    }
}
