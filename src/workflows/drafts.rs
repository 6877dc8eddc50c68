//! What the verification and the application share when a draft is saved and, perhaps,
//! submitted in the same transaction.

use super::{Ctx, Result};
use crate::store::{Durability, Tx};

/// The transaction of a save: relaxed for a draft alone, durable when it submits too.
pub async fn begin_save(ctx: &Ctx, account_id: &str, then_submit: bool) -> Result<Tx> {
    let durability = if then_submit {
        Durability::Full
    } else {
        Durability::Relaxed
    };
    Ok(ctx.db.begin_for_account_as(account_id, durability).await?)
}

/// Commits a save; the draft stands whether or not its submission (`submitted`) was accepted,
/// and a refusal is handed back to say why it was not submitted.
pub async fn commit_save(
    ctx: &Ctx,
    tx: Tx,
    then_submit: bool,
    submitted: Result<()>,
) -> Result<()> {
    tx.commit().await?;
    if then_submit {
        ctx.mail_committed();
    }
    submitted
}

/// What a page's save came to: every field refused at once — what failed its check (and was
/// not saved: the rest of the draft was), a file refused, what a submission still lacks — and
/// whether it was submitted.
#[derive(Debug, Default)]
pub struct FormOutcome {
    pub refused: Vec<crate::domain::FieldError>,
    pub submitted: bool,
}

impl FormOutcome {
    /// Takes a submission's answer: accepted, or refused for missing fields (they join the
    /// list); any other refusal is handed back.
    pub fn submission(&mut self, submitted: Result<()>) -> Result<()> {
        match submitted {
            Ok(()) => {
                self.submitted = true;
                Ok(())
            }
            Err(super::Error::Validation(missing)) => {
                self.lacking(missing);
                Ok(())
            }
            Err(other) => Err(other),
        }
    }

    /// Adds what a submission lacks, but not for a field already named.
    pub fn lacking(&mut self, missing: Vec<crate::domain::FieldError>) {
        for m in missing {
            let base = |f: &str| f.split('[').next().unwrap_or(f).to_string();
            if !self
                .refused
                .iter()
                .any(|r| base(&r.field) == base(&m.field))
            {
                self.refused.push(m);
            }
        }
    }
}
