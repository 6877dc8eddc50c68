//! Mail: messages are rendered in the recipient's language and written to the outbox in the
//! transaction that causes them; the worker inside `serve` delivers them over SMTP, or, without
//! SMTP settings, writes one RFC 5322 `.eml` file per message under `<data-dir>/mail/`.
//! Delivery is retried with backoff; a crash between commit and delivery loses nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Body, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use crate::config::{Config, SmtpConfig, SmtpSecurity};
use crate::crypto::MasterKey;
use crate::i18n::{self, Lang};
use crate::store::{self, Db, Tx};
use crate::time_util::{now_ms, HOUR_MS};

/// After this many failed attempts a message is given up (and stays in the table for operators).
const MAX_ATTEMPTS: i64 = 12;
const LEASE_MS: i64 = 5 * 60 * 1000;

/// A rendered message as the outbox keeps it (encrypted: it can carry one-time codes).
#[derive(Serialize, Deserialize)]
struct Rendered {
    subject: String,
    body: String,
}

/// Every message Berth sends. Its name keys the texts (`email.<name>.subject` and `.body` in
/// the i18n catalog) and the outbox's `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    ActivationCode,
    PasswordResetCode,
    PasswordChanged,
    SecondFactorEnabled,
    SecondFactorDisabled,
    SecondFactorReset,
    RecoveryCodeUsed,
    EnterpriseSubmitted,
    EnterpriseVerificationApproved,
    EnterpriseVerificationRejected,
    MicroDepositSent,
    EnterpriseVerified,
    ApplicationSubmitted,
    PartnerApplicationApproved,
    PartnerApplicationRejected,
    SettlementChangeRequested,
    SettlementChangeApproved,
    SettlementChangeRejected,
    ProductApproved,
    ProductRejected,
    ConsultationReceived,
    ConsultationReply,
    ProviderSuspended,
    ProviderReinstated,
    WebhookDisabled,
    StaffInvitation,
    AppealAnswered,
    AgreementPublished,
    ExpiryReminder,
    DocumentExpired,
    ReverificationSubmitted,
    ReverificationApproved,
    ReverificationRejected,
    GuaranteeDeducted,
    GuaranteeHidden,
    GuaranteeRestored,
    GuaranteeRaised,
    AccountClosed,
}

impl MailKind {
    pub const ALL: [MailKind; 38] = [
        MailKind::ActivationCode,
        MailKind::PasswordResetCode,
        MailKind::PasswordChanged,
        MailKind::SecondFactorEnabled,
        MailKind::SecondFactorDisabled,
        MailKind::SecondFactorReset,
        MailKind::RecoveryCodeUsed,
        MailKind::EnterpriseSubmitted,
        MailKind::EnterpriseVerificationApproved,
        MailKind::EnterpriseVerificationRejected,
        MailKind::MicroDepositSent,
        MailKind::EnterpriseVerified,
        MailKind::ApplicationSubmitted,
        MailKind::PartnerApplicationApproved,
        MailKind::PartnerApplicationRejected,
        MailKind::SettlementChangeRequested,
        MailKind::SettlementChangeApproved,
        MailKind::SettlementChangeRejected,
        MailKind::ProductApproved,
        MailKind::ProductRejected,
        MailKind::ConsultationReceived,
        MailKind::ConsultationReply,
        MailKind::ProviderSuspended,
        MailKind::ProviderReinstated,
        MailKind::WebhookDisabled,
        MailKind::StaffInvitation,
        MailKind::AppealAnswered,
        MailKind::AgreementPublished,
        MailKind::ExpiryReminder,
        MailKind::DocumentExpired,
        MailKind::ReverificationSubmitted,
        MailKind::ReverificationApproved,
        MailKind::ReverificationRejected,
        MailKind::AccountClosed,
        MailKind::GuaranteeDeducted,
        MailKind::GuaranteeHidden,
        MailKind::GuaranteeRestored,
        MailKind::GuaranteeRaised,
    ];

