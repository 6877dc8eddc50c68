//! The enterprise verification as its page sends it: the whole form with its documents, saved
//! as far as it is valid, and submitted when asked and complete. Everything wrong is named at
//! once — a field that failed its check, a file refused, what a submission still lacks — and
//! what was valid stays saved, secrets included (the API's `PUT` stays all-or-nothing:
//! `verification::save`).

use super::accounts::AccountView;
use super::drafts::{self, FormOutcome};
use super::move_in::require_provider_role;
use super::verification::{ensure_editable, missing_in, save_in, submit_in};
use super::verification_documents::{attach_in, check_document, store_document};
use super::{Ctx, Result};
use crate::domain::enterprise::{self, EnterpriseForm};
use crate::domain::FieldError;
use crate::store::enterprise as ent_store;

/// The documents a verification takes, by the name of their field on the form.
pub const DOCUMENT_KINDS: [&str; 2] = ["business_license", "authorization_letter"];

/// Saves what is valid of `form` and the `files` chosen ((kind, bytes)), and with
/// `then_submit` submits the draft when nothing is wrong or missing. A refusal that is not
/// about a field (the draft is in review, the credit code is taken) is the error, after the
/// draft was saved.
#[tracing::instrument(name = "verification::save_form", skip_all, fields(account = %account.id))]
pub async fn save_form(
    ctx: &Ctx,
    account: &AccountView,
    form: &EnterpriseForm,
    files: Vec<(String, Vec<u8>)>,
    then_submit: bool,
) -> Result<FormOutcome> {
    require_provider_role(account)?;
    ensure_editable(ent_store::get(ctx.db.pool(), &account.id).await?.as_ref())?;
    let (draft, refused) = enterprise::check_draft(form, ctx.today()?);
    let mut outcome = FormOutcome {
        refused,
        submitted: false,
    };
    let mut documents = Vec::new();
    let written = async {
        for (kind, bytes) in files {
            let field = format!("documents.{kind}");
            if !DOCUMENT_KINDS.contains(&kind.as_str()) {
                outcome.refused.push(FieldError::new(field, "not_allowed"));
                continue;
            }
            match check_document(&bytes) {
                Ok(file_type) => {
                    documents.push(store_document(ctx, account, &kind, file_type, bytes).await?)
                }
                Err(code) => outcome.refused.push(FieldError::new(field, code)),
            }
        }
        let mut tx = drafts::begin_save(ctx, &account.id, then_submit).await?;
        save_in(ctx, &mut tx, account, draft, &outcome.refused).await?;
        for doc in &documents {
            attach_in(ctx, &mut tx, account, doc).await?;
        }
        let submitted = if !then_submit {
            Ok(())
        } else if outcome.refused.is_empty() {
            outcome.submission(submit_in(ctx, &mut tx, account).await)
        } else {
            outcome.lacking(missing_in(ctx, &mut tx, account).await?);
            Ok(())
        };
        // Committed whatever the submission's answer: the files stay with their rows.
        drafts::commit_save(ctx, tx, outcome.submitted, Ok(())).await?;
        Ok(submitted)
    }
    .await;
    let keys: Vec<&str> = documents.iter().map(|d| d.blob_key.as_str()).collect();
    ctx.unless_written(&keys, written).await??;
    Ok(outcome)
}
