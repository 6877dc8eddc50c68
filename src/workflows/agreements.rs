//! Provider agreement versions: read them (anyone), publish one (admins: every provider is
//! mailed in its language), accept one (a provider: the version in force, or the upcoming one
//! before its day; kept, audited and an `agreement.accepted` event, as the first acceptance in
//! the move-in application is).

use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::accounts::AccountView;
use super::decision::require_action;
use super::move_in::{require_provider_role, standing};
use super::{Ctx, Error, Result};
use crate::display::Zone;
use crate::domain::account::{Role, StaffAction};
use crate::domain::agreement::{self, Draft, Latest};
use crate::domain::audit::NewEvent;
use crate::domain::events::{Event, EventType};
use crate::domain::FieldError;
use crate::i18n::Lang;
use crate::mail::{self, MailKind};
use crate::store::agreements::{self as store, VersionRow};
use crate::store::{self as db};
use crate::time_util::rfc3339;

/// The texts of a version, Markdown, one per language.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TextMarkdown {
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
    pub en: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgreementView {
    /// `YYYY-MM`.
    pub version: String,
    /// The day it takes effect (`YYYY-MM-DD`), from 00:00 in the marketplace's time zone.
    #[schema(value_type = String, format = Date)]
    pub effective_at: String,
    /// That moment (RFC 3339).
    pub effective_from: String,
    /// `in_force` (the newest version whose day has begun), `upcoming` (its day is to come) or
    /// `earlier` (replaced by a later version).
    pub status: &'static str,
    /// What changed, as published: the Chinese summary, or the only one.
    pub summary: String,
    /// The summary in each language (the same text twice when one was published).
    pub summary_texts: TextMarkdown,
    pub text_markdown: TextMarkdown,
}

impl AgreementView {
    /// The summary of changes in `lang`.
    pub fn summary_in(&self, lang: &Lang) -> &str {
        match lang {
            Lang::En => &self.summary_texts.en,
            Lang::ZhCn => &self.summary_texts.zh_cn,
        }
    }

    /// The text in `lang`, as safe HTML.
    pub fn html(&self, lang: Lang) -> String {
        agreement::html(match lang {
            Lang::En => &self.text_markdown.en,
            Lang::ZhCn => &self.text_markdown.zh_cn,
        })
    }
}

fn view(row: VersionRow, in_force: Option<&str>, now: i64) -> AgreementView {
    AgreementView {
        status: if in_force == Some(row.version.as_str()) {
            "in_force"
        } else if row.effective_from > now {
            "upcoming"
        } else {
            "earlier"
        },
        version: row.version,
        effective_at: row.effective_on,
        effective_from: rfc3339(row.effective_from),
        summary_texts: TextMarkdown {
            en: row
                .summary_en
                .clone()
                .unwrap_or_else(|| row.summary.clone()),
            zh_cn: row.summary.clone(),
        },
        summary: row.summary,
        text_markdown: TextMarkdown {
            zh_cn: row.text_zh,
            en: row.text_en,
        },
    }
}

async fn in_force_version(ctx: &Ctx) -> Result<Option<String>> {
    Ok(store::in_force(&ctx.db, ctx.clock.now_ms())
        .await?
        .map(|v| v.version))
}

/// The version in force.
pub async fn current(ctx: &Ctx) -> Result<AgreementView> {
    let row = store::in_force(&ctx.db, ctx.clock.now_ms())
        .await?
        .ok_or(Error::NotFound)?;
    let version = row.version.clone();
    Ok(view(row, Some(&version), ctx.clock.now_ms()))
}

/// The version in force, by name (what a move-in application accepts).
pub async fn current_version(ctx: &Ctx) -> Result<String> {
    Ok(in_force_version(ctx).await?.unwrap_or_default())
}

/// One version, in force or not (`404` for a name never published).
pub async fn get(ctx: &Ctx, version: &str) -> Result<AgreementView> {
    let v = agreement::parse_version(version).ok_or(Error::NotFound)?;
    let row = store::get(&ctx.db, v).await?.ok_or(Error::NotFound)?;
    let in_force = in_force_version(ctx).await?;
    Ok(view(row, in_force.as_deref(), ctx.clock.now_ms()))
}

/// Every version, newest first.
pub async fn list(ctx: &Ctx) -> Result<Vec<AgreementView>> {
    let in_force = in_force_version(ctx).await?;
    Ok(store::all(&ctx.db)
        .await?
        .into_iter()
        .map(|r| view(r, in_force.as_deref(), ctx.clock.now_ms()))
        .collect())
}

