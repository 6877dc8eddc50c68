//! Provider backend, Information Management → Basic Information: the customer-service info shown
//! on the left of every product page, and the settlement (bank) account.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::account::Email;
use super::ids::{company_names_match, AccountNumber, BranchCode, ServicePhone};
use super::text::text;
use super::{FieldError, FieldErrors};

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerServiceForm {
    /// Mobile, landline with area code, or a 400/800 number.
    #[schema(value_type = String)]
    pub phone: Option<String>,
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// The Dongdong consultant group ID (5–20 digits).
    #[schema(value_type = String, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[0-9]{5,20}[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub dongdong_group_id: Option<String>,
    /// E.g. "工作日 9:00–18:00".
    #[schema(value_type = String, max_length = 100, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub service_hours: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CustomerService {
    /// In its normalised form.
    pub phone: String,
    pub email: String,
    pub dongdong_group_id: String,
    pub service_hours: String,
}

fn required<T>(e: &mut FieldErrors, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        e.push(FieldError::new(field, "required"));
    }
    value
}

/// Every field is required: buyers rely on it.
pub fn validate_customer_service(
    f: &CustomerServiceForm,
) -> Result<CustomerService, Vec<FieldError>> {
    let mut e = FieldErrors::default();
    let phone = e.require("phone", f.phone.as_deref(), |s| {
        ServicePhone::parse(s).map_err(|x| x.code())
    });
    let email = e.require("email", f.email.as_deref(), Email::parse);
    let group = e.require("dongdong_group_id", f.dongdong_group_id.as_deref(), |s| {
        if !s.chars().all(|c| c.is_ascii_digit()) {
            Err("charset")
        } else if !(5..=20).contains(&s.len()) {
            Err("length")
        } else {
            Ok(s.to_string())
        }
    });
    let hours = text(&mut e, "service_hours", f.service_hours.as_ref(), 100);
    let hours = required(&mut e, "service_hours", hours);
    e.into_result()?;
    match (phone, email, group, hours) {
        (Some(phone), Some(email), Some(group), Some(hours)) => Ok(CustomerService {
            phone: phone.as_str().to_string(),
            email: email.as_str().to_string(),
            dongdong_group_id: group,
            service_hours: hours,
        }),
        _ => Err(vec![FieldError::new("body", "required")]),
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettlementForm {
    /// Must be the verified company name.
    #[schema(value_type = String, max_length = 200, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub account_name: Option<String>,
    #[schema(value_type = String, max_length = 100, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub bank_name: Option<String>,
    #[schema(value_type = String, max_length = 100, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub branch_name: Option<String>,
    /// CNAPS branch bank number, 12 digits.
    #[schema(value_type = String)]
    pub branch_code: Option<String>,
    /// Digits, 8–32 long.
    #[schema(value_type = String)]
    pub account_number: Option<String>,
}

#[derive(Debug)]
pub struct Settlement {
    pub account_name: String,
    pub bank_name: String,
    pub branch_name: String,
    pub branch_code: BranchCode,
    pub account_number: AccountNumber,
}

/// Why a settlement form was refused: a plain validation failure, or only the name mismatch
/// (which has its own error code).
#[derive(Debug)]
pub enum SettlementError {
    Invalid(Vec<FieldError>),
    NameMismatch,
}

/// Validates the form; the account name must equal `company_name` after normalisation.
pub fn validate_settlement(
    f: &SettlementForm,
    company_name: &str,
) -> Result<Settlement, SettlementError> {
    let mut e = FieldErrors::default();
    let name = text(&mut e, "account_name", f.account_name.as_ref(), 200);
    let name = required(&mut e, "account_name", name);
    let bank = text(&mut e, "bank_name", f.bank_name.as_ref(), 100);
    let bank = required(&mut e, "bank_name", bank);
    let branch = text(&mut e, "branch_name", f.branch_name.as_ref(), 100);
    let branch = required(&mut e, "branch_name", branch);
    let code = e.require("branch_code", f.branch_code.as_deref(), |s| {
        BranchCode::parse(s).map_err(|x| x.code())
    });
    let number = e.require("account_number", f.account_number.as_deref(), |s| {
        AccountNumber::parse(s).map_err(|x| x.code())
    });
    let mismatch = name
        .as_deref()
        .is_some_and(|n| !company_names_match(n, company_name));
    if mismatch {
        if e.is_empty() {
            return Err(SettlementError::NameMismatch);
        }
        e.push(FieldError::new("account_name", "account_name_mismatch"));
    }
    e.into_result().map_err(SettlementError::Invalid)?;
    match (name, bank, branch, code, number) {
        (
            Some(account_name),
            Some(bank_name),
            Some(branch_name),
            Some(branch_code),
            Some(account_number),
        ) => Ok(Settlement {
            account_name,
            bank_name,
            branch_name,
            branch_code,
            account_number,
        }),
        _ => Err(SettlementError::Invalid(vec![FieldError::new(
            "body", "required",
        )])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_service_normalises_the_phone() {
        let cs = validate_customer_service(&CustomerServiceForm {
            phone: Some("400 123 4567".into()),
            email: Some("Help@Example.com".into()),
            dongdong_group_id: Some("1234567".into()),
            service_hours: Some("工作日 9:00-18:00".into()),
        })
        .expect("valid");
        assert_eq!(cs.phone, "400-123-4567");
        assert_eq!(cs.email, "help@example.com");
        let errs = validate_customer_service(&CustomerServiceForm::default()).expect_err("empty");
        assert_eq!(errs.len(), 4);
    }

    #[test]
    fn the_account_name_must_be_the_company() {
        let form = SettlementForm {
            account_name: Some("北京某某科技有限公司（北京）".into()),
            bank_name: Some("招商银行".into()),
            branch_name: Some("北京分行".into()),
            branch_code: Some("308100005019".into()),
            account_number: Some("110902233410601".into()),
        };
        assert!(validate_settlement(&form, "北京某某科技有限公司(北京)").is_ok());
        assert!(matches!(
            validate_settlement(&form, "别的公司"),
            Err(SettlementError::NameMismatch)
        ));
        let bad = SettlementForm {
            branch_code: Some("1234".into()),
            ..form
        };
        match validate_settlement(&bad, "别的公司") {
            Err(SettlementError::Invalid(errs)) => {
                let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, vec!["branch_code", "account_name"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
