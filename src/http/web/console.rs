//! The operator console: the review queue, the review screen (with the earlier submission side by
//! side and changed fields highlighted), decisions, the micro-deposit, and the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::audit::AuditEvent;
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::money::Fen;
use crate::domain::review::{Decision, DecisionForm, ReasonForm};
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, absorb, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::time_util::rfc3339;
use crate::workflows::catalog::{self as cat, CatalogForm};
use crate::workflows::consultations::{self, ConsultationView};
use crate::workflows::review::{self, ItemDetail, ItemSummary, QueueQuery};
use crate::workflows::{audit_log, providers, second_factor, Error};

#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub min_age_hours: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/console_queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub items: Vec<ItemSummary>,
    pub counts: Vec<(&'static str, i64)>,
    pub kind: String,
    pub status: String,
    pub min_age_hours: String,
    pub next_cursor: Option<String>,
    pub error: Option<String>,
}

impl QueuePage {
    pub fn is_kind(&self, k: &str) -> bool {
        self.kind == k
    }

    pub fn is_status(&self, s: &str) -> bool {
        self.status == s
    }

    pub fn next_href(&self) -> String {
        format!(
            "/console?kind={}&status={}&min_age_hours={}&cursor={}",
            self.kind,
            self.status,
            self.min_age_hours,
            self.next_cursor.clone().unwrap_or_default()
        )
    }
}

pub async fn queue(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<QueueParams>,
) -> Result<Response, PageError> {
    let kind = p.kind.unwrap_or_default();
    let status = p.status.unwrap_or_else(|| "pending".into());
    let min_age = p.min_age_hours.unwrap_or_default();
    let min_age_hours = min_age.trim().parse::<i64>().ok();
    let q = QueueQuery {
        kind: Some(kind.as_str()).filter(|k| !k.is_empty()),
        status: Some(status.as_str()).filter(|s| !s.is_empty()),
        min_age_hours,
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
        limit: 50,
    };
    let counts = review::pending_counts(&state.ctx).await.unwrap_or_default();
    let (items, next_cursor, error) = match review::queue(&state.ctx, &q).await {
        Ok((items, next)) => (items, next, None),
        Err(Error::Validation(_)) => (Vec::new(), None, Some(page.t("console.bad_filter"))),
        Err(e) => return Ok(failure(page, e)),
    };
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            page,
            items,
            counts,
            kind,
            status,
            min_age_hours: min_age,
            next_cursor,
            error,
        },
    ))
}

/// One field of the submission, with the earlier value when it changed.
pub struct FieldRow {
    pub name: String,
    pub value: String,
    pub earlier: Option<String>,
    pub changed: bool,
}

#[derive(Template)]
#[template(path = "pages/console_item.html")]
pub struct ItemPage {
    pub page: Page,
    pub item: ItemDetail,
    pub rows: Vec<FieldRow>,
    pub form: FormState,
    pub deposit_amount: Option<String>,
}

impl ItemPage {
    pub fn pending(&self) -> bool {
        self.item.summary.status == "pending"
    }

    /// The signed-in staff member's own account's item: another operator decides it.
    pub fn own(&self) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| s.account.id == self.item.summary.subject.account_id)
    }

    pub fn is_enterprise(&self) -> bool {
        self.item.summary.kind == "enterprise_verification"
    }

    /// A settlement change: approving it needs a fresh second factor.
    pub fn is_settlement(&self) -> bool {
        self.item.summary.kind == "settlement_change"
    }

    /// The credit code fails its check character: approving needs an override reason.
    pub fn needs_override(&self) -> bool {
        self.is_enterprise() && self.item.data["uscc_check_failed"] == serde_json::json!(true)
    }

    pub fn has_earlier(&self) -> bool {
        !self.item.earlier.is_empty() || self.item.in_force.is_some()
    }

    pub fn earlier_heading(&self) -> String {
        if self.item.in_force.is_some() {
            self.page.t("console.in_force")
        } else {
            self.page.t("console.earlier_submission")
        }
    }
}

