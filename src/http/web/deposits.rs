//! The category deposit in words, for the provider backend (`provider_deposit`), its banner on
//! every backend page, and the console's provider deposit page: the required
//! amount, the balance, where it stands, the top-up deadline, and the ledger.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::display::Zone;
use crate::domain::guarantee::{EntryKind, GuaranteeStatus};
use crate::domain::money::Fen;
use crate::domain::move_in::MoveIn;
use crate::http::state::AppState;
use crate::http::web::console::report::csv_field;
use crate::http::web::page::{Page, ValidityBanner};
use crate::workflows::accounts::AccountView;
use crate::workflows::guarantee::{self, GuaranteeView};

/// One ledger entry in words.
#[derive(Clone)]
pub struct LedgerRow {
    pub at: String,
    pub kind: String,
    /// `payment` or `deduction`, for the row's look.
    pub kind_key: &'static str,
    /// "+¥5,000.00" / "−¥1,000.00".
    pub amount: String,
    pub balance_after: String,
    /// The bank reference of a payment, the reason of a deduction.
    pub detail: String,
    /// Where the evidence of a deduction can be read.
    pub evidence_href: Option<String>,
}

/// The deposit in words.
#[derive(Clone)]
pub struct DepositWords {
    pub required: String,
    pub balance: String,
    pub status: String,
    /// The badge's colour.
    pub badge: &'static str,
    /// What is to be done, in a sentence (empty when nothing is).
    pub what_next: String,
    pub hidden: bool,
    pub rows: Vec<LedgerRow>,
}

fn signed(kind: EntryKind, fen: i64) -> String {
    match kind {
        EntryKind::Payment => format!("+{}", Fen(fen)),
        EntryKind::Deduction => format!("−{}", Fen(fen)),
    }
}

/// On every backend page of a provider whose deposit is short after a deduction: what is
/// missing and by when, or that the listings are hidden (the deposit page says the rest). One
/// more read, only for a provider that owes a deposit and has paid it once.
pub async fn set_banner(state: &AppState, page: &mut Page, m: &MoveIn, account: &AccountView) {
    use crate::domain::move_in::{StepKey, StepStatus};
    // Only a deposit once paid in full can be short (the step stays done).
    let paid_once = m
        .step(StepKey::CategoryDeposit)
        .is_some_and(|s| s.status == StepStatus::Done);
    if !paid_once {
        return;
    }
    // The banner is a courtesy: a failed read leaves it out, the page itself still answers.
    let Ok(v) = guarantee::own(&state.ctx, account).await else {
        return;
    };
    if v.status != GuaranteeStatus::Short {
        return;
    }
    let w = words(page, &v, |_| String::new());
    page.deposit_banner = Some(ValidityBanner {
        warn: v.listings_hidden,
        words: w.what_next,
    });
}

/// The deposit `v` in `page`'s words; `evidence` makes the link to a deduction's evidence.
pub fn words(page: &Page, v: &GuaranteeView, evidence: impl Fn(&str) -> String) -> DepositWords {
    let required = Fen(v.required_fen).to_string();
    let what_next = match (v.status, v.top_up_by_ms) {
        (GuaranteeStatus::Due, _) => page.tf(
            "deposit.what_next.due",
            "amount",
            &Fen(v.required_fen - v.balance_fen).to_string(),
        ),
        (GuaranteeStatus::Short, Some(_)) if v.listings_hidden => page.tf(
            "deposit.what_next.hidden",
            "amount",
            &Fen(v.required_fen - v.balance_fen).to_string(),
        ),
        (GuaranteeStatus::Short, Some(by)) => {
            let day = page
                .zone
                .day_of(by - 1)
                .map(|d| Zone::long_day(d, page.lang));
            page.tf3(
                "deposit.what_next.short",
                &[
                    ("amount", &Fen(v.required_fen - v.balance_fen).to_string()),
                    ("date", &day.unwrap_or_default()),
                ],
            )
        }
        (GuaranteeStatus::Short, None) => page.tf(
            "deposit.what_next.short_undated",
            "amount",
            &Fen(v.required_fen - v.balance_fen).to_string(),
        ),
        _ => String::new(),
    };
    DepositWords {
        required,
        balance: Fen(v.balance_fen).to_string(),
        status: page.t(&format!("deposit.status.{}", v.status.as_str())),
        badge: match v.status {
            GuaranteeStatus::NotDue | GuaranteeStatus::Paid => "done",
            GuaranteeStatus::Due => "not_started",
            GuaranteeStatus::Short => "rejected",
        },
        what_next,
        hidden: v.listings_hidden,
        rows: v
            .entries
            .iter()
            .rev()
            .map(|e| LedgerRow {
                at: page.time(&e.recorded_at_ms),
                kind: page.t(&format!("deposit.kind.{}", e.kind.as_str())),
                kind_key: e.kind.as_str(),
                amount: signed(e.kind, e.amount_fen),
                balance_after: Fen(e.balance_after_fen).to_string(),
                detail: e
                    .reference
                    .clone()
                    .or_else(|| e.reason.clone())
                    .unwrap_or_default(),
                evidence_href: e.evidence_document_id.as_deref().map(&evidence),
            })
            .collect(),
    }
}

/// The ledger as CSV, oldest first, headed in `page`'s language; amounts in yuan with two
/// decimals (deductions negative), times as the pages show them.
pub fn csv(page: &Page, v: &GuaranteeView) -> String {
    let mut out = String::from("\u{feff}");
    let head = [
        "deposit.col.at",
        "deposit.col.kind",
        "deposit.col.amount",
        "deposit.col.balance_after",
        "deposit.col.reference",
        "deposit.col.reason",
    ];
    let head: Vec<String> = head.iter().map(|k| csv_field(&page.t(k))).collect();
    out.push_str(&head.join(","));
    out.push_str("\r\n");
    for e in &v.entries {
        // The amounts are figures the server wrote ("-1000.00"), left bare so that a
        // spreadsheet reads them as numbers; every text is quoted and defused.
        let fields = [
            csv_field(&page.time(&e.recorded_at_ms)),
            csv_field(&page.t(&format!("deposit.kind.{}", e.kind.as_str()))),
            Fen(e.kind.signed(e.amount_fen)).yuan_figure(),
            Fen(e.balance_after_fen).yuan_figure(),
            csv_field(e.reference.as_deref().unwrap_or_default()),
            csv_field(e.reason.as_deref().unwrap_or_default()),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A CSV download named `name`.
pub fn csv_response(body: String, name: &str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}
