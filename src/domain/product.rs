//! Products: the release form (name, category, service type, delivery, summary, Markdown
//! description, pricing plans, service terms), its rules, and safe Markdown rendering.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::{multiline_text, text};
use super::{FieldError, FieldErrors};

pub const DELIVERIES: &[&str] = &["image", "saas", "download", "offline_service"];
pub const BILLINGS: &[&str] = &["one_time", "monthly", "yearly", "per_use"];
/// The largest price accepted: 100 million yuan.
pub const MAX_PRICE_FEN: i64 = 10_000_000_000;
pub const MAX_ICON_BYTES: usize = 1024 * 1024;

/// Where a product stands for its provider: a draft, in review or returned (before it was first
/// approved), or listed or unlisted (once it has a live revision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductStatus {
    Draft,
    InReview,
    Rejected,
    Listed,
    Unlisted,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::InReview => "in_review",
            ProductStatus::Rejected => "rejected",
            ProductStatus::Listed => "listed",
            ProductStatus::Unlisted => "unlisted",
        }
    }

    /// A revision in review is locked until it is decided; otherwise the provider may edit.
    pub fn editable(self) -> bool {
        self != ProductStatus::InReview
    }
}

impl std::fmt::Display for ProductStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductForm {
    pub name: Option<String>,
    /// A category slug declared in the approved move-in application.
    pub category: Option<String>,
    /// A service-type slug from the catalog.
    pub service_type: Option<String>,
    /// `image`, `saas`, `download` or `offline_service`.
    pub delivery: Option<String>,
    pub summary: Option<String>,
    /// Markdown; rendered and sanitised for buyers.
    pub description: Option<String>,
    pub plans: Option<Vec<PlanForm>>,
    pub terms: Option<TermsForm>,
    /// `saas` products: the https address the marketplace calls on purchase, renewal and expiry
    /// (docs/INTEGRATION.md); it must resolve to a public address. Left out: unchanged; `""`:
    /// cleared. Ignored (and cleared) for other deliveries.
    #[schema(max_length = 2048)]
    pub callback_url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanForm {
    pub name: Option<String>,
    pub price_fen: Option<i64>,
    /// `one_time`, `monthly`, `yearly` or `per_use`.
    pub billing: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermsForm {
    pub after_sales_scope: Option<String>,
    pub warranty: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ProductData {
    pub name: String,
    pub category: String,
    pub service_type: String,
    pub delivery: String,
    pub summary: String,
    pub description: String,
    pub plans: Vec<Plan>,
    pub terms: Terms,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub name: String,
    pub price_fen: i64,
    pub billing: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Terms {
    pub after_sales_scope: String,
    pub warranty: String,
}

impl Terms {
    /// What a submission still needs: buyers read the after-sales scope and the warranty on
    /// the product page.
    pub fn missing(&self) -> Vec<FieldError> {
        [
            ("terms.after_sales_scope", &self.after_sales_scope),
            ("terms.warranty", &self.warranty),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(field, _)| FieldError::new(field, "required"))
        .collect()
    }
}

/// Checks the whole form: every field is needed but the terms, which a submission needs.
/// `declared` are the categories and `declared_types` the service types of the approved
/// application, `service_types` the active catalog: a product is of a type its company said it
/// offers.
pub fn validate(
    f: &ProductForm,
    declared: &[String],
    declared_types: &[String],
    service_types: &[String],
) -> Result<ProductData, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let need = |e: &mut FieldErrors, field: &str, v: Option<String>| {
        if v.is_none() && !e.0.iter().any(|x| x.field == field) {
            e.push(FieldError::new(field, "required"));
        }
        v.unwrap_or_default()
    };
    let name = text(&mut e, "name", f.name.as_ref(), 100);
    let name = need(&mut e, "name", name);
    let category = f
        .category
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(c) = &category {
        if !declared.contains(c) {
            e.push(FieldError::new("category", "not_declared"));
        }
    }
    let category = need(&mut e, "category", category);
    let service_type = f
        .service_type
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(s) = &service_type {
        if !service_types.contains(s) {
            e.push(FieldError::new("service_type", "not_allowed"));
        } else if !declared_types.contains(s) {
            e.push(FieldError::new("service_type", "service_type_not_declared"));
        }
    }
    let service_type = need(&mut e, "service_type", service_type);
    let delivery = f
        .delivery
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(d) = &delivery {
        if !DELIVERIES.contains(&d.as_str()) {
            e.push(FieldError::new("delivery", "not_allowed"));
        }
    }
    let delivery = need(&mut e, "delivery", delivery);
    let summary = text(&mut e, "summary", f.summary.as_ref(), 200);
    let summary = need(&mut e, "summary", summary);
    let description = f
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 20_000)
    {
        e.push(FieldError::new("description", "too_long").with("max", 20_000));
    }
    let description = need(&mut e, "description", description);
    let mut plans = Vec::new();
    let forms = f.plans.as_deref().unwrap_or_default();
    if forms.is_empty() {
        e.push(FieldError::new("plans", "required"));
    }
    if forms.len() > 10 {
        e.push(FieldError::new("plans", "too_long").with("max", 10));
    }
    for (i, p) in forms.iter().enumerate() {
        let pname = text(&mut e, &format!("plans[{i}].name"), p.name.as_ref(), 50);
        if pname.is_none() {
            e.push(FieldError::new(format!("plans[{i}].name"), "required"));
        }
        match p.price_fen {
            None => e.push(FieldError::new(format!("plans[{i}].price_fen"), "required")),
            Some(v) if !(0..=MAX_PRICE_FEN).contains(&v) => e.push(
                FieldError::new(format!("plans[{i}].price_fen"), "out_of_range")
                    .with("min", 0)
                    .with("max", MAX_PRICE_FEN),
            ),
            Some(_) => {}
        }
        let billing = p.billing.as_deref().map(str::trim).unwrap_or("");
        if !BILLINGS.contains(&billing) {
            e.push(FieldError::new(
                format!("plans[{i}].billing"),
                if billing.is_empty() {
                    "required"
                } else {
                    "not_allowed"
                },
            ));
        }
        plans.push(Plan {
            name: pname.unwrap_or_default(),
            price_fen: p.price_fen.unwrap_or(0),
            billing: billing.to_string(),
        });
    }
    let t = f.terms.clone().unwrap_or_default();
    let scope = multiline_text(
        &mut e,
        "terms.after_sales_scope",
        t.after_sales_scope.as_ref(),
        1000,
    );
    // The terms may follow the first save (the API's product form predates them); a submission
    // needs them (`Terms::missing`).
    let scope = scope.unwrap_or_default();
    let warranty =
        multiline_text(&mut e, "terms.warranty", t.warranty.as_ref(), 1000).unwrap_or_default();
    e.into_result()?;
    Ok(ProductData {
        name,
        category,
        service_type,
        delivery,
        summary,
        description,
        plans,
        terms: Terms {
            after_sales_scope: scope,
            warranty,
        },
    })
}

/// Renders Markdown to HTML that is safe to show: raw HTML is escaped (shown as text), links
/// and images keep only http(s) and mailto targets, and images are not loaded at all (they
/// would fetch from other origins) — their alt text is shown instead.
pub fn render_markdown(src: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let events = Parser::new_ext(src, options).filter_map(|ev| match ev {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        })),
        Event::Start(Tag::Image { .. }) | Event::End(pulldown_cmark::TagEnd::Image) => None,
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let ok = lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with('#')
        || (lower.starts_with('/') && !lower.starts_with("//"));
    if ok {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// The character bigrams of an already lower-cased text that lie within words (no whitespace,
/// no ASCII punctuation but `-`), without repeats, in order of first appearance: the storefront's
/// search index. `"iot 监控"` → `io`, `ot`, `监控`. Any such bigram of a substring of the text is
/// a bigram of the text, so a search can narrow its candidates to the products that have all of
/// its query's bigrams before it compares text.
pub fn bigrams(lower: &str) -> Vec<(char, char)> {
    let word = |c: char| !(c.is_whitespace() || (c.is_ascii_punctuation() && c != '-'));
    let mut out: Vec<(char, char)> = Vec::new();
    let mut prev: Option<char> = None;
    for c in lower.chars() {
        if let Some(p) = prev {
            if word(p) && word(c) && !out.contains(&(p, c)) {
                out.push((p, c));
            }
        }
        prev = Some(c);
    }
    out
}

/// The lowest plan price, for listings.
pub fn price_from(plans: &[Plan]) -> Option<i64> {
    plans.iter().map(|p| p.price_fen).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn product_statuses_serialise_as_they_are_named() {
        use ProductStatus as P;
        for s in [P::Draft, P::InReview, P::Rejected, P::Listed, P::Unlisted] {
            assert_eq!(
                serde_json::to_value(s).ok(),
                Some(serde_json::json!(s.as_str()))
            );
        }
    }

    fn form() -> ProductForm {
        ProductForm {
            name: Some("IoT 设备管理平台".into()),
            category: Some("iot".into()),
            service_type: Some("saas".into()),
            delivery: Some("saas".into()),
            summary: Some("Manage device fleets".into()),
            description: Some("# Features\n\n- OTA".into()),
            plans: Some(vec![PlanForm {
                name: Some("Basic".into()),
                price_fen: Some(9900),
                billing: Some("monthly".into()),
            }]),
            terms: Some(TermsForm {
                after_sales_scope: Some("7×24 tickets".into()),
                warranty: Some("99.9% SLA".into()),
            }),
            callback_url: None,
        }
    }

    #[test]
    fn a_full_form_is_valid() {
        let d =
            validate(&form(), &["iot".into()], &["saas".into()], &["saas".into()]).expect("valid");
        assert_eq!(d.plans[0].price_fen, 9900);
    }

    #[test]
    fn a_service_type_the_company_did_not_declare_is_refused() {
        let catalog = ["saas".to_string(), "offline-service".to_string()];
        let errs = validate(
            &form(),
            &["iot".into()],
            &["offline-service".into()],
            &catalog,
        )
        .expect_err("saas was not declared");
        assert_eq!(
            (errs[0].field.as_str(), errs[0].code),
            ("service_type", "service_type_not_declared")
        );
    }

    #[test]
    fn an_undeclared_category_and_a_negative_price_are_refused() {
        let mut f = form();
        f.plans = Some(vec![PlanForm {
            name: Some("x".into()),
            price_fen: Some(-1),
            billing: Some("weekly".into()),
        }]);
        let errs = validate(
            &f,
            &["api-market".into()],
            &["saas".into()],
            &["saas".into()],
        )
        .expect_err("bad");
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(got.contains(&("category", "not_declared")), "{got:?}");
        assert!(
            got.contains(&("plans[0].price_fen", "out_of_range")),
            "{got:?}"
        );
        assert!(
            got.contains(&("plans[0].billing", "not_allowed")),
            "{got:?}"
        );
    }

    fn strings(b: Vec<(char, char)>) -> Vec<String> {
        b.into_iter().map(|(a, b)| format!("{a}{b}")).collect()
    }

    #[test]
    fn bigrams_lie_within_words() {
        assert_eq!(strings(bigrams("iot 监控")), vec!["io", "ot", "监控"]);
        assert_eq!(strings(bigrams("a")), Vec::<String>::new());
        assert_eq!(strings(bigrams("")), Vec::<String>::new());
        assert_eq!(
            strings(bigrams("设备监控平台，设备")),
            vec!["设备", "备监", "监控", "控平", "平台", "台，", "，设"]
        );
        assert_eq!(
            strings(bigrams("e-mail, a.b")),
            vec!["e-", "-m", "ma", "ai", "il"]
        );
    }

    proptest::proptest! {
        /// Whatever a product says, every bigram of a query found in it is among its bigrams.
        #[test]
        fn a_substring_query_only_uses_bigrams_of_the_text(text in "\\PC{0,40}", start in 0usize..40, len in 2usize..8) {
            let lower = text.to_lowercase();
            let chars: Vec<char> = lower.chars().collect();
            if start + len <= chars.len() {
                let query: String = chars[start..start + len].iter().collect();
                let all = bigrams(&lower);
                for t in bigrams(&query) {
                    proptest::prop_assert!(all.contains(&t), "{t:?} of {query:?} not in terms of {text:?}");
                }
            }
        }
    }

    #[test]
    fn markdown_is_sanitised() {
        let html = render_markdown(
            "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) [ok](https://a.example) ![img](https://evil.example/t.png)\n\n<img src=x onerror=alert(1)>",
        );
        assert!(html.contains("<h1>Hi</h1>"));
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("href=\"https://a.example\""));
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("evil.example"), "{html}");
    }
}
