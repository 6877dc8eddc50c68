//! User-facing text in Simplified Chinese and English. The catalogs are `i18n/<lang>.toml`, flat
//! `key = "text"` tables compiled into the binary; `{name}` marks a parameter.

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Reads a stored or configured tag (`zh-CN`, `zh`, `en`, `en-US`, …).
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        if t == "zh" || t.starts_with("zh-") || t.starts_with("zh_") {
            Some(Lang::ZhCn)
        } else if t == "en" || t.starts_with("en-") || t.starts_with("en_") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// Picks the best supported language from an `Accept-Language` header (highest `q` first,
    /// ties in the order given); `None` when none is supported.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::from_tag(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, lang));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

/// The keys are ours, not a visitor's, so a fast hash (Fx) rather than SipHash: a queue page
/// looks up hundreds of them.
type Catalog = rustc_hash::FxHashMap<String, String>;

fn parse_catalog(text: &str) -> Catalog {
    // The catalogs are part of the source; a broken one fails the unit test below.
    toml::from_str::<HashMap<String, String>>(text)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

// Each language: the messages (API, mail) and the page text, merged.
static ZH: LazyLock<Catalog> = LazyLock::new(|| {
    let mut c = parse_catalog(include_str!("../i18n/zh-CN.toml"));
    c.extend(parse_catalog(include_str!("../i18n/pages.zh-CN.toml")));
    c
});
static EN: LazyLock<Catalog> = LazyLock::new(|| {
    let mut c = parse_catalog(include_str!("../i18n/en.toml"));
    c.extend(parse_catalog(include_str!("../i18n/pages.en.toml")));
    c
});

fn catalog(lang: Lang) -> &'static Catalog {
    match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    }
}

/// The text for `key`; falls back to English, then to the key itself.
pub fn t(lang: Lang, key: &str) -> &str {
    catalog(lang)
        .get(key)
        .or_else(|| EN.get(key))
        .map(String::as_str)
        .unwrap_or(key)
}

/// The text for `prefix` + `name` (`kind.` + `product`), as `t`, without copying the text.
pub fn t_static(lang: Lang, prefix: &str, name: &str) -> std::borrow::Cow<'static, str> {
    // Pages ask for one of these per row of a list: the key is put together on the stack.
    let mut buf = [0u8; 96];
    let joined = prefix.len() + name.len();
    let key = match buf.get_mut(..joined) {
        Some(key) => {
            key[..prefix.len()].copy_from_slice(prefix.as_bytes());
            key[prefix.len()..].copy_from_slice(name.as_bytes());
            std::str::from_utf8(key).ok()
        }
        None => None,
    };
    let owned;
    let key = match key {
        Some(key) => key,
        None => {
            owned = format!("{prefix}{name}");
            owned.as_str()
        }
    };
    let found: Option<&'static String> = catalog(lang).get(key).or_else(|| EN.get(key));
    match found {
        Some(text) => std::borrow::Cow::Borrowed(text.as_str()),
        None => std::borrow::Cow::Owned(key.to_string()),
    }
}

/// The parameters that count something: when one of them is 1, a language that says "1 hour"
/// but "2 hours" has the text under `<key>.one` (English only; Chinese has one form).
const COUNTS: [&str; 7] = [
    "n",
    "minutes",
    "hours",
    "days",
    "count",
    "attempts_left",
    "max_days",
];

/// The singular form of `key` (`<key>.one`), when a count among `params` is 1 and the language
/// has one.
fn singular(lang: Lang, key: &str, params: &[(&str, &str)]) -> Option<&'static str> {
    params
        .iter()
        .any(|(name, value)| *value == "1" && COUNTS.contains(name))
        .then(|| catalog(lang).get(&format!("{key}.one")))
        .flatten()
        .map(String::as_str)
}

