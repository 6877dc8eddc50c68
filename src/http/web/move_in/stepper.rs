//! The move-in journey in words, and its page (`/move-in`). Every page that speaks of a step —
//! the stepper, the home page, the enterprise and application pages, the provider backend's
//! "not yet" pages — reads its words from `journey`, which reads `MoveIn::evaluate` (the one
//! requirement function): a step never says one thing here and another there.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::display::{in_line, Zone};
use crate::domain::move_in::{MoveIn, Phase, Reason, StepKey, StepStatus};
use crate::http::state::AppState;
use crate::http::web::errors::PageError;
use crate::http::web::extract::SignedIn;
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::{appeals, move_in};

/// A step as every page says it.
#[derive(Clone)]
pub struct StepRow {
    pub key: &'static str,
    pub status: StepStatus,
    /// `Phase::as_str`: the finer state, for the row's look.
    pub phase: &'static str,
    pub title: String,
    pub badge: String,
    /// The badge's colour: what it means, not what it is called.
    pub badge_class: &'static str,
    /// What the step waits for, in a sentence (empty when the badge says it all).
    pub detail: String,
    pub reasons: Vec<Reason>,
    pub href: &'static str,
    /// The link's words; `None` while the step is locked.
    pub action: Option<String>,
    /// The account holder has something to do here.
    pub yours: bool,
    /// In review: when a decision can be expected and the place in line, in words.
    pub expected: Option<String>,
}

/// What to do next, as a button.
#[derive(Clone)]
pub struct NextAction {
    pub href: String,
    pub label: String,
}

/// The journey of one account in words.
pub struct Journey {
    pub steps: Vec<StepRow>,
    pub moved_in: bool,
    /// The first thing the account holder can do now; once moved in, releasing a product.
    pub next: Option<NextAction>,
}

impl Journey {
    pub fn step(&self, key: StepKey) -> Option<&StepRow> {
        self.steps.iter().find(|s| s.key == key.as_str())
    }

    /// What is to be done now: the steps due that are not waiting for an earlier one (those
    /// the stepper shows below, locked).
    pub fn todo(&self) -> Vec<&StepRow> {
        self.due()
            .into_iter()
            .filter(|s| s.phase != Phase::Locked.as_str())
            .collect()
    }

    /// The steps still due, in journey order.
    pub fn due(&self) -> Vec<&StepRow> {
        self.steps
            .iter()
            .filter(|s| s.status != StepStatus::Done)
            .collect()
    }
}

fn href(key: StepKey) -> &'static str {
    match key {
        StepKey::Account => "/account/security",
        StepKey::EnterpriseVerification => "/move-in/enterprise",
        StepKey::PartnerApplication => "/move-in/application",
        StepKey::CustomerServiceInfo => "/provider/info/customer-service",
        StepKey::SettlementInfo => "/provider/info/settlement",
        StepKey::CategoryDeposit => "/provider/deposit",
    }
}

fn badge_class(phase: Phase) -> &'static str {
    match phase {
        Phase::NotStarted | Phase::Locked => "not_started",
        Phase::Draft => "draft",
        Phase::InReview
        | Phase::DepositWaiting
        | Phase::DepositRequested
        | Phase::ChangePending => "in_review",
        Phase::Rejected | Phase::DepositFrozen | Phase::DepositVoid | Phase::ChangeRejected => {
            "rejected"
        }
        Phase::DepositSent => "action",
        Phase::Done => "done",
    }
}