/// One element of a list as text: a plan reads "Basic ¥99.00 monthly".
fn item_text(page: &Page, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(map) if map.contains_key("price_fen") => {
            let name = map.get("name").and_then(|n| n.as_str()).unwrap_or("");
            let price = map
                .get("price_fen")
                .and_then(|p| p.as_i64())
                .map(|fen| Fen(fen).to_string())
                .unwrap_or_default();
            let billing = map.get("billing").and_then(|b| b.as_str()).unwrap_or("");
            format!("{name} {price} {}", page.t(&format!("billing.{billing}")))
        }
        serde_json::Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| match (k.as_str(), v.as_i64()) {
                    ("price_fen", Some(fen)) => Fen(fen).to_string(),
                    _ => v
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| v.to_string()),
                })
                .collect();
            parts.join(" ")
        }
        other => other.to_string(),
    }
}

/// Flattens a JSON object into `a.b: value` rows.
fn flatten(page: &Page, prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(page, &key, v, out);
            }
        }
        serde_json::Value::Array(items) => {
            let joined: Vec<String> = items.iter().map(|i| item_text(page, i)).collect();
            out.push((prefix.to_string(), joined.join("; ")));
        }
        serde_json::Value::Null => out.push((prefix.to_string(), String::new())),
        serde_json::Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Enumerated values in words of the page's language (`prc_id` → 居民身份证).
fn display_value(page: &Page, name: &str, value: &str) -> String {
    let last = name.rsplit('.').next().unwrap_or(name);
    let key = match last {
        "subject_type" => format!("subject.{value}"),
        "id_type" => format!("id_type.{value}"),
        "service_hours" => format!("hours.{value}"),
        "delivery" => format!("delivery.{value}"),
        "billing" => format!("billing.{value}"),
        "same_as_legal_rep" => format!("bool.{value}"),
        _ => return value.to_string(),
    };
    let text = page.t(&key);
    if text == key {
        value.to_string()
    } else {
        text
    }
}

fn field_rows(page: &Page, item: &ItemDetail) -> Vec<FieldRow> {
    let mut now = Vec::new();
    flatten(page, "", &item.data, &mut now);
    let mut before = Vec::new();
    // A settlement change is compared with the account in force; others with the last submission.
    let compare_with = item
        .in_force
        .as_ref()
        .or(item.earlier.first().map(|e| &e.data));
    if let Some(data) = compare_with {
        flatten(page, "", data, &mut before);
    }
    now.into_iter()
        .map(|(name, value)| {
            let earlier = if compare_with.is_none() {
                None
            } else {
                Some(
                    before
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default(),
                )
            };
            let changed = earlier.as_ref().is_some_and(|e| *e != value);
            let earlier = earlier.map(|e| display_value(page, &name, &e));
            let value = display_value(page, &name, &value);
            FieldRow {
                name,
                value,
                earlier,
                changed,
            }
        })
        .collect()
}

/// The review screen of item `id`, with `form` as typed and the amount just paid, if any.
async fn item_page(
    state: &AppState,
    page: Page,
    id: &str,
    form: FormState,
    deposit_amount: Option<String>,
) -> Result<ItemPage, PageError> {
    let item = page.or_error_page(review::detail(&state.ctx, id).await)?;
    let rows = field_rows(&page, &item);
    Ok(ItemPage {
        page,
        item,
        rows,
        form,
        deposit_amount,
    })
}

