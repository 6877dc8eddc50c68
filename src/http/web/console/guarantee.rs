//! `/console/providers/{account_id}/deposit`: a provider's category deposit for finance — the
//! required amount, the balance, the ledger (also as CSV) — and the two forms that add to the
//! ledger: a payment with its bank reference, a deduction with its reason and evidence. The
//! forms carry a one-time token (`web::once`): a double submission records once. Other staff
//! read the page; the forms are finance's. A provider that closed its account takes no more
//! entries (the API answers 409 `account_closed`), nor does a company whose move-in is not
//! approved (409 `deposit_not_due`): its page shows the ledger and says why in words, without
//! the forms.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use crate::domain::account::StaffAction;
use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::domain::FieldError;
use crate::http::state::AppState;
use crate::http::web::deposits::{csv, csv_response, words, DepositWords};
use crate::http::web::errors::PageError;
use crate::http::web::extract::{checked_form_with_files, CheckedForm, SentForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::Error;
use crate::workflows::{guarantee, privacy};

#[derive(Template)]
#[template(path = "pages/console_provider_deposit.html")]
pub struct ProviderDepositPage {
    pub page: Page,
    pub account_id: String,
    pub company: String,
    pub deposit: DepositWords,
    pub form: FormState,
    /// The operator may record (finance).
    pub can_record: bool,
    /// Why nothing can be recorded, in words: the provider closed its account, or it is not a
    /// provider yet. The forms are not shown.
    pub closed: Option<String>,
}

async fn deposit_page(
    state: &AppState,
    page: Page,
    operator: &AccountView,
    account_id: &str,
    form: FormState,
) -> Result<ProviderDepositPage, PageError> {
    let v = page.or_error_page(guarantee::of_provider(&state.ctx, operator, account_id).await)?;
    let company = page.or_error_page(guarantee::company_of(&state.ctx, account_id).await)?;
    let deposit = words(&page, &v, |id| format!("/console/documents/{id}"));
    let closure = page.or_error_page(privacy::closure(&state.ctx, account_id).await)?;
    let due = page.or_error_page(guarantee::deposit_due(&state.ctx, account_id).await)?;
    let closed = match closure {
        Some(c) => Some(page.tf(
            "deposit.closed_no_entries",
            "date",
            &page.date(&c.requested_at),
        )),
        None if !due => Some(page.t("error.deposit_not_due")),
        None => None,
    };
    Ok(ProviderDepositPage {
        page,
        account_id: account_id.to_string(),
        company,
        deposit,
        form,
        can_record: operator.roles.may(StaffAction::RecordDeposit),
        closed,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(account_id): Path<String>,
) -> Result<Response, PageError> {
    let shown = deposit_page(&state, page, &operator, &account_id, FormState::default()).await?;
    Ok(render(axum::http::StatusCode::OK, &shown))
}

pub async fn download(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(account_id): Path<String>,
) -> Result<Response, PageError> {
    let v = page.or_error_page(guarantee::of_provider(&state.ctx, &operator, &account_id).await)?;
    Ok(csv_response(csv(&page, &v), "deposit.csv"))
}

/// The workflow's `amount_fen` is the form's `field`, in yuan.
fn on_form(e: Error, field: &'static str) -> Error {
    forms::amount_in_yuan(e, "amount_fen", field)
}

/// `payment_amount` (yuan), `reference`.
pub async fn payment(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(account_id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Result<Response, PageError> {
    let form = FormState::from_form(&data);
    let answer = match forms::yuan(&data, "payment_amount") {
        Err(e) => Err(e),
        Ok(amount) => guarantee::record_payment(
            &state.ctx,
            &operator,
            &account_id,
            amount,
            forms::first(&data, "reference"),
        )
        .await
        .map_err(|e| on_form(e, "payment_amount")),
    };
    Ok(match answer {
        Ok(_) => see_other(&format!(
            "/console/providers/{account_id}/deposit?notice=deposit_payment_recorded"
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                deposit_page(&state, page, &operator, &account_id, form).await
            })
            .await
        }
    })
}

/// `deduction_amount` (yuan), `reason`, and the evidence (`evidence`, optional).
pub async fn deduction(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(account_id): Path<String>,
    sent: SentForm,
) -> Result<Response, PageError> {
    let sent = checked_form_with_files(
        &page,
        sent,
        &["deduction_amount", "reason"],
        &["evidence"],
        MAX_DOCUMENT_BYTES,
    )
    .await?;
    let form = FormState::from_form(&sent.fields);
    let refusal: Option<Error> = match (sent.refusal, sent.file_refusals.first()) {
        (Some(_), _) => Some(Error::Validation(vec![FieldError::new(
            "evidence",
            "too_large",
        )])),
        (None, Some((_, code))) => Some(Error::Validation(vec![FieldError::new("evidence", code)])),
        _ => None,
    };
    let answer = match refusal {
        Some(r) => Err(r),
        None => match forms::yuan(&sent.fields, "deduction_amount") {
            Err(e) => Err(e),
            Ok(amount) => {
                let reason = forms::first(&sent.fields, "reason").map(str::to_string);
                let file = sent
                    .files
                    .into_iter()
                    .find(|(name, bytes)| name == "evidence" && !bytes.is_empty())
                    .map(|(_, bytes)| bytes);
                guarantee::record_deduction(
                    &state.ctx,
                    &operator,
                    &account_id,
                    amount,
                    reason.as_ref(),
                    file,
                )
                .await
                .map_err(|e| match on_form(e, "deduction_amount") {
                    Error::Upload(code) => {
                        Error::Validation(vec![FieldError::new("evidence", code)])
                    }
                    Error::Conflict("insufficient_deposit") => {
                        Error::Validation(vec![FieldError::new(
                            "deduction_amount",
                            "insufficient_deposit",
                        )])
                    }
                    other => other,
                })
            }
        },
    };
    Ok(match answer {
        Ok(_) => see_other(&format!(
            "/console/providers/{account_id}/deposit?notice=deposit_deduction_recorded"
        )),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                deposit_page(&state, page, &operator, &account_id, form).await
            })
            .await
        }
    })
}