    pub fn name(self) -> &'static str {
        match self {
            MailKind::ActivationCode => "activation_code",
            MailKind::PasswordResetCode => "password_reset_code",
            MailKind::PasswordChanged => "password_changed",
            MailKind::SecondFactorEnabled => "second_factor_enabled",
            MailKind::SecondFactorDisabled => "second_factor_disabled",
            MailKind::SecondFactorReset => "second_factor_reset",
            MailKind::RecoveryCodeUsed => "recovery_code_used",
            MailKind::EnterpriseSubmitted => "enterprise_submitted",
            MailKind::EnterpriseVerificationApproved => "enterprise_verification_approved",
            MailKind::EnterpriseVerificationRejected => "enterprise_verification_rejected",
            MailKind::MicroDepositSent => "micro_deposit_sent",
            MailKind::EnterpriseVerified => "enterprise_verified",
            MailKind::ApplicationSubmitted => "application_submitted",
            MailKind::PartnerApplicationApproved => "partner_application_approved",
            MailKind::PartnerApplicationRejected => "partner_application_rejected",
            MailKind::SettlementChangeRequested => "settlement_change_requested",
            MailKind::SettlementChangeApproved => "settlement_change_approved",
            MailKind::SettlementChangeRejected => "settlement_change_rejected",
            MailKind::ProductApproved => "product_approved",
            MailKind::ProductRejected => "product_rejected",
            MailKind::ConsultationReceived => "consultation_received",
            MailKind::ConsultationReply => "consultation_reply",
            MailKind::ProviderSuspended => "provider_suspended",
            MailKind::ProviderReinstated => "provider_reinstated",
            MailKind::WebhookDisabled => "webhook_disabled",
            MailKind::StaffInvitation => "staff_invitation",
            MailKind::AppealAnswered => "appeal_answered",
            MailKind::AgreementPublished => "agreement_published",
            MailKind::ExpiryReminder => "expiry_reminder",
            MailKind::DocumentExpired => "document_expired",
            MailKind::ReverificationSubmitted => "reverification_submitted",
            MailKind::ReverificationApproved => "reverification_approved",
            MailKind::ReverificationRejected => "reverification_rejected",
            MailKind::AccountClosed => "account_closed",
            MailKind::GuaranteeDeducted => "guarantee_deducted",
            MailKind::GuaranteeHidden => "guarantee_hidden",
            MailKind::GuaranteeRestored => "guarantee_restored",
            MailKind::GuaranteeRaised => "guarantee_raised",
        }
    }
}

/// Renders the `email.<kind>.*` texts in `lang` and queues the message in `tx`.
pub async fn enqueue(
    tx: &mut Tx,
    key: &MasterKey,
    kind: MailKind,
    to: &str,
    lang: Lang,
    params: &[(&str, &str)],
) -> store::Result<()> {
    let kind = kind.name();
    let rendered = Rendered {
        subject: i18n::tf(lang, &format!("email.{kind}.subject"), params),
        body: format!(
            "{}\n\n-- \n{}\n",
            i18n::tf(lang, &format!("email.{kind}.body"), params),
            i18n::t(lang, "email.signature")
        ),
    };
    let id = uuid::Uuid::now_v7().to_string();
    let json =
        serde_json::to_vec(&rendered).map_err(|e| store::StoreError::Corrupt(e.to_string()))?;
    let payload = key.encrypt(&payload_context(&id), &json);
    store::outbox::insert(tx, &id, kind, to, &payload, now_ms()).await
}

fn payload_context(id: &str) -> String {
    format!("outbox.payload:{id}")
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(PathBuf),
}

/// Delivers rendered messages; built once from the configuration.
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail_from: {0}")]
    From(String),
    #[error("smtp: {0}")]
    Smtp(String),
    #[error("mail directory {0}: {1}")]
    Dir(String, std::io::Error),
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, MailError> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::From(e.to_string()))?;
        let transport = match &config.smtp {
            Some(smtp) => Transport::Smtp(smtp_transport(smtp)?),
            None => {
                let dir = config.mail_dir();
                crate::private_files::create_dir(&dir)
                    .map_err(|e| MailError::Dir(dir.display().to_string(), e))?;
                Transport::Files(dir)
            }
        };
        Ok(Mailer { transport, from })
    }

    /// Where mail goes, for the start-up banner.
    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Smtp(_) => "SMTP".to_string(),
            Transport::Files(dir) => format!(".eml files in {}", dir.display()),
        }
    }

    async fn deliver(&self, to: &str, rendered: &Rendered, id: &str) -> Result<(), Delivery> {
        let to: Mailbox = to
            .parse()
            .map_err(|_| Delivery::Permanent("bad recipient address".into()))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject.clone())
            .header(ContentType::TEXT_PLAIN);
        match &self.transport {
            Transport::Smtp(smtp) => {
                let msg = builder
                    .body(rendered.body.clone())
                    .map_err(|e| Delivery::Permanent(e.to_string()))?;
                smtp.send(msg).await.map(|_| ()).map_err(|e| {
                    if e.is_permanent() {
                        Delivery::Permanent(e.to_string())
                    } else {
                        Delivery::Transient(e.to_string())
                    }
                })
            }
            Transport::Files(dir) => {
                let body = readable_body(&rendered.body);
                let msg = builder
                    .body(body)
                    .map_err(|e| Delivery::Permanent(e.to_string()))?;
                let name = format!("{}-{id}.eml", now_ms());
                let tmp = dir.join(format!(".{name}.tmp"));
                let path = dir.join(&name);
                // Write then rename, so a reader never sees half a message.
                crate::private_files::write(&tmp, &msg.formatted())
                    .await
                    .map_err(|e| Delivery::Transient(e.to_string()))?;
                tokio::fs::rename(&tmp, &path)
                    .await
                    .map_err(|e| Delivery::Transient(e.to_string()))?;
                tracing::info!(path = %path.display(), "mail written");
                Ok(())
            }
        }
    }
}

