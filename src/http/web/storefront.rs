//! The storefront pages: the catalogue with search and a category filter, the product page with
//! the provider's customer-service panel on the left, and the contact-us form.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::forms::{self, FormState};
use super::move_in::failure;
use super::{checked_form, render, urlencode, Page};
use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::money::Fen;
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::workflows::consultations::{self, ConsultationForm, TOPICS};
use crate::workflows::storefront::{self, Listing, Search, StorefrontProduct};
use crate::workflows::{catalog, Error};

#[derive(Deserialize, Default)]
pub struct CatalogueParams {
    pub q: Option<String>,
    pub category: Option<String>,
    pub cursor: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/storefront.html")]
pub struct CataloguePage {
    pub page: Page,
    pub items: Vec<Listing>,
    pub categories: Vec<CatalogEntry>,
    pub q: String,
    pub category: String,
    pub next_cursor: Option<String>,
}

impl CataloguePage {
    pub fn category_name(&self, slug: &str) -> String {
        self.categories
            .iter()
            .find(|c| c.slug == slug)
            .map(|c| self.page.pick(&c.name_zh, &c.name_en).to_string())
            .unwrap_or_else(|| slug.to_string())
    }

    pub fn next_href(&self) -> String {
        format!(
            "/products?q={}&category={}&cursor={}",
            urlencode(&self.q),
            urlencode(&self.category),
            urlencode(self.next_cursor.as_deref().unwrap_or(""))
        )
    }
}

pub async fn catalogue(
    State(state): State<AppState>,
    page: Page,
    Query(p): Query<CatalogueParams>,
) -> Response {
    let q = p.q.unwrap_or_default();
    let category = p.category.unwrap_or_default();
    let categories = match catalog::list_all(&state.ctx, CatalogList::Categories).await {
        Ok(c) => c,
        Err(e) => return failure(page, e),
    };
    let search = Search {
        q: Some(q.as_str()),
        category: Some(category.as_str()),
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
        limit: 24,
    };
    let (items, next_cursor) = match storefront::search(&state.ctx, &search).await {
        Ok(r) => r,
        Err(Error::Validation(_)) => (Vec::new(), None),
        Err(e) => return failure(page, e),
    };
    render(
        StatusCode::OK,
        &CataloguePage {
            page,
            items,
            categories,
            q,
            category,
            next_cursor,
        },
    )
}

#[derive(Template)]
#[template(path = "pages/product.html")]
pub struct ProductPage {
    pub page: Page,
    pub product: StorefrontProduct,
    pub category: String,
}

impl ProductPage {
    pub fn price(&self, fen: &i64) -> Fen {
        Fen(*fen)
    }
}

pub async fn product(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    let product = match storefront::product(&state.ctx, &id).await {
        Ok(p) => p,
        Err(e) => return failure(page, e),
    };
    let categories = catalog::list_all(&state.ctx, CatalogList::Categories)
        .await
        .unwrap_or_default();
    let category = categories
        .iter()
        .find(|c| c.slug == product.data.category)
        .map(|c| page.pick(&c.name_zh, &c.name_en).to_string())
        .unwrap_or_else(|| product.data.category.clone());
    render(
        StatusCode::OK,
        &ProductPage {
            page,
            product,
            category,
        },
    )
}

#[derive(Template)]
#[template(path = "pages/contact.html")]
pub struct ContactPage {
    pub page: Page,
    pub form: FormState,
    pub reference: Option<String>,
}

impl ContactPage {
    pub fn topics(&self) -> &'static [&'static str] {
        TOPICS
    }
}

#[derive(Deserialize, Default)]
pub struct ContactParams {
    pub topic: Option<String>,
}

pub async fn contact_form(page: Page, Query(p): Query<ContactParams>) -> Response {
    let mut form = FormState::default();
    form.set(
        "topic",
        p.topic.unwrap_or_else(|| "provider_cooperation".into()),
    );
    if let Some(a) = &page.account {
        form.set("email", a.email.clone());
    }
    render(
        StatusCode::OK,
        &ContactPage {
            page,
            form,
            reference: None,
        },
    )
}

pub async fn contact(
    State(state): State<AppState>,
    page: Page,
    ClientAddr(client): ClientAddr,
    body: Bytes,
) -> Response {
    let data = match checked_form(&page, &body) {
        Ok(d) => d,
        Err(r) => return r,
    };
    let mut form = FormState::from_form(&data);
    let input = ConsultationForm {
        topic: forms::opt(&data, "topic"),
        name: forms::opt(&data, "name"),
        company: forms::opt(&data, "company"),
        email: forms::opt(&data, "email"),
        mobile: forms::opt(&data, "mobile"),
        message: forms::opt(&data, "message"),
    };
    match consultations::create(&state.ctx, &input, page.lang, &client).await {
        Ok(view) => render(
            StatusCode::OK,
            &ContactPage {
                page,
                form: FormState::default(),
                reference: Some(view.reference),
            },
        ),
        // A refused message (invalid, or too many) keeps what was typed.
        Err(e) => match forms::absorb(page.lang, &mut form, e) {
            Ok(()) => render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ContactPage {
                    page,
                    form,
                    reference: None,
                },
            ),
            Err(e) => failure(page, e),
        },
    }
}
