//! Enterprise real-name verification: the form (subject, company, legal representative,
//! authorised person, corporate account), its field rules, what a submission needs, and the
//! micro-deposit check.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::ids::{AccountNumber, IdError, IdNumber, IdType, Uscc};
use super::text::text;
use super::validity::{self, check_term, term_input, Document, Term, TermInput};
use super::{FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectType {
    Enterprise,
    SoleProprietor,
}

/// The form as a client sends it (`PUT /api/v1/me/enterprise`). Every field is optional in a
/// draft; `submit` needs them all.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterpriseForm {
    pub subject_type: Option<SubjectType>,
    pub company_name: Option<String>,
    /// Unified Social Credit Code, 18 characters.
    pub uscc: Option<String>,
    /// `true`: the code is exactly as printed on the business licence although it fails its
    /// check character (a few real codes do); an operator confirms it when reviewing. Without
    /// it such a code is refused (`uscc: checksum`).
    pub uscc_check_override: Option<bool>,
    pub registered_address: Option<String>,
    /// The last day the business licence is valid (`YYYY-MM-DD`, a calendar day in China,
    /// UTC+8), or `null` for a long-term licence (长期). Omitted: not given yet (a submission
    /// needs it). A day already past is refused (`document_expired`).
    #[serde(default, deserialize_with = "term_input")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub license_valid_until: TermInput,
    pub legal_rep: Option<PersonForm>,
    pub authorized_person: Option<AuthorizedForm>,
    pub corporate_account: Option<CorporateAccountForm>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonForm {
    pub name: Option<String>,
    pub id_type: Option<IdType>,
    /// Omit to keep the number saved earlier, under the same `id_type` (a change of type without
    /// a number drops the old one). Answers only ever show it masked.
    pub id_number: Option<String>,
    /// The last day the ID is valid (`YYYY-MM-DD`, a calendar day in China, UTC+8), or `null`
    /// for a long-term ID (长期). Omitted: not given yet (a submission needs it).
    #[serde(default, deserialize_with = "term_input")]
    #[schema(value_type = Option<String>, format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub id_valid_until: TermInput,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizedForm {
    pub same_as_legal_rep: Option<bool>,
    pub name: Option<String>,
    pub id_type: Option<IdType>,
    /// Omit to keep the number saved earlier.
    pub id_number: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorporateAccountForm {
    pub bank_name: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub branch_name: Option<String>,
    /// Omit to keep the number saved earlier.
    pub account_number: Option<String>,
}

/// The non-secret part of a draft, as stored (JSON) and shown. Secret numbers are held apart,
/// encrypted; only their masked forms are here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct EnterpriseData {
    pub subject_type: Option<SubjectType>,
    pub company_name: Option<String>,
    pub uscc: Option<String>,
    /// The code fails its check character and the provider says it is the one on the licence:
    /// approving needs the operator's `override_reason`.
    #[serde(default)]
    pub uscc_check_failed: bool,
    pub registered_address: Option<String>,
    /// The licence's last valid day (`YYYY-MM-DD`, China's calendar); `null` with
    /// `license_long_term` for a long-term licence, `null` alone when not given.
    #[serde(default)]
    pub license_valid_until: Option<String>,
    #[serde(default)]
    pub license_long_term: bool,
    pub legal_rep: PersonData,
    pub authorized_person: AuthorizedData,
    pub corporate_account: CorporateAccountData,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PersonData {
    pub name: Option<String>,
    pub id_type: Option<IdType>,
    pub id_number_masked: Option<String>,
    /// The ID's last valid day; `null` with `id_long_term` for a long-term ID, `null` alone
    /// when not given.
    #[serde(default)]
    pub id_valid_until: Option<String>,
    #[serde(default)]
    pub id_long_term: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuthorizedData {
    pub same_as_legal_rep: Option<bool>,
    pub name: Option<String>,
    pub id_type: Option<IdType>,
    pub id_number_masked: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CorporateAccountData {
    pub bank_name: Option<String>,
    pub province: Option<String>,
    pub city: Option<String>,
    pub branch_name: Option<String>,
    pub account_number_masked: Option<String>,
}

/// A secret that a form changes: `Keep` the stored one, `Clear` it, or `Set` a new value.
#[derive(Debug)]
pub enum SecretChange<T> {
    Keep,
    Clear,
    Set(T),
}

impl<T> SecretChange<T> {
    /// An ID number kept from before was checked against the document type it came with: when
    /// the type changes and no number comes with it, the old number goes (a submission then asks
    /// for it), so that no number stands under a type whose rules it never passed.
    pub fn for_type(self, before: Option<IdType>, now: Option<IdType>) -> Self {
        match self {
            SecretChange::Keep if before != now => SecretChange::Clear,
            other => other,
        }
    }
}

/// A validated draft: the data to store and the secrets to (re-)encrypt.
#[derive(Debug)]
pub struct ValidatedDraft {
    pub data: EnterpriseData,
    pub legal_rep_id: SecretChange<IdNumber>,
    pub authorized_id: SecretChange<IdNumber>,
    pub account_number: SecretChange<AccountNumber>,
}

const MAX_TEXT: usize = 200;

fn secret_id(
    errors: &mut FieldErrors,
    field: &str,
    id_type: Option<IdType>,
    value: Option<&String>,
) -> SecretChange<IdNumber> {
    match value.map(|s| s.trim()) {
        None => SecretChange::Keep,
        Some("") => SecretChange::Clear,
        Some(v) => match id_type {
            None => {
                errors.push(FieldError::new(
                    field.replace("id_number", "id_type"),
                    "required",
                ));
                SecretChange::Keep
            }
            Some(t) => match IdNumber::parse(t, v) {
                Ok(n) => SecretChange::Set(n),
                Err(e) => {
                    errors.push(FieldError::new(field, e.code()));
                    SecretChange::Keep
                }
            },
        },
    }
}

/// Checks every field that is present; the answer names every bad field at once.
pub fn validate_draft(
    form: &EnterpriseForm,
    today: jiff::civil::Date,
) -> Result<ValidatedDraft, Vec<FieldError>> {
    let (draft, errors) = check_draft(form, today);
    if errors.is_empty() {
        Ok(draft)
    } else {
        Err(errors)
    }
}

/// Checks every field that is present and keeps what is valid: the draft (a refused field is
/// left out, a refused secret kept as stored) and every bad field at once. A page saves the
/// valid part, so nothing typed correctly is lost beside a mistake.
pub fn check_draft(
    form: &EnterpriseForm,
    today: jiff::civil::Date,
) -> (ValidatedDraft, Vec<FieldError>) {
    let mut e = FieldErrors::default();
    let mut uscc_check_failed = false;
    let uscc = match form
        .uscc
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(v) => match Uscc::parse(v) {
            Ok(u) => Some(u),
            Err(IdError::Checksum) if form.uscc_check_override == Some(true) => {
                uscc_check_failed = true;
                Uscc::parse_failing_check(v).ok()
            }
            Err(err) => {
                e.push(FieldError::new("uscc", err.code()));
                None
            }
        },
    };
    if let (Some(t), Some(u)) = (form.subject_type, &uscc) {
        // Registration authority 9 (market regulation): entity type 1 = enterprise, 2 = sole
        // proprietorship (个体工商户).
        let sole = u.as_str().starts_with("92");
        if (t == SubjectType::SoleProprietor) != sole {
            e.push(FieldError::new("uscc", "subject_type_mismatch"));
        }
    }
    let legal = form.legal_rep.clone().unwrap_or_default();
    let auth = form.authorized_person.clone().unwrap_or_default();
    let acct = form.corporate_account.clone().unwrap_or_default();
    let same = auth.same_as_legal_rep;
    let (license_valid_until, license_long_term) = validity::stored(check_term(
        &mut e,
        "license_valid_until",
        &form.license_valid_until,
        today,
    ));
    let (id_valid_until, id_long_term) = validity::stored(check_term(
        &mut e,
        "legal_rep.id_valid_until",
        &legal.id_valid_until,
        today,
    ));
    if form.subject_type == Some(SubjectType::SoleProprietor) && same == Some(false) {
        e.push(FieldError::new(
            "authorized_person.same_as_legal_rep",
            "sole_proprietor_self",
        ));
    }
    let data = EnterpriseData {
        subject_type: form.subject_type,
        company_name: text(&mut e, "company_name", form.company_name.as_ref(), MAX_TEXT),
        uscc: uscc.as_ref().map(|u| u.as_str().to_string()),
        uscc_check_failed,
        registered_address: text(
            &mut e,
            "registered_address",
            form.registered_address.as_ref(),
            MAX_TEXT,
        ),
        license_valid_until,
        license_long_term,
        legal_rep: PersonData {
            name: text(&mut e, "legal_rep.name", legal.name.as_ref(), 50),
            id_type: legal.id_type,
            id_number_masked: None,
            id_valid_until,
            id_long_term,
        },
        authorized_person: AuthorizedData {
            same_as_legal_rep: same,
            name: if same == Some(true) {
                None
            } else {
                text(&mut e, "authorized_person.name", auth.name.as_ref(), 50)
            },
            id_type: if same == Some(true) {
                None
            } else {
                auth.id_type
            },
            id_number_masked: None,
        },
        corporate_account: CorporateAccountData {
            bank_name: text(
                &mut e,
                "corporate_account.bank_name",
                acct.bank_name.as_ref(),
                100,
            ),
            province: text(
                &mut e,
                "corporate_account.province",
                acct.province.as_ref(),
                50,
            ),
            city: text(&mut e, "corporate_account.city", acct.city.as_ref(), 50),
            branch_name: text(
                &mut e,
                "corporate_account.branch_name",
                acct.branch_name.as_ref(),
                100,
            ),
            account_number_masked: None,
        },
    };
    let legal_rep_id = secret_id(
        &mut e,
        "legal_rep.id_number",
        legal.id_type,
        legal.id_number.as_ref(),
    );
    let authorized_id = if same == Some(true) {
        SecretChange::Clear
    } else {
        secret_id(
            &mut e,
            "authorized_person.id_number",
            auth.id_type,
            auth.id_number.as_ref(),
        )
    };
    let account_number = match acct.account_number.as_deref().map(str::trim) {
        None => SecretChange::Keep,
        Some("") => SecretChange::Clear,
        Some(v) => match AccountNumber::parse(v) {
            Ok(n) => SecretChange::Set(n),
            Err(err) => {
                e.push(FieldError::new(
                    "corporate_account.account_number",
                    err.code(),
                ));
                SecretChange::Keep
            }
        },
    };
    (
        ValidatedDraft {
            data,
            legal_rep_id,
            authorized_id,
            account_number,
        },
        e.0,
    )
}

/// What a stored draft holds, as far as submission cares.
pub struct DraftState<'a> {
    pub data: &'a EnterpriseData,
    pub has_legal_rep_id: bool,
    pub has_authorized_id: bool,
    pub has_account_number: bool,
    pub has_business_license: bool,
    pub has_authorization_letter: bool,
    /// The marketplace's day: a term that ended before it is refused.
    pub today: jiff::civil::Date,
}

/// Every field and document a submission still lacks (all at once).
pub fn missing_for_submission(s: &DraftState<'_>) -> Vec<FieldError> {
    let d = s.data;
    let mut missing = Vec::new();
    let mut need = |present: bool, field: &str| {
        if !present {
            missing.push(FieldError::new(field, "required"));
        }
    };
    need(d.subject_type.is_some(), "subject_type");
    need(d.company_name.is_some(), "company_name");
    need(d.uscc.is_some(), "uscc");
    need(d.registered_address.is_some(), "registered_address");
    let mut expired = Vec::new();
    for (doc, term) in [
        (Document::BusinessLicense, d.license_term()),
        (Document::LegalRepId, d.legal_rep_id_term()),
    ] {
        match term {
            Term::Unknown => need(false, doc.field()),
            Term::Until(day) if day < s.today => {
                expired.push(FieldError::new(doc.field(), "document_expired"))
            }
            _ => {}
        }
    }
    need(d.legal_rep.name.is_some(), "legal_rep.name");
    need(d.legal_rep.id_type.is_some(), "legal_rep.id_type");
    need(s.has_legal_rep_id, "legal_rep.id_number");
    match d.authorized_person.same_as_legal_rep {
        None => need(false, "authorized_person.same_as_legal_rep"),
        Some(true) => {}
        Some(false) => {
            need(d.authorized_person.name.is_some(), "authorized_person.name");
            need(
                d.authorized_person.id_type.is_some(),
                "authorized_person.id_type",
            );
            need(s.has_authorized_id, "authorized_person.id_number");
            need(s.has_authorization_letter, "documents.authorization_letter");
        }
    }
    need(
        d.corporate_account.bank_name.is_some(),
        "corporate_account.bank_name",
    );
    need(
        d.corporate_account.province.is_some(),
        "corporate_account.province",
    );
    need(d.corporate_account.city.is_some(), "corporate_account.city");
    need(
        d.corporate_account.branch_name.is_some(),
        "corporate_account.branch_name",
    );
    need(s.has_account_number, "corporate_account.account_number");
    need(s.has_business_license, "documents.business_license");
    missing.extend(expired);
    missing
}

/// The state of a verification draft or submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStatus {
    Draft,
    InReview,
    Rejected,
    Approved,
}

impl VerificationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationStatus::Draft => "draft",
            VerificationStatus::InReview => "in_review",
            VerificationStatus::Rejected => "rejected",
            VerificationStatus::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<VerificationStatus> {
        match s {
            "draft" => Some(VerificationStatus::Draft),
            "in_review" => Some(VerificationStatus::InReview),
            "rejected" => Some(VerificationStatus::Rejected),
            "approved" => Some(VerificationStatus::Approved),
            _ => None,
        }
    }

    /// A draft or a rejected submission can be edited; the others are locked.
    pub fn editable(self) -> bool {
        matches!(
            self,
            VerificationStatus::Draft | VerificationStatus::Rejected
        )
    }
}

