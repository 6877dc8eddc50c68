//! Contact us: a public consultation becomes a ticket with a reference number in the operators'
//! queue; the reply is mailed.

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::{limits, Ctx, Error, Result};
use crate::domain::account::Email;
use crate::domain::audit::{self, NewEvent};
use crate::domain::client::Client;
use crate::domain::events::{Event, EventType};
use crate::domain::ids::MobilePhone;
use crate::domain::paging::{self, parse_cursor};
use crate::domain::text::{multiline_text, text};
use crate::domain::{FieldError, FieldErrors};
use crate::i18n::Lang;
use crate::mail;
use crate::store::audit::append as append_event;
use crate::store::consultations::{self as store, ConsultationRow};
use crate::time_util::{now_ms, rfc3339};

pub const TOPICS: &[&str] = &[
    "provider_cooperation",
    "product_question",
    "billing",
    "other",
];

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultationForm {
    /// `provider_cooperation` (the default), `product_question`, `billing` or `other`.
    #[schema(value_type = Option<Topic>, inline)]
    pub topic: Option<String>,
    #[schema(value_type = String, max_length = 50, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub name: Option<String>,
    #[schema(
        max_length = 200,
        pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*(?:[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?)?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
    )]
    pub company: Option<String>,
    #[schema(value_type = String, format = Email, max_length = 254)]
    pub email: Option<String>,
    /// A mainland mobile number (optional).
    pub mobile: Option<String>,
    #[schema(value_type = String, max_length = 5000, pattern = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000](?:[^\x00-\x1f\x7f-\x9f]*[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000])?[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$")]
    pub message: Option<String>,
}

/// The topics of a consultation (for the document; the form carries the name).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum Topic {
    ProviderCooperation,
    ProductQuestion,
    Billing,
    Other,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultationView {
    pub id: String,
    pub reference: String,
    pub topic: String,
    pub name: String,
    pub company: Option<String>,
    pub email: String,
    pub mobile: Option<String>,
    pub message: String,
    /// `open` or `replied`.
    pub status: String,
    pub reply: Option<String>,
    pub replied_at: Option<String>,
    pub created_at: String,
}

impl From<&ConsultationRow> for ConsultationView {
    fn from(c: &ConsultationRow) -> ConsultationView {
        ConsultationView {
            id: c.id.clone(),
            reference: c.reference.clone(),
            topic: c.topic.clone(),
            name: c.name.clone(),
            company: c.company.clone(),
            email: c.email.clone(),
            mobile: c.mobile.clone(),
            message: c.message.clone(),
            status: c.status.clone(),
            reply: c.reply.clone(),
            replied_at: c.replied_at.map(rfc3339),
            created_at: rfc3339(c.created_at),
        }
    }
}

/// `C` + date + six characters that cannot be confused (no 0/O, 1/I).
fn new_reference(now_ms: i64) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let date = rfc3339(now_ms).get(0..10).unwrap_or("").replace('-', "");
    let mut rng = rand::rngs::OsRng;
    let tail: String = (0..6)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("C{date}-{tail}")
}

