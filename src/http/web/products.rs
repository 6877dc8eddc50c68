//! Provider backend → Products: the list, and the release form (a new draft or an edit) with
//! its icon in the same form, saved, or saved and submitted; unlist and relist. The form offers
//! the categories and service types the company declared, asks for the delivery rather than
//! assuming one, and names each plan row's field that is wrong, with prices in yuan.

use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::catalog::CatalogEntry;
use crate::domain::product::{ProductData, ProductStatus, BILLINGS, DELIVERIES, MAX_ICON_BYTES};
use crate::domain::FieldError;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{checked_form_with_files, CheckedForm, SentForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::product_form::{form_of, page_errors, state_of, PLAN_ROWS};
use crate::http::web::provider::not_yet;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::products::{self, ProductView};
use crate::workflows::Error;

/// The form's fields, top to bottom: the order of the error summary.
const FIELDS: &[&str] = &[
    "name",
    "category",
    "service_type",
    "delivery",
    "callback_url",
    "summary",
    "description",
    "plans.0",
    "plans.1",
    "plans.2",
    "terms.after_sales_scope",
    "terms.warranty",
    "icon",
];

/// The labels of the fields whose label is not their `fieldname.*`.
const LABELS: &[(&str, &str)] = &[
    ("name", "product.name"),
    ("summary", "product.summary"),
    ("terms.after_sales_scope", "store.after_sales"),
    ("terms.warranty", "store.warranty"),
    ("icon", "product.icon"),
    ("plans.0.name", "product.plan.0.name"),
    ("plans.0.price", "product.plan.0.price"),
    ("plans.0.billing", "product.plan.0.billing"),
    ("plans.1.name", "product.plan.1.name"),
    ("plans.1.price", "product.plan.1.price"),
    ("plans.1.billing", "product.plan.1.billing"),
    ("plans.2.name", "product.plan.2.name"),
    ("plans.2.price", "product.plan.2.price"),
    ("plans.2.billing", "product.plan.2.billing"),
];

const TEXTS: &[&str] = &[
    "action",
    "name",
    "category",
    "service_type",
    "delivery",
    "callback_url",
    "summary",
    "description",
    "plans.0.name",
    "plans.0.price",
    "plans.0.billing",
    "plans.1.name",
    "plans.1.price",
    "plans.1.billing",
    "plans.2.name",
    "plans.2.price",
    "plans.2.billing",
    "terms.after_sales_scope",
    "terms.warranty",
];

#[derive(Template)]
#[template(path = "pages/provider_products.html")]
pub struct ListPage {
    pub page: Page,
    pub items: Vec<ProductView>,
}

impl ListPage {
    pub fn name_of(&self, p: &ProductView) -> String {
        p.working
            .as_ref()
            .or(p.live.as_ref())
            .map(|r| r.data.name.clone())
            .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "pages/provider_product.html")]
pub struct EditPage {
    pub page: Page,
    pub product: Option<ProductView>,
    pub form: FormState,
    pub categories: Vec<CatalogEntry>,
    pub service_types: Vec<CatalogEntry>,
    /// In review: "Decision expected by …".
    pub expected: Option<String>,
}

impl EditPage {
    pub fn deliveries(&self) -> &'static [&'static str] {
        DELIVERIES
    }

    pub fn billings(&self) -> &'static [&'static str] {
        BILLINGS
    }

    pub fn plan_rows(&self) -> [usize; PLAN_ROWS] {
        [0, 1, 2]
    }

    /// `plans.<i>.<field>`, the name of a plan row's input.
    pub fn plan_field(&self, i: &usize, field: &str) -> String {
        format!("plans.{i}.{field}")
    }

    pub fn plan_value(&self, i: &usize, field: &str) -> String {
        self.form.value(&self.plan_field(i, field))
    }

    pub fn plan_is(&self, i: &usize, field: &str, value: &str) -> bool {
        self.plan_value(i, field) == value
    }

    /// The delivery that goes with a service type (`offline-service` is delivered offline).
    pub fn delivery_of(&self, service_type: &str) -> String {
        service_type.replace('-', "_")
    }

    pub fn editable(&self) -> bool {
        self.product.as_ref().is_none_or(|p| p.status.editable())
    }

    pub fn reasons(&self) -> Vec<crate::domain::move_in::Reason> {
        self.product
            .as_ref()
            .and_then(|p| p.working.as_ref())
            .filter(|w| w.status == "rejected" || w.status == "draft")
            .map(|w| w.reasons.clone())
            .unwrap_or_default()
    }

    /// Where a returned product's decision can be appealed (or its appeal read).
    pub fn review_href(&self) -> Option<String> {
        self.product
            .as_ref()
            .and_then(|p| p.review_item_id.as_ref())
            .map(|id| format!("/move-in/reviews/{id}"))
    }

    pub fn icon(&self) -> Option<String> {
        self.product
            .as_ref()
            .and_then(|p| p.working.as_ref().or(p.live.as_ref()))
            .and_then(|r| r.icon_url.clone())
    }

    /// What stands in for a missing icon: the name's first character.
    pub fn initial(&self) -> String {
        self.form
            .value("name")
            .chars()
            .next()
            .map_or_else(|| "·".to_string(), |c| c.to_string())
    }

    /// The form's address: a new product's, or this one's.
    pub fn action(&self) -> String {
        match &self.product {
            Some(p) => self
                .page
                .once_action(&format!("/provider/products/{}", p.id)),
            None => self.page.once_action("/provider/products"),
        }
    }
}

