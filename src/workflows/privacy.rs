//! Data rights (PIPL), the account holder's side: download everything Berth holds about the
//! account and its company (a zip, streamed), and close the account. What erasure does after the
//! retention period is `privacy_erasure`; docs/PRIVACY.md says what is kept, how long and why.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use zip::write::SimpleFileOptions;

use super::accounts::AccountView;
use super::{limits, Ctx, Error, Result};
use crate::domain::audit::{AuditEvent, NewEvent};
use crate::domain::client::Client;
use crate::domain::events::{Event, EventType};
use crate::domain::limits::Rate;
use crate::domain::FieldError;
use crate::store::audit::{Page, Search};
use crate::store::documents::DocumentRow;
use crate::store::privacy::{self as privacy_store, ClosureRow};
use crate::store::{self, accounts as account_store};
use crate::time_util::{rfc3339, DAY_MS, HOUR_MS};

/// What an export holds, read before the first byte is sent: the records, the audit events, and
/// the documents whose bytes are read one at a time while the zip streams.
pub struct ExportPlan {
    pub records: Vec<(String, serde_json::Value)>,
    pub audit: Vec<AuditEvent>,
    pub documents: Vec<DocumentRow>,
}

/// Audit events read into one export at most (a provider's own events are far fewer).
const AUDIT_EVENTS_CAP: usize = 100_000;

