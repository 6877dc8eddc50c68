//! The move-in (partner) application: save the draft, submit. Only for a verified enterprise.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{DecisionEffects, Verdict};
use super::drafts::{self, FormOutcome};
use super::move_in::{require_provider_role, require_verified};
use super::notify;
use super::verification::SubmissionView;
use super::{Ctx, Error, Result};
use crate::domain::application::{self, ApplicationData, ApplicationForm};
use crate::domain::audit::NewEvent;
use crate::domain::catalog::CatalogList;
use crate::domain::drafts::keep_refused;
use crate::domain::enterprise::VerificationStatus;
use crate::domain::events::{Event, EventType};
use crate::domain::move_in::{FormStatus, Reason};
use crate::domain::review::ReviewKind;
use crate::domain::FieldError;
use crate::mail;
use crate::store::application::{self as app_store, ApplicationRow};
use crate::store::catalog;
use crate::store::review::ReviewItemRow;
use crate::store::{self};
use crate::time_util::rfc3339;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    /// `not_started`, `draft`, `in_review`, `rejected` or `approved`.
    #[schema(value_type = String)]
    pub status: FormStatus,
    #[serde(flatten)]
    pub data: ApplicationData,
    /// The agreement version to accept (the one in force).
    pub current_agreement_version: String,
    pub reasons: Vec<Reason>,
    pub submissions: Vec<SubmissionView>,
}

fn parse(row: &ApplicationRow) -> ApplicationData {
    serde_json::from_str(&row.data).unwrap_or_default()
}

pub async fn view(ctx: &Ctx, account: &AccountView) -> Result<ApplicationView> {
    require_provider_role(account)?;
    let row = app_store::get(ctx.db.pool(), &account.id).await?;
    let history = store::review::history(
        ctx.db.pool(),
        ReviewKind::PartnerApplication.as_str(),
        &account.id,
    )
    .await?;
    Ok(ApplicationView {
        status: FormStatus::of(
            row.as_ref()
                .and_then(|r| VerificationStatus::parse(&r.status)),
        ),
        data: row.as_ref().map(parse).unwrap_or_default(),
        current_agreement_version: super::agreements::current_version(ctx).await?,
        reasons: crate::domain::move_in::reasons_from_json(
            row.as_ref().and_then(|r| r.reasons.as_deref()),
            account.lang.tag(),
        ),
        submissions: history
            .iter()
            .map(|i| SubmissionView::of(i, account.lang.tag()))
            .collect(),
    })
}

fn ensure_editable(row: Option<&ApplicationRow>) -> Result<()> {
    match row.and_then(|r| VerificationStatus::parse(&r.status)) {
        None => Ok(()),
        Some(s) if s.editable() => Ok(()),
        Some(VerificationStatus::InReview) => Err(Error::Conflict("already_submitted")),
        Some(_) => Err(Error::Conflict("already_approved")),
    }
}

pub async fn save_draft(
    ctx: &Ctx,
    account: &AccountView,
    form: &ApplicationForm,
) -> Result<ApplicationView> {
    save(ctx, account, form, false).await?;
    view(ctx, account).await
}

/// Saves the draft and, with `then_submit`, submits it, in one transaction: a submission that
/// is refused (something missing) still leaves the draft saved, and the refusal says why.
#[tracing::instrument(name = "application::save", skip_all, fields(account = %account.id))]
pub async fn save(
    ctx: &Ctx,
    account: &AccountView,
    form: &ApplicationForm,
    then_submit: bool,
) -> Result<()> {
    require_verified(ctx, account).await?;
    let choices = Choices::active(ctx).await?;
    let mut tx = drafts::begin_save(ctx, &account.id, then_submit).await?;
    save_in(ctx, &mut tx, account, form, &choices, false).await?;
    let submitted = if then_submit {
        submit_in(ctx, &mut tx, account, &choices).await
    } else {
        Ok(())
    };
    drafts::commit_save(ctx, tx, then_submit, submitted).await
}