/// A provider who moved in (`SignedIn`, and every move-in step done): product release is theirs
/// alone. Anyone else gets the "not yet" page with what is still due.
pub struct MovedIn {
    pub page: Page,
    pub account: AccountView,
}

impl FromRequestParts<AppState> for MovedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn { mut page, account } = SignedIn::from_request_parts(parts, state).await?;
        match products::require_moved_in(&state.ctx, &account).await {
            Ok(m) => {
                page.set_validity_banner(&m);
                crate::http::web::deposits::set_banner(state, &mut page, &m, &account).await;
                page.agreement_due = m.agreement;
                Ok(MovedIn { page, account })
            }
            // Not silently elsewhere: the page says what is still due, as the backend does.
            Err(Error::ProviderAccessRequired { .. }) => {
                Err(not_yet(state, page, &account, "products").await)
            }
            Err(e) => Err(failure(page, e)),
        }
    }
}

pub async fn list(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
) -> Result<Response, PageError> {
    let items = page.or_error_page(products::list(&state.ctx, &account).await)?;
    Ok(render(StatusCode::OK, &ListPage { page, items }))
}

/// The release form of product `id` (`None`: a new one) with `form` as typed.
async fn edit_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    product: Option<ProductView>,
    form: FormState,
) -> EditPage {
    let (categories, service_types) = products::release_choices(&state.ctx, account)
        .await
        .unwrap_or_default();
    let expected = match &product {
        Some(p) => crate::workflows::deadlines::wait_of_product(&state.ctx, &p.id)
            .await
            .ok()
            .flatten()
            .map(|w| {
                page.tf(
                    "product.expected",
                    "date",
                    &crate::display::Zone::long_day(w.expected_by, page.lang),
                )
            }),
        None => None,
    };
    EditPage {
        expected,
        page,
        product,
        form: form.labelled(LABELS).ordered(FIELDS),
        categories,
        service_types,
    }
}

/// The revision a product's page shows: the one being worked on, else the live one.
fn shown_data(product: Option<&ProductView>) -> ProductData {
    product
        .and_then(|p| p.working.as_ref().or(p.live.as_ref()))
        .map(|r| r.data.clone())
        .unwrap_or_default()
}

pub async fn new_form(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
) -> Response {
    let mut form = FormState::default();
    form.set("plans.0.billing", "monthly");
    let mut shown = edit_page(&state, page, &account, None, form).await;
    // One category, one service type declared: nothing to choose. The delivery follows the
    // service type; otherwise the person chooses both.
    if let [only] = shown.categories.as_slice() {
        shown.form.set("category", only.slug.clone());
    }
    if let [only] = shown.service_types.as_slice() {
        let delivery = shown.delivery_of(&only.slug);
        shown.form.set("service_type", only.slug.clone());
        if DELIVERIES.contains(&delivery.as_str()) {
            shown.form.set("delivery", delivery);
        }
    }
    render(StatusCode::OK, &shown)
}

pub async fn edit_form(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let product = page.or_error_page(products::get(&state.ctx, &account, &id).await)?;
    let mut form = state_of(&shown_data(Some(&product)));
    form.set(
        "callback_url",
        product.callback_url.clone().unwrap_or_default(),
    );
    let shown = edit_page(&state, page, &account, Some(product), form).await;
    Ok(render(StatusCode::OK, &shown))
}

/// The form drawn again with 422: `product` as saved (if it is), what was typed, why.
async fn again(
    state: &AppState,
    page: Page,
    account: &AccountView,
    product: Option<ProductView>,
    mut form: FormState,
    refused: Vec<FieldError>,
    lead: Option<&str>,
) -> Response {
    form.add_errors(page.lang, &refused);
    form.lead = lead.map(|k| page.t(k));
    let shown = edit_page(state, page, account, product, form).await;
    render(StatusCode::UNPROCESSABLE_ENTITY, &shown)
}

