//! The console's home: what is waiting (each kind by age, with its oldest item, each number a
//! link into the queue), then the review queue itself, filtered by kind, status and age band.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::display::Zone;
use crate::domain::review::ReviewKind;
use crate::http::state::AppState;
use crate::http::web::console::words;
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::Staff;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::i18n;
use crate::workflows::queue::View;
use crate::workflows::review::{self, ItemSummary, QueueQuery};
use crate::workflows::waiting::{self, Waiting};
use crate::workflows::Error;

#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub kind: Option<String>,
    pub status: Option<String>,
    /// An age band: `under_day`, `days_1_3`, `older`.
    pub age: Option<String>,
    /// `1`: appeals only.
    pub appeal: Option<String>,
    /// `mine`, `unclaimed` or `overdue`; all items when absent.
    pub view: Option<String>,
    pub cursor: Option<String>,
}

/// The age bands of the home and the queue's filter: (name, at least, under) in hours.
pub const AGE_BANDS: [(&str, Option<i64>, Option<i64>); 3] = [
    ("under_day", None, Some(24)),
    ("days_1_3", Some(24), Some(72)),
    ("older", Some(72), None),
];

/// Hours after which a waiting item is shown as old.
const OLD_HOURS: i64 = 72;

/// One row of the queue, in words.
pub struct QueueRow {
    pub item: ItemSummary,
    pub kind_name: std::borrow::Cow<'static, str>,
    pub status_name: std::borrow::Cow<'static, str>,
    pub submitted: String,
    pub age: String,
    pub old: bool,
    /// The due date in words (pending items).
    pub due: String,
    /// Who holds it, in words: "you" or an e-mail address.
    pub holder: Option<String>,
    /// Nobody holds it: the row offers to claim it.
    pub claimable: bool,
}

/// The words of the queue's table that every row repeats, each HTML-escaped once for the whole
/// page (the template writes them with `|safe`).
pub struct RowWords {
    pub kind: String,
    pub submitted: String,
    pub age: String,
    pub due: String,
    pub holder: String,
    pub status: String,
    pub appeal: String,
    pub overdue: String,
    pub claim: String,
    pub open: String,
    pub view: String,
}

/// `text` escaped for HTML text and attribute values, as the templates escape.
fn escaped(text: &str) -> String {
    match askama::filters::escape(text, askama::filters::Html) {
        Ok(safe) => safe.to_string(),
        Err(never) => match never {},
    }
}

#[derive(Template)]
#[template(path = "pages/console_queue.html")]
pub struct QueuePage {
    pub page: Page,
    pub waiting: Vec<Waiting>,
    pub rows: Vec<QueueRow>,
    pub kind: String,
    pub status: String,
    pub age: String,
    /// Only appeals are shown.
    pub appeals_only: bool,
    pub view: String,
    pub next_cursor: Option<String>,
    pub error: Option<String>,
}

impl QueuePage {
    pub fn kinds(&self) -> [&'static str; 5] {
        ReviewKind::ALL.map(|k| k.as_str())
    }

    pub fn is_kind(&self, k: &str) -> bool {
        self.kind == k
    }

    pub fn is_status(&self, s: &str) -> bool {
        self.status == s
    }

    pub fn is_age(&self, a: &str) -> bool {
        self.age == a
    }

    pub fn views(&self) -> [&'static str; 3] {
        View::ALL.map(|v| v.as_str())
    }

    pub fn is_view(&self, v: &str) -> bool {
        self.view == v
    }

    /// The queue in view `v` (all items when empty), the other filters kept.
    pub fn view_href(&self, v: &str) -> String {
        format!("/console?view={v}&kind={}&status=pending#queue", self.kind)
    }

    pub fn bands(&self) -> [&'static str; 3] {
        AGE_BANDS.map(|(name, ..)| name)
    }

    /// The queue of pending items of `kind` in age band `age` (all ages when empty).
    pub fn band_href(&self, kind: &str, age: &str) -> String {
        format!("/console?kind={kind}&status=pending&age={age}#queue")
    }