/// The application as its page sends it: saved as far as it is valid (a refused field keeps
/// its stored value), and with `then_submit` submitted when nothing is wrong or missing; every
/// field refused or lacking is named at once. A refusal not about a field is the error.
#[tracing::instrument(name = "application::save_form", skip_all, fields(account = %account.id))]
pub async fn save_form(
    ctx: &Ctx,
    account: &AccountView,
    form: &ApplicationForm,
    then_submit: bool,
) -> Result<FormOutcome> {
    require_verified(ctx, account).await?;
    let choices = Choices::active(ctx).await?;
    let mut tx = drafts::begin_save(ctx, &account.id, then_submit).await?;
    let mut outcome = FormOutcome {
        refused: save_in(ctx, &mut tx, account, form, &choices, true).await?,
        submitted: false,
    };
    let submitted = if !then_submit {
        Ok(())
    } else if outcome.refused.is_empty() {
        outcome.submission(submit_in(ctx, &mut tx, account, &choices).await)
    } else {
        let stored = app_store::get(&mut *tx, &account.id).await?;
        outcome.lacking(application::missing_for_submission(
            &stored.as_ref().map(parse).unwrap_or_default(),
        ));
        Ok(())
    };
    drafts::commit_save(ctx, tx, outcome.submitted, submitted).await?;
    Ok(outcome)
}

/// The categories and service types that may be chosen now.
struct Choices {
    categories: Vec<String>,
    service_types: Vec<String>,
    /// The provider agreement version in force.
    agreement: String,
}

impl Choices {
    async fn active(ctx: &Ctx) -> Result<Choices> {
        Ok(Choices {
            categories: catalog::active_slugs(&ctx.db, CatalogList::Categories).await?,
            service_types: catalog::active_slugs(&ctx.db, CatalogList::ServiceTypes).await?,
            agreement: super::agreements::current_version(ctx).await?,
        })
    }
}

/// Saves the draft inside `tx`. Whole (`partial` false: any refused field refuses it all), or
/// as far as it is valid: the refused fields keep their stored values and are handed back.
async fn save_in(
    ctx: &Ctx,
    tx: &mut store::Tx,
    account: &AccountView,
    form: &ApplicationForm,
    choices: &Choices,
    partial: bool,
) -> Result<Vec<FieldError>> {
    let existing = app_store::get(&mut **tx, &account.id).await?;
    ensure_editable(existing.as_ref())?;
    let previous = existing.as_ref().map(parse);
    let now = ctx.clock.now_ms();
    let (data, refused) = application::check_draft(
        form,
        &choices.categories,
        &choices.service_types,
        previous.as_ref(),
        &choices.agreement,
        &rfc3339(now),
    );
    if !partial && !refused.is_empty() {
        return Err(Error::Validation(refused));
    }
    let data = keep_refused(
        data,
        &previous.clone().unwrap_or_default(),
        &refused,
        &[("agreement_version", "agreement_accepted_at")],
    );
    let row = ApplicationRow {
        account_id: account.id.clone(),
        status: existing
            .as_ref()
            .map(|r| r.status.clone())
            .unwrap_or_else(|| VerificationStatus::Draft.as_str().into()),
        data: serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?,
        reasons: existing.as_ref().and_then(|r| r.reasons.clone()),
        updated_at: now,
    };
    app_store::put(tx, &row).await?;
    let mut event = NewEvent::new(&account.id, "application.draft_saved", &account.id);
    if data.agreement_accepted_at.as_deref() == Some(rfc3339(now).as_str()) {
        let version = json!({"agreement_version": data.agreement_version});
        event = event.detail(version.clone());
        let mut accepted = json!({"provider_id": account.id, "accepted_at": rfc3339(now)});
        accepted["agreement_version"] = version["agreement_version"].clone();
        let accepted = Event::about_provider(EventType::AgreementAccepted, &account.id, accepted);
        super::events::record(tx, accepted).await?;
        if let Some(v) = data.agreement_version.as_deref() {
            super::agreements::accepted_in_application(tx, &account.id, v, now).await?;
        }
    }
    store::audit::append(tx, event).await?;
    Ok(refused)
}

