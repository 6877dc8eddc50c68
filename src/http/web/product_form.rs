//! The release form's values as the page holds them: from a saved revision (`state_of`), to
//! the workflow's form (`form_of`: the plan rows, prices typed in yuan), and the workflow's
//! field errors as the form shows them (`page_errors`: each plan row's input, limits in yuan).

use crate::domain::money::Fen;
use crate::domain::product::{PlanForm, ProductData, ProductForm, TermsForm, MAX_PRICE_FEN};
use crate::domain::FieldError;
use crate::http::web::forms::{self, FormData, FormState};

/// The plan rows the form shows; the first is required, blank others are ignored.
pub const PLAN_ROWS: usize = 3;

pub fn state_of(d: &ProductData) -> FormState {
    let mut f = FormState::default();
    f.set("name", d.name.clone());
    f.set("category", d.category.clone());
    f.set("service_type", d.service_type.clone());
    f.set("delivery", d.delivery.clone());
    f.set("summary", d.summary.clone());
    f.set("description", d.description.clone());
    f.set("terms.after_sales_scope", d.terms.after_sales_scope.clone());
    f.set("terms.warranty", d.terms.warranty.clone());
    for (i, p) in d.plans.iter().enumerate() {
        f.set(&format!("plans.{i}.name"), p.name.clone());
        f.set(&format!("plans.{i}.price"), Fen(p.price_fen).yuan_figure());
        f.set(&format!("plans.{i}.billing"), p.billing.clone());
    }
    f
}

/// The form as the workflow takes it, and the plan rows whose price could not be read as an
/// amount in yuan. The first row always counts; a later row counts once anything is typed in
/// its name or price.
pub fn form_of(data: &FormData) -> (ProductForm, Vec<usize>) {
    let mut unreadable = Vec::new();
    let plans = (0..PLAN_ROWS)
        .filter_map(|i| {
            let name = forms::opt(data, &format!("plans.{i}.name"));
            let price = forms::opt(data, &format!("plans.{i}.price"));
            if i > 0 && name.is_none() && price.is_none() {
                return None;
            }
            let price_fen = price.map(|p| match Fen::parse_yuan(&p) {
                Some(fen) => fen.0,
                None => {
                    unreadable.push(i);
                    -1
                }
            });
            Some(PlanForm {
                name,
                price_fen,
                billing: forms::opt(data, &format!("plans.{i}.billing")),
            })
        })
        .collect();
    let form = ProductForm {
        name: forms::opt(data, "name"),
        category: forms::opt(data, "category"),
        service_type: forms::opt(data, "service_type"),
        delivery: forms::opt(data, "delivery"),
        summary: forms::opt(data, "summary"),
        description: forms::opt(data, "description"),
        plans: Some(plans),
        terms: Some(TermsForm {
            after_sales_scope: forms::opt(data, "terms.after_sales_scope"),
            warranty: forms::opt(data, "terms.warranty"),
        }),
        // An emptied field clears the address.
        callback_url: Some(forms::opt(data, "callback_url").unwrap_or_default()),
    };
    (form, unreadable)
}

/// The workflow's field errors as the form shows them: a plan row's price is the row's price
/// input, its limits in yuan; a price that is no amount says how to type one.
pub fn page_errors(fields: Vec<FieldError>, unreadable: &[usize]) -> Vec<FieldError> {
    fields
        .into_iter()
        .map(|e| {
            let row = e
                .field
                .strip_prefix("plans[")
                .and_then(|r| r.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            match (row, e.field.ends_with(".price_fen")) {
                (Some(i), true) if unreadable.contains(&i) => {
                    FieldError::new(format!("plans.{i}.price"), "price_format")
                }
                (Some(i), true) if e.code == "out_of_range" => {
                    FieldError::new(format!("plans.{i}.price"), "price_range")
                        .with("min", Fen(0))
                        .with("max", Fen(MAX_PRICE_FEN))
                }
                (Some(i), true) => FieldError {
                    field: format!("plans.{i}.price"),
                    ..e
                },
                (Some(i), false) => FieldError {
                    field: e
                        .field
                        .replace(&format!("plans[{i}]"), &format!("plans.{i}")),
                    ..e
                },
                // No plan at all: the first row is where one goes.
                (None, _) if e.field == "plans" && e.code == "required" => {
                    FieldError::new("plans.0.name", "plan_required")
                }
                _ => e,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_errors_name_the_row_and_speak_yuan() {
        let got = page_errors(
            vec![
                FieldError::new("plans[0].price_fen", "out_of_range")
                    .with("min", 0)
                    .with("max", MAX_PRICE_FEN),
                FieldError::new("plans[1].price_fen", "out_of_range"),
                FieldError::new("plans[2].name", "required"),
            ],
            &[1],
        );
        assert_eq!(got[0].field, "plans.0.price");
        assert_eq!(got[0].code, "price_range");
        assert!(got[0]
            .params
            .iter()
            .any(|(k, v)| *k == "max" && v == "¥100,000,000.00"));
        assert_eq!(
            (got[1].field.as_str(), got[1].code),
            ("plans.1.price", "price_format")
        );
        assert_eq!(got[2].field, "plans.2.name");
        let none = page_errors(vec![FieldError::new("plans", "required")], &[]);
        assert_eq!(
            (none[0].field.as_str(), none[0].code),
            ("plans.0.name", "plan_required")
        );
    }
}
