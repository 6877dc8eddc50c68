//! The SaaS integration in the provider backend (docs/INTEGRATION.md): Basic Information →
//! Integration key (made and shown once, rotated), and a product's Integration page, where
//! "Test the integration" runs the signed test calls and shows each request, answer and verdict.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::CheckedForm;
use crate::http::web::once::shown_once;
use crate::http::web::page::Page;
use crate::http::web::products::MovedIn;
use crate::http::web::provider::ProviderBackend;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::integration_key::{self, KeyView};
use crate::workflows::integration_test::{self, TestRecord};
use crate::workflows::products::{self, ProductView};

#[derive(Template)]
#[template(path = "pages/provider_integration_key.html")]
pub struct KeyPage {
    pub page: Page,
    pub company: String,
    pub key: Option<KeyView>,
    /// The key just made: shown this once.
    pub new_key: Option<String>,
}

pub async fn key(
    State(state): State<AppState>,
    backend: ProviderBackend,
) -> Result<Response, PageError> {
    let page = backend.page;
    let key = page.or_error_page(integration_key::show(&state.ctx, &backend.account).await)?;
    let shown = KeyPage {
        page,
        company: backend.company,
        key,
        new_key: None,
    };
    Ok(render(StatusCode::OK, &shown))
}

/// Makes (or rotates) the key and shows it once, on this answer only (never in an address).
pub async fn rotate(
    State(state): State<AppState>,
    backend: ProviderBackend,
    CheckedForm(_): CheckedForm,
) -> Response {
    match integration_key::rotate(&state.ctx, &backend.account).await {
        Ok(made) => shown_once(
            render(
                StatusCode::OK,
                &KeyPage {
                    page: backend.page,
                    company: backend.company,
                    key: Some(made.view),
                    new_key: Some(made.key),
                },
            ),
            "/provider/info/integration",
        ),
        Err(e) => failure(backend.page, e),
    }
}

#[derive(Template)]
#[template(path = "pages/provider_product_integration.html")]
pub struct TestPage {
    pub page: Page,
    pub product: ProductView,
    pub key: Option<KeyView>,
    pub records: Vec<TestRecord>,
    /// Why the test could not run, in words.
    pub refusal: Option<String>,
}

impl TestPage {
    pub fn name(&self) -> String {
        self.product
            .working
            .as_ref()
            .or(self.product.live.as_ref())
            .map(|r| r.data.name.clone())
            .unwrap_or_default()
    }

    pub fn is_saas(&self) -> bool {
        self.product
            .working
            .as_ref()
            .or(self.product.live.as_ref())
            .is_some_and(|r| r.data.delivery == "saas")
    }

    /// Whether the product may be submitted as far as the integration goes.
    pub fn passed_now(&self) -> bool {
        self.records
            .iter()
            .any(|r| r.current && r.verdict == "passed")
    }
}

async fn test_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    id: &str,
    refusal: Option<String>,
) -> Result<TestPage, PageError> {
    let product = page.or_error_page(products::get(&state.ctx, account, id).await)?;
    let records = page.or_error_page(integration_test::list(&state.ctx, account, id).await)?;
    let key = integration_key::show(&state.ctx, account)
        .await
        .ok()
        .flatten();
    Ok(TestPage {
        page,
        product,
        key,
        records,
        refusal,
    })
}

pub async fn show(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = test_page(&state, page, &account, &id, None).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// "Test the integration": runs the test, then shows its record (POST → redirect → GET). A test
/// that cannot run (no URL, no key, not SaaS) is said on the page, with its status.
pub async fn run(
    State(state): State<AppState>,
    MovedIn { page, account }: MovedIn,
    Path(id): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Result<Response, PageError> {
    match integration_test::run(&state.ctx, &account, &id).await {
        Ok(_) => Ok(see_other(&format!(
            "/provider/products/{id}/integration?notice=integration_tested"
        ))),
        Err(e) => {
            let refused = ApiError::from(e);
            if refused.status == StatusCode::NOT_FOUND || refused.status.is_server_error() {
                return Err(PageError::from_error(&page, refused));
            }
            let words = match (refused.fields.first(), refused.retry_after_secs) {
                (Some(f), _) => page.t(&format!("field.{}", f.code)),
                (None, Some(secs)) if refused.code == "rate_limited" => page.tf(
                    "integration.test_limited",
                    "minutes",
                    &secs.div_ceil(60).to_string(),
                ),
                (None, _) => page.t(&format!("error.{}", refused.code)),
            };
            let status = refused.status;
            let shown = test_page(&state, page, &account, &id, Some(words)).await?;
            let mut resp = render(status, &shown);
            if let Some(secs) = refused.retry_after_secs {
                resp.headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, secs.into());
            }
            Ok(resp)
        }
    }
}
