//! Re-verification: a verified provider sends renewed documents (a business licence scan) and
//! their terms. Like a settlement change, it is reviewed while the verification in force stays:
//! approval puts the new terms and licence in force, rejection keeps the ones on file. A newer
//! submission replaces one still waiting.

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::{DecisionEffects, Verdict};
use super::move_in::require_verified;
use super::verification::SubmissionView;
use super::verification_documents::{check_document, store_document};
use super::{notify, Ctx, Error, Result};
use crate::domain::audit::NewEvent;
use crate::domain::enterprise::EnterpriseData;
use crate::domain::events::{Event, EventType};
use crate::domain::review::ReviewKind;
use crate::domain::validity::{self, check_term, Document, Term, TermInput, Validity};
use crate::domain::{FieldError, FieldErrors};
use crate::mail;
use crate::store::documents as doc_store;
use crate::store::enterprise as ent_store;
use crate::store::{self, review::ReviewItemRow};

/// New terms as sent: each a day (`YYYY-MM-DD`) or long-term.
#[derive(Debug, Clone, Default)]
pub struct TermsForm {
    pub license_valid_until: TermInput,
    pub id_valid_until: TermInput,
}

/// The terms a re-verification asks for, as its snapshot holds them (and the review screen
/// shows them beside the terms in force).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Snapshot {
    company_name: Option<String>,
    license_valid_until: Option<String>,
    license_long_term: bool,
    legal_rep: SnapshotPerson,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SnapshotPerson {
    id_valid_until: Option<String>,
    id_long_term: bool,
}

impl Snapshot {
    fn of(company: Option<String>, v: Validity) -> Snapshot {
        let (license_valid_until, license_long_term) = validity::stored(v.license);
        let (id_valid_until, id_long_term) = validity::stored(v.legal_rep_id);
        Snapshot {
            company_name: company,
            license_valid_until,
            license_long_term,
            legal_rep: SnapshotPerson {
                id_valid_until,
                id_long_term,
            },
        }
    }

    fn validity(&self) -> Validity {
        Validity {
            license: Term::of(self.license_valid_until.as_deref(), self.license_long_term),
            legal_rep_id: Term::of(
                self.legal_rep.id_valid_until.as_deref(),
                self.legal_rep.id_long_term,
            ),
        }
    }
}

/// Where a provider's re-verifications stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReverificationView {
    /// The licence's last valid day in force (`YYYY-MM-DD`, China's calendar); `null` with
    /// `license_long_term`, or when not recorded.
    pub license_valid_until: Option<String>,
    pub license_long_term: bool,
    /// The legal representative's ID's last valid day in force; `null` with `id_long_term`, or
    /// when not recorded.
    pub id_valid_until: Option<String>,
    pub id_long_term: bool,
    /// Every re-verification, newest first (`decision`: `pending`, `approved`, `rejected` or
    /// `superseded`).
    pub submissions: Vec<SubmissionView>,
}

pub async fn view(ctx: &Ctx, account: &AccountView) -> Result<ReverificationView> {
    require_verified(ctx, account).await?;
    let data = in_force_data(ctx, &account.id).await?;
    let history = store::review::history(
        ctx.db.pool(),
        ReviewKind::Reverification.as_str(),
        &account.id,
    )
    .await?;
    Ok(ReverificationView {
        license_valid_until: data.license_valid_until,
        license_long_term: data.license_long_term,
        id_valid_until: data.legal_rep.id_valid_until,
        id_long_term: data.legal_rep.id_long_term,
        submissions: history
            .iter()
            .map(|i| SubmissionView::of(i, account.lang.tag()))
            .collect(),
    })
}

async fn in_force_data(ctx: &Ctx, account_id: &str) -> Result<EnterpriseData> {
    Ok(ent_store::get(ctx.db.pool(), account_id)
        .await?
        .and_then(|r| serde_json::from_str(&r.data).ok())
        .unwrap_or_default())
}

/// The terms in force, as the review screen shows them beside a re-verification.
pub(super) async fn in_force(ctx: &Ctx, account_id: &str) -> Result<Option<serde_json::Value>> {
    let data = in_force_data(ctx, account_id).await?;
    let snap = Snapshot::of(data.company_name.clone(), data.validity());
    Ok(serde_json::to_value(snap).ok())
}

/// Checks the terms (both needed; a day already past is refused: `document_expired`).
fn check(form: &TermsForm, today: jiff::civil::Date) -> (Validity, Vec<FieldError>) {
    let mut e = FieldErrors::default();
    let mut term = |doc: Document, input: &TermInput| {
        if input.is_absent() {
            e.push(FieldError::new(doc.field(), "required"));
            return Term::Unknown;
        }
        let t = check_term(&mut e, doc.field(), input, today);
        if t == Term::Unknown && e.0.iter().all(|f| f.field != doc.field()) {
            e.push(FieldError::new(doc.field(), "required"));
        }
        t
    };
    let license = term(Document::BusinessLicense, &form.license_valid_until);
    let legal_rep_id = term(Document::LegalRepId, &form.id_valid_until);
    (
        Validity {
            license,
            legal_rep_id,
        },
        e.0,
    )
}

