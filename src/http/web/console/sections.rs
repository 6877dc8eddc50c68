//! The review screen's submission as the company filled it in: the form's sections in the form's
//! order, each value in words (ID types, "same as the legal representative", catalog names,
//! prices, times), the product description rendered as the storefront renders it, and beside
//! each value the earlier submission's (or the account in force), changes marked.

use serde_json::Value;

use crate::domain::catalog::CatalogEntry;
use crate::domain::money::Fen;
use crate::domain::product::render_markdown;
use crate::http::web::page::Page;

pub use super::catalog_names::CatalogNames;

/// A value as shown: text, and for Markdown its sanitised HTML.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shown {
    pub text: String,
    pub html: Option<String>,
}

impl Shown {
    pub fn is_empty(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// One field of the submission beside its earlier value.
pub struct FieldRow {
    /// The field as reasons name it (`legal_rep.id_type`).
    pub name: String,
    /// Its name within its section ("ID type" under "Legal representative").
    pub label: String,
    pub value: Shown,
    pub earlier: Option<Shown>,
    pub changed: bool,
}

pub struct Section {
    pub title: String,
    pub rows: Vec<FieldRow>,
}

/// How a value reads.
#[derive(Clone, Copy)]
enum How {
    Text,
    /// An enumerated value: the text of `<prefix>.<value>`.
    Words(&'static str),
    Categories,
    ServiceTypes,
    Markdown,
    Plans,
    /// An RFC 3339 time.
    Time,
    /// A document's last valid day (`YYYY-MM-DD`) in words; "long-term" when the flag at the
    /// given path is set, "not recorded" when neither.
    Term(&'static str),
    Years,
    /// Text that only some submissions have (a SaaS product's callback URL): no row when
    /// neither side has it.
    IfAny,
}

/// A field: its path in the submission, the text key of its label, how it reads.
type Field = (&'static str, &'static str, How);

/// The sections of each kind's form, in the form's order.
type Layout = &'static [(&'static str, &'static [Field])];

const ENTERPRISE: Layout = &[
    (
        "console.section.company",
        &[
            ("subject_type", "label.subject_type", How::Words("subject")),
            ("company_name", "fieldname.company_name", How::Text),
            ("uscc", "label.uscc", How::Text),
            ("registered_address", "label.registered_address", How::Text),
        ],
    ),
    VALIDITY,
    (
        "console.section.legal_rep",
        &[
            ("legal_rep.name", "label.person_name", How::Text),
            ("legal_rep.id_type", "label.id_type", How::Words("id_type")),
            ("legal_rep.id_number_masked", "label.id_number", How::Text),
        ],
    ),
    (
        "console.section.authorized_person",
        &[
            ("authorized_person.name", "label.person_name", How::Text),
            (
                "authorized_person.id_type",
                "label.id_type",
                How::Words("id_type"),
            ),
            (
                "authorized_person.id_number_masked",
                "label.id_number",
                How::Text,
            ),
        ],
    ),
    (
        "console.section.corporate_account",
        &[
            ("corporate_account.bank_name", "label.bank_name", How::Text),
            ("corporate_account.province", "label.province", How::Text),
            ("corporate_account.city", "label.city", How::Text),
            (
                "corporate_account.branch_name",
                "label.branch_name",
                How::Text,
            ),
            (
                "corporate_account.account_number_masked",
                "label.account_number",
                How::Text,
            ),
        ],
    ),
];

const APPLICATION: Layout = &[
    (
        "console.section.contact",
        &[
            ("contact.name", "label.person_name", How::Text),
            ("contact.title", "label.job_title", How::Text),
            ("contact.mobile", "label.mobile", How::Text),
            ("contact.email", "label.email", How::Text),
        ],
    ),
    (
        "console.section.business",
        &[
            ("business_brief", "label.business_brief", How::Text),
            ("categories", "fieldname.categories", How::Categories),
            (
                "service_types",
                "fieldname.service_types",
                How::ServiceTypes,
            ),
        ],
    ),
    (
        "console.section.commitments",
        &[
            ("service_hours", "label.service_hours", How::Words("hours")),
            ("years_in_industry", "label.years_in_industry", How::Years),
        ],
    ),
    (
        "console.section.agreement",
        &[
            (
                "agreement_version",
                "fieldname.agreement_version",
                How::Text,
            ),
            (
                "agreement_accepted_at",
                "fieldname.agreement_accepted_at",
                How::Time,
            ),
        ],
    ),
];

const VALIDITY: (&str, &[Field]) = (
    "console.section.validity",
    &[
        (
            "license_valid_until",
            "fieldname.license_valid_until",
            How::Term("license_long_term"),
        ),
        (
            "legal_rep.id_valid_until",
            "fieldname.legal_rep.id_valid_until",
            How::Term("legal_rep.id_long_term"),
        ),
    ],
);

const REVERIFICATION: Layout = &[VALIDITY];

const SETTLEMENT: Layout = &[(
    "console.section.settlement",
    &[
        ("account_name", "fieldname.account_name", How::Text),
        ("bank_name", "fieldname.bank_name", How::Text),
        ("branch_name", "fieldname.branch_name", How::Text),
        ("branch_code", "fieldname.branch_code", How::Text),
        (
            "account_number_masked",
            "fieldname.account_number_masked",
            How::Text,
        ),
    ],
)];

const PRODUCT: Layout = &[
    (
        "console.section.product",
        &[
            ("name", "product.name", How::Text),
            ("category", "fieldname.category", How::Categories),
            ("service_type", "fieldname.service_type", How::ServiceTypes),
            ("delivery", "fieldname.delivery", How::Words("delivery")),
            ("callback_url", "fieldname.callback_url", How::IfAny),
        ],
    ),
    (
        "console.section.product_text",
        &[
            ("summary", "fieldname.summary", How::Text),
            ("description", "fieldname.description", How::Markdown),
        ],
    ),
    (
        "console.section.plans",
        &[("plans", "fieldname.plans", How::Plans)],
    ),
    (
        "console.section.terms",
        &[
            (
                "terms.after_sales_scope",
                "fieldname.terms.after_sales_scope",
                How::Text,
            ),
            ("terms.warranty", "fieldname.terms.warranty", How::Text),
        ],
    ),
];

/// Keys of a submission that are not data the company typed (shown elsewhere, or internal).
const NOT_SHOWN: &[&str] = &["uscc_check_failed", "revision"];

fn layout(kind: &str) -> Layout {
    match kind {
        "enterprise_verification" => ENTERPRISE,
        "partner_application" => APPLICATION,
        "settlement_change" => SETTLEMENT,
        "reverification" => REVERIFICATION,
        "product" => PRODUCT,
        _ => &[],
    }
}

/// Each section's title key with the paths of its fields (the reason library's choices).
pub fn field_paths(kind: &str) -> Vec<(&'static str, Vec<&'static str>)> {
    let paths = |f: &[Field]| f.iter().map(|(p, _, _)| *p).collect();
    layout(kind).iter().map(|(t, f)| (*t, paths(f))).collect()
}

fn catalog_name(page: &Page, list: &[CatalogEntry], slug: &str) -> String {
    list.iter()
        .find(|e| e.slug == slug)
        .map(|e| page.pick(&e.name_zh, &e.name_en).to_string())
        .unwrap_or_else(|| slug.to_string())
}

fn at<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(data, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// A value of the submission in words.
fn shown(page: &Page, names: &CatalogNames, how: How, v: Option<&Value>) -> Shown {
    let Some(v) = v else {
        return Shown::default();
    };
    let text = match how {
        How::Text | How::IfAny => plain(v),
        How::Words(prefix) => {
            let raw = plain(v);
            let key = format!("{prefix}.{raw}");
            let words = page.t(&key);
            if words == key {
                raw
            } else {
                words
            }
        }
        How::Categories | How::ServiceTypes => {
            let list = match how {
                How::Categories => &names.categories,
                _ => &names.service_types,
            };
            let slugs: Vec<String> = match v {
                Value::Array(items) => items.iter().map(plain).collect(),
                other => vec![plain(other)],
            };
            let words: Vec<String> = slugs.iter().map(|s| catalog_name(page, list, s)).collect();
            words.join(page.pick("、", ", "))
        }
        How::Markdown => {
            let text = plain(v);
            return Shown {
                html: Some(render_markdown(&text)),
                text,
            };
        }
        How::Plans => v
            .as_array()
            .map(|plans| {
                plans
                    .iter()
                    .map(|p| {
                        let name = p.get("name").map(plain).unwrap_or_default();
                        let price = p
                            .get("price_fen")
                            .and_then(Value::as_i64)
                            .map(|f| Fen(f).to_string())
                            .unwrap_or_default();
                        let billing = p.get("billing").map(plain).unwrap_or_default();
                        format!(
                            "{name} · {price} · {}",
                            page.t(&format!("billing.{billing}"))
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default(),
        How::Term(_) => plain(v),
        How::Time => {
            let raw = plain(v);
            time::OffsetDateTime::parse(&raw, &time::format_description::well_known::Rfc3339)
                .map(|t| page.time(&((t.unix_timestamp_nanos() / 1_000_000) as i64)))
                .unwrap_or(raw)
        }
        How::Years => v
            .as_i64()
            .map(|n| page.tf("console.years", "n", &n.to_string()))
            .unwrap_or_else(|| plain(v)),
    };
    Shown { text, html: None }
}

/// Whether the authorised person is "the same as the legal representative" in `data`.
fn same_as_legal_rep(data: &Value) -> bool {
    at(data, "authorized_person.same_as_legal_rep") == Some(&Value::Bool(true))
}

/// The authorised person's one row when they are the legal representative.
fn same_row(page: &Page, data: Option<&Value>) -> Shown {
    match data {
        Some(d) if same_as_legal_rep(d) => Shown {
            text: page.t("console.same_as_legal_rep"),
            html: None,
        },
        Some(_) => Shown {
            text: page.t("console.other_person"),
            html: None,
        },
        None => Shown::default(),
    }
}

/// The submission `data` of an item of `kind` in sections, each value beside the one in
/// `earlier` (when there is something to compare with).
pub fn sections(
    page: &Page,
    names: &CatalogNames,
    kind: &str,
    data: &Value,
    earlier: Option<&Value>,
) -> Vec<Section> {
    let mut out = Vec::new();
    let mut covered: Vec<&str> = NOT_SHOWN.to_vec();
    for (title, fields) in layout(kind) {
        let mut rows = Vec::new();
        for (path, label, how) in *fields {
            covered.push(path.split('.').next().unwrap_or(path));
            // The authorised person: one row when it is the legal representative.
            if path.starts_with("authorized_person.") && same_as_legal_rep(data) {
                if *path == "authorized_person.name" {
                    rows.push(row(
                        "authorized_person.same_as_legal_rep",
                        page.t("label.person_name"),
                        same_row(page, Some(data)),
                        earlier.map(|e| same_row(page, Some(e))),
                    ));
                }
                continue;
            }
            if let How::Term(flag) = how {
                covered.push(flag.split('.').next().unwrap_or(flag));
                let value = Shown {
                    text: super::terms::term_words(page, data, path, flag),
                    html: None,
                };
                let before = earlier.map(|e| Shown {
                    text: super::terms::term_words(page, e, path, flag),
                    html: None,
                });
                rows.push(row(path, page.t(label), value, before));
                continue;
            }
            if matches!(how, How::IfAny)
                && at(data, path).is_none()
                && earlier.and_then(|e| at(e, path)).is_none()
            {
                continue;
            }
            let value = shown(page, names, *how, at(data, path));
            let before = earlier.map(|e| shown(page, names, *how, at(e, path)));
            rows.push(row(path, page.t(label), value, before));
        }
        if !rows.is_empty() {
            out.push(Section {
                title: page.t(title),
                rows,
            });
        }
    }
    // Anything the layout does not know is still shown, under its own heading.
    let mut rest = Vec::new();
    if let Value::Object(map) = data {
        for (key, v) in map {
            if covered.contains(&key.as_str()) {
                continue;
            }
            let mut flat = Vec::new();
            flatten(key, v, &mut flat);
            for (name, value) in flat {
                let before = earlier.map(|e| {
                    let mut f = Vec::new();
                    if let Some(v) = e.get(key) {
                        flatten(key, v, &mut f);
                    }
                    text(f.into_iter().find(|(n, _)| *n == name).map(|(_, v)| v))
                });
                let label = page.field_label(&name);
                rest.push(row(&name, label, text(Some(value)), before));
            }
        }
    }
    if !rest.is_empty() {
        out.push(Section {
            title: page.t("console.section.other"),
            rows: rest,
        });
    }
    out
}

fn text(v: Option<String>) -> Shown {
    Shown {
        text: v.unwrap_or_default(),
        html: None,
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(plain).collect();
            out.push((prefix.to_string(), joined.join(", ")));
        }
        other => out.push((prefix.to_string(), plain(other))),
    }
}

fn row(name: &str, label: String, value: Shown, earlier: Option<Shown>) -> FieldRow {
    let changed = earlier.as_ref().is_some_and(|e| e.text != value.text);
    FieldRow {
        name: name.to_string(),
        label,
        value,
        earlier,
        changed,
    }
}