/// Saves (`action=save`) or saves and submits (`action=submit`), the icon with it when one was
/// chosen; `id` absent for a new product.
async fn save(
    state: AppState,
    MovedIn { page, account }: MovedIn,
    id: Option<String>,
    sent: SentForm,
) -> Result<Response, PageError> {
    let sent = checked_form_with_files(&page, sent, TEXTS, &["icon"], MAX_ICON_BYTES).await?;
    let form = FormState::from_form(&sent.fields);
    let existing = match &id {
        Some(id) => Some(page.or_error_page(products::get(&state.ctx, &account, id).await)?),
        None => None,
    };
    if let Some(refusal) = sent.refusal {
        return Ok(page
            .refused(form, refusal, async |page, form| {
                Ok(edit_page(&state, page, &account, existing, form).await)
            })
            .await);
    }
    let icon_chosen = !sent.files.is_empty() || !sent.file_refusals.is_empty();
    let (input, unreadable) = form_of(&sent.fields);
    let saved = match &id {
        Some(id) => products::update(&state.ctx, &account, id, &input).await,
        None => products::create(&state.ctx, &account, &input).await,
    };
    let product = match saved {
        Ok(p) => p,
        Err(Error::Validation(fields)) => {
            let mut refused = page_errors(fields, &unreadable);
            if icon_chosen {
                // Nothing was saved, so neither was the file: it must be chosen again.
                refused.push(FieldError::new("icon", "choose_again"));
            }
            return Ok(again(&state, page, &account, existing, form, refused, None).await);
        }
        Err(e) => {
            return Ok(page
                .refused(form, e, async |page, form| {
                    Ok(edit_page(&state, page, &account, existing, form).await)
                })
                .await)
        }
    };
    let mut refused: Vec<FieldError> = sent
        .file_refusals
        .iter()
        .map(|(_, code)| FieldError::new("icon", code))
        .collect();
    let mut product = product;
    if let Some((_, bytes)) = sent.files.into_iter().next() {
        match products::upload_icon(&state.ctx, &account, &product.id, bytes).await {
            Ok(p) => product = p,
            Err(Error::Upload(code)) => refused.push(FieldError::new("icon", code)),
            Err(e) => return Err(PageError::from_error(&page, e)),
        }
    }
    if !refused.is_empty() {
        let lead = Some("product.saved_icon_refused");
        return Ok(again(&state, page, &account, Some(product), form, refused, lead).await);
    }
    let notice = if forms::first(&sent.fields, "action") == Some("submit") {
        match crate::workflows::auto_review::submit_product(&state.ctx, &account, &product.id).await
        {
            Ok(_) => "submitted",
            Err(Error::Validation(fields)) => {
                let refused = page_errors(fields, &unreadable);
                let lead = Some("form.saved_not_submitted");
                return Ok(again(&state, page, &account, Some(product), form, refused, lead).await);
            }
            Err(e) => {
                return Ok(page
                    .refused(form, e, async |page, form| {
                        Ok(edit_page(&state, page, &account, Some(product), form).await)
                    })
                    .await)
            }
        }
    } else {
        "saved"
    };
    Ok(see_other(&format!(
        "/provider/products/{}?notice={notice}",
        product.id
    )))
}

pub async fn create(
    State(state): State<AppState>,
    moved_in: MovedIn,
    sent: SentForm,
) -> Result<Response, PageError> {
    save(state, moved_in, None, sent).await
}

pub async fn update(
    State(state): State<AppState>,
    moved_in: MovedIn,
    Path(id): Path<String>,
    sent: SentForm,
) -> Result<Response, PageError> {
    save(state, moved_in, Some(id), sent).await
}

/// `action` = `submit`, `unlist` or `relist`.
pub async fn act(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let result = match forms::first(&data, "action") {
        Some("submit") => crate::workflows::auto_review::submit_product(&state.ctx, &account, &id)
            .await
            .map(|_| "submitted"),
        Some("unlist") => products::set_listed(&state.ctx, &account, &id, false)
            .await
            .map(|_| "unlisted"),
        Some("relist") => products::set_listed(&state.ctx, &account, &id, true)
            .await
            .map(|_| "relisted"),
        _ => Err(Error::field("action", "not_allowed")),
    };
    match result {
        Ok(notice) => see_other(&format!("/provider/products/{id}?notice={notice}")),
        Err(e) => failure(page, e),
    }
}