/// Records a visitor's consultation, mails its reference to the sender, and returns it. Counted
/// per client (`limits.consultations_per_client`) once it validates, in the same transaction as
/// the ticket; the acknowledgement is mailed within `limits.consultation_mails_per_address`, so
/// that nobody can mail-bomb an address through the form (the message is received either way).
#[tracing::instrument(name = "consultations::create", skip_all)]
pub async fn create(
    ctx: &Ctx,
    form: &ConsultationForm,
    lang: Lang,
    client: &Client,
) -> Result<ConsultationView> {
    let mut e = FieldErrors::default();
    let topic = form
        .topic
        .as_deref()
        .map(str::trim)
        .unwrap_or("provider_cooperation")
        .to_string();
    if !TOPICS.contains(&topic.as_str()) {
        e.push(FieldError::new("topic", "not_allowed"));
    }
    let name = text(&mut e, "name", form.name.as_ref(), 50);
    if name.is_none() && !e.0.iter().any(|x| x.field == "name") {
        e.push(FieldError::new("name", "required"));
    }
    let company = text(&mut e, "company", form.company.as_ref(), 200);
    let email = e.require("email", form.email.as_deref(), Email::parse);
    let mobile = match form
        .mobile
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(m) => match MobilePhone::parse(m) {
            Ok(m) => Some(m.as_str().to_string()),
            Err(err) => {
                e.push(FieldError::new("mobile", err.code()));
                None
            }
        },
    };
    let message = multiline_text(&mut e, "message", form.message.as_ref(), 5000);
    if message.is_none() && !e.0.iter().any(|x| x.field == "message") {
        e.push(FieldError::new("message", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    let (Some(name), Some(email), Some(message)) = (name, email, message) else {
        return Err(Error::Internal("validated fields missing".into()));
    };
    let now = now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let per_client = ctx.client_bucket(
        ctx.limits.consultations_per_client,
        "consultation/client",
        client,
    );
    limits::take_in(&mut tx, &[&per_client]).await?;
    let mut row = ConsultationRow {
        id: uuid::Uuid::now_v7().to_string(),
        reference: new_reference(now),
        topic,
        name,
        company,
        email: email.as_str().to_string(),
        mobile,
        message,
        lang: lang.tag().to_string(),
        status: "open".into(),
        reply: None,
        replied_by: None,
        replied_at: None,
        created_at: now,
    };
    // A clash of references is astronomically rare; try again once with a fresh one.
    if !store::insert(&mut tx, &row).await? {
        row.reference = new_reference(now);
        if !store::insert(&mut tx, &row).await? {
            return Err(Error::Internal("could not allocate a reference".into()));
        }
    }
    append_event(
        &mut tx,
        NewEvent::new(audit::ANONYMOUS, "consultation.received", &row.id)
            .detail(json!({"reference": row.reference, "topic": row.topic})),
    )
    .await?;
    let created = json!({"consultation_id": row.id, "reference": row.reference,
                         "topic": row.topic, "company": row.company});
    let created = Event::marketplace(EventType::ConsultationCreated, created);
    super::events::record(&mut tx, created).await?;
    let mail_budget = ctx.bucket(
        ctx.limits.consultation_mails_per_address,
        "consultation/mail/address",
        &row.email,
    );
    if limits::try_take(&mut tx, &mail_budget).await? {
        mail::enqueue(
            &mut tx,
            &ctx.key,
            mail::MailKind::ConsultationReceived,
            &row.email,
            lang,
            &[("reference", &row.reference)],
        )
        .await?;
    }
    tx.commit().await?;
    ctx.mail_committed();
    Ok(ConsultationView::from(&row))
}

pub async fn list(
    ctx: &Ctx,
    status: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<(Vec<ConsultationView>, Option<String>)> {
    if status.is_some_and(|s| !matches!(s, "open" | "replied")) {
        return Err(Error::field("status", "not_allowed"));
    }
    let after = match cursor {
        None => None,
        Some(c) => Some(parse_cursor(c).ok_or_else(|| Error::field("cursor", "invalid_type"))?),
    };
    let mut rows = store::list(&ctx.db, status, after, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| paging::cursor(r.created_at, &r.id))
    } else {
        None
    };
    Ok((rows.iter().map(ConsultationView::from).collect(), next))
}

pub async fn get(ctx: &Ctx, id: &str) -> Result<ConsultationView> {
    store::get(ctx.db.pool(), id)
        .await?
        .map(|c| ConsultationView::from(&c))
        .ok_or(Error::NotFound)
}

/// Replies by mail (in the language the consultation was written in).
#[tracing::instrument(name = "consultations::reply", skip_all, fields(operator = %operator.id, id = %id))]
pub async fn reply(
    ctx: &Ctx,
    operator: &AccountView,
    id: &str,
    message: Option<&str>,
) -> Result<ConsultationView> {
    super::decision::require_action(
        operator,
        crate::domain::account::StaffAction::AnswerConsultation,
    )?;
    let mut e = FieldErrors::default();
    let message = multiline_text(
        &mut e,
        "message",
        message.map(str::to_string).as_ref(),
        5000,
    );
    if message.is_none() && e.is_empty() {
        e.push(FieldError::new("message", "required"));
    }
    e.into_result().map_err(Error::Validation)?;
    let message = message.unwrap_or_default();
    let now = now_ms();
    let mut tx = ctx.db.begin_write().await?;
    let row = store::get(&mut *tx, id).await?.ok_or(Error::NotFound)?;
    store::reply(&mut tx, id, &message, &operator.id, now).await?;
    append_event(
        &mut tx,
        NewEvent::new(&operator.id, "consultation.replied", id)
            .detail(json!({"reference": row.reference})),
    )
    .await?;
    let replied =
        json!({"consultation_id": row.id, "reference": row.reference, "topic": row.topic});
    let replied = Event::marketplace(EventType::ConsultationReplied, replied);
    super::events::record(&mut tx, replied).await?;
    let lang = Lang::from_tag(&row.lang).unwrap_or_default();
    mail::enqueue(
        &mut tx,
        &ctx.key,
        mail::MailKind::ConsultationReply,
        &row.email,
        lang,
        &[
            ("reference", &row.reference),
            ("reply", &message),
            ("name", &row.name),
        ],
    )
    .await?;
    tx.commit().await?;
    ctx.mail_committed();
    get(ctx, id).await
}
