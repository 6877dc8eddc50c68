//! What every page knows (`Page`): the visitor's language, the signed-in account and session,
//! the CSRF token its forms carry, the path, and a notice to show once.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Response;

use crate::domain::account::Role;
use crate::http::auth;
use crate::http::cookies::cookie;
use crate::http::language::request_lang_for;
use crate::http::state::AppState;
use crate::http::web::csrf::{pre_session_csrf, pre_session_secret};
use crate::http::web::forms::{FormData, FormState};
use crate::i18n::{self, Lang};
use crate::workflows::accounts::AccountView;
use crate::workflows::sessions::{self, SessionStanding, SessionView};

/// Translations for templates: `{{ page.t("nav.home") }}`.
#[derive(Clone, Copy, Debug)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn get(&self, key: &str) -> String {
        i18n::t(self.0, key).to_string()
    }
}

/// What every page knows.
#[derive(Clone, Debug)]
pub struct Page {
    pub lang: Lang,
    /// The signed-in account, when its session may use the site (for staff: it passed the
    /// second factor).
    pub account: Option<AccountView>,
    /// The session, also one that can only enrol a second factor.
    pub session: Option<SessionView>,
    pub csrf: String,
    pub path: String,
    /// The path with its query, for "come back here" links (the language switch).
    pub url: String,
    pub notice: Option<String>,
    /// The zone times are shown in.
    pub zone: crate::display::Zone,
    /// The one-time token this page's forms carry (`web::once`): a form sent twice makes one
    /// thing.
    pub once: String,
    /// The id of the page's draft form, when the language switch should send it (and so save
    /// what was typed) rather than leave it behind.
    pub draft_form: Option<&'static str>,
    /// A provider agreement version the signed-in provider has still to accept (set on the
    /// provider backend's pages): the banner above every backend page.
    pub agreement_due: Option<crate::domain::agreement::AgreementDue>,
    /// The documents' terms: expiring, expired, in review or not recorded (set on the provider
    /// backend's pages from the re-verification step): the banner above every backend page.
    pub validity_banner: Option<ValidityBanner>,
    /// The category deposit is short: what is missing and by when (or that listings are hidden).
    pub deposit_banner: Option<ValidityBanner>,
}

/// The banner about the documents' terms, in words.
#[derive(Debug, Clone)]
pub struct ValidityBanner {
    /// New releases are stopped (a document has expired).
    pub warn: bool,
    pub words: String,
}