/// Submits a re-verification: the new terms and the renewed licence scan, while verified.
/// `422` names every field wrong or missing (`license_valid_until`, `legal_rep.id_valid_until`,
/// and the licence scan as `field`); the verification in force is untouched until approval.
#[tracing::instrument(name = "reverification::submit", skip_all, fields(account = %account.id))]
pub async fn submit(
    ctx: &Ctx,
    account: &AccountView,
    form: &TermsForm,
    business_license: Option<Vec<u8>>,
    field: &str,
) -> Result<SubmissionView> {
    require_verified(ctx, account).await?;
    let (terms, mut refused) = check(form, ctx.today()?);
    let file = match business_license.filter(|b| !b.is_empty()) {
        None => {
            refused.push(FieldError::new(field, "required"));
            None
        }
        Some(bytes) => match check_document(&bytes) {
            Ok(t) => Some((t, bytes)),
            Err(code) => {
                refused.push(FieldError::new(field, code));
                None
            }
        },
    };
    let (Some((file_type, bytes)), true) = (file, refused.is_empty()) else {
        return Err(Error::Validation(refused));
    };
    let doc = store_document(ctx, account, "business_license", file_type, bytes).await?;
    let keys = [doc.blob_key.as_str()];
    let written = async {
        let now = ctx.clock.now_ms();
        let mut tx = ctx.db.begin_for_account(&account.id).await?;
        let company = ent_store::get(&mut *tx, &account.id)
            .await?
            .and_then(|r| r.company_name);
        let snapshot = Snapshot::of(company.clone(), terms);
        let item = ReviewItemRow::submission(
            ReviewKind::Reverification.as_str(),
            &account.id,
            company.clone().unwrap_or_default(),
            &account.id,
            serde_json::to_string(&snapshot).map_err(|e| Error::Internal(e.to_string()))?,
            std::slice::from_ref(&doc.id),
            now,
        );
        // A newer submission replaces one still waiting.
        if let Some(old) =
            store::review::latest(&mut *tx, ReviewKind::Reverification.as_str(), &account.id)
                .await?
                .filter(|i| i.status == "pending")
        {
            store::review::decide(
                &mut tx,
                &old.id,
                old.version,
                "superseded",
                None,
                &account.id,
                now,
            )
            .await?;
        }
        doc_store::insert_document(&mut tx, &doc).await?;
        store::review::insert(&mut tx, &item).await?;
        store::audit::append(
            &mut tx,
            NewEvent::new(
                &account.id,
                "enterprise.reverification_submitted",
                &account.id,
            )
            .detail(
                json!({"review_item": item.id, "document": doc.id, "sha256": doc.sha256,
                       "license_valid_until": snapshot.license_valid_until,
                       "license_long_term": snapshot.license_long_term,
                       "id_valid_until": snapshot.legal_rep.id_valid_until,
                       "id_long_term": snapshot.legal_rep.id_long_term}),
            ),
        )
        .await?;
        let submitted = json!({"provider_id": account.id, "review_item_id": item.id,
                               "company_name": item.company_name});
        let submitted =
            Event::about_provider(EventType::ReverificationSubmitted, &account.id, submitted);
        super::events::record(&mut tx, submitted).await?;
        notify::mail_account(
            ctx,
            &mut tx,
            mail::MailKind::ReverificationSubmitted,
            account,
            &[("company", company.as_deref().unwrap_or_default())],
        )
        .await?;
        tx.commit().await?;
        ctx.mail_committed();
        Ok(SubmissionView::of(&item, account.lang.tag()))
    }
    .await;
    ctx.unless_written(&keys, written).await
}

/// A reviewer's decision: approval puts the new terms and the renewed licence scan in force;
/// rejection leaves the verification as it is (the item keeps the reasons).
pub(super) async fn apply_decision(
    tx: &mut store::Tx,
    item: &ReviewItemRow,
    verdict: &Verdict<'_>,
) -> Result<DecisionEffects> {
    let effects = DecisionEffects::default();
    if !verdict.approved {
        return Ok(effects);
    }
    let mut ent = ent_store::get(&mut **tx, &item.account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let snapshot: Snapshot =
        serde_json::from_str(&item.snapshot).map_err(|e| Error::Internal(e.to_string()))?;
    let mut data: EnterpriseData = serde_json::from_str(&ent.data).unwrap_or_default();
    data.set_validity(snapshot.validity());
    ent.license_valid_until = data.license_valid_until.clone();
    ent.id_valid_until = data.legal_rep.id_valid_until.clone();
    ent.data = serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?;
    ent.updated_at = verdict.now;
    ent_store::put(tx, &ent).await?;
    let documents: Vec<String> = serde_json::from_str(&item.documents).unwrap_or_default();
    if let Some(doc) = documents.first() {
        ent_store::attach_document(tx, &item.account_id, "business_license", doc).await?;
    }
    store::audit::append(
        tx,
        NewEvent::new(
            crate::domain::audit::SYSTEM,
            "enterprise.terms_renewed",
            &item.account_id,
        )
        .detail(json!({"review_item": item.id,
                       "license_valid_until": data.license_valid_until,
                       "license_long_term": data.license_long_term,
                       "id_valid_until": data.legal_rep.id_valid_until,
                       "id_long_term": data.legal_rep.id_long_term})),
    )
    .await?;
    Ok(effects)
}