/// The text for `key` with `{name}` parameters filled in, in one pass: a value is never read
/// for parameters itself, and a `{…}` that names no parameter stays as written. A count of 1
/// reads in the singular where the language has one (`COUNTS`).
pub fn tf(lang: Lang, key: &str, params: &[(&str, &str)]) -> String {
    let text = singular(lang, key, params).unwrap_or_else(|| t(lang, key));
    let mut out =
        String::with_capacity(text.len() + params.iter().map(|(_, v)| v.len()).sum::<usize>());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A form field's name for people (`fieldname.<field>`, else `label.<field>`; a row of a list,
/// `plans[0].price_fen`, is named by its field with the row counted from one), or `None`.
pub fn field_name(lang: Lang, field: &str) -> Option<String> {
    let plain = |f: &str| {
        [format!("fieldname.{f}"), format!("label.{f}")]
            .into_iter()
            .find_map(|k| catalog(lang).get(&k).or_else(|| EN.get(&k)).cloned())
    };
    if let Some(name) = plain(field) {
        return Some(name);
    }
    // `list[i].rest`: the list's row `i + 1`, then `rest`.
    let (list, rest) = field.split_once('[')?;
    let (index, rest) = rest.split_once(']')?;
    let row = index.parse::<usize>().ok()? + 1;
    let rest = rest.trim_start_matches('.');
    let list_name = plain(list)?;
    let row_name = tf(
        lang,
        "fieldname.row",
        &[("list", &list_name), ("n", &row.to_string())],
    );
    match plain(&format!("{list}.{rest}")).or_else(|| plain(rest)) {
        Some(part) if !rest.is_empty() => Some(format!("{row_name} · {part}")),
        _ => Some(row_name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_of_one_reads_in_the_singular_where_the_language_has_one() {
        assert_eq!(tf(Lang::En, "console.age.hours", &[("n", "1")]), "1 hour");
        assert_eq!(tf(Lang::En, "console.age.hours", &[("n", "2")]), "2 hours");
        assert_eq!(
            tf(Lang::En, "console.age.hours", &[("n", "11")]),
            "11 hours"
        );
        assert_eq!(tf(Lang::ZhCn, "console.age.hours", &[("n", "1")]), "1 小时");
        assert_eq!(
            tf(Lang::En, "error.rate_limited_wait", &[("minutes", "1")]),
            "Too many attempts. Please try again in 1 minute."
        );
        // A parameter that is not a count does not pick the singular.
        assert_eq!(
            tf(Lang::En, "console.age.hours", &[("n", "3"), ("code", "1")]),
            "3 hours"
        );
    }

    #[test]
    fn every_singular_form_has_its_plural_and_no_other_parameters() {
        let params = |text: &str| -> Vec<String> {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            names.sort();
            names
        };
        for lang in [Lang::ZhCn, Lang::En] {
            for (key, text) in catalog(lang) {
                let Some(plural) = key.strip_suffix(".one") else {
                    continue;
                };
                let base = catalog(lang).get(plural);
                assert!(base.is_some(), "{key} has no {plural}");
                // The singular may say "once" instead of "{n} times"; it names nothing else.
                let theirs = base.map(|b| params(b)).unwrap_or_default();
                assert!(
                    params(text).iter().all(|p| theirs.contains(p)),
                    "{key}: the singular names a parameter {plural} has not"
                );
            }
        }
    }

    #[test]
    fn parameters_are_filled_in_once_and_unknown_ones_stay() {
        // `console.age.hours` is "{n} hours" (en); the value is not read for parameters.
        assert_eq!(tf(Lang::En, "console.age.hours", &[("n", "5")]), "5 hours");
        // A value that looks like a later parameter stays as typed (a company named
        // "{date}" is shown as such, not as the date).
        assert_eq!(
            tf(Lang::En, "{a} on {b}", &[("a", "{b}"), ("b", "1 Dec")]),
            "{b} on 1 Dec"
        );
        assert_eq!(
            tf(Lang::En, "no {such} key {n}", &[("n", "1")]),
            "no {such} key 1"
        );
        assert_eq!(tf(Lang::En, "open { brace", &[]), "open { brace");
        assert_eq!(tf(Lang::En, "{n}{n}", &[("n", "ab")]), "abab");
    }

    #[test]
    fn joined_keys_are_found_short_or_long() {
        assert_eq!(
            t_static(Lang::En, "kind.", "product"),
            t(Lang::En, "kind.product")
        );
        let long = "x".repeat(200);
        assert_eq!(t_static(Lang::En, "kind.", &long), format!("kind.{long}"));
    }

    #[test]
    fn catalogs_parse_and_have_the_same_keys() {
        let mut zh: HashMap<String, String> =
            toml::from_str(include_str!("../i18n/zh-CN.toml")).expect("zh-CN.toml parses");
        let mut en: HashMap<String, String> =
            toml::from_str(include_str!("../i18n/en.toml")).expect("en.toml parses");
        let zh_pages: HashMap<String, String> =
            toml::from_str(include_str!("../i18n/pages.zh-CN.toml"))
                .expect("pages.zh-CN.toml parses");
        let en_pages: HashMap<String, String> =
            toml::from_str(include_str!("../i18n/pages.en.toml")).expect("pages.en.toml parses");
        zh.extend(zh_pages);
        en.extend(en_pages);
        // A singular form (`<key>.one`) is a language's own grammar: Chinese has none.
        let shared = |k: &&String| !k.ends_with(".one");
        let mut missing: Vec<&String> = en
            .keys()
            .filter(shared)
            .filter(|k| !zh.contains_key(*k))
            .collect();
        missing.extend(zh.keys().filter(shared).filter(|k| !en.contains_key(*k)));
        assert!(missing.is_empty(), "keys in one catalog only: {missing:?}");
    }

    /// Every `409` code (`Error::Conflict("…")`) and every code an `ApiError` is made with has
    /// its message in both languages: a missing one answered with its key (`error.already_appealed`).
    #[test]
    fn every_error_code_has_its_message() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(std::fs::read_to_string(&path).expect("source"));
                }
            }
        }
        /// The string literal right after each `opening` in `text`.
        fn codes_after<'a>(text: &'a str, opening: &str, out: &mut Vec<&'a str>) {
            for (at, _) in text.match_indices(opening) {
                let rest = &text[at + opening.len()..];
                let Some(start) = rest.find('"') else {
                    continue;
                };
                // Only a literal that follows at once (after the status, for `ApiError::new`).
                if rest[..start].contains(['(', ')', ';']) {
                    continue;
                }
                let literal = &rest[start + 1..];
                if let Some(end) = literal.find('"') {
                    out.push(&literal[..end]);
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut codes = Vec::new();
        for text in &files {
            codes_after(text, "Conflict(", &mut codes);
            codes_after(text, "ApiError::new(StatusCode::", &mut codes);
        }
        codes.retain(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'));
        codes.sort_unstable();
        codes.dedup();
        assert!(codes.len() > 40, "the scan found too few codes: {codes:?}");
        let mut missing = Vec::new();
        for lang in [Lang::En, Lang::ZhCn] {
            for code in &codes {
                let key = format!("error.{code}");
                if t(lang, &key) == key {
                    missing.push(format!("{} {key}", lang.tag()));
                }
            }
        }
        assert!(missing.is_empty(), "codes without a message: {missing:?}");
    }

    #[test]
    fn accept_language() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("fr, zh-CN;q=0.8, en;q=0.5"),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_accept_language("en;q=0.3, zh;q=0.9"),
            Some(Lang::ZhCn)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language("zh;q=0"), None);
    }

    #[test]
    fn fields_are_named_in_words() {
        assert_eq!(
            field_name(Lang::ZhCn, "uscc").as_deref(),
            Some("统一社会信用代码")
        );
        assert_eq!(field_name(Lang::En, "no_such_field"), None);
        let row = field_name(Lang::ZhCn, "plans[1].price_fen").unwrap_or_default();
        assert!(row.contains('2') && !row.contains("price_fen"), "{row}");
    }

    #[test]
    fn parameters_are_filled() {
        assert_eq!(
            tf(Lang::En, "no.such.key {a}", &[("a", "x")]),
            "no.such.key x"
        );
    }
}
