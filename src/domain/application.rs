//! The move-in (partner) application: contact person, business brief, the categories and
//! service types the company will release, service commitments and the provider agreement.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::account::Email;
use super::ids::MobilePhone;
use super::text::{multiline_text, text};
use super::{FieldError, FieldErrors};

/// Customer-service commitments, at least 5×8 (five days a week, eight hours a day).
pub const SERVICE_HOURS: &[&str] = &["5x8", "5x12", "7x8", "7x12", "7x24"];

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationForm {
    pub contact: Option<ContactForm>,
    /// What the company does and what it will release (20–2000 characters).
    pub business_brief: Option<String>,
    /// Category slugs from `GET /api/v1/catalog/categories`.
    pub categories: Option<Vec<String>>,
    /// Service-type slugs from `GET /api/v1/catalog/service-types`.
    pub service_types: Option<Vec<String>>,
    /// `5x8`, `5x12`, `7x8`, `7x12` or `7x24`.
    pub service_hours: Option<String>,
    pub years_in_industry: Option<i64>,
    /// The accepted provider agreement version (the version in force, `YYYY-MM`).
    pub agreement_version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactForm {
    pub name: Option<String>,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// A validated application, as stored (JSON) and shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ApplicationData {
    pub contact: ContactData,
    pub business_brief: Option<String>,
    pub categories: Vec<String>,
    pub service_types: Vec<String>,
    pub service_hours: Option<String>,
    pub years_in_industry: Option<i64>,
    pub agreement_version: Option<String>,
    /// When the agreement was accepted (RFC 3339).
    pub agreement_accepted_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactData {
    pub name: Option<String>,
    pub title: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

fn slugs(
    errors: &mut FieldErrors,
    field: &str,
    values: Option<&Vec<String>>,
    known: &[String],
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, v) in values
        .map(|v| v.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let v = v.trim();
        if !known.iter().any(|k| k == v) {
            errors.push(FieldError::new(format!("{field}[{i}]"), "not_allowed"));
        } else if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// Checks every field that is present; `categories`/`service_types` are checked against the
/// active catalog. `accepted_at` is stamped when the agreement version is (re-)accepted.
pub fn validate_draft(
    form: &ApplicationForm,
    categories: &[String],
    service_types: &[String],
    previous: Option<&ApplicationData>,
    agreement_in_force: &str,
    now_rfc3339: &str,
) -> Result<ApplicationData, Vec<FieldError>> {
    let (data, errors) = check_draft(
        form,
        categories,
        service_types,
        previous,
        agreement_in_force,
        now_rfc3339,
    );
    if errors.is_empty() {
        Ok(data)
    } else {
        Err(errors)
    }
}

/// Checks every field that is present and keeps what is valid: the data (a refused field left
/// out) and every bad field at once.
pub fn check_draft(
    form: &ApplicationForm,
    categories: &[String],
    service_types: &[String],
    previous: Option<&ApplicationData>,
    agreement_in_force: &str,
    now_rfc3339: &str,
) -> (ApplicationData, Vec<FieldError>) {
    let mut e = FieldErrors::default();
    let c = form.contact.clone().unwrap_or_default();
    let mobile = match c.mobile.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(m) => match MobilePhone::parse(m) {
            Ok(m) => Some(m.as_str().to_string()),
            Err(err) => {
                e.push(FieldError::new("contact.mobile", err.code()));
                None
            }
        },
    };
    let email = match c.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(m) => match Email::parse(m) {
            Ok(m) => Some(m.as_str().to_string()),
            Err(code) => {
                e.push(FieldError::new("contact.email", code));
                None
            }
        },
    };
    let brief = multiline_text(&mut e, "business_brief", form.business_brief.as_ref(), 2000);
    if brief.as_ref().is_some_and(|b| b.chars().count() < 20) {
        e.push(FieldError::new("business_brief", "too_short").with("min", 20));
    }
    let hours = form
        .service_hours
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(h) = hours {
        if !SERVICE_HOURS.contains(&h) {
            e.push(FieldError::new("service_hours", "not_allowed"));
        }
    }
    if let Some(y) = form.years_in_industry {
        if !(0..=100).contains(&y) {
            e.push(
                FieldError::new("years_in_industry", "out_of_range")
                    .with("min", 0)
                    .with("max", 100),
            );
        }
    }
    let agreement = form
        .agreement_version
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(v) = agreement {
        if v != agreement_in_force {
            e.push(
                FieldError::new("agreement_version", "agreement_outdated")
                    .with("version", agreement_in_force),
            );
        }
    }
    let data = ApplicationData {
        contact: ContactData {
            name: text(&mut e, "contact.name", c.name.as_ref(), 50),
            title: text(&mut e, "contact.title", c.title.as_ref(), 50),
            mobile,
            email,
        },
        business_brief: brief,
        categories: slugs(&mut e, "categories", form.categories.as_ref(), categories),
        service_types: slugs(
            &mut e,
            "service_types",
            form.service_types.as_ref(),
            service_types,
        ),
        service_hours: hours.map(str::to_string),
        years_in_industry: form.years_in_industry,
        agreement_version: agreement.map(str::to_string),
        agreement_accepted_at: agreement.map(|v| match previous {
            Some(p)
                if p.agreement_version.as_deref() == Some(v)
                    && p.agreement_accepted_at.is_some() =>
            {
                p.agreement_accepted_at.clone().unwrap_or_default()
            }
            _ => now_rfc3339.to_string(),
        }),
    };
    (data, e.0)
}

/// Every field a submission still lacks.
pub fn missing_for_submission(d: &ApplicationData) -> Vec<FieldError> {
    let mut missing = Vec::new();
    let mut need = |present: bool, field: &str| {
        if !present {
            missing.push(FieldError::new(field, "required"));
        }
    };
    need(d.contact.name.is_some(), "contact.name");
    need(d.contact.title.is_some(), "contact.title");
    need(d.contact.mobile.is_some(), "contact.mobile");
    need(d.contact.email.is_some(), "contact.email");
    need(d.business_brief.is_some(), "business_brief");
    need(!d.categories.is_empty(), "categories");
    need(!d.service_types.is_empty(), "service_types");
    need(d.service_hours.is_some(), "service_hours");
    need(d.years_in_industry.is_some(), "years_in_industry");
    need(d.agreement_version.is_some(), "agreement_version");
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> (Vec<String>, Vec<String>) {
        (
            vec!["iot".into(), "api-market".into()],
            vec!["saas".into(), "image".into()],
        )
    }

    #[test]
    fn unknown_slugs_are_named_by_position() {
        let (c, s) = catalog();
        let form = ApplicationForm {
            categories: Some(vec!["iot".into(), "gambling".into()]),
            service_types: Some(vec!["saas".into()]),
            ..Default::default()
        };
        let errs = validate_draft(&form, &c, &s, None, "2026-01", "t").expect_err("bad slug");
        assert_eq!(errs[0].field, "categories[1]");
    }

    #[test]
    fn accepting_the_agreement_is_stamped_once() {
        let (c, s) = catalog();
        let form = ApplicationForm {
            agreement_version: Some("2026-01".into()),
            ..Default::default()
        };
        let first = validate_draft(&form, &c, &s, None, "2026-01", "T1").expect("ok");
        assert_eq!(first.agreement_accepted_at.as_deref(), Some("T1"));
        let again = validate_draft(&form, &c, &s, Some(&first), "2026-01", "T2").expect("ok");
        assert_eq!(again.agreement_accepted_at.as_deref(), Some("T1"));
        let old = ApplicationForm {
            agreement_version: Some("2020-01".into()),
            ..Default::default()
        };
        assert!(validate_draft(&old, &c, &s, None, "2026-01", "T").is_err());
    }

    #[test]
    fn an_empty_draft_misses_everything() {
        assert_eq!(
            missing_for_submission(&ApplicationData::default()).len(),
            10
        );
    }
}
