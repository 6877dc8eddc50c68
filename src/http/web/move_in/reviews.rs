//! `/move-in/reviews/{id}`: one of the applicant's review items — its reasons in their
//! language, the thread of an appeal — and the appeal form (a message and, if they like, a
//! document), once per decision.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::upload::MAX_DOCUMENT_BYTES;
use crate::domain::FieldError;
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{checked_form_with_files, SentForm, SignedIn};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::appeals::{self, ItemThread, ThreadEntry};
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/review_item.html")]
pub struct ReviewItemPage {
    pub page: Page,
    pub item: ItemThread,
    pub thread: Vec<(ThreadEntry, String)>,
    pub form: FormState,
}

async fn item_page(
    state: &AppState,
    page: Page,
    account: &AccountView,
    id: &str,
    form: FormState,
) -> Result<ReviewItemPage, PageError> {
    let item = page.or_error_page(appeals::show(&state.ctx, account, id).await)?;
    let thread = item
        .thread
        .iter()
        .map(|e| (e.clone(), page.time(&e.at_ms)))
        .collect();
    Ok(ReviewItemPage {
        page,
        item,
        thread,
        form,
    })
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = item_page(&state, page, &account, &id, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// The appeal form: `message` and an optional `file`.
pub async fn appeal(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
    Path(id): Path<String>,
    sent: SentForm,
) -> Result<Response, PageError> {
    let sent =
        checked_form_with_files(&page, sent, &["message"], &["file"], MAX_DOCUMENT_BYTES).await?;
    let form = FormState::from_form(&sent.fields);
    let refusal = match (sent.refusal, sent.file_refusals.first()) {
        (Some(r), _) => Some(r),
        (None, Some((_, code))) => {
            Some(Error::Validation(vec![FieldError::new("file", code)]).into())
        }
        _ => None,
    };
    let answer = match refusal {
        Some(r) => Err(r),
        None => {
            let message = forms::first(&sent.fields, "message").map(str::to_string);
            let file = sent
                .files
                .into_iter()
                .find(|(name, bytes)| name == "file" && !bytes.is_empty())
                .map(|(_, bytes)| bytes);
            appeals::appeal(&state.ctx, &account, &id, message.as_ref(), file)
                .await
                .map_err(Into::into)
        }
    };
    Ok(match answer {
        Ok(_) => see_other(&format!("/move-in/reviews/{id}?notice=appealed")),
        Err(e) => {
            page.refused(form, e, async |page, form| {
                item_page(&state, page, &account, &id, form).await
            })
            .await
        }
    })
}
