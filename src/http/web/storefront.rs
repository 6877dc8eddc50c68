//! The storefront pages: the catalogue with search and a category filter, the product page with
//! the provider's customer-service panel on the left, and the contact-us form.

use askama::Template;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::money::Fen;
use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::CheckedForm;
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other, urlencode};
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
) -> Result<Response, PageError> {
    let q = p.q.unwrap_or_default();
    let category = p.category.unwrap_or_default();
    let categories =
        page.or_error_page(catalog::list_all(&state.ctx, CatalogList::Categories).await)?;
    let search = Search {
        q: Some(q.as_str()),
        category: Some(category.as_str()),
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
        limit: 24,
    };
    // A search the index cannot read (a cursor from elsewhere) finds nothing.
    let found = match storefront::search(&state.ctx, &search).await {
        Err(Error::Validation(_)) => Ok((Vec::new(), None)),
        other => other,
    };
    let (items, next_cursor) = page.or_error_page(found)?;
    Ok(render(
        StatusCode::OK,
        &CataloguePage {
            page,
            items,
            categories,
            q,
            category,
            next_cursor,
        },
    ))
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

    /// What stands in for a missing icon: the name's first character.
    pub fn initial(&self) -> String {
        self.product
            .data
            .name
            .chars()
            .next()
            .map_or_else(|| "·".to_string(), |c| c.to_string())
    }
}

pub async fn product(
    State(state): State<AppState>,
    page: Page,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, PageError> {
    // An address that is no product's (not even text, `%ff%fe`) is simply not found, as the
    // API says.
    let Ok(Path(id)) = path else {
        return Err(PageError::new(&page, StatusCode::NOT_FOUND, "not_found"));
    };
    let (product, names) = page.or_error_page(storefront::product_page(&state.ctx, &id).await)?;
    let category = names
        .map(|(zh, en)| page.pick(&zh, &en).to_string())
        .unwrap_or_else(|| product.data.category.clone());
    Ok(render(
        StatusCode::OK,
        &ProductPage {
            page,
            product,
            category,
        },
    ))
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
    /// After sending: the consultation's reference, to show (the answer to the form is a
    /// redirect here, so a refresh sends nothing twice).
    pub reference: Option<String>,
}

/// A reference as `consultations` makes them (`C20261201-ABC234`): only such a text is shown.
fn well_formed_reference(r: &str) -> bool {
    let b = r.as_bytes();
    b.len() == 16
        && b[0] == b'C'
        && b[1..9].iter().all(u8::is_ascii_digit)
        && b[9] == b'-'
        && b[10..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
}

pub async fn contact_form(page: Page, Query(p): Query<ContactParams>) -> Response {
    if let Some(reference) = p.reference.filter(|r| well_formed_reference(r)) {
        return render(
            StatusCode::OK,
            &ContactPage {
                page,
                form: FormState::default(),
                reference: Some(reference),
            },
        );
    }
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
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let input = ConsultationForm {
        topic: forms::opt(&data, "topic"),
        name: forms::opt(&data, "name"),
        company: forms::opt(&data, "company"),
        email: forms::opt(&data, "email"),
        mobile: forms::opt(&data, "mobile"),
        message: forms::opt(&data, "message"),
    };
    match consultations::create(&state.ctx, &input, page.lang, &client).await {
        Ok(view) => see_other(&format!(
            "/contact?reference={}",
            urlencode(&view.reference)
        )),
        // A refused message (invalid, or too many) keeps what was typed.
        Err(e) => {
            page.refused(form, e, async |page, form| {
                Ok(ContactPage {
                    page,
                    form,
                    reference: None,
                })
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed_reference;

    #[test]
    fn only_references_as_made_are_shown() {
        assert!(well_formed_reference("C20261201-ABC234"));
        assert!(!well_formed_reference("C20261201-abc234"));
        assert!(!well_formed_reference("<script>alert</s"));
        assert!(!well_formed_reference("C2026120-ABC2345"));
    }
}
