//! Webhook pages, the same in two places: the console's (`/console/webhooks`, operators'
//! marketplace-wide endpoints) and the provider backend's (`/provider/webhooks`, the provider's
//! own). The list with the form to add one, the secret shown once, and one endpoint: its types,
//! on or off, a new secret, a test event, and the delivery log with replay.

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::domain::account::Role;
use crate::domain::events::EventType;
use crate::http::state::AppState;
use crate::http::web::errors::{error_page, failure, PageError};
use crate::http::web::extract::{CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::once::shown_once;
use crate::http::web::page::Page;
use crate::http::web::provider::not_yet;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::webhook_delivery::url_host;
use crate::workflows::webhooks::{self, AttemptView, DeliveryView, WebhookForm, WebhookView};
use crate::workflows::Error;

/// Who is on a webhook page, and in which area: staff in the console, a provider in its
/// backend (anyone else gets the 403 page).
pub struct Area {
    pub page: Page,
    pub account: AccountView,
    /// `console` or `provider`.
    pub area: &'static str,
}

impl FromRequestParts<AppState> for Area {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let console = parts.uri.path().starts_with("/console/");
        let SignedIn { page, account } = SignedIn::from_request_parts(parts, state).await?;
        let allowed = if console {
            account.roles.can_review()
        } else {
            account.roles.has(Role::Provider) && !account.roles.can_review()
        };
        if !allowed {
            return Err(error_page(page, StatusCode::FORBIDDEN, "forbidden"));
        }
        Ok(Area {
            page,
            account,
            area: if console { "console" } else { "provider" },
        })
    }
}

impl Area {
    fn base(&self) -> String {
        format!("/{}/webhooks", self.area)
    }

    /// The answer to a workflow's refusal that is not about the form: the provider backend's
    /// "not yet" page for a provider not let in, else the error page.
    async fn failed(self, state: &AppState, e: Error) -> Response {
        match e {
            Error::ProviderAccessRequired { .. } => {
                not_yet(state, self.page, &self.account, "backend").await
            }
            e => failure(self.page, e),
        }
    }
}

/// An event type as the pages show it: its key and its name in words.
pub struct TypeChoice {
    pub key: &'static str,
    pub label: String,
}

fn type_choices(page: &Page) -> Vec<TypeChoice> {
    EventType::ALL
        .iter()
        .map(|t| TypeChoice {
            key: t.as_str(),
            label: page.t(&format!("event_type.{}", t.as_str())),
        })
        .collect()
}

fn types_in_words(page: &Page, types: &[String]) -> String {
    if types.iter().any(|t| t == "*") {
        return page.t("webhooks.all_types");
    }
    types
        .iter()
        .map(|t| page.t(&format!("event_type.{t}")))
        .collect::<Vec<_>>()
        .join(page.pick("、", ", "))
}

#[derive(Template)]
#[template(path = "pages/webhooks.html")]
pub struct ListPage {
    pub page: Page,
    pub area: &'static str,
    pub items: Vec<WebhookView>,
    pub types: Vec<TypeChoice>,
    pub form: FormState,
}

impl ListPage {
    pub fn types_of(&self, w: &WebhookView) -> String {
        types_in_words(&self.page, &w.event_types)
    }
    pub fn host(&self, url: &str) -> String {
        url_host(url)
    }
}

async fn list_page(
    state: &AppState,
    area: &Area,
    form: FormState,
) -> Result<ListPage, crate::workflows::Error> {
    let items = webhooks::list(&state.ctx, &area.account, "", 200).await?;
    Ok(ListPage {
        page: area.page.clone(),
        area: area.area,
        items,
        types: type_choices(&area.page),
        form,
    })
}

pub async fn list(State(state): State<AppState>, area: Area) -> Response {
    let mut form = FormState::default();
    form.set_multi("event_types", vec!["*".to_string()]);
    match list_page(&state, &area, form).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => area.failed(&state, e).await,
    }
}

fn webhook_form(data: &FormData, with_enabled: bool) -> WebhookForm {
    WebhookForm {
        url: forms::opt(data, "url"),
        event_types: Some(forms::all(data, "event_types")),
        enabled: with_enabled.then(|| forms::first(data, "enabled") == Some("on")),
    }
}

#[derive(Template)]
#[template(path = "pages/webhook_secret.html")]
pub struct SecretPage {
    pub page: Page,
    pub area: &'static str,
    pub webhook: WebhookView,
    pub secret: String,
    /// `created` or `rotated`.
    pub why: &'static str,
}

pub async fn create(
    State(state): State<AppState>,
    area: Area,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    match webhooks::create(&state.ctx, &area.account, &webhook_form(&data, false)).await {
        // Shown in this answer and never again: the secret is in no address and no store.
        Ok(made) => secret_page(area, made, "created"),
        Err(e @ Error::Validation(_)) => {
            let Area { page, .. } = &area;
            page.clone()
                .refused(form, e, async |page, form| {
                    let again = Area {
                        page,
                        account: area.account.clone(),
                        area: area.area,
                    };
                    list_page(&state, &again, form)
                        .await
                        .map_err(|e| PageError::from_error(&again.page, e))
                })
                .await
        }
        Err(e) => area.failed(&state, e).await,
    }
}

