//! The automatic-approval rules page (admins): each rule of the fixed list in words, on or off,
//! its threshold and the share sampled for a second look; and the approvals waiting for one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::auto_review::{self, RuleChange, RuleView, SecondLook};
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/console_rules.html")]
pub struct RulesPage {
    pub page: Page,
    pub rules: Vec<RuleView>,
    pub second_looks: Vec<SecondLook>,
    pub form: FormState,
}

impl RulesPage {
    /// The value of `field` in the form of rule `code`: as typed when that form was refused,
    /// else as stored.
    pub fn typed(&self, code: &str, field: &str, stored: &i64) -> String {
        if self.form.has_errors() && self.form.is("code", code) {
            self.form.value(field)
        } else {
            stored.to_string()
        }
    }

    pub fn rule_name(&self, code: &str) -> String {
        self.page.t(&format!("rules.{code}"))
    }
}

async fn rules_page(
    state: &AppState,
    page: Page,
    admin: &AccountView,
    form: FormState,
) -> Result<RulesPage, PageError> {
    let rules = page.or_error_page(auto_review::rules(&state.ctx, admin).await)?;
    let second_looks = page.or_error_page(auto_review::second_looks(&state.ctx, admin).await)?;
    Ok(RulesPage {
        page,
        rules,
        second_looks,
        form,
    })
}

/// `GET /console/rules`.
pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
) -> Result<Response, PageError> {
    let shown = rules_page(&state, page, &operator, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// A whole number as typed, or the field's error.
fn number(data: &forms::FormData, field: &str) -> Result<Option<i64>, Error> {
    match forms::opt(data, field) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::field(field, "invalid_type")),
    }
}

/// `POST /console/rules`: one rule's form (`code`, `enabled`, the numbers).
pub async fn change(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let code = forms::first(&data, "code").unwrap_or("").to_string();
    let result = async {
        let change = RuleChange {
            enabled: Some(forms::first(&data, "enabled") == Some("on")),
            min_approved_products: number(&data, "min_approved_products")?,
            sample_percent: number(&data, "sample_percent")?,
        };
        auto_review::set_rule(&state.ctx, &operator, &code, &change).await
    }
    .await;
    match result {
        Ok(_) => see_other("/console/rules?notice=saved"),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                rules_page(&state, page, &operator, form).await
            })
            .await
        }
    }
}

/// `POST /console/second-looks/{id}`: the second look at an automatic approval is taken.
pub async fn second_look_done(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    axum::extract::Path(id): axum::extract::Path<String>,
    CheckedForm(_): CheckedForm,
) -> Response {
    match auto_review::finish_second_look(&state.ctx, &operator, &id).await {
        Ok(()) => see_other("/console/rules?notice=saved"),
        Err(e) => crate::http::web::errors::failure(page, e),
    }
}
