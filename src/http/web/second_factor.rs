//! `/account/security`: where staff must and providers may enrol an authenticator app (a QR code
//! and the secret to type in, then a first code), see their recovery codes once, and where
//! providers can turn the second factor off. (The second step of logging in is `login.rs`.)

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::http::client::ClientAddr;
use crate::http::state::AppState;
use crate::http::web::errors::{error_page, PageError};
use crate::http::web::extract::{AnySession, CheckedForm};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::second_factor;
use crate::workflows::sessions::SessionView;

/// Where the security page stands.
pub enum Stage {
    /// Nothing started: a button to begin.
    NotStarted,
    /// A secret waits for its first code.
    Pending { secret: String, qr_svg: String },
    /// Just confirmed: the recovery codes, shown this once.
    Confirmed { codes: Vec<String> },
    /// In force.
    On { recovery_codes_left: i64 },
}

#[derive(Template)]
#[template(path = "pages/account_security.html")]
pub struct SecurityPage {
    pub page: Page,
    pub form: FormState,
    pub stage: Stage,
    /// Staff cannot turn it off.
    pub required: bool,
}

/// The security page of `session` as it stands.
async fn security_page(
    state: &AppState,
    page: Page,
    session: &SessionView,
    form: FormState,
) -> Result<SecurityPage, PageError> {
    let account = &session.account;
    let stage = if session.enrolled {
        Stage::On {
            recovery_codes_left: page
                .or_error_page(second_factor::recovery_codes_left(&state.ctx, &account.id).await)?,
        }
    } else {
        match page.or_error_page(second_factor::pending_enrolment(&state.ctx, account).await)? {
            Some(e) => Stage::Pending {
                qr_svg: e.qr_svg(),
                secret: e.secret,
            },
            None => Stage::NotStarted,
        }
    };
    Ok(SecurityPage {
        page,
        form,
        stage,
        required: account.roles.needs_second_factor(),
    })
}

/// `GET /account/security`.
pub async fn security(
    State(state): State<AppState>,
    AnySession { page, session }: AnySession,
) -> Result<Response, PageError> {
    let shown = security_page(&state, page, &session, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// `POST /account/security`: `action` = `start`, `confirm` (with `code`) or `disable` (with
/// `code`).
pub async fn security_action(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    AnySession { page, session }: AnySession,
    CheckedForm(data): CheckedForm,
) -> Response {
    let code = forms::first(&data, "code");
    let outcome = match forms::first(&data, "action") {
        Some("start") => second_factor::begin_enrolment(&state.ctx, &session.account)
            .await
            .map(|_| None),
        Some("confirm") => second_factor::confirm_enrolment(&state.ctx, &session, code, &client)
            .await
            .map(Some),
        Some("disable") => second_factor::disable(&state.ctx, &session, code, &client)
            .await
            .map(|_| None),
        _ => return error_page(page, StatusCode::BAD_REQUEST, "malformed_request"),
    };
    match outcome {
        Ok(Some(codes)) => render(
            StatusCode::OK,
            &SecurityPage {
                required: session.account.roles.needs_second_factor(),
                page,
                form: FormState::default(),
                stage: Stage::Confirmed { codes },
            },
        ),
        Ok(None) => see_other("/account/security"),
        Err(e) => {
            page.refused(FormState::default(), e, async |page, form| {
                security_page(&state, page, &session, form).await
            })
            .await
        }
    }
}