/// One step in words.
fn row(page: &Page, m: &MoveIn, key: StepKey) -> StepRow {
    let phase = m.phase(key);
    let step = m.step(key);
    let p = phase.as_str();
    let detail_key = format!("journey.detail.{}.{p}", key.as_str());
    // The deposit's words carry its amount ("¥5,000.00").
    let amount = step
        .and_then(|s| s.amount_fen)
        .map(|f| crate::domain::money::Fen(f).to_string())
        .unwrap_or_default();
    let detail = match page.tf(&detail_key, "amount", &amount) {
        t if t == detail_key => String::new(),
        t => t,
    };
    let reasons = match phase {
        Phase::Rejected => step.and_then(|s| s.reasons.clone()).unwrap_or_default(),
        Phase::ChangeRejected => step
            .and_then(|s| s.change_rejected.clone())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    StepRow {
        key: key.as_str(),
        status: step.map_or(StepStatus::NotStarted, |s| s.status),
        phase: p,
        title: page.t(&format!("step.{}", key.as_str())),
        badge: page.t(&format!("journey.badge.{p}")),
        badge_class: badge_class(phase),
        detail,
        reasons,
        href: href(key),
        action: (phase != Phase::Locked && key != StepKey::Account)
            .then(|| page.t(&format!("journey.action.{p}"))),
        yours: phase.holder_acts(),
        expected: step.and_then(|s| expected_words(page, s)),
    }
}

/// "Decision expected by Tuesday 8 December 2026 · 3rd in line".
fn expected_words(page: &Page, step: &crate::domain::move_in::Step) -> Option<String> {
    let day = crate::domain::calendar::parse_day(step.expected_by.as_deref()?)?;
    let position = step.queue_position?;
    Some(page.tf3(
        "movein.expected",
        &[
            ("date", &Zone::long_day(day, page.lang)),
            ("position", &in_line(position, page.lang)),
        ],
    ))
}

/// The journey of `m` in `page`'s words.
pub fn journey(page: &Page, m: &MoveIn) -> Journey {
    // The steps `MoveIn::evaluate` gives, in its order (the deposit only when one is owed).
    let steps: Vec<StepRow> = m.steps.iter().map(|s| row(page, m, s.key)).collect();
    let next = if m.moved_in() {
        Some(NextAction {
            href: "/provider/products/new".into(),
            label: page.t("journey.next.release"),
        })
    } else {
        m.next_for_holder().map(|k| NextAction {
            href: href(k).into(),
            label: page.t(&format!(
                "journey.next.{}.{}",
                k.as_str(),
                m.phase(k).as_str()
            )),
        })
    };
    Journey {
        steps,
        moved_in: m.moved_in(),
        next,
    }
}

/// The journey of the signed-in account (`None` for staff, who have none).
pub async fn journey_of(state: &AppState, page: &Page) -> Option<Journey> {
    let account = page.account.as_ref().filter(|_| page.is_provider())?;
    let m = move_in::status_with_waits(&state.ctx, &account.id)
        .await
        .ok()?;
    Some(journey(page, &m))
}

#[derive(Template)]
#[template(path = "pages/move_in.html")]
pub struct MoveInPage {
    pub page: Page,
    pub journey: Journey,
    /// (step key, link, words): where a returned step can be appealed, or its appeal read.
    pub appeal_links: Vec<(&'static str, String, String)>,
}

impl MoveInPage {
    pub fn appeal_link(&self, key: &str) -> Option<&(&'static str, String, String)> {
        self.appeal_links.iter().find(|(k, ..)| *k == key)
    }
}

/// The appeal link of each reviewed step whose newest decision can be appealed, or was.
async fn appeal_links(
    state: &AppState,
    page: &Page,
    account: &crate::workflows::accounts::AccountView,
) -> Vec<(&'static str, String, String)> {
    use crate::domain::review::ReviewKind;
    let mut out = Vec::new();
    for (key, kind) in [
        (
            StepKey::EnterpriseVerification,
            ReviewKind::EnterpriseVerification,
        ),
        (StepKey::PartnerApplication, ReviewKind::PartnerApplication),
    ] {
        let newest = appeals::newest(&state.ctx, account, kind, &account.id).await;
        let Ok(Some(id)) = newest else { continue };
        let Ok(thread) = appeals::show(&state.ctx, account, &id).await else {
            continue;
        };
        let words = if thread.can_appeal {
            "appeal.link"
        } else if !thread.thread.is_empty() {
            "appeal.link_thread"
        } else {
            continue;
        };
        out.push((
            key.as_str(),
            format!("/move-in/reviews/{id}"),
            page.t(words),
        ));
    }
    out
}

pub async fn show(
    State(state): State<AppState>,
    SignedIn { page, account }: SignedIn,
) -> Result<Response, PageError> {
    if !page.is_provider() {
        return Ok(see_other("/console"));
    }
    let m = page.or_error_page(move_in::status_with_waits(&state.ctx, &account.id).await)?;
    let journey = journey(&page, &m);
    let appeal_links = appeal_links(&state, &page, &account).await;
    Ok(render(
        StatusCode::OK,
        &MoveInPage {
            page,
            journey,
            appeal_links,
        },
    ))
}
