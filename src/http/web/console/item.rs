//! The review screen of one item and what is done there: the decision (with a fresh second
//! factor for settlement changes), the micro-deposit of an enterprise verification, and the
//! provider's standing (suspend, reinstate).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::money::Fen;
use crate::domain::review::{Decision, DecisionForm, ReasonForm};
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::console::diff::{field_rows, FieldRow};
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, absorb, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::micro_deposit;
use crate::workflows::review::{self, ItemDetail};
use crate::workflows::{providers, second_factor};

#[derive(Template)]
#[template(path = "pages/console_item.html")]
pub struct ItemPage {
    pub page: Page,
    pub item: ItemDetail,
    pub rows: Vec<FieldRow>,
    pub form: FormState,
    pub deposit_amount: Option<String>,
}

impl ItemPage {
    pub fn pending(&self) -> bool {
        self.item.summary.status == "pending"
    }

    /// The signed-in staff member's own account's item: another operator decides it.
    pub fn own(&self) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| s.account.id == self.item.summary.subject.account_id)
    }

    pub fn is_enterprise(&self) -> bool {
        self.item.summary.kind == "enterprise_verification"
    }

    /// A settlement change: approving it needs a fresh second factor.
    pub fn is_settlement(&self) -> bool {
        self.item.summary.kind == "settlement_change"
    }

    /// The credit code fails its check character: approving needs an override reason.
    pub fn needs_override(&self) -> bool {
        self.is_enterprise() && self.item.data["uscc_check_failed"] == serde_json::json!(true)
    }

    pub fn has_earlier(&self) -> bool {
        !self.item.earlier.is_empty() || self.item.in_force.is_some()
    }

    pub fn earlier_heading(&self) -> String {
        if self.item.in_force.is_some() {
            self.page.t("console.in_force")
        } else {
            self.page.t("console.earlier_submission")
        }
    }
}

/// The review screen of item `id`, with `form` as typed and the amount just paid, if any.
async fn item_page(
    state: &AppState,
    page: Page,
    id: &str,
    form: FormState,
    deposit_amount: Option<String>,
) -> Result<ItemPage, PageError> {
    let item = page.or_error_page(review::detail(&state.ctx, id).await)?;
    let rows = field_rows(&page, &item);
    Ok(ItemPage {
        page,
        item,
        rows,
        form,
        deposit_amount,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = item_page(&state, page, &id, FormState::default(), None).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// The decision form: `decision`, `version`, and pairs `reason_field` / `reason_message`.
pub async fn decide(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let fields = forms::all(&data, "reason_field");
    let messages = forms::all(&data, "reason_message");
    let reasons: Vec<ReasonForm> = fields
        .iter()
        .zip(messages.iter())
        .filter(|(_, m)| !m.trim().is_empty())
        .map(|(f, m)| ReasonForm {
            field: Some(f.clone()),
            message: Some(m.clone()),
        })
        .collect();
    let decision = match forms::first(&data, "decision") {
        Some("approve") => Some(Decision::Approve),
        Some("reject") => Some(Decision::Reject),
        _ => None,
    };
    let input = DecisionForm {
        decision,
        reasons: Some(reasons),
        version: forms::first(&data, "version").and_then(|v| v.parse().ok()),
        override_reason: forms::opt(&data, "override_reason"),
        second_factor_code: forms::opt(&data, "second_factor_code"),
    };
    let fresh = match page.session.as_ref() {
        Some(session) => {
            second_factor::fresh_or_step_up(
                &state.ctx,
                session,
                input.second_factor_code.as_deref(),
                &client,
            )
            .await
        }
        None => Ok(false),
    };
    let decided = match fresh {
        Ok(fresh) => review::decide(&state.ctx, &operator, &id, &input, fresh).await,
        Err(e) => Err(e),
    };
    match decided {
        Ok(_) => see_other(&format!("/console/items/{id}?notice=decided")),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                item_page(&state, page, &id, form, None).await
            })
            .await
        }
    }
}

/// Pays the micro-deposit of an enterprise verification: the page shows the amount once.
pub async fn micro_deposit(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let mut form = FormState::default();
    let (amount, status) = match micro_deposit::record_deposit(&state.ctx, &operator, &id).await {
        Ok(fen) => (Some(Fen(fen).yuan_figure()), StatusCode::OK),
        // A deposit that cannot be paid now (already paid, not this kind) is told on the item.
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => (None, StatusCode::CONFLICT),
            Err(e) => return Ok(failure(page, e)),
        },
    };
    let shown = item_page(&state, page, &id, form, amount).await?;
    Ok(render(status, &shown))
}

/// Suspends or reinstates the provider behind an item (`action` = `suspend` / `reinstate`).
pub async fn provider_standing(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Result<Response, PageError> {
    let item = page.or_error_page(review::detail(&state.ctx, &id).await)?;
    let suspend = forms::first(&data, "action") == Some("suspend");
    let form = FormState::from_form(&data);
    let account_id = &item.summary.subject.account_id;
    let reason = forms::first(&data, "reason");
    Ok(
        match providers::set_suspended(&state.ctx, &operator, account_id, suspend, reason).await {
            Ok(()) => see_other(&format!(
                "/console/items/{id}?notice={}",
                if suspend { "suspended" } else { "reinstated" }
            )),
            Err(e) => {
                page.refused(form, e, async |page, form| {
                    item_page(&state, page, &id, form, None).await
                })
                .await
            }
        },
    )
}