impl Page {
    /// Whether the signed-in account is an admin (the console shows admins' screens).
    pub fn is_admin(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.roles.has(crate::domain::account::Role::Admin))
    }

    /// The page of a request that reached no handler (an unknown path, a refused body): the
    /// visitor as nobody in particular.
    pub fn bare(lang: Lang, path: String) -> Page {
        Page {
            lang,
            account: None,
            session: None,
            csrf: String::new(),
            url: path.clone(),
            path,
            notice: None,
            zone: crate::display::Zone::default(),
            once: String::new(),
            draft_form: None,
            agreement_due: None,
            validity_banner: None,
            deposit_banner: None,
        }
    }

    /// The banner about the agreement still to accept: overdue, or to accept before its day.
    pub fn agreement_banner(&self) -> Option<String> {
        let due = self.agreement_due.as_ref()?;
        let day = crate::domain::calendar::parse_day(&due.effective_at)
            .map(|d| crate::display::Zone::long_day(d, self.lang))
            .unwrap_or_default();
        let key = if due.overdue {
            "agreement.banner_overdue"
        } else {
            "agreement.banner_upcoming"
        };
        Some(self.tf3(key, &[("version", &due.version), ("date", &day)]))
    }

    /// The banner of the re-verification step of `m`, if it has one: the document and its day
    /// in words with the days left, the expiry, the review under way, or the terms to add.
    pub fn set_validity_banner(&mut self, m: &crate::domain::move_in::MoveIn) {
        use crate::domain::move_in::{Phase, StepKey};
        let Some(step) = m.step(StepKey::Reverification) else {
            return;
        };
        let document = step
            .document
            .map(|d| self.t(&format!("validity.document.{d}")))
            .unwrap_or_default();
        let date = step
            .valid_until
            .as_deref()
            .and_then(crate::domain::validity::parse_day)
            .map(|d| crate::display::Zone::long_day(d, self.lang))
            .unwrap_or_default();
        let days = step.days_left.unwrap_or_default().to_string();
        let params = [
            ("document", document.as_str()),
            ("date", date.as_str()),
            ("days", days.as_str()),
        ];
        let phase = m.phase(StepKey::Reverification);
        let (warn, key) = match phase {
            Phase::InReview | Phase::ChangePending => (false, "validity.banner_pending"),
            Phase::NotStarted | Phase::Rejected => (true, "validity.banner_expired"),
            Phase::TermsMissing => (false, "validity.banner_unknown"),
            _ => (false, "validity.banner_soon"),
        };
        self.validity_banner = Some(ValidityBanner {
            warn,
            words: self.tf3(key, &params),
        });
    }

    /// A form's address with this page's one-time token (`web::once`).
    pub fn once_action(&self, action: &str) -> String {
        if self.once.is_empty() {
            return action.to_string();
        }
        let join = if action.contains('?') { '&' } else { '?' };
        format!("{action}{join}once={}", self.once)
    }

    /// A moment as people read it, in the marketplace's zone: `2026年12月2日 02:15`.
    pub fn time(&self, unix_ms: &i64) -> String {
        self.zone.time(*unix_ms, self.lang)
    }

    /// A day as people read it: `2026年12月2日`.
    pub fn date(&self, unix_ms: &i64) -> String {
        self.zone.date(*unix_ms, self.lang)
    }

    /// `是`/`否`, `Yes`/`No`.
    pub fn yes_no(&self, value: &bool) -> &'static str {
        crate::display::yes_no(*value, self.lang)
    }

    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key).to_string()
    }

    pub fn tf(&self, key: &str, name: &str, value: &str) -> String {
        i18n::tf(self.lang, key, &[(name, value)])
    }

    /// A text with several parameters.
    pub fn tf3(&self, key: &str, params: &[(&str, &str)]) -> String {
        i18n::tf(self.lang, key, params)
    }

    /// The name of a form field for the error summary: `fieldname.<field>`, else `label.<field>`,
    /// else nothing.
    pub fn field_name(&self, field: &str) -> String {
        i18n::field_name(self.lang, field).unwrap_or_default()
    }

    /// A field's name in a form's error summary: the label the form shows it with.
    pub fn summary_name(&self, form: &FormState, field: &str) -> String {
        match form.label_key(field) {
            Some(key) => self.t(key),
            None => self.field_name(field),
        }
    }

    /// What a reviewer's reason is about, for its reader: the field's name, or "other" (never a
    /// field's key).
    pub fn reason_field(&self, field: &str) -> String {
        let name = self.field_name(field);
        if name.is_empty() {
            self.t("fieldname.other")
        } else {
            name
        }
    }

    /// A field's name for people, or the field itself when the catalog has none.
    pub fn field_label(&self, field: &str) -> String {
        let name = self.field_name(field);
        if name.is_empty() {
            field.to_string()
        } else {
            name
        }
    }

    pub fn lang_tag(&self) -> &'static str {
        self.lang.tag()
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }

    pub fn signed_in(&self) -> bool {
        self.session.is_some()
    }

    /// A staff session that must enrol its second factor before anything else.
    pub fn enrolment_pending(&self) -> bool {
        self.session
            .as_ref()
            .is_some_and(|s| s.standing() == SessionStanding::EnrolmentOnly)
    }

    pub fn is_staff(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.roles.is_staff())
    }

    pub fn is_provider(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.roles.has(Role::Provider))
    }

    pub fn email(&self) -> String {
        self.session
            .as_ref()
            .map(|s| s.account.email.clone())
            .unwrap_or_default()
    }

    /// The name of a catalog entry in this page's language.
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        if self.is_en() {
            en
        } else {
            zh
        }
    }

    pub fn active(&self, prefix: &str) -> &'static str {
        if self.path == prefix || (prefix != "/" && self.path.starts_with(prefix)) {
            "active"
        } else {
            ""
        }
    }

    /// Whether a submitted form carries this page's CSRF token.
    pub fn csrf_matches(&self, form: &FormData) -> bool {
        let sent = form
            .get("csrf_token")
            .and_then(|v| v.first())
            .map(String::as_str)
            .unwrap_or("");
        !self.csrf.is_empty()
            && crate::crypto::constant_time_eq(sent.as_bytes(), self.csrf.as_bytes())
    }
}

/// The page context of a request (never fails: an anonymous visitor is a page too). Kept in the
/// request once made, so the extractors that build on it ask for the session once.
impl FromRequestParts<AppState> for Page {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        if let Some(page) = parts.extensions.get::<Page>() {
            return Ok(page.clone());
        }
        let page = page_of(parts, state).await;
        parts.extensions.insert(page.clone());
        Ok(page)
    }
}

async fn page_of(parts: &Parts, state: &AppState) -> Page {
    let session = match cookie(&parts.headers, state.cookies().session()).filter(|t| !t.is_empty())
    {
        Some(token) => sessions::authenticate(&state.ctx, token)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    // A session older than the account's second factor does not sign in.
    let session = session.filter(|s| s.standing() != SessionStanding::SecondFactorMissing);
    let lang = request_lang_for(&parts.headers, session.as_ref().map(|s| s.account.lang));
    let csrf = match &session {
        Some(s) => auth::csrf_token(&state.ctx.key, &s.token_hash),
        None => pre_session_secret(parts, state.cookies().pre_session())
            .map(|s| pre_session_csrf(&s))
            .unwrap_or_default(),
    };
    let notice = parts
        .uri
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("notice=")))
        .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|k| i18n::t(lang, &format!("notice.{k}")).to_string());
    // The notice belongs to the moment it was shown; coming back should not repeat it.
    let url = match parts.uri.query() {
        Some(q) => {
            // Nor the one-time token of a form's address (`web::once`).
            let kept: Vec<&str> = q
                .split('&')
                .filter(|p| !p.starts_with("notice=") && !p.starts_with("once="))
                .collect();
            if kept.is_empty() {
                parts.uri.path().to_string()
            } else {
                format!("{}?{}", parts.uri.path(), kept.join("&"))
            }
        }
        None => parts.uri.path().to_string(),
    };
    Page {
        lang,
        account: session
            .as_ref()
            .filter(|s| s.standing() == SessionStanding::Full)
            .map(|s| s.account.clone()),
        session,
        csrf,
        path: parts.uri.path().to_string(),
        url,
        notice,
        zone: state.ctx.zone.clone(),
        once: crate::crypto::random_token(),
        draft_form: None,
        agreement_due: None,
        validity_banner: None,
        deposit_banner: None,
    }
}
