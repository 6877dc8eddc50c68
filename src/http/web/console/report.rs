//! `/console/report`: the admins' report over a period — decisions per day and kind, time to
//! decision against the targets, rejection rates and top reasons — as charts (`report_svg.rs`)
//! with their tables, and `/console/report.csv`, the same numbers for a spreadsheet.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::review::ReviewKind;
use crate::http::state::AppState;
use crate::http::web::console::report_svg::{self, ChartWords};
use crate::http::web::errors::{failure, PageError};
use crate::http::web::extract::Staff;
use crate::http::web::forms::FormState;
use crate::http::web::page::Page;
use crate::http::web::respond::render;
use crate::workflows::report::{self, Report};
use crate::workflows::Error;

#[derive(Deserialize, Default)]
pub struct ReportParams {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Template)]
#[template(path = "pages/console_report.html")]
pub struct ReportPage {
    pub page: Page,
    pub form: FormState,
    pub report: Option<Report>,
    pub per_day_svg: String,
    pub target_svg: String,
}

impl ReportPage {
    pub fn kind_name(&self, kind: &str) -> String {
        self.page.t(&format!("kind.{kind}"))
    }

    pub fn hours(&self, h: &Option<f64>) -> String {
        h.map(|h| format!("{h:.1}")).unwrap_or_else(|| "–".into())
    }

    pub fn percent(&self, r: &Option<f64>) -> String {
        r.map(|r| format!("{:.1} %", r * 100.0))
            .unwrap_or_else(|| "–".into())
    }

    pub fn share(&self, r: &f64) -> String {
        format!("{:.1} %", r * 100.0)
    }

    pub fn kinds(&self) -> Vec<String> {
        ReviewKind::ALL
            .iter()
            .map(|k| self.kind_name(k.as_str()))
            .collect()
    }

    pub fn csv_href(&self) -> String {
        match &self.report {
            Some(r) => format!("/console/report.csv?from={}&to={}", r.from, r.to),
            None => "/console/report.csv".into(),
        }
    }
}

fn words(page: &Page, r: &Report) -> ChartWords {
    let period = [("from", r.from.as_str()), ("to", r.to.as_str())];
    ChartWords {
        per_day_title: page.t("report.per_day"),
        per_day_desc: page.tf3("report.per_day_desc", &period),
        target_title: page.t("report.within_target"),
        target_desc: page.t("report.within_target_desc"),
        kinds: ReviewKind::ALL.map(|k| page.t(&format!("kind.{}", k.as_str()))),
    }
}

pub async fn show(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Query(p): Query<ReportParams>,
) -> Result<Response, PageError> {
    page.or_error_page(crate::workflows::decision::require_action(
        &operator,
        crate::domain::account::StaffAction::ReadReport,
    ))?;
    let mut form = FormState::default();
    form.set("from", p.from.clone().unwrap_or_default());
    form.set("to", p.to.clone().unwrap_or_default());
    // A date field left empty asks for the default.
    let (from, to) = (blank_is_none(&p.from), blank_is_none(&p.to));
    let answer = report::report(&state.ctx, &operator, from, to, page.lang).await;
    let (report, status) = match answer {
        Ok(r) => {
            form.set("from", r.from.clone());
            form.set("to", r.to.clone());
            (Some(r), StatusCode::OK)
        }
        Err(Error::Validation(fields)) => {
            form.add_errors(page.lang, &fields);
            (None, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(e) => return Ok(failure(page, e)),
    };
    let (per_day_svg, target_svg) = match &report {
        Some(r) => {
            let w = words(&page, r);
            (
                report_svg::per_day(&r.days, &w),
                report_svg::within_target(&r.kinds, &w),
            )
        }
        None => (String::new(), String::new()),
    };
    Ok(render(
        status,
        &ReportPage {
            page,
            form,
            report,
            per_day_svg,
            target_svg,
        },
    ))
}

fn blank_is_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.trim().is_empty())
}

/// One CSV field: quoted when it holds a comma, quote, line break or edge space; a leading
/// `= + - @` (a spreadsheet formula) is defused with an apostrophe.
pub fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// The report as CSV in three blocks (per day, per kind, top reasons), each with its header
/// row; UTF-8 with a byte-order mark, so that Excel reads the Chinese right.
pub fn csv(page: &Page, r: &Report) -> String {
    let t = |k: &str| page.t(k);
    let opt = |x: &Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
    let mut out = String::from("\u{feff}");
    let kinds: Vec<String> = ReviewKind::ALL
        .iter()
        .map(|k| page.t(&format!("kind.{}", k.as_str())))
        .collect();
    let mut head = vec![t("report.day")];
    head.extend(kinds.iter().cloned());
    head.push(t("report.total"));
    csv_line(&mut out, &head);
    for d in &r.days {
        let mut row = vec![d.day.clone()];
        row.extend(d.counts().iter().map(i64::to_string));
        row.push(d.total.to_string());
        csv_line(&mut out, &row);
    }
    out.push_str("\r\n");
    csv_line(
        &mut out,
        &[
            t("report.kind"),
            t("report.decided"),
            t("report.approved"),
            t("report.rejected"),
            t("report.rejection_rate"),
            t("report.median_hours"),
            t("report.p90_hours"),
            t("report.target_days"),
            t("report.within_target_count"),
        ],
    );
    for (i, k) in r.kinds.iter().chain(std::iter::once(&r.total)).enumerate() {
        csv_line(
            &mut out,
            &[
                kinds
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| t("report.all_kinds")),
                k.decided.to_string(),
                k.approved.to_string(),
                k.rejected.to_string(),
                opt(&k.rejection_rate),
                opt(&k.median_hours),
                opt(&k.p90_hours),
                if k.target_working_days > 0 {
                    k.target_working_days.to_string()
                } else {
                    String::new()
                },
                k.within_target.to_string(),
            ],
        );
    }
    out.push_str("\r\n");
    csv_line(
        &mut out,
        &[
            t("report.code"),
            t("report.reason"),
            t("report.count"),
            t("report.share"),
        ],
    );
    for reason in &r.top_reasons {
        csv_line(
            &mut out,
            &[
                reason.code.clone(),
                reason.text.clone(),
                reason.count.to_string(),
                reason.share.to_string(),
            ],
        );
    }
    out
}

/// `/console/report.csv?from=&to=`.
pub async fn download(
    State(state): State<AppState>,
    Staff { page, operator }: Staff,
    Query(p): Query<ReportParams>,
) -> Response {
    let (from, to) = (blank_is_none(&p.from), blank_is_none(&p.to));
    let answer = report::report(&state.ctx, &operator, from, to, page.lang).await;
    let r = match answer {
        Ok(r) => r,
        Err(e) => return failure(page, e),
    };
    let body = csv(&page, &r);
    let mut resp = body.into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let name = format!(
        "attachment; filename=\"review-report-{}-{}.csv\"",
        r.from, r.to
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("营业执照，不清晰"), "营业执照，不清晰");
    }
}