fn secret_page(area: Area, made: webhooks::WebhookWithSecret, why: &'static str) -> Response {
    // A repeat of the form goes to the list (a new endpoint) or the endpoint (a rotation).
    let repeat_to = match why {
        "rotated" => format!("{}/{}", area.base(), made.webhook.id),
        _ => area.base(),
    };
    let resp = render(
        StatusCode::OK,
        &SecretPage {
            page: area.page,
            area: area.area,
            webhook: made.webhook,
            secret: made.secret,
            why,
        },
    );
    shown_once(resp, &repeat_to)
}

#[derive(Template)]
#[template(path = "pages/webhook.html")]
pub struct DetailPage {
    pub page: Page,
    pub area: &'static str,
    pub webhook: WebhookView,
    pub deliveries: Vec<DeliveryView>,
    pub types: Vec<TypeChoice>,
    pub form: FormState,
}

impl DetailPage {
    pub fn host(&self) -> String {
        url_host(&self.webhook.url)
    }
    pub fn status_of(&self, d: &DeliveryView) -> String {
        self.page.t(&format!("webhook.status.{}", d.status))
    }
    pub fn type_of(&self, d: &DeliveryView) -> String {
        self.page.t(&format!("event_type.{}", d.event_type))
    }
    /// What the last attempt found, in words.
    pub fn outcome(&self, d: &DeliveryView) -> String {
        match (d.last_status_code, &d.last_error) {
            (Some(code), _) => self.page.tf("webhooks.answered", "code", &code.to_string()),
            (None, Some(e)) => self.page.t(&format!("webhook.error.{e}")),
            (None, None) => self.page.t("webhooks.not_tried"),
        }
    }
    /// What one attempt of the log found, in words, with its latency when it was answered.
    pub fn attempt_outcome(&self, a: &AttemptView) -> String {
        match (a.status_code, &a.error) {
            (Some(code), _) => format!(
                "{} {}",
                self.page.tf("webhooks.answered", "code", &code.to_string()),
                self.page
                    .tf("webhooks.latency", "ms", &a.latency_ms.to_string())
            ),
            (None, Some(e)) => self.page.t(&format!("webhook.error.{e}")),
            (None, None) => String::new(),
        }
    }
    pub fn latency(&self, d: &DeliveryView) -> String {
        d.last_latency_ms
            .filter(|_| d.last_status_code.is_some())
            .map(|ms| self.page.tf("webhooks.latency", "ms", &ms.to_string()))
            .unwrap_or_default()
    }
}

async fn detail_page(
    state: &AppState,
    area: &Area,
    id: &str,
    form: Option<FormState>,
) -> Result<DetailPage, Error> {
    let webhook = webhooks::get(&state.ctx, &area.account, id).await?;
    let deliveries = webhooks::deliveries(&state.ctx, &area.account, id, i64::MAX, 50).await?;
    let form = form.unwrap_or_else(|| {
        let mut f = FormState::default();
        f.set("url", webhook.url.clone());
        f.set_multi("event_types", webhook.event_types.clone());
        if webhook.enabled {
            f.set("enabled", "on");
        }
        f
    });
    Ok(DetailPage {
        page: area.page.clone(),
        area: area.area,
        webhook,
        deliveries,
        types: type_choices(&area.page),
        form,
    })
}

pub async fn show(State(state): State<AppState>, area: Area, Path(id): Path<String>) -> Response {
    match detail_page(&state, &area, &id, None).await {
        Ok(p) => render(StatusCode::OK, &p),
        Err(e) => area.failed(&state, e).await,
    }
}

pub async fn update(
    State(state): State<AppState>,
    area: Area,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    match webhooks::update(&state.ctx, &area.account, &id, &webhook_form(&data, true)).await {
        Ok(_) => see_other(&format!("{}/{id}?notice=saved", area.base())),
        Err(e @ Error::Validation(_)) => {
            let page = area.page.clone();
            page.refused(form, e, async |page, form| {
                let again = Area {
                    page,
                    account: area.account.clone(),
                    area: area.area,
                };
                detail_page(&state, &again, &id, Some(form))
                    .await
                    .map_err(|e| PageError::from_error(&again.page, e))
            })
            .await
        }
        Err(e) => area.failed(&state, e).await,
    }
}

/// The buttons of an endpoint's page: a new secret, a test event, deleting it.
pub async fn act(
    State(state): State<AppState>,
    area: Area,
    Path((id, action)): Path<(String, String)>,
    CheckedForm(_): CheckedForm,
) -> Response {
    let ctx = &state.ctx;
    let back = format!("{}/{id}", area.base());
    let done = match action.as_str() {
        "rotate" => match webhooks::rotate_secret(ctx, &area.account, &id).await {
            Ok(made) => return secret_page(area, made, "rotated"),
            Err(e) => Err(e),
        },
        "test" => webhooks::send_test(ctx, &area.account, &id)
            .await
            .map(|_| format!("{back}?notice=webhook_test_sent")),
        "delete" => webhooks::delete(ctx, &area.account, &id)
            .await
            .map(|()| format!("{}?notice=webhook_deleted", area.base())),
        _ => Err(Error::NotFound),
    };
    match done {
        Ok(to) => see_other(&to),
        Err(e) => area.failed(&state, e).await,
    }
}

pub async fn replay(
    State(state): State<AppState>,
    area: Area,
    Path((id, delivery)): Path<(String, String)>,
    CheckedForm(_): CheckedForm,
) -> Response {
    match webhooks::replay(&state.ctx, &area.account, &id, &delivery).await {
        Ok(_) => see_other(&format!("{}/{id}?notice=webhook_replayed", area.base())),
        Err(e) => area.failed(&state, e).await.into_response(),
    }
}