/// A body for a file a person opens: 8bit UTF-8 keeps the Chinese text readable (lettre would
/// pick base64 for lines over 76 bytes). RFC 5322 allows 8bit lines up to 998 bytes; past that,
/// or with a NUL, lettre's own choice is used.
fn readable_body(text: &str) -> Body {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.split("\r\n").all(|l| l.len() < 998) && !crlf.contains('\0') {
        Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit)
    } else {
        Body::new(text.to_string())
    }
}

fn smtp_transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, MailError> {
    let mut builder = match smtp.security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)
            .map_err(|e| MailError::Smtp(e.to_string()))?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)
            .map_err(|e| MailError::Smtp(e.to_string()))?,
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&smtp.host),
    }
    .port(smtp.port)
    .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(pass)) = (&smtp.username, &smtp.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
    }
    Ok(builder.build())
}

enum Delivery {
    Transient(String),
    Permanent(String),
}

/// Backoff after the `attempt`-th failure: 10 s, 20 s, 40 s, … capped at one hour.
pub fn retry_delay_ms(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10_000i64.saturating_mul(1i64 << exp)).min(HOUR_MS)
}

/// The outbox worker. Wakes when `wake` is notified (a transaction queued mail) or every two
/// seconds, and stops when `shutdown` turns true.
pub async fn run_worker(
    db: Db,
    key: MasterKey,
    mailer: Arc<Mailer>,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if let Err(e) = drain_once(&db, &key, &mailer).await {
            tracing::warn!(error = %e, "outbox: could not read due messages");
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            break;
        }
    }
}

/// Delivers what is due now; returns how many messages were delivered.
pub async fn drain_once(db: &Db, key: &MasterKey, mailer: &Mailer) -> store::Result<usize> {
    let mut delivered = 0;
    loop {
        let batch = store::outbox::claim_due(db, now_ms(), LEASE_MS, 20).await?;
        if batch.is_empty() {
            return Ok(delivered);
        }
        for row in batch {
            let outcome = match key
                .decrypt(&payload_context(&row.id), &row.payload)
                .ok()
                .and_then(|json| serde_json::from_slice::<Rendered>(&json).ok())
            {
                Some(rendered) => mailer.deliver(&row.recipient, &rendered, &row.id).await,
                None => Err(Delivery::Permanent("payload cannot be decrypted".into())),
            };
            match outcome {
                Ok(()) => {
                    store::outbox::mark_sent(db, &row.id, now_ms()).await?;
                    delivered += 1;
                }
                Err(Delivery::Transient(e)) if row.attempts < MAX_ATTEMPTS => {
                    tracing::warn!(id = %row.id, kind = %row.kind, attempt = row.attempts, error = %e, "mail delivery failed; will retry");
                    let next = now_ms() + retry_delay_ms(row.attempts);
                    store::outbox::mark_retry(db, &row.id, next, &e).await?;
                }
                Err(Delivery::Transient(e)) | Err(Delivery::Permanent(e)) => {
                    tracing::error!(id = %row.id, kind = %row.kind, error = %e, "mail delivery failed for good");
                    store::outbox::mark_failed(db, &row.id, now_ms(), &e).await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_mail_has_its_texts_in_both_languages() {
        for kind in MailKind::ALL {
            for lang in [Lang::ZhCn, Lang::En] {
                for part in ["subject", "body"] {
                    let key = format!("email.{}.{part}", kind.name());
                    assert_ne!(i18n::t(lang, &key), key, "{key} in {lang:?}");
                }
            }
        }
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(retry_delay_ms(1), 10_000);
        assert_eq!(retry_delay_ms(2), 20_000);
        assert_eq!(retry_delay_ms(3), 40_000);
        assert_eq!(retry_delay_ms(12), HOUR_MS);
        assert_eq!(retry_delay_ms(1000), HOUR_MS);
    }
}
