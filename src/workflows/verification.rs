//! Enterprise real-name verification: save the draft, upload documents, submit, and confirm the
//! micro-deposit. Operators' decisions live in `review.rs`.

use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{DecisionEffects, Verdict};
use super::move_in::require_provider_role;
use super::notify;
use super::{drafts, Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::drafts::keep_refused;
use crate::domain::enterprise::{
    self, DepositStatus, DraftState, EnterpriseData, EnterpriseForm, SecretChange,
    VerificationStatus,
};
use crate::domain::events::{Event, EventType};
use crate::domain::ids::{IdError, SecretNumber, Uscc};
use crate::domain::move_in::{FormStatus, Reason};
use crate::domain::review::ReviewKind;

use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::mail;
use crate::store::documents::DocumentRow;
use crate::store::enterprise::{self as ent_store, EnterpriseRow};
use crate::store::{self, review::ReviewItemRow};
use crate::time_util::rfc3339;

/// A document as answers show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    /// `business_license` or `authorization_letter`.
    pub kind: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where the owner and operators download it.
    pub url: String,
    pub uploaded_at: String,
    /// `uploaded_at` for pages, which show it in words.
    #[serde(skip)]
    pub uploaded_at_ms: i64,
}

impl From<&DocumentRow> for DocumentView {
    fn from(d: &DocumentRow) -> DocumentView {
        DocumentView {
            id: d.id.clone(),
            kind: d.kind.clone(),
            content_type: d.content_type.clone(),
            size: d.size,
            sha256: d.sha256.clone(),
            url: format!("/api/v1/documents/{}", d.id),
            uploaded_at: rfc3339(d.created_at),
            uploaded_at_ms: d.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubmissionView {
    pub id: String,
    pub submitted_at: String,
    /// `submitted_at` for pages, which show it in words.
    #[serde(skip)]
    pub submitted_at_ms: i64,
    /// `pending`, `approved` or `rejected`.
    pub decision: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

impl SubmissionView {
    /// A submission as its applicant reads it (reasons in `lang`).
    pub fn of(i: &ReviewItemRow, lang: &str) -> SubmissionView {
        SubmissionView {
            id: i.id.clone(),
            submitted_at: rfc3339(i.submitted_at),
            submitted_at_ms: i.submitted_at,
            decision: i.status.clone(),
            reasons: crate::domain::move_in::reasons_from_json(i.reasons.as_deref(), lang),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DepositView {
    /// `not_sent`, `sent`, `frozen` (too many wrong amounts: wait until `frozen_until`),
    /// `void` (every wrong amount it allowed was used: ask for a new deposit), `requested` (a new
    /// deposit was asked for and is being paid) or `confirmed`.
    #[schema(value_type = String)]
    pub status: DepositStatus,
    /// Wrong amounts the deposit still allows (0 while frozen or void).
    pub attempts_left: i64,
    pub frozen_until: Option<String>,
}

impl DepositView {
    /// The deposit of a verification row (none yet: not sent).
    pub fn of(ctx: &Ctx, row: Option<&EnterpriseRow>, now: i64) -> DepositView {
        let full = i64::from(ctx.limits.deposit_wrong_amounts);
        let Some(r) = row else {
            return DepositView {
                status: DepositStatus::NotSent,
                attempts_left: full,
                frozen_until: None,
            };
        };
        let st = DepositStatus::at(&r.md_status, r.md_frozen_until, r.md_attempts_left, now);
        DepositView {
            status: st,
            attempts_left: match st {
                DepositStatus::Sent => r.md_attempts_left,
                DepositStatus::NotSent | DepositStatus::Requested => full,
                DepositStatus::Frozen | DepositStatus::Void | DepositStatus::Confirmed => 0,
            },
            frozen_until: r
                .md_frozen_until
                .filter(|_| st == DepositStatus::Frozen)
                .map(rfc3339),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EnterpriseView {
    /// `not_started`, `draft`, `in_review`, `rejected` or `approved` (the documents' review).
    #[schema(value_type = String)]
    pub status: FormStatus,
    /// Documents approved and micro-deposit confirmed.
    pub verified: bool,
    #[serde(flatten)]
    pub data: EnterpriseData,
    pub documents: Vec<DocumentView>,
    pub reasons: Vec<Reason>,
    pub submissions: Vec<SubmissionView>,
    pub micro_deposit: DepositView,
}

fn context(column: &str, account_id: &str) -> String {
    format!("enterprise_verifications.{column}:{account_id}")
}

fn parse_data(row: &EnterpriseRow) -> EnterpriseData {
    serde_json::from_str(&row.data).unwrap_or_default()
}

fn status_of(row: Option<&EnterpriseRow>) -> Option<VerificationStatus> {
    row.and_then(|r| VerificationStatus::parse(&r.status))
}

pub async fn view(ctx: &Ctx, account: &AccountView) -> Result<EnterpriseView> {
    require_provider_role(account)?;
    let row = ent_store::get(ctx.db.pool(), &account.id).await?;
    let docs = ent_store::current_documents(ctx.db.pool(), &account.id).await?;
    let history = store::review::history(
        ctx.db.pool(),
        ReviewKind::EnterpriseVerification.as_str(),
        &account.id,
    )
    .await?;
    let deposit = DepositView::of(ctx, row.as_ref(), ctx.clock.now_ms());
    let status = status_of(row.as_ref());
    Ok(EnterpriseView {
        status: FormStatus::of(status),
        verified: status == Some(VerificationStatus::Approved)
            && deposit.status == DepositStatus::Confirmed,
        data: row.as_ref().map(parse_data).unwrap_or_default(),
        documents: docs.iter().map(DocumentView::from).collect(),
        reasons: crate::domain::move_in::reasons_from_json(
            row.as_ref().and_then(|r| r.reasons.as_deref()),
            account.lang.tag(),
        ),
        submissions: history
            .iter()
            .map(|i| SubmissionView::of(i, account.lang.tag()))
            .collect(),
        micro_deposit: deposit,
    })
}

/// A draft can be changed while it is a draft or after a rejection.
pub(super) fn ensure_editable(row: Option<&EnterpriseRow>) -> Result<()> {
    match status_of(row) {
        None => Ok(()),
        Some(s) if s.editable() => Ok(()),
        Some(VerificationStatus::InReview) => Err(Error::Conflict("already_submitted")),
        Some(_) => Err(Error::Conflict("already_verified")),
    }
}

/// A secret number a form changes: encrypted under `context`, its masked form beside it.
fn apply_secret<N: SecretNumber>(
    change: SecretChange<N>,
    stored: &mut Option<String>,
    masked: &mut Option<String>,
    ctx: &Ctx,
    context: &str,
) {
    match change {
        SecretChange::Keep => {}
        SecretChange::Clear => {
            *stored = None;
            *masked = None;
        }
        SecretChange::Set(n) => {
            *stored = Some(ctx.key.encrypt(context, n.secret().as_bytes()));
            *masked = Some(n.masked());
        }
    }
}

/// Saves the draft; every field present is checked and the answer names every bad one.
pub async fn save_draft(
    ctx: &Ctx,
    account: &AccountView,
    form: &EnterpriseForm,
) -> Result<EnterpriseView> {
    save(ctx, account, form, false).await?;
    view(ctx, account).await
}

/// Saves the draft and, with `then_submit`, submits it, in one transaction: a submission that
/// is refused (something missing, the credit code taken) still leaves the draft saved, and the
/// refusal says why. Nothing is read back: the page redirects.
#[tracing::instrument(name = "verification::save", skip_all, fields(account = %account.id))]
pub async fn save(
    ctx: &Ctx,
    account: &AccountView,
    form: &EnterpriseForm,
    then_submit: bool,
) -> Result<()> {
    require_provider_role(account)?;
    let today = ctx.today()?;
    let draft = enterprise::validate_draft(form, today).map_err(Error::Validation)?;
    let mut tx = drafts::begin_save(ctx, &account.id, then_submit).await?;
    save_in(ctx, &mut tx, account, draft, &[]).await?;
    let submitted = if then_submit {
        submit_in(ctx, &mut tx, account).await
    } else {
        Ok(())
    };
    drafts::commit_save(ctx, tx, then_submit, submitted).await
}

/// Saves `draft` over the stored one; the `refused` fields keep their stored values.
pub(super) async fn save_in(
    ctx: &Ctx,
    tx: &mut store::Tx,
    account: &AccountView,
    draft: enterprise::ValidatedDraft,
    refused: &[FieldError],
) -> Result<()> {
    let existing = ent_store::get(&mut **tx, &account.id).await?;
    ensure_editable(existing.as_ref())?;
    let mut row = existing.clone().unwrap_or_else(|| EnterpriseRow {
        account_id: account.id.clone(),
        status: VerificationStatus::Draft.as_str().into(),
        md_status: DepositStatus::NotSent.as_str().into(),
        md_attempts_left: i64::from(ctx.limits.deposit_wrong_amounts),
        ..Default::default()
    });
    let previous = existing.as_ref().map(parse_data).unwrap_or_default();
    let mut data = keep_refused(draft.data, &previous, refused, &[]);
    data.legal_rep.id_number_masked = previous.legal_rep.id_number_masked;
    data.authorized_person.id_number_masked = previous.authorized_person.id_number_masked;
    data.corporate_account.account_number_masked = previous.corporate_account.account_number_masked;
    apply_secret(
        draft
            .legal_rep_id
            .for_type(previous.legal_rep.id_type, data.legal_rep.id_type),
        &mut row.legal_rep_id_enc,
        &mut data.legal_rep.id_number_masked,
        ctx,
        &context("legal_rep_id", &account.id),
    );
    apply_secret(
        draft.authorized_id.for_type(
            previous.authorized_person.id_type,
            data.authorized_person.id_type,
        ),
        &mut row.authorized_id_enc,
        &mut data.authorized_person.id_number_masked,
        ctx,
        &context("authorized_id", &account.id),
    );
    apply_secret(
        draft.account_number,
        &mut row.account_number_enc,
        &mut data.corporate_account.account_number_masked,
        ctx,
        &context("account_number", &account.id),
    );
    row.company_name = data.company_name.clone();
    row.uscc = data.uscc.clone();
    row.license_valid_until = data.license_valid_until.clone();
    row.id_valid_until = data.legal_rep.id_valid_until.clone();
    row.data = serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?;
    row.updated_at = ctx.clock.now_ms();
    ent_store::put(tx, &row).await?;
    store::audit::append(
        tx,
        NewEvent::new(&account.id, "enterprise.draft_saved", &account.id),
    )
    .await?;
    Ok(())
}

/// Submits the draft for review: 422 lists everything missing at once; 409 when the credit code
/// is verified by another account.
#[tracing::instrument(name = "verification::submit", skip_all, fields(account = %account.id))]
pub async fn submit(ctx: &Ctx, account: &AccountView) -> Result<EnterpriseView> {
    require_provider_role(account)?;
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    submit_in(ctx, &mut tx, account).await?;
    tx.commit().await?;
    ctx.mail_committed();
    view(ctx, account).await
}

/// The submission inside `tx`. Every check comes before the first write, so a refusal leaves
/// `tx` as it found it.
pub(super) async fn submit_in(ctx: &Ctx, tx: &mut store::Tx, account: &AccountView) -> Result<()> {
    let row = ent_store::get(&mut **tx, &account.id).await?;
    ensure_editable(row.as_ref())?;
    let docs = ent_store::current_documents(&mut **tx, &account.id).await?;
    let data = row.as_ref().map(parse_data).unwrap_or_default();
    let same = data.authorized_person.same_as_legal_rep == Some(true);
    let missing = missing_of(row.as_ref(), &data, &docs, ctx.today()?);
    let (Some(mut row), true) = (row, missing.is_empty()) else {
        return Err(Error::Validation(if missing.is_empty() {
            vec![FieldError::new("company_name", "required")]
        } else {
            missing
        }));
    };
    let uscc = data.uscc.clone().unwrap_or_default();
    if ent_store::credit_code_owner(&mut **tx, &uscc)
        .await?
        .is_some_and(|owner| owner != account.id)
    {
        return Err(Error::Conflict("uscc_taken"));
    }
    let documents: Vec<String> = docs
        .iter()
        .filter(|d| !same || d.kind == "business_license")
        .map(|d| d.id.clone())
        .collect();
    let now = ctx.clock.now_ms();
    let item = ReviewItemRow::submission(
        ReviewKind::EnterpriseVerification.as_str(),
        &account.id,
        data.company_name.clone().unwrap_or_default(),
        &account.id,
        row.data.clone(),
        &documents,
        now,
    );
    store::review::insert(tx, &item).await?;
    row.status = VerificationStatus::InReview.as_str().into();
    row.updated_at = now;
    ent_store::put(tx, &row).await?;
    store::audit::append(
        tx,
        NewEvent::new(&account.id, "enterprise.submitted", &account.id)
            .detail(json!({"review_item": item.id, "uscc": uscc})),
    )
    .await?;
    super::events::record(
        tx,
        Event::about_provider(
            EventType::EnterpriseVerificationSubmitted,
            &account.id,
            json!({"provider_id": account.id, "review_item_id": item.id,
                   "company_name": item.company_name, "subject_type": data.subject_type}),
        ),
    )
    .await?;
    notify::mail_account(ctx, tx, mail::MailKind::EnterpriseSubmitted, account, &[]).await?;
    Ok(())
}

/// What a submission of the stored draft would still lack, read inside `tx`.
pub(super) async fn missing_in(
    ctx: &Ctx,
    tx: &mut store::Tx,
    account: &AccountView,
) -> Result<Vec<FieldError>> {
    let row = ent_store::get(&mut **tx, &account.id).await?;
    let docs = ent_store::current_documents(&mut **tx, &account.id).await?;
    let data = row.as_ref().map(parse_data).unwrap_or_default();
    Ok(missing_of(row.as_ref(), &data, &docs, ctx.today()?))
}

fn missing_of(
    row: Option<&EnterpriseRow>,
    data: &EnterpriseData,
    docs: &[DocumentRow],
    today: jiff::civil::Date,
) -> Vec<FieldError> {
    enterprise::missing_for_submission(&DraftState {
        data,
        has_legal_rep_id: row.is_some_and(|r| r.legal_rep_id_enc.is_some()),
        has_authorized_id: row.is_some_and(|r| r.authorized_id_enc.is_some()),
        has_account_number: row.is_some_and(|r| r.account_number_enc.is_some()),
        has_business_license: docs.iter().any(|d| d.kind == "business_license"),
        has_authorization_letter: docs.iter().any(|d| d.kind == "authorization_letter"),
        today,
    })
}

/// An operator's decision on the documents: approval claims the credit code for this account
/// (a code that fails its check needs the reviewer's `override_reason`, on record); a rejection
/// returns the draft with the reasons. The micro-deposit is `micro_deposit.rs`.
pub(super) async fn apply_decision(
    tx: &mut store::Tx,
    item: &ReviewItemRow,
    verdict: &Verdict<'_>,
) -> Result<DecisionEffects> {
    let mut ent = ent_store::get(&mut **tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut effects = DecisionEffects::default();
    if verdict.approved {
        // Decided from the code itself as well as the draft's flag, so that nothing (an
        // unreadable draft, say) lets a failing code through without a reason.
        let failing = ent.uscc.as_deref().map(Uscc::parse);
        let overridden =
            parse_data(&ent).uscc_check_failed || matches!(failing, Some(Err(IdError::Checksum)));
        if overridden {
            let why = verdict
                .override_reason
                .ok_or_else(|| Error::field("override_reason", "required"))?;
            effects.audit_detail = Some(("uscc_check_override", json!(why)));
        }
        let uscc = ent.uscc.clone().unwrap_or_default();
        if !ent_store::claim_credit_code(tx, &uscc, &item.account_id, verdict.now).await? {
            return Err(Error::Conflict("uscc_taken"));
        }
        ent.status = VerificationStatus::Approved.as_str().into();
        ent.reasons = None;
    } else {
        ent.status = VerificationStatus::Rejected.as_str().into();
        ent.reasons = verdict.reasons_json.clone();
    }
    ent.updated_at = verdict.now;
    ent_store::put(tx, &ent).await?;
    Ok(effects)
}

/// The language stored for an account's mail.
pub fn lang_of(tag: &str) -> Lang {
    Lang::from_tag(tag).unwrap_or_default()
}