    /// The counts of `w` by age band.
    pub fn cells(&self, w: &Waiting) -> Vec<(&'static str, i64)> {
        let bands = self.bands();
        vec![
            (bands[0], w.under_a_day),
            (bands[1], w.one_to_three_days),
            (bands[2], w.older),
        ]
    }

    pub fn total(&self, band: &usize) -> i64 {
        self.waiting
            .iter()
            .map(|w| match *band {
                0 => w.under_a_day,
                1 => w.one_to_three_days,
                2 => w.older,
                _ => w.total(),
            })
            .sum()
    }

    pub fn oldest_age(&self, w: &Waiting) -> String {
        w.oldest
            .as_ref()
            .map(|o| words::age(&self.page, o.age_hours))
            .unwrap_or_default()
    }

    pub fn row_words(&self) -> RowWords {
        let t = |key: &'static str| escaped(i18n::t(self.page.lang, key));
        RowWords {
            kind: t("console.kind"),
            submitted: t("console.submitted"),
            age: t("console.age"),
            due: t("console.due"),
            holder: t("console.holder"),
            status: t("console.status"),
            appeal: t("console.appeal"),
            overdue: t("console.overdue"),
            claim: t("console.claim"),
            open: t("console.open"),
            view: t("console.view"),
        }
    }

    pub fn next_href(&self) -> String {
        format!(
            "/console?view={}&kind={}&status={}&age={}&appeal={}&cursor={}#queue",
            self.view,
            self.kind,
            self.status,
            self.age,
            if self.appeals_only { "1" } else { "" },
            self.next_cursor.clone().unwrap_or_default()
        )
    }
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Query(p): Query<QueueParams>,
) -> Result<Response, PageError> {
    let kind = p.kind.unwrap_or_default();
    let status = p.status.unwrap_or_else(|| "pending".into());
    let age = p.age.unwrap_or_default();
    let view = p
        .view
        .filter(|v| View::parse(v).is_some())
        .unwrap_or_default();
    let band = AGE_BANDS.iter().find(|(name, ..)| *name == age);
    let appeals_only = p.appeal.as_deref() == Some("1");
    let q = QueueQuery {
        kind: Some(kind.as_str()).filter(|k| !k.is_empty()),
        status: Some(status.as_str()).filter(|s| !s.is_empty()),
        min_age_hours: band.and_then(|b| b.1),
        max_age_hours: band.and_then(|b| b.2),
        appeal: appeals_only.then_some(true),
        second_look: None,
        view: Some(view.as_str()).filter(|v| !v.is_empty()),
        viewer: &operator.id,
        cursor: p.cursor.as_deref().filter(|c| !c.is_empty()),
        limit: 50,
    };
    let waiting = page.or_error_page(waiting::waiting(&state.ctx).await)?;
    let (items, next_cursor, error) = match review::queue(&state.ctx, &q).await {
        Ok((items, next)) => (items, next, None),
        Err(Error::Validation(_)) => (Vec::new(), None, Some(page.t("console.bad_filter"))),
        Err(e) => return Ok(failure(page, e)),
    };
    let rows = items
        .into_iter()
        .map(|item| QueueRow {
            kind_name: i18n::t_static(page.lang, "kind.", &item.kind),
            status_name: i18n::t_static(page.lang, "decision.", &item.status),
            submitted: page.time(&item.submitted_ms),
            age: words::age(&page, item.age_hours),
            old: item.status == "pending" && (item.overdue || item.age_hours >= OLD_HOURS),
            due: match item.due {
                Some(d) if item.status == "pending" => Zone::long_day(d, page.lang),
                _ => String::new(),
            },
            holder: match (&item.holder_id, &item.claimed_by) {
                (Some(id), _) if *id == operator.id => Some(page.t("console.held_by_you")),
                (_, Some(email)) => Some(email.clone()),
                _ => None,
            },
            claimable: item.status == "pending"
                && item.claimed_by.is_none()
                && item.subject.account_id != operator.id,
            item,
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &QueuePage {
            page,
            waiting,
            rows,
            kind,
            status,
            age: if band.is_some() { age } else { String::new() },
            appeals_only,
            view,
            next_cursor,
            error,
        },
    ))
}
