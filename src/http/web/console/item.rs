//! The review screen of one item, as a caseworker reads a case: what it is and where it stands,
//! the submission in the form's sections beside its documents (shown inline), earlier
//! submissions, and then what can be done — decide it (`decide.rs`), pay the micro-deposit
//! (`deposit.rs`), and for providers their standing (`standing.rs`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::enterprise::DepositStatus;
use crate::http::state::AppState;
use crate::http::web::console::sections::{sections, CatalogNames, Section};
use crate::http::web::console::words;
use crate::http::web::errors::PageError;
use crate::http::web::extract::Staff;
use crate::http::web::forms::FormState;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::workflows::micro_deposit::{self, PaidDeposit};
use crate::workflows::names;
use crate::workflows::providers::{self, Standing};
use crate::workflows::review::{self, ItemDetail};

/// One reason row of the decision form: the field in question and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct ReasonRow {
    pub field: String,
    pub message: String,
    pub error: Option<String>,
}

impl ReasonRow {
    pub fn is_blank(&self) -> bool {
        self.field.trim().is_empty() && self.message.trim().is_empty()
    }
}

/// A reason of the library the decision form offers: ticked or not, with the note typed.
#[derive(Debug, Clone, Default)]
pub struct LibraryChoice {
    pub code: String,
    pub field: String,
    pub text: String,
    pub checked: bool,
    pub note: String,
}

/// A document of the item as the review screen shows it.
pub struct DocView {
    pub kind: String,
    /// The download (as an attachment).
    pub download: String,
    /// The inline view the page frames (PDF) or shows (image).
    pub view: String,
    pub is_image: bool,
    pub file_type: &'static str,
    pub size: String,
    pub uploaded: String,
}

/// An earlier submission: when, its outcome, and its reasons by field name.
pub struct EarlierView {
    pub number: usize,
    pub status: String,
    pub submitted: String,
    pub reasons: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "pages/console_item.html")]
pub struct ItemPage {
    pub page: Page,
    pub item: ItemDetail,
    pub sections: Vec<Section>,
    pub documents: Vec<DocView>,
    pub earlier: Vec<EarlierView>,
    /// Which submission of its subject this is (1 for the first).
    pub submission: usize,
    pub submitted: String,
    pub age: String,
    pub decided: Option<String>,
    pub decided_by: Option<String>,
    pub form: FormState,
    /// The decision form's reason rows, as typed.
    pub reasons: Vec<ReasonRow>,
    /// The library's reasons for the item's kind, as ticked.
    pub library: Vec<LibraryChoice>,
    /// The appeal's thread (empty without an appeal), each entry with its time in words.
    pub thread: Vec<(crate::workflows::appeals::ThreadEntry, String)>,
    pub deposit: Option<PaidDeposit>,
    /// Why the deposit just asked for was not paid.
    pub deposit_error: Option<String>,
    pub standing: Standing,
    /// The provider closed its account: when, and when its personal data is (or was) erased.
    pub closure: Option<crate::workflows::privacy::ClosureView>,
}

impl ItemPage {
    pub fn pending(&self) -> bool {
        self.item.summary.status == "pending"
    }