#[tracing::instrument(name = "application::submit", skip_all, fields(account = %account.id))]
pub async fn submit(ctx: &Ctx, account: &AccountView) -> Result<ApplicationView> {
    require_verified(ctx, account).await?;
    let choices = Choices::active(ctx).await?;
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    submit_in(ctx, &mut tx, account, &choices).await?;
    tx.commit().await?;
    ctx.mail_committed();
    view(ctx, account).await
}

/// The submission inside `tx`. Every check comes before the first write, so a refusal leaves
/// `tx` as it found it.
async fn submit_in(
    ctx: &Ctx,
    tx: &mut store::Tx,
    account: &AccountView,
    choices: &Choices,
) -> Result<()> {
    let existing = app_store::get(&mut **tx, &account.id).await?;
    ensure_editable(existing.as_ref())?;
    let Some(mut row) = existing else {
        return Err(Error::Validation(application::missing_for_submission(
            &ApplicationData::default(),
        )));
    };
    let data = parse(&row);
    let mut missing = application::missing_for_submission(&data);
    // A category or service type retired since the draft was saved must be replaced.
    for (i, c) in data.categories.iter().enumerate() {
        if !choices.categories.contains(c) {
            missing.push(FieldError::new(format!("categories[{i}]"), "not_allowed"));
        }
    }
    for (i, s) in data.service_types.iter().enumerate() {
        if !choices.service_types.contains(s) {
            missing.push(FieldError::new(
                format!("service_types[{i}]"),
                "not_allowed",
            ));
        }
    }
    // A newer agreement took effect since the draft accepted one: accept that one.
    if let Some(v) = data.agreement_version.as_deref() {
        if v != choices.agreement {
            missing.push(
                FieldError::new("agreement_version", "agreement_outdated")
                    .with("version", &choices.agreement),
            );
        }
    }
    if !missing.is_empty() {
        return Err(Error::Validation(missing));
    }
    let company = store::enterprise::get(&mut **tx, &account.id)
        .await?
        .and_then(|e| e.company_name)
        .unwrap_or_default();
    let now = ctx.clock.now_ms();
    let item = ReviewItemRow::submission(
        ReviewKind::PartnerApplication.as_str(),
        &account.id,
        company,
        &account.id,
        row.data.clone(),
        &[],
        now,
    );
    store::review::insert(tx, &item).await?;
    row.status = VerificationStatus::InReview.as_str().into();
    row.updated_at = now;
    app_store::put(tx, &row).await?;
    store::audit::append(
        tx,
        NewEvent::new(&account.id, "application.submitted", &account.id)
            .detail(json!({"review_item": item.id})),
    )
    .await?;
    let submitted = json!({"provider_id": account.id, "review_item_id": item.id,
                           "company_name": item.company_name, "categories": data.categories});
    let submitted = Event::about_provider(
        EventType::PartnerApplicationSubmitted,
        &account.id,
        submitted,
    );
    super::events::record(tx, submitted).await?;
    notify::mail_account(ctx, tx, mail::MailKind::ApplicationSubmitted, account, &[]).await?;
    Ok(())
}

/// An operator's decision: approval makes the company a service provider; a rejection returns
/// the application with the reasons.
pub(super) async fn apply_decision(
    tx: &mut store::Tx,
    item: &ReviewItemRow,
    verdict: &Verdict<'_>,
) -> Result<DecisionEffects> {
    let mut app = app_store::get(&mut **tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    app.status = if verdict.approved {
        VerificationStatus::Approved
    } else {
        VerificationStatus::Rejected
    }
    .as_str()
    .into();
    app.reasons = verdict.reasons_json.clone();
    app.updated_at = verdict.now;
    app_store::put(tx, &app).await?;
    Ok(DecisionEffects::default())
}
