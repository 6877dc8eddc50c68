//! Company-name normalisation, used to match a settlement account name to the verified name.

/// Normalises a company name for comparison:
/// - trims;
/// - full-width letters, digits and the ideographic space become half-width;
/// - full-width brackets `（）` become `()`;
/// - each run of whitespace becomes one space;
/// - spaces next to a bracket are removed (`ABC ( Beijing )` → `ABC(Beijing)`).
///
/// Letter case and other punctuation are kept as written.
pub fn normalize_company_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars().map(fold_char) {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        let bracket = c == '(' || c == ')';
        let after_bracket = out.ends_with('(') || out.ends_with(')');
        if pending_space && !out.is_empty() && !bracket && !after_bracket {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// Whether two company names are equal after [`normalize_company_name`]. A name that
/// normalises to nothing matches nothing.
pub fn company_names_match(a: &str, b: &str) -> bool {
    let a = normalize_company_name(a);
    !a.is_empty() && a == normalize_company_name(b)
}

/// Folds full-width letters, digits, space and round brackets to half-width.
fn fold_char(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '（' | '）' => {
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        '\u{3000}' => ' ',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domain_examples() {
        assert!(company_names_match(
            "北京某某科技有限公司（北京）",
            "北京某某科技有限公司(北京)"
        ));
        assert!(company_names_match("ＡＢＣ  Co.", "ABC Co."));
    }

    #[test]
    fn normalises() {
        assert_eq!(
            normalize_company_name("  ＡＢＣ  Co.\t Ltd \u{3000}"),
            "ABC Co. Ltd"
        );
        assert_eq!(
            normalize_company_name("ABC ( Beijing ) Ltd"),
            "ABC(Beijing)Ltd"
        );
        assert_eq!(
            normalize_company_name("某某科技 （ 北京 ） 有限公司"),
            "某某科技(北京)有限公司"
        );
        assert_eq!(normalize_company_name("１２３网络"), "123网络");
        assert_eq!(normalize_company_name("   "), "");
    }

    #[test]
    fn non_matches() {
        assert!(!company_names_match(
            "北京某某科技有限公司",
            "上海某某科技有限公司"
        ));
        assert!(!company_names_match("ABC Co.", "abc co."));
        assert!(!company_names_match("ABC Co.", "ABCCo."));
        assert!(!company_names_match("", ""));
        assert!(!company_names_match("  ", "\u{3000}"));
        // Only round brackets are folded.
        assert!(!company_names_match("某某【北京】", "某某[北京]"));
    }

    /// Full-width form of an ASCII letter, digit, space or round bracket.
    fn widen(c: char) -> char {
        match c {
            ' ' => '\u{3000}',
            '0'..='9' | 'A'..='Z' | 'a'..='z' | '(' | ')' => {
                char::from_u32(u32::from(c) + 0xFEE0).expect("full-width")
            }
            _ => c,
        }
    }

    proptest! {
        #[test]
        fn idempotent(s in "\\PC{0,30}") {
            let once = normalize_company_name(&s);
            prop_assert_eq!(normalize_company_name(&once), once);
        }

        #[test]
        fn full_width_variant_matches(s in "[A-Za-z0-9 ()某科技公司]{1,30}") {
            prop_assume!(!s.trim().is_empty());
            let wide: String = s.chars().map(widen).collect();
            prop_assert!(company_names_match(&s, &wide));
            prop_assert!(company_names_match(&wide, &s));
        }

        #[test]
        fn extra_spaces_match(s in "[A-Za-z0-9()某科技公司]{1,10}( [A-Za-z0-9()某科技公司]{1,10}){0,3}") {
            let spaced = format!("  {}  ", s.replace(' ', " \t  "));
            prop_assert!(company_names_match(&s, &spaced));
        }

        #[test]
        fn symmetric(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            prop_assert_eq!(company_names_match(&a, &b), company_names_match(&b, &a));
        }
    }
}
