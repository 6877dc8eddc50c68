//! `/console/reasons`: the reason library, kept by admins — add a reason, edit its texts and
//! field, retire and restore it.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use crate::domain::reason_library::{
    LibraryReason, NewReasonForm, ReasonChangeForm, ReasonTextForm,
};
use crate::domain::review::ReviewKind;
use crate::http::state::AppState;
use crate::http::web::console::sections;
use crate::http::web::errors::PageError;
use crate::http::web::extract::{CheckedForm, Staff};
use crate::http::web::forms::{self, FormState};
use crate::http::web::page::Page;
use crate::http::web::respond::{render, see_other};
use crate::workflows::accounts::AccountView;
use crate::workflows::reasons;
use crate::workflows::Error;

#[derive(Template)]
#[template(path = "pages/console_reasons.html")]
pub struct ReasonsPage {
    pub page: Page,
    /// Each kind with its reasons, retired ones included.
    pub kinds: Vec<(&'static str, Vec<LibraryReason>)>,
    pub form: FormState,
}

impl ReasonsPage {
    /// The refused form was the one of `code` (empty: the "add" form).
    fn was_sent(&self, code: &str) -> bool {
        self.form.has_errors()
            && if code.is_empty() {
                self.form.is("action", "add")
            } else {
                self.form.is("code", code) && !self.form.is("action", "add")
            }
    }

    /// `field` of the form of `code` as typed when that form was refused, else `stored`.
    pub fn typed(&self, code: &str, field: &str, stored: &str) -> String {
        if self.was_sent(code) {
            self.form.value(field)
        } else {
            stored.to_string()
        }
    }

    /// The id of `field` in the form of `code` (the error summary links to the refused one).
    pub fn field_id(&self, code: &str, field: &str) -> String {
        if self.was_sent(code) {
            format!("f-{field}")
        } else if code.is_empty() {
            format!("new-{field}")
        } else {
            format!("{field}-{code}")
        }
    }

    /// The fields a reason of `kind` may name, in words, by section; `current` (a field the
    /// form's layout does not know, from the API) is kept as a choice of its own.
    pub fn field_choices(&self, kind: &str, current: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut groups = field_choices(&self.page, kind);
        let known = groups
            .iter()
            .any(|(_, f)| f.iter().any(|(k, _)| k == current));
        if !current.is_empty() && !known {
            let other = vec![(current.to_string(), self.page.field_label(current))];
            groups.push((self.page.t("console.section.other"), other));
        }
        groups
    }

    /// Every kind's fields for the "add" form, each group named by its kind and section.
    pub fn all_field_choices(&self, current: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        for kind in self.kind_options() {
            let name = self.page.t(&format!("kind.{kind}"));
            for (section, fields) in self.field_choices(kind, "") {
                out.push((format!("{name} · {section}"), fields));
            }
        }
        let known = out.iter().any(|(_, f)| f.iter().any(|(k, _)| k == current));
        if !current.is_empty() && !known {
            let other = vec![(current.to_string(), self.page.field_label(current))];
            out.push((self.page.t("console.section.other"), other));
        }
        out
    }

    pub fn kind_options(&self) -> [&'static str; 5] {
        ReviewKind::ALL.map(ReviewKind::as_str)
    }
}

/// The fields a reason about an item of `kind` may name, by section, each with its name in
/// words (`(key, name)`): the form's layout, then the documents the kind carries.
fn field_choices(page: &Page, kind: &str) -> Vec<(String, Vec<(String, String)>)> {
    let named = |paths: &[&str]| {
        paths
            .iter()
            .map(|p| (p.to_string(), page.field_label(p)))
            .collect()
    };
    let mut out: Vec<(String, Vec<(String, String)>)> = sections::field_paths(kind)
        .into_iter()
        .map(|(title, paths)| (page.t(title), named(&paths)))
        .collect();
    let documents: &[&str] = match kind {
        "enterprise_verification" => &[
            "documents.business_license",
            "documents.authorization_letter",
        ],
        "reverification" => &["documents.business_license"],
        _ => &[],
    };
    if !documents.is_empty() {
        out.push((page.t("console.documents"), named(documents)));
    }
    out
}

async fn reasons_page(
    state: &AppState,
    page: Page,
    admin: &AccountView,
    form: FormState,
) -> Result<ReasonsPage, PageError> {
    page.or_error_page(reasons::require_keeper(admin))?;
    let all = page.or_error_page(reasons::list(&state.ctx, admin, None, true).await)?;
    let kinds = ReviewKind::ALL
        .iter()
        .map(|k| {
            let of_kind = all.iter().filter(|r| r.kind == k.as_str()).cloned();
            (k.as_str(), of_kind.collect())
        })
        .collect();
    Ok(ReasonsPage { page, kinds, form })
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
) -> Result<Response, PageError> {
    let shown = reasons_page(&state, page, &operator, FormState::default()).await?;
    Ok(render(StatusCode::OK, &shown))
}

/// One form for every change: `action` (`add`, `save`, `retire`, `restore`), `code`, `kind`
/// (adding only), `field`, `text_zh`, `text_en`.
pub async fn change(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    CheckedForm(data): CheckedForm,
) -> Response {
    let form = FormState::from_form(&data);
    let code = forms::first(&data, "code").unwrap_or("").trim().to_string();
    let text = Some(ReasonTextForm {
        zh_cn: forms::opt(&data, "text_zh"),
        en: forms::opt(&data, "text_en"),
    });
    let field = Some(forms::first(&data, "field").unwrap_or("").to_string());
    let ctx = &state.ctx;
    let result = match forms::first(&data, "action") {
        Some("add") => {
            let new = NewReasonForm {
                code: Some(code),
                kind: forms::opt(&data, "kind"),
                field: field.filter(|f| !f.trim().is_empty()),
                text,
            };
            reasons::add(ctx, &operator, &new).await.map(|_| ())
        }
        Some("save") => {
            let change = ReasonChangeForm {
                field,
                text,
                retired: None,
            };
            reasons::change(ctx, &operator, &code, &change)
                .await
                .map(|_| ())
        }
        Some(verb @ ("retire" | "restore")) => {
            let change = ReasonChangeForm {
                retired: Some(verb == "retire"),
                ..ReasonChangeForm::default()
            };
            reasons::change(ctx, &operator, &code, &change)
                .await
                .map(|_| ())
        }
        _ => Err(Error::field("action", "not_allowed")),
    };
    match result {
        Ok(()) => see_other("/console/reasons?notice=saved"),
        Err(e) => {
            // The API's names (`text.zh-CN`) are the form's `text_zh` / `text_en`.
            let e = match e {
                Error::Validation(errors) => Error::Validation(
                    errors
                        .into_iter()
                        .map(|mut f| {
                            f.field = match f.field.as_str() {
                                "text.zh-CN" => "text_zh".into(),
                                "text.en" => "text_en".into(),
                                other => other.to_string(),
                            };
                            f
                        })
                        .collect(),
                ),
                other => other,
            };
            page.refused(form, e, async |page, form| {
                reasons_page(&state, page, &operator, form).await
            })
            .await
        }
    }
}