    /// The signed-in staff member's own account's item: another operator decides it.
    pub fn own(&self) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| s.account.id == self.item.summary.subject.account_id)
    }

    /// The signed-in reviewer holds the item.
    pub fn held_by_me(&self) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| self.item.summary.holder_id.as_deref() == Some(s.account.id.as_str()))
    }

    /// Another reviewer holds the item: deciding it is a take-over.
    pub fn held_by_other(&self) -> bool {
        self.item.summary.holder_id.is_some() && !self.held_by_me()
    }

    pub fn is_admin(&self) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| s.account.roles.has(crate::domain::account::Role::Admin))
    }

    /// The signed-in staff member's roles allow deciding this kind of item.
    pub fn may_decide(&self) -> bool {
        let kind = crate::domain::review::ReviewKind::parse(&self.item.summary.kind);
        self.page
            .session
            .as_ref()
            .zip(kind)
            .is_some_and(|(s, k)| s.account.roles.can_decide(k))
    }

    /// The signed-in staff member's roles allow `action` (its forms are shown only then).
    fn may(&self, action: crate::domain::account::StaffAction) -> bool {
        self.page
            .session
            .as_ref()
            .is_some_and(|s| s.account.roles.may(action))
    }

    /// May suspend or reinstate the provider.
    pub fn may_change_standing(&self) -> bool {
        self.may(crate::domain::account::StaffAction::ProviderStanding)
    }

    /// The role that decides this kind of item, in words ("Finance").
    pub fn deciding_role(&self) -> String {
        crate::domain::review::ReviewKind::parse(&self.item.summary.kind)
            .map(|k| {
                self.page.t(&format!(
                    "audit.role.{}",
                    crate::domain::account::Role::for_kind(k).as_str()
                ))
            })
            .unwrap_or_default()
    }

    /// When the claim lapses, in words.
    pub fn claimed_until_words(&self) -> String {
        self.item
            .summary
            .claimed_until_ms
            .map(|t| self.page.time(&t))
            .unwrap_or_default()
    }

    /// The due date in words, with its weekday.
    pub fn due_words(&self) -> Option<String> {
        self.item
            .summary
            .due
            .map(|d| crate::display::Zone::long_day(d, self.page.lang))
    }

    pub fn kind_name(&self) -> String {
        self.page.t(&format!("kind.{}", self.item.summary.kind))
    }

    /// A settlement change: approving it needs a fresh second factor.
    pub fn is_settlement(&self) -> bool {
        self.item.summary.kind == "settlement_change"
    }

    /// The credit code fails its check character: approving needs an override reason.
    pub fn needs_override(&self) -> bool {
        self.item.summary.kind == "enterprise_verification"
            && self.item.data["uscc_check_failed"] == serde_json::json!(true)
    }

    pub fn has_earlier(&self) -> bool {
        !self.item.earlier.is_empty() || self.item.in_force.is_some()
    }

    pub fn earlier_heading(&self) -> String {
        if self.item.in_force.is_some() {
            self.page.t("console.in_force")
        } else {
            self.page.t("console.earlier_submission")
        }
    }

    /// The company is a provider (its application was approved): it has a standing to change.
    pub fn is_provider(&self) -> bool {
        self.standing != Standing::NotProvider
    }

    /// The provider's closure in words: "Closed on … · personal data erased on …".
    pub fn closure_words(&self) -> Option<String> {
        let c = self.closure.as_ref()?;
        let closed = self.page.tf(
            "console.closed_on",
            "date",
            &self.page.date(&c.requested_at),
        );
        let erased = match c.erased_at {
            Some(at) => self
                .page
                .tf("console.erased_on", "date", &self.page.date(&at)),
            None => self.page.tf(
                "console.erasure_due",
                "date",
                &self.page.date(&c.erase_after),
            ),
        };
        Some(format!("{closed} · {erased}"))
    }

    pub fn is_suspended(&self) -> bool {
        self.standing == Standing::Suspended
    }

    /// The deposit card belongs at the top once the documents are approved and money is due.
    pub fn deposit_first(&self) -> bool {
        self.deposit.as_ref().is_some_and(|d| {
            d.documents_approved && d.status != DepositStatus::Confirmed && !self.pending()
        })
    }

    /// The deposit's state for the operator: `waiting_documents`, `due`, `sent`, `frozen`,
    /// `void`, `requested` or `confirmed`.
    pub fn deposit_state(&self) -> &'static str {
        match &self.deposit {
            Some(d) if d.status == DepositStatus::NotSent && !d.documents_approved => {
                "waiting_documents"
            }
            Some(d) => match d.status {
                DepositStatus::NotSent => "due",
                DepositStatus::Sent => "sent",
                DepositStatus::Frozen => "frozen",
                DepositStatus::Void => "void",
                DepositStatus::Requested => "requested",
                DepositStatus::Confirmed => "confirmed",
            },
            None => "waiting_documents",
        }
    }

    /// The badge colour of the deposit's state.
    pub fn deposit_badge(&self) -> &'static str {
        match self.deposit_state() {
            "confirmed" => "approved",
            "void" => "rejected",
            "waiting_documents" => "not_started",
            _ => "pending",
        }
    }

    /// Whether this operator may pay a deposit now: documents approved, none out, some left.
    pub fn can_pay(&self) -> bool {
        !self.own()
            && self.may(crate::domain::account::StaffAction::PayMicroDeposit)
            && self.deposit.as_ref().is_some_and(|d| {
                d.documents_approved
                    && matches!(d.status, DepositStatus::NotSent | DepositStatus::Requested)
                    && d.deposits_sent < d.deposits_allowed
            })
    }

    /// "1 of 3".
    pub fn deposits_count(&self) -> String {
        let (sent, allowed) = self
            .deposit
            .as_ref()
            .map(|d| (d.deposits_sent, d.deposits_allowed))
            .unwrap_or_default();
        crate::i18n::tf(
            self.page.lang,
            "console.deposits_of",
            &[("n", &sent.to_string()), ("max", &allowed.to_string())],
        )
    }

    pub fn deposit_frozen_until(&self) -> String {
        self.deposit
            .as_ref()
            .and_then(|d| d.frozen_until)
            .map(|t| self.page.time(&t))
            .unwrap_or_default()
    }

    pub fn deposit_paid_at(&self) -> Option<String> {
        self.deposit
            .as_ref()
            .and_then(|d| d.paid_at)
            .map(|t| self.page.time(&t))
    }

    /// The reason fields of this kind's form, by section, for the reason rows' choice.
    pub fn reason_fields(&self) -> Vec<(String, Vec<(String, String)>)> {
        let mut out: Vec<(String, Vec<(String, String)>)> = self
            .sections
            .iter()
            .map(|s| {
                let fields = s
                    .rows
                    .iter()
                    .map(|r| (r.name.clone(), self.page.field_label(&r.name)))
                    .collect();
                (s.title.clone(), fields)
            })
            .collect();
        if !self.documents.is_empty() {
            let docs = self
                .documents
                .iter()
                .map(|d| {
                    let name = format!("documents.{}", d.kind);
                    let label = self.page.field_label(&name);
                    (name, label)
                })
                .collect();
            out.push((self.page.t("console.documents"), docs));
        }
        out
    }
}

