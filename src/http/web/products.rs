//! Provider backend → Products: the list, the release form (new draft or edit), the icon, and
//! submit / unlist / relist.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{FromRequestParts, Multipart, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::catalog::CatalogEntry;
use crate::domain::money::Fen;
use crate::domain::product::{
    PlanForm, ProductData, ProductForm, ProductStatus, TermsForm, BILLINGS, DELIVERIES,
    MAX_ICON_BYTES,
};
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::{checked_upload, CheckedForm, SignedIn};
use crate::http::web::forms::{self, FormData, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::products::{self, ProductView};
use crate::workflows::Error;

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
}

impl EditPage {
    pub fn deliveries(&self) -> &'static [&'static str] {
        DELIVERIES
    }

    pub fn billings(&self) -> &'static [&'static str] {
        BILLINGS
    }

    pub fn plan_rows(&self) -> [usize; 3] {
        [0, 1, 2]
    }

    pub fn plan_value(&self, i: &usize, field: &str) -> String {
        self.form.value(&format!("plans.{i}.{field}"))
    }

    pub fn plan_is(&self, i: &usize, field: &str, value: &str) -> bool {
        self.form.value(&format!("plans.{i}.{field}")) == value
    }

    pub fn plan_error(&self, i: &usize) -> Option<String> {
        self.form
            .errors
            .iter()
            .find(|(f, _)| f.starts_with(&format!("plans.{i}")) || f == "plans")
            .map(|(_, m)| m.clone())
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

    pub fn icon(&self) -> Option<String> {
        self.product
            .as_ref()
            .and_then(|p| p.working.as_ref().or(p.live.as_ref()))
            .and_then(|r| r.icon_url.clone())
    }
}

/// A provider who moved in (`SignedIn`, and every move-in step done): product release is theirs
/// alone. Anyone else signed in goes back to the move-in.
pub struct MovedIn {
    pub page: Page,
    pub account: AccountView,
}

impl FromRequestParts<AppState> for MovedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let SignedIn { page, account } = SignedIn::from_request_parts(parts, state).await?;
        match products::require_moved_in(&state.ctx, &account).await {
            Ok(()) => Ok(MovedIn { page, account }),
            Err(Error::ProviderAccessRequired { .. }) | Err(Error::Forbidden) => {
                Err(see_other("/move-in"))
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

async fn choices(
    state: &AppState,
    account: &AccountView,
) -> (Vec<CatalogEntry>, Vec<CatalogEntry>) {
    products::release_choices(&state.ctx, account)
        .await
        .unwrap_or_default()
}

fn state_of(d: &ProductData) -> FormState {
    let mut f = FormState::default();
    f.set("name", d.name.clone());
    f.set("category", d.category.clone());
    f.set("service_type", d.service_type.clone());
    f.set("delivery", d.delivery.clone());
    f.set("summary", d.summary.clone());
    f.set("description", d.description.clone());
    f.set("terms.after_sales_scope", d.terms.after_sales_scope.clone());
    f.set("terms.warranty", d.terms.warranty.clone());
    for (i, p) in d.plans.iter().enumerate() {
        f.set(&format!("plans.{i}.name"), p.name.clone());
        f.set(&format!("plans.{i}.price"), Fen(p.price_fen).yuan_figure());
        f.set(&format!("plans.{i}.billing"), p.billing.clone());
    }
    f
}

fn form_of(data: &FormData) -> ProductForm {
    let plans = (0..3)
        .filter_map(|i| {
            let name = forms::opt(data, &format!("plans.{i}.name"));
            let price = forms::opt(data, &format!("plans.{i}.price"));
            if name.is_none() && price.is_none() {
                return None;
            }
            Some(PlanForm {
                name,
                // Typed in yuan; anything unreadable becomes an out-of-range price.
                price_fen: price.map(|p| Fen::parse_yuan(&p).map_or(-1, |fen| fen.0)),
                billing: forms::opt(data, &format!("plans.{i}.billing")),
            })
        })
        .collect();
    ProductForm {
        name: forms::opt(data, "name"),
        category: forms::opt(data, "category"),
        service_type: forms::opt(data, "service_type"),
        delivery: forms::opt(data, "delivery"),
        summary: forms::opt(data, "summary"),
        description: forms::opt(data, "description"),
        plans: Some(plans),
        terms: Some(TermsForm {
            after_sales_scope: forms::opt(data, "terms.after_sales_scope"),
            warranty: forms::opt(data, "terms.warranty"),
        }),
    }
}

/// The release form of product `id` (`None`: a new one) with `form` as typed.
async fn edit_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    product: Option<ProductView>,
    form: FormState,
) -> EditPage {
    let (categories, service_types) = choices(state, account).await;
    EditPage {
        page,
        product,
        form,
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
    let shown = edit_page(&state, page, &account, None, form).await;
    render(StatusCode::OK, &shown)
}

pub async fn edit_form(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let product = page.or_error_page(products::get(&state.ctx, &account, &id).await)?;
    let form = state_of(&shown_data(Some(&product)));
    let shown = edit_page(&state, page, &account, Some(product), form).await;
    Ok(render(StatusCode::OK, &shown))
}

/// Saves (`action=save`) or saves and submits (`action=submit`); `id` absent for a new product.
async fn save(
    state: AppState,
    MovedIn { page, account }: MovedIn,
    id: Option<String>,
    data: FormData,
) -> Response {
    let form = FormState::from_form(&data);
    let input = form_of(&data);
    let saved = match &id {
        Some(id) => products::update(&state.ctx, &account, id, &input).await,
        None => products::create(&state.ctx, &account, &input).await,
    };
    let result = match saved {
        Ok(p) if forms::first(&data, "action") == Some("submit") => {
            products::submit(&state.ctx, &account, &p.id)
                .await
                .map(|p| (p, "submitted"))
        }
        Ok(p) => Ok((p, "saved")),
        Err(e) => Err(e),
    };
    match result {
        Ok((p, notice)) => see_other(&format!("/provider/products/{}?notice={notice}", p.id)),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                let product = match &id {
                    Some(id) => products::get(&state.ctx, &account, id).await.ok(),
                    None => None,
                };
                Ok(edit_page(&state, page, &account, product, form).await)
            })
            .await
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    moved_in: MovedIn,
    CheckedForm(data): CheckedForm,
) -> Response {
    save(state, moved_in, None, data).await
}

pub async fn update(
    State(state): State<AppState>,
    moved_in: MovedIn,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    save(state, moved_in, Some(id), data).await
}

/// `action` = `submit`, `unlist` or `relist`.
pub async fn act(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
    CheckedForm(data): CheckedForm,
) -> Response {
    let result = match forms::first(&data, "action") {
        Some("submit") => products::submit(&state.ctx, &account, &id)
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

/// The icon form (multipart: `csrf_token`, `file`).
pub async fn icon(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let upload = checked_upload(&page, multipart, &[], MAX_ICON_BYTES).await?;
    let uploaded = match upload.into_file(&[]) {
        Ok((_, file)) => products::upload_icon(&state.ctx, &account, &id, file)
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(refusal) => Err(refusal),
    };
    Ok(match uploaded {
        Ok(()) => see_other(&format!("/provider/products/{id}?notice=uploaded")),
        Err(e) => {
            page.refused(FormState::default(), e, async |page, refusal| {
                // The draft as saved, with the upload's error.
                let product = products::get(&state.ctx, &account, &id).await.ok();
                let mut form = state_of(&shown_data(product.as_ref()));
                form.errors = refusal.errors;
                Ok(edit_page(&state, page, &account, product, form).await)
            })
            .await
        }
    })
}