pub use super::deposit::{DepositStatus, DEPOSIT_MAX_FEN, DEPOSIT_MIN_FEN};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deposit_statuses_serialise_as_they_are_named() {
        use DepositStatus as D;
        for d in [
            D::NotSent,
            D::Sent,
            D::Frozen,
            D::Void,
            D::Requested,
            D::Confirmed,
        ] {
            assert_eq!(
                serde_json::to_value(d).ok(),
                Some(serde_json::json!(d.as_str()))
            );
        }
    }

    fn today() -> jiff::civil::Date {
        jiff::civil::date(2026, 12, 7)
    }

    #[test]
    fn terms_are_stored_as_sent() {
        let v = validate_draft(&full_form(), today()).expect("valid");
        assert_eq!(v.data.license_valid_until.as_deref(), Some("2030-06-30"));
        assert!(!v.data.license_long_term && v.data.legal_rep.id_long_term);
        let form: EnterpriseForm = serde_json::from_value(serde_json::json!({
            "license_valid_until": null, "legal_rep": {"id_valid_until": "2031-01-02"}
        }))
        .expect("form");
        assert_eq!(form.license_valid_until, TermInput::LongTerm);
        let absent: EnterpriseForm = serde_json::from_value(serde_json::json!({})).expect("form");
        assert!(absent.license_valid_until.is_absent());
    }

    fn full_form() -> EnterpriseForm {
        EnterpriseForm {
            subject_type: Some(SubjectType::Enterprise),
            company_name: Some(" 深圳某某科技有限公司 ".into()),
            uscc: Some("914403001922038216".into()),
            uscc_check_override: None,
            registered_address: Some("深圳市南山区".into()),
            legal_rep: Some(PersonForm {
                name: Some("张三".into()),
                id_type: Some(IdType::PrcId),
                id_number: Some("11010519491231002X".into()),
                id_valid_until: TermInput::LongTerm,
            }),
            license_valid_until: TermInput::Day("2030-06-30".into()),
            authorized_person: Some(AuthorizedForm {
                same_as_legal_rep: Some(true),
                ..Default::default()
            }),
            corporate_account: Some(CorporateAccountForm {
                bank_name: Some("招商银行".into()),
                province: Some("广东".into()),
                city: Some("深圳".into()),
                branch_name: Some("南山支行".into()),
                account_number: Some("6222 0202 0011 2233".into()),
            }),
        }
    }

    #[test]
    fn a_full_form_validates_and_trims() {
        let v = validate_draft(&full_form(), today()).expect("valid");
        assert_eq!(v.data.company_name.as_deref(), Some("深圳某某科技有限公司"));
        assert!(matches!(v.legal_rep_id, SecretChange::Set(_)));
        assert!(matches!(v.authorized_id, SecretChange::Clear));
    }

    #[test]
    fn a_code_failing_its_check_passes_only_when_the_provider_vouches_for_it() {
        let mut f = full_form();
        f.uscc = Some("914403001922038217".into());
        f.uscc_check_override = Some(true);
        let v = validate_draft(&f, today()).expect("vouched for");
        assert_eq!(v.data.uscc.as_deref(), Some("914403001922038217"));
        assert!(v.data.uscc_check_failed);
        // Other errors in the code are not overridable.
        f.uscc = Some("9144030019220382I6".into());
        let errs = validate_draft(&f, today()).expect_err("charset");
        assert_eq!((errs[0].field.as_str(), errs[0].code), ("uscc", "charset"));
        // A good code is just good.
        f.uscc = Some("914403001922038216".into());
        assert!(
            !validate_draft(&f, today())
                .expect("ok")
                .data
                .uscc_check_failed
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut f = full_form();
        f.uscc = Some("914403001922038217".into());
        f.legal_rep = Some(PersonForm {
            name: Some("张三".into()),
            id_type: Some(IdType::PrcId),
            id_number: Some("110105194902300020".into()),
            id_valid_until: TermInput::Day("2020-01-01".into()),
        });
        f.corporate_account = Some(CorporateAccountForm {
            account_number: Some("12ab".into()),
            ..Default::default()
        });
        let errs = validate_draft(&f, today()).expect_err("invalid");
        let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(got.contains(&("uscc", "checksum")), "{got:?}");
        assert!(
            got.contains(&("legal_rep.id_number", "birth_date")),
            "{got:?}"
        );
        assert!(
            got.contains(&("legal_rep.id_valid_until", "document_expired")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(f, _)| *f == "corporate_account.account_number"),
            "{got:?}"
        );
    }

    #[test]
    fn subject_type_must_fit_the_credit_code() {
        let mut f = full_form();
        f.subject_type = Some(SubjectType::SoleProprietor);
        let errs = validate_draft(&f, today()).expect_err("mismatch");
        assert_eq!(errs[0].code, "subject_type_mismatch");
    }

    #[test]
    fn an_id_number_needs_its_type() {
        let mut f = full_form();
        f.legal_rep = Some(PersonForm {
            name: None,
            id_type: None,
            id_number: Some("11010519491231002X".into()),
            id_valid_until: TermInput::Absent,
        });
        let errs = validate_draft(&f, today()).expect_err("no type");
        assert_eq!(errs[0].field, "legal_rep.id_type");
    }

    #[test]
    fn submission_lists_everything_missing() {
        let data = EnterpriseData {
            authorized_person: AuthorizedData {
                same_as_legal_rep: Some(false),
                ..Default::default()
            },
            ..Default::default()
        };
        let missing = missing_for_submission(&DraftState {
            data: &data,
            has_legal_rep_id: false,
            has_authorized_id: false,
            has_account_number: false,
            has_business_license: false,
            has_authorization_letter: false,
            today: today(),
        });
        let fields: Vec<&str> = missing.iter().map(|m| m.field.as_str()).collect();
        for f in [
            "company_name",
            "uscc",
            "legal_rep.id_number",
            "authorized_person.name",
            "documents.authorization_letter",
            "documents.business_license",
            "corporate_account.account_number",
            "license_valid_until",
            "legal_rep.id_valid_until",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn a_spent_deposit_is_frozen_then_void() {
        let at = DepositStatus::at;
        assert_eq!(at("sent", None, 3, 50), DepositStatus::Sent);
        assert_eq!(at("sent", Some(100), 0, 50), DepositStatus::Frozen);
        assert_eq!(at("sent", Some(100), 0, 150), DepositStatus::Void);
        assert_eq!(at("sent", None, 0, 150), DepositStatus::Void);
        assert_eq!(at("requested", None, 0, 0), DepositStatus::Requested);
        assert_eq!(at("confirmed", None, 0, 0), DepositStatus::Confirmed);
        assert_eq!(at("not_sent", None, 5, 0), DepositStatus::NotSent);
        assert!(at("sent", None, 1, 0).takes_amounts());
        assert!(!at("sent", Some(100), 0, 50).takes_amounts());
    }

    #[test]
    fn a_joined_row_without_an_enterprise_has_no_deposit_and_missing_attempts_count_as_none() {
        let of = DepositStatus::of_joined;
        assert_eq!(of(None, None, Some(3), 0), None);
        assert_eq!(
            of(Some("sent"), None, Some(3), 0),
            Some(DepositStatus::Sent)
        );
        assert_eq!(of(Some("sent"), None, None, 0), Some(DepositStatus::Void));
        assert_eq!(
            of(Some("sent"), Some(100), None, 50),
            Some(DepositStatus::Frozen)
        );
    }
}