/// Only the account holder, signed in (an API token is refused before this), may download; the
/// downloads are counted per account in the database (`privacy.exports_per_day`) and audited.
pub async fn prepare_export(ctx: &Ctx, account: &AccountView) -> Result<ExportPlan> {
    let rate = Rate {
        max: ctx.privacy.exports_per_day,
        window_ms: DAY_MS,
    };
    limits::take(ctx, &[&ctx.bucket(rate, "privacy/export", &account.id)]).await?;
    let mut records = Vec::new();
    for (table, condition) in privacy_store::EXPORT_TABLES {
        let rows =
            privacy_store::export_rows(&ctx.db, table, condition, &account.id, &account.email)
                .await?;
        records.push((table.to_string(), serde_json::Value::from(rows)));
    }
    let documents = privacy_store::documents_of(ctx.db.pool(), &account.id).await?;
    let audit = audit_events_about(ctx, &account.id).await?;
    let mut tx = ctx.db.begin_write_relaxed().await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "account.data_exported", &account.id).detail(json!({
            "documents": documents.len(),
            "audit_events": audit.len(),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(ExportPlan {
        records,
        audit,
        documents,
    })
}

/// The events about the account (it, its review items, its products) and the ones it did,
/// oldest first.
async fn audit_events_about(ctx: &Ctx, account_id: &str) -> Result<Vec<AuditEvent>> {
    let mut found: std::collections::BTreeMap<i64, AuditEvent> = Default::default();
    for search in [
        Search {
            about_account: Some(account_id.to_string()),
            ..Search::default()
        },
        Search {
            actor: Some(account_id.to_string()),
            ..Search::default()
        },
    ] {
        let mut after = 0;
        loop {
            let batch =
                store::audit::search(&ctx.db, &search, Page::OldestAfter(after), 1000).await?;
            let Some(last) = batch.last() else { break };
            after = last.seq;
            for e in batch {
                found.insert(e.seq, e);
            }
            if found.len() >= AUDIT_EVENTS_CAP {
                break;
            }
        }
    }
    Ok(found.into_values().take(AUDIT_EVENTS_CAP).collect())
}

/// A `Write` whose bytes the streaming side takes out between entries.
#[derive(Clone, Default)]
pub struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl SharedBuf {
    /// The bytes written since the last take.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const README: &str = "Berth: everything held about your account and company\n\
======================================================\n\n\
records/<table>.json   every record about the account, as stored (secrets such as passwords,\n\
                       keys and full ID or bank account numbers are left out; their masked\n\
                       forms are in the records)\n\
audit/events.jsonl     the audit events about the account, one JSON object a line, as the\n\
                       tamper-evident chain holds them (hash and prev_hash included)\n\
documents/             the documents you uploaded, as you uploaded them\n\n\
Berth：您的账户与企业的全部数据\n\n\
records/<表名>.json    与账户有关的全部记录（密码、密钥及完整的证件号码、银行账号不在其中，记录里有其打码形式）\n\
audit/events.jsonl     与账户有关的审计事件，每行一个 JSON 对象\n\
documents/             您上传的文件，与上传时相同\n";

fn zip_error(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("writing the export: {e}"))
}

/// The file name of a document inside the zip.
fn document_name(d: &DocumentRow) -> String {
    let ext = match d.content_type.as_str() {
        "application/pdf" => "pdf",
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        "image/svg+xml" => "svg",
        _ => "bin",
    };
    format!("documents/{}-{}.{ext}", d.kind, d.id)
}

/// Writes the export as a zip, calling `send` with each stretch of bytes as it is ready: the
/// records and events first, then each document, read and decrypted one at a time, so memory
/// holds one document at most. `send` answering false (the client went away) stops it.
pub async fn stream_zip<F, Fut>(ctx: &Ctx, plan: ExportPlan, mut send: F) -> Result<()>
where
    F: FnMut(Vec<u8>) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let buf = SharedBuf::default();
    let mut zip = zip::ZipWriter::new_stream(buf.clone());
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("README.txt", options).map_err(zip_error)?;
    zip.write_all(README.as_bytes()).map_err(zip_error)?;
    for (table, rows) in &plan.records {
        zip.start_file(format!("records/{table}.json"), options)
            .map_err(zip_error)?;
        serde_json::to_writer_pretty(&mut zip, rows).map_err(zip_error)?;
        if !send(buf.take()).await {
            return Ok(());
        }
    }
    zip.start_file("audit/events.jsonl", options)
        .map_err(zip_error)?;
    for e in &plan.audit {
        let line = super::audit_log::export_line(e);
        zip.write_all(&line).map_err(zip_error)?;
    }
    if !send(buf.take()).await {
        return Ok(());
    }
    for d in &plan.documents {
        let bytes = match ctx.blobs.get(&d.blob_key).await {
            Ok(b) => b,
            Err(e) => {
                // A missing file is named in the zip rather than failing the whole download.
                tracing::warn!(error = %e, document = %d.id, "export: document unreadable");
                zip.start_file(format!("{}.missing.txt", document_name(d)), options)
                    .map_err(zip_error)?;
                zip.write_all(b"This document's file could not be read.\n")
                    .map_err(zip_error)?;
                continue;
            }
        };
        zip.start_file(document_name(d), options)
            .map_err(zip_error)?;
        zip.write_all(&bytes).map_err(zip_error)?;
        drop(bytes);
        if !send(buf.take()).await {
            return Ok(());
        }
    }
    zip.finish().map_err(zip_error)?;
    send(buf.take()).await;
    Ok(())
}

/// Where an account's closure stands, for its page and `GET /api/v1/me/closure`.
#[derive(Debug, Clone)]
pub struct ClosureView {
    pub requested_at: i64,
    pub erase_after: i64,
    pub erased_at: Option<i64>,
}

impl From<ClosureRow> for ClosureView {
    fn from(c: ClosureRow) -> ClosureView {
        ClosureView {
            requested_at: c.requested_at,
            erase_after: c.erase_after,
            erased_at: c.erased_at,
        }
    }
}

/// The closure of `account_id`, if it was closed.
pub async fn closure(ctx: &Ctx, account_id: &str) -> Result<Option<ClosureView>> {
    Ok(privacy_store::closure(ctx.db.pool(), account_id)
        .await?
        .map(ClosureView::from))
}

/// Closes the provider account: the password confirms it is the holder. At once every listed
/// product leaves the storefront, sessions and API tokens end, waiting review items are
/// withdrawn and the account can no longer sign in; after `privacy.retention_days` the erasure
/// job removes its personal data. A closure is final (docs/PRIVACY.md says why).
pub async fn close_account(
    ctx: &Ctx,
    account: &AccountView,
    password: &str,
    confirm: bool,
    client: &Client,
) -> Result<ClosureView> {
    if account.roles.is_staff() {
        // Staff leave through an admin (deactivation), not by closing a provider account.
        return Err(Error::Forbidden);
    }
    let mut missing = Vec::new();
    if password.is_empty() {
        missing.push(FieldError::new("password", "required"));
    }
    if !confirm {
        missing.push(FieldError::new("confirm", "required"));
    }
    if !missing.is_empty() {
        return Err(Error::Validation(missing));
    }
    let guesses = Rate {
        max: 5,
        window_ms: HOUR_MS,
    };
    limits::take(ctx, &[&ctx.bucket(guesses, "privacy/close", &account.id)]).await?;
    let row = account_store::find_by_id(ctx.db.pool(), &account.id)
        .await?
        .ok_or(Error::NotFound)?;
    if !ctx
        .hasher
        .verify(password, Some(row.password_hash.clone()), client)
        .await?
    {
        return Err(Error::Validation(vec![FieldError::new(
            "password",
            "password_wrong",
        )]));
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    if privacy_store::closure(&mut *tx, &account.id)
        .await?
        .is_some()
    {
        return Err(Error::Conflict("already_closed"));
    }
    let company = store::enterprise::get(&mut *tx, &account.id).await?;
    let closure = ClosureRow {
        account_id: account.id.clone(),
        requested_at: now,
        erase_after: now + i64::from(ctx.privacy.retention_days) * DAY_MS,
        erased_at: None,
        company_name: company.as_ref().and_then(|c| c.company_name.clone()),
        uscc: company.as_ref().and_then(|c| c.uscc.clone()),
    };
    privacy_store::insert_closure(&mut tx, &closure).await?;
    let delisted = privacy_store::close_account(&mut tx, &account.id, now).await?;
    store::audit::append(
        &mut tx,
        NewEvent::new(&account.id, "account.closed", &account.id).detail(json!({
            "products_delisted": delisted,
            "erase_after": rfc3339(closure.erase_after),
        })),
    )
    .await?;
    let requested = json!({"provider_id": account.id, "requested_at": rfc3339(now),
                           "erase_after": rfc3339(closure.erase_after),
                           "products_delisted": delisted});
    let requested =
        Event::about_provider(EventType::AccountClosureRequested, &account.id, requested);
    super::events::record(&mut tx, requested).await?;
    let day = ctx.zone.date(closure.erase_after, account.lang);
    crate::mail::enqueue(
        &mut tx,
        &ctx.key,
        crate::mail::MailKind::AccountClosed,
        &account.email,
        account.lang,
        &[("date", day.as_str())],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    Ok(closure.into())
}