pub async fn item(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = item_page(&state, page, &id, FormState::default(), None).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// The decision form: `decision`, `version`, and pairs `reason_field` / `reason_message`.
pub async fn decide(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Staff {
        page,
        account: reviewer,
    }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let fields = forms::all(&data, "reason_field");
    let messages = forms::all(&data, "reason_message");
    let reasons: Vec<ReasonForm> = fields
        .iter()
        .zip(messages.iter())
        .filter(|(_, m)| !m.trim().is_empty())
        .map(|(f, m)| ReasonForm {
            field: Some(f.clone()),
            message: Some(m.clone()),
        })
        .collect();
    let decision = match forms::first(&data, "decision") {
        Some("approve") => Some(Decision::Approve),
        Some("reject") => Some(Decision::Reject),
        _ => None,
    };
    let input = DecisionForm {
        decision,
        reasons: Some(reasons),
        version: forms::first(&data, "version").and_then(|v| v.parse().ok()),
        override_reason: forms::opt(&data, "override_reason"),
        second_factor_code: forms::opt(&data, "second_factor_code"),
    };
    let fresh = match page.session.as_ref() {
        Some(session) => {
            second_factor::fresh_or_step_up(
                &state.ctx,
                session,
                input.second_factor_code.as_deref(),
                &client,
            )
            .await
        }
        None => Ok(false),
    };
    let decided = match fresh {
        Ok(fresh) => review::decide(&state.ctx, &reviewer, &id, &input, fresh).await,
        Err(e) => Err(e),
    };
    match decided {
        Ok(_) => see_other(&format!("/console/items/{id}?notice=decided")),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                item_page(&state, page, &id, form, None).await
            })
            .await
        }
    }
}

/// Pays the micro-deposit of an enterprise verification: the page shows the amount once.
pub async fn micro_deposit(
    State(state): State<AppState>,
    Staff {
        page,
        account: reviewer,
    }: Staff,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    let mut form = FormState::default();
    let (amount, status) = match review::record_deposit(&state.ctx, &reviewer, &id).await {
        Ok(fen) => (Some(Fen(fen).yuan_figure()), StatusCode::OK),
        // A deposit that cannot be paid now (already paid, not this kind) is told on the item.
        Err(e) => match absorb(page.lang, &mut form, e) {
            Ok(()) => (None, StatusCode::CONFLICT),
            Err(e) => return Ok(failure(page, e)),
        },
    };
    let shown = item_page(&state, page, &id, form, amount).await?;
    Ok(render(status, &shown))
}

#[derive(Deserialize, Default)]
pub struct AuditParams {
    pub after: Option<i64>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "pages/console_audit.html")]
pub struct AuditPage {
    pub page: Page,
    pub rows: Vec<AuditRow>,
    pub next_after: Option<i64>,
    pub after: i64,
}

pub async fn audit(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<AuditParams>,
) -> Result<Response, PageError> {
    let after = p.after.unwrap_or(0).max(0);
    let events: Vec<AuditEvent> =
        page.or_error_page(audit_log::list_events(&state.ctx, after, 100).await)?;
    let next_after = (events.len() == 100)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    let rows = events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            subject: e.subject,
            detail: e.detail,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AuditPage {
            page,
            rows,
            next_after,
            after,
        },
    ))
}

#[derive(Template)]
#[template(path = "pages/console_consultations.html")]
pub struct ConsultationsPage {
    pub page: Page,
    pub items: Vec<ConsultationView>,
    pub status: String,
}

#[derive(Deserialize, Default)]
pub struct ConsultationParams {
    pub status: Option<String>,
}

pub async fn consultations(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Query(p): Query<ConsultationParams>,
) -> Result<Response, PageError> {
    let status = p.status.unwrap_or_else(|| "open".into());
    let filter = Some(status.as_str()).filter(|s| matches!(*s, "open" | "replied"));
    let (items, _) =
        page.or_error_page(consultations::list(&state.ctx, filter, None, 200).await)?;
    Ok(render(
        StatusCode::OK,
        &ConsultationsPage {
            page,
            items,
            status,
        },
    ))
}

#[derive(Template)]
#[template(path = "pages/console_consultation.html")]
pub struct ConsultationPage {
    pub page: Page,
    pub item: ConsultationView,
    pub form: FormState,
}

/// One consultation and the reply form, with `form` as typed.
async fn consultation_page(
    state: &AppState,
    page: Page,
    id: &str,
    form: FormState,
) -> Result<ConsultationPage, PageError> {
    let item = page.or_error_page(consultations::get(&state.ctx, id).await)?;
    Ok(ConsultationPage { page, item, form })
}

