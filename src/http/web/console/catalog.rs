//! The catalog's two lists (categories, service types): add, rename, retire and restore entries.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::catalog::{CatalogEntry, CatalogList};
use crate::domain::money::Fen;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::catalog::{self as cat, CatalogForm};
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/console_catalog.html")]
pub struct CatalogPage {
    pub page: Page,
    pub categories: Vec<CatalogEntry>,
    pub service_types: Vec<CatalogEntry>,
    pub form: FormState,
}

impl CatalogPage {
    /// Whether the refused form was the one of `list` and `slug` (empty: the "add" form).
    fn was_sent(&self, list: &str, slug: &str) -> bool {
        self.form.has_errors()
            && self.form.is("list", list)
            && if slug.is_empty() {
                self.form.is("action", "add")
            } else {
                self.form.is("slug", slug) && !self.form.is("action", "add")
            }
    }

    /// The value of `field` in the form of `list` and `slug`: as typed when that form was
    /// refused, else `stored`.
    pub fn typed(&self, list: &str, slug: &str, field: &str, stored: &str) -> String {
        if self.was_sent(list, slug) {
            self.form.value(field)
        } else {
            stored.to_string()
        }
    }

    /// The id of `field` in the form of `list` and `slug`: the one the error summary links to
    /// when that form was refused.
    pub fn field_id(&self, list: &str, slug: &str, field: &str) -> String {
        if self.was_sent(list, slug) {
            format!("f-{field}")
        } else if slug.is_empty() {
            format!("new-{field}-{list}")
        } else {
            format!("{field}-{list}-{slug}")
        }
    }

    /// A category's deposit in yuan as its field shows it ("5000.00"; blank for none).
    pub fn deposit_figure(&self, fen: &i64) -> String {
        if *fen == 0 {
            String::new()
        } else {
            Fen(*fen).yuan_figure()
        }
    }

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

pub async fn show(
    State(state): State<AppState>,
    Staff { page, .. }: Staff,
) -> Result<Response, PageError> {
    let shown = catalog_page(&state, page, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// One form for every catalog change: `list` (`categories` / `service-types`), `action` (`add`,
/// `rename`, `retire`, `restore`), `slug`, `name_zh`, `name_en`.
pub async fn change(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let which = match forms::first(&data, "list") {
        Some("service-types") => CatalogList::ServiceTypes,
        _ => CatalogList::Categories,
    };
    let slug = forms::first(&data, "slug").unwrap_or("").trim().to_string();
    // A category's deposit, typed in yuan ("5,000"); blank leaves it as it is.
    let deposit = forms::yuan(&data, "deposit");
    let names = CatalogForm {
        slug: None,
        name_zh: forms::opt(&data, "name_zh"),
        name_en: forms::opt(&data, "name_en"),
        deposit_fen: deposit.as_ref().ok().copied().flatten(),
    };
    let result = match forms::first(&data, "action") {
        _ if deposit.is_err() => deposit.map(drop),
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
    // The workflow names the deposit in fen; the page's field is in yuan.
    let result = result.map_err(|e| forms::amount_in_yuan(e, "deposit_fen", "deposit"));
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