/// What the review screen shows beside the item itself.
#[derive(Default)]
pub struct Extras {
    pub form: FormState,
    pub reasons: Vec<ReasonRow>,
    /// The library codes ticked, each with its note.
    pub chosen: Vec<(String, String)>,
    pub deposit_error: Option<String>,
}

/// The review screen of item `id` for `operator`.
pub async fn item_page(
    state: &AppState,
    page: Page,
    operator: &crate::workflows::accounts::AccountView,
    id: &str,
    extras: Extras,
) -> Result<ItemPage, PageError> {
    let ctx = &state.ctx;
    let item = page.or_error_page(review::detail(ctx, id, page.lang).await)?;
    let names = CatalogNames::load(ctx, &page).await?;
    let compare_with = item
        .in_force
        .as_ref()
        .or(item.earlier.first().map(|e| &e.data));
    let shown = sections(&page, &names, &item.summary.kind, &item.data, compare_with);
    let documents = item
        .documents
        .iter()
        .map(|d| DocView {
            kind: d.kind.clone(),
            download: d.url.clone(),
            view: format!("/console/documents/{}", d.id),
            is_image: d.content_type.starts_with("image/"),
            file_type: words::file_type(&d.content_type),
            size: crate::display::file_size(d.size),
            uploaded: words::rfc3339_time(&page, &d.uploaded_at),
        })
        .collect();
    let count = item.earlier.len();
    let earlier = item
        .earlier
        .iter()
        .enumerate()
        .map(|(i, e)| EarlierView {
            number: count - i,
            status: e.status.clone(),
            submitted: page.time(&e.submitted_ms),
            reasons: e
                .reasons
                .iter()
                .map(|r| (page.field_label(&r.field), r.message.clone()))
                .collect(),
        })
        .collect();
    let account = &item.summary.subject.account_id;
    let deposit = if item.summary.kind == "enterprise_verification" {
        page.or_error_page(micro_deposit::paid_deposit(ctx, operator, account).await)?
    } else {
        None
    };
    let standing = page.or_error_page(providers::standing(ctx, account).await)?;
    let closure = page.or_error_page(crate::workflows::privacy::closure(ctx, account).await)?;
    let decided_by = match &item.decided_by {
        Some(by) => page
            .or_error_page(names::accounts(ctx, std::slice::from_ref(by)).await)?
            .remove(by)
            .map(|n| n.email),
        None => None,
    };
    let library = page
        .or_error_page(
            crate::workflows::reasons::list(ctx, operator, Some(item.summary.kind.as_str()), false)
                .await,
        )?
        .into_iter()
        .map(|l| {
            let chosen = extras.chosen.iter().find(|(c, _)| *c == l.code);
            LibraryChoice {
                field: l
                    .field
                    .as_deref()
                    .map(|f| page.field_label(f))
                    .unwrap_or_default(),
                text: l.text.get(page.lang.tag()).to_string(),
                checked: chosen.is_some(),
                note: chosen.map(|(_, n)| n.clone()).unwrap_or_default(),
                code: l.code,
            }
        })
        .collect();
    let thread = item
        .thread
        .iter()
        .cloned()
        .map(|e| {
            let at = page.time(&e.at_ms);
            (e, at)
        })
        .collect();
    let reasons = if extras.reasons.is_empty() {
        vec![ReasonRow::default()]
    } else {
        extras.reasons
    };
    Ok(ItemPage {
        submission: count + 1,
        submitted: page.time(&item.summary.submitted_ms),
        age: words::age(&page, item.summary.age_hours),
        decided: item.decided_ms.map(|t| page.time(&t)),
        decided_by,
        sections: shown,
        documents,
        earlier,
        deposit,
        deposit_error: extras.deposit_error,
        standing,
        closure,
        form: extras.form,
        reasons,
        library,
        thread,
        item,
        page,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let shown = item_page(&state, page, &operator, &id, Extras::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}