/// What an admin sends to publish a version.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishForm {
    /// `YYYY-MM`, after every version published so far.
    #[schema(value_type = String, example = "2026-12")]
    pub version: Option<String>,
    /// The day it takes effect, `YYYY-MM-DD` (from 00:00 in the marketplace's time zone): not
    /// before today, after the latest version's day.
    #[schema(value_type = String, format = Date)]
    pub effective_at: Option<String>,
    /// What changed, for the providers (mailed and shown in the provider backend, each in its
    /// language): one text, or `{"zh-CN": "…", "en": "…"}`; at most 2,000 characters each.
    #[schema(value_type = SummaryForm)]
    pub summary: Option<SummaryForm>,
    #[schema(value_type = TextsForm)]
    pub text_markdown: Option<TextsForm>,
}

/// A summary of changes: one text for every provider, or one per language.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SummaryForm {
    One(String),
    Both(SummaryTexts),
}

impl SummaryForm {
    /// The Chinese (or only) text, and the English one when both were sent (empty if missing).
    fn parts(&self) -> (Option<&str>, Option<&str>) {
        match self {
            SummaryForm::One(s) => (Some(s), None),
            SummaryForm::Both(b) => (
                b.zh_cn.as_deref(),
                Some(b.en.as_deref().unwrap_or_default()),
            ),
        }
    }
}

/// The summary in each language.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SummaryTexts {
    #[serde(rename = "zh-CN")]
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub zh_cn: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 2000)]
    pub en: Option<String>,
}

/// The texts, Markdown (raw HTML is shown as text), at most 100,000 characters each.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextsForm {
    #[serde(rename = "zh-CN")]
    #[schema(value_type = String, min_length = 1, max_length = 100000)]
    pub zh_cn: Option<String>,
    #[schema(value_type = String, min_length = 1, max_length = 100000)]
    pub en: Option<String>,
}