pub async fn consultation(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = consultation_page(&state, page, &id, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

pub async fn consultation_reply(
    State(state): State<AppState>,
    Staff {
        page,
        account: operator,
    }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let message = forms::first(&data, "message");
    match consultations::reply(&state.ctx, &operator, &id, message).await {
        Ok(_) => see_other(&format!("/console/consultations/{id}?notice=replied")),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                consultation_page(&state, page, &id, form).await
            })
            .await
        }
    }
}

/// Suspends or reinstates the provider behind an item (`action` = `suspend` / `reinstate`).
pub async fn provider_standing(
    State(state): State<AppState>,
    Staff {
        page,
        account: operator,
    }: Staff,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Result<Response, PageError> {
    let item = page.or_error_page(review::detail(&state.ctx, &id).await)?;
    let suspend = forms::first(&data, "action") == Some("suspend");
    let form = FormState::from_form(&data);
    let account_id = &item.summary.subject.account_id;
    let reason = forms::first(&data, "reason");
    Ok(
        match providers::set_suspended(&state.ctx, &operator, account_id, suspend, reason).await {
            Ok(()) => see_other(&format!(
                "/console/items/{id}?notice={}",
                if suspend { "suspended" } else { "reinstated" }
            )),
            Err(e) => {
                page.refused(form, e, async |page, form| {
                    item_page(&state, page, &id, form, None).await
                })
                .await
            }
        },
    )
}

#[derive(Template)]
#[template(path = "pages/console_catalog.html")]
pub struct CatalogPage {
    pub page: Page,
    pub categories: Vec<CatalogEntry>,
    pub service_types: Vec<CatalogEntry>,
    pub form: FormState,
}

impl CatalogPage {
    pub fn lists(&self) -> [(&'static str, &Vec<CatalogEntry>); 2] {
        [
            ("categories", &self.categories),
            ("service-types", &self.service_types),
        ]
    }
}

/// Both catalog lists, retired entries included, and the change form as typed.
async fn catalog_page(
    state: &AppState,
    page: Page,
    form: FormState,
) -> Result<CatalogPage, PageError> {
    let categories = cat::list_all(&state.ctx, CatalogList::Categories).await;
    let service_types = cat::list_all(&state.ctx, CatalogList::ServiceTypes).await;
    Ok(CatalogPage {
        categories: page.or_error_page(categories)?,
        service_types: page.or_error_page(service_types)?,
        page,
        form,
    })
}

pub async fn catalog(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
) -> Result<Response, PageError> {
    let shown = catalog_page(&state, page, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// One form for every catalog change: `list` (`categories` / `service-types`), `action` (`add`,
/// `rename`, `retire`, `restore`), `slug`, `name_zh`, `name_en`.
pub async fn catalog_change(
    State(state): State<AppState>,
    Staff {
        page,
        account: operator,
    }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let which = match forms::first(&data, "list") {
        Some("service-types") => CatalogList::ServiceTypes,
        _ => CatalogList::Categories,
    };
    let slug = forms::first(&data, "slug").unwrap_or("").trim().to_string();
    let names = CatalogForm {
        slug: None,
        name_zh: forms::opt(&data, "name_zh"),
        name_en: forms::opt(&data, "name_en"),
    };
    let result = match forms::first(&data, "action") {
        Some("add") => {
            let entry = CatalogForm {
                slug: Some(slug),
                ..names
            };
            cat::add(&state.ctx, &operator, which, &entry).await
        }
        Some("rename") => cat::rename(&state.ctx, &operator, which, &slug, &names).await,
        Some("retire") => cat::set_retired(&state.ctx, &operator, which, &slug, true).await,
        Some("restore") => cat::set_retired(&state.ctx, &operator, which, &slug, false).await,
        _ => Err(Error::field("action", "not_allowed")),
    };
    match result {
        Ok(()) => see_other("/console/catalog?notice=saved"),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                catalog_page(&state, page, form).await
            })
            .await
        }
    }
}