/// An admin publishes a version: stored, audited, and every provider (application approved,
/// account active) mailed in its language with the summary and the day, in one transaction.
#[tracing::instrument(name = "agreements::publish", skip_all, fields(admin = %admin.id))]
pub async fn publish(ctx: &Ctx, admin: &AccountView, form: &PublishForm) -> Result<AgreementView> {
    require_action(admin, StaffAction::PublishAgreements)?;
    let now = ctx.clock.now_ms();
    let today = ctx
        .zone
        .day_of(now)
        .ok_or_else(|| Error::Internal("today".into()))?;
    let texts = form.text_markdown.clone().unwrap_or_default();
    let (summary, summary_en) = form
        .summary
        .as_ref()
        .map(SummaryForm::parts)
        .unwrap_or_default();
    let draft = Draft {
        version: form.version.as_deref(),
        effective_at: form.effective_at.as_deref(),
        summary,
        summary_en,
        text_zh: texts.zh_cn.as_deref(),
        text_en: texts.en.as_deref(),
    };
    let mut tx = ctx.db.begin_write().await?;
    let latest = store::latest(&mut tx).await?.and_then(|(version, day)| {
        agreement::parse_day(&day).map(|effective_on| Latest {
            version,
            effective_on,
        })
    });
    let checked = agreement::check(&draft, latest.as_ref(), today).map_err(Error::Validation)?;
    let effective_from = ctx
        .zone
        .start_of(checked.effective_on)
        .ok_or_else(|| Error::field("effective_at", "invalid_date"))?;
    let row = VersionRow {
        version: checked.version.clone(),
        effective_on: checked.effective_on.to_string(),
        effective_from,
        summary: checked.summary,
        summary_en: checked.summary_en,
        text_zh: checked.text_zh,
        text_en: checked.text_en,
        published_at: now,
    };
    if !store::insert(&mut tx, &row, &admin.id).await? {
        return Err(Error::Validation(vec![FieldError::new(
            "version",
            "version_not_newer",
        )
        .with("latest", &row.version)]));
    }
    db::audit::append(
        &mut tx,
        NewEvent::new(&admin.id, "agreement.published", &row.version)
            .detail(json!({"agreement_version": row.version, "effective_at": row.effective_on})),
    )
    .await?;
    let published = json!({"agreement_version": row.version, "effective_at": row.effective_on,
                           "effective_from": rfc3339(row.effective_from)});
    let published = Event::marketplace(EventType::AgreementPublished, published);
    super::events::record(&mut tx, published).await?;
    for (_, email, lang) in store::providers_to_tell(&mut tx).await? {
        let lang = Lang::from_tag(&lang).unwrap_or_default();
        let day = Zone::long_day(checked.effective_on, lang);
        let summary = match lang {
            Lang::En => row.summary_en.as_deref().unwrap_or(&row.summary),
            Lang::ZhCn => row.summary.as_str(),
        };
        let params = [
            ("version", row.version.as_str()),
            ("date", day.as_str()),
            ("summary", summary),
        ];
        mail::enqueue(
            &mut tx,
            &ctx.key,
            MailKind::AgreementPublished,
            &email,
            lang,
            &params,
        )
        .await?;
    }
    tx.commit().await?;
    ctx.mail_committed();
    let in_force = (row.effective_from <= now).then(|| row.version.clone());
    Ok(view(row, in_force.as_deref(), now))
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptForm {
    /// The version in force, or the newer one published to take effect later.
    #[schema(value_type = String, example = "2026-12")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AcceptedView {
    pub version: String,
    /// When the account accepted it (RFC 3339); the first acceptance stays.
    pub accepted_at: String,
}

/// A provider accepts a version: the one in force or the upcoming one (any other is
/// `agreement_outdated`). Accepting again changes nothing and answers the first time.
#[tracing::instrument(name = "agreements::accept", skip_all, fields(account = %account.id))]
pub async fn accept(ctx: &Ctx, account: &AccountView, form: &AcceptForm) -> Result<AcceptedView> {
    require_provider_role(account)?;
    let typed = form.version.as_deref().map(str::trim).unwrap_or("");
    if typed.is_empty() {
        return Err(Error::field("version", "required"));
    }
    let now = ctx.clock.now_ms();
    let mut tx = ctx.db.begin_for_account(&account.id).await?;
    let standing = standing(&mut tx, &account.id, now).await?;
    if !standing.acceptable(typed) {
        let current = standing.in_force.map(|v| v.version).unwrap_or_default();
        return Err(Error::Validation(vec![FieldError::new(
            "version",
            "agreement_outdated",
        )
        .with("version", current)]));
    }
    if store::accept(&mut tx, &account.id, typed, now).await? {
        record_acceptance(&mut tx, &account.id, typed, now).await?;
        tx.commit().await?;
        ctx.events_committed();
        return Ok(AcceptedView {
            version: typed.to_string(),
            accepted_at: rfc3339(now),
        });
    }
    drop(tx);
    let at = store::accepted_at(&ctx.db, &account.id, typed)
        .await?
        .unwrap_or(now);
    Ok(AcceptedView {
        version: typed.to_string(),
        accepted_at: rfc3339(at),
    })
}

/// The audit event and the `agreement.accepted` event of an acceptance, in `tx`.
async fn record_acceptance(
    tx: &mut db::Tx,
    account_id: &str,
    version: &str,
    now: i64,
) -> Result<()> {
    db::audit::append(
        tx,
        NewEvent::new(account_id, "agreement.accepted", account_id)
            .detail(json!({"agreement_version": version})),
    )
    .await?;
    let data = json!({"provider_id": account_id, "agreement_version": version,
                      "accepted_at": rfc3339(now)});
    let event = Event::about_provider(EventType::AgreementAccepted, account_id, data);
    super::events::record(tx, event).await?;
    Ok(())
}

/// The move-in application accepted `version` at `now` (in `tx`): kept like any acceptance.
pub async fn accepted_in_application(
    tx: &mut db::Tx,
    account_id: &str,
    version: &str,
    now: i64,
) -> Result<()> {
    store::accept(tx, account_id, version, now).await?;
    Ok(())
}

/// Where a signed-in account stands with one version, for its page.
#[derive(Debug, Clone, Default)]
pub struct Mine {
    /// When the account accepted it (unix ms).
    pub accepted_at: Option<i64>,
    /// A provider that may accept it now (in force or upcoming, not accepted yet).
    pub may_accept: bool,
}

/// How `account` stands with `version` (nothing for staff and other non-providers).
pub async fn mine(ctx: &Ctx, account: &AccountView, version: &str) -> Result<Mine> {
    if !account.roles.has(Role::Provider) {
        return Ok(Mine::default());
    }
    let accepted_at = store::accepted_at(&ctx.db, &account.id, version).await?;
    let mut conn = ctx.db.pool().acquire().await?;
    let standing = standing(&mut conn, &account.id, ctx.clock.now_ms()).await?;
    Ok(Mine {
        may_accept: accepted_at.is_none() && standing.acceptable(version),
        accepted_at,
    })
}
