//! The admins' report: numbers right for a known set of decisions (moved in time with the test
//! clock), the period checked, charts drawn as SVG beside their tables, and the CSV.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const HOUR: i64 = 3_600_000;

/// The report's period around today's decisions (the clock moves up to a day on).
fn period(app: &TestApp) -> (String, String) {
    let zone = &app.state.ctx.zone;
    let now = app.state.ctx.clock.now_ms();
    (
        zone.date_field(now - 24 * HOUR),
        zone.date_field(now + 48 * HOUR),
    )
}

fn kind<'v>(report: &'v Value, kind: &str) -> &'v Value {
    report["kinds"]
        .as_array()
        .and_then(|k| k.iter().find(|r| r["kind"] == kind))
        .expect("the kind's row")
}

#[tokio::test]
async fn the_report_counts_a_known_set_of_decisions() {
    let app = spawn_app().await;
    let admin = app
        .staff("boss@report.test", crate::helpers::ALL_STAFF)
        .await;
    let operator = app.with_operator().await;
    let (from, to) = period(&app);

    // Five verifications submitted now, decided after 1, 2, 3, 4 and 10 hours; the second and
    // the fourth returned with library reasons.
    let mut items = Vec::new();
    for n in 0..5u32 {
        let (_, item) = app
            .with_submitted_provider(
                &format!("p{n}@report.test"),
                "示例科技有限公司",
                &uscc(20 + n),
            )
            .await;
        items.push(item);
    }
    let waits = [1, 1, 1, 1, 6];
    for (n, item) in items.iter().enumerate() {
        app.state.ctx.clock.advance(waits[n] * HOUR);
        match n {
            1 => app.reject(&operator, item, json!([{"code": "licence_illegible"}])).await,
            3 => {
                app.reject(
                    &operator,
                    item,
                    json!([{"code": "licence_illegible"}, {"code": "uscc_mismatch", "message": "见第 2 页"}]),
                )
                .await
            }
            _ => app.approve(&operator, item).await,
        }
    }

    let r = app
        .get_as(
            &admin,
            &format!("/api/v1/review/report?from={from}&to={to}"),
        )
        .await;
    r.assert_status(StatusCode::OK);
    let ev = kind(&r.body, "enterprise_verification");
    assert_eq!(ev["decided"], 5, "{:?}", r.body);
    assert_eq!(ev["approved"], 3);
    assert_eq!(ev["rejected"], 2);
    assert_eq!(ev["rejection_rate"], 0.4);
    // Hours 1, 2, 3, 4, 10: the median is 3, the 90th percentile (nearest rank 5 of 5) is 10.
    assert_eq!(ev["median_hours"], 3.0);
    assert_eq!(ev["p90_hours"], 10.0);
    assert_eq!(ev["target_working_days"], 1);
    assert_eq!(ev["within_target"], 5);
    assert_eq!(kind(&r.body, "product")["decided"], 0);
    assert_eq!(kind(&r.body, "product")["rejection_rate"], Value::Null);
    assert_eq!(r.body["total"]["decided"], 5);
    let per_day: i64 = r.body["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["enterprise_verification"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(per_day, 5);
    assert_eq!(
        r.body["days"].as_array().map(Vec::len),
        Some(4),
        "every day of the period"
    );
    let top = &r.body["top_reasons"];
    assert_eq!(top[0]["code"], "licence_illegible");
    assert_eq!(top[0]["count"], 2);
    assert_eq!(top[0]["share"], 1.0);
    assert_eq!(top[1]["code"], "uscc_mismatch");
    assert_eq!(
        top[1]["text"],
        "统一社会信用代码与营业执照上的不一致，请核对后重新填写。"
    );

    // The page: charts with their words, and the tables beside them; in English here.
    let cookie = format!("berth_session={admin}; berth_lang=en");
    let page = app
        .raw(
            app.client
                .get(app.url(&format!("/console/report?from={from}&to={to}")))
                .header("cookie", &cookie),
        )
        .await;
    page.assert_status(StatusCode::OK);
    let html = page.body.as_str().unwrap_or_default();
    assert!(
        html.contains("<svg") && html.contains("<title id=\"c1t\">Decisions per day</title>"),
        "{html}"
    );
    assert!(html.contains("<desc id=\"c1d\">"));
    assert!(html.contains("id=\"kinds-table\""));
    assert!(html.contains("The business licence photo is not legible"));
    // No chart library: the one script is the site's own, as on every page.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/static/app.js\""));

    // The CSV: a byte-order mark, the reason's text quoted (it has a comma).
    let csv = app
        .raw(
            app.client
                .get(app.url(&format!("/console/report.csv?from={from}&to={to}")))
                .header("cookie", &cookie),
        )
        .await;
    csv.assert_status(StatusCode::OK);
    assert!(csv.headers["content-type"]
        .to_str()
        .unwrap_or("")
        .starts_with("text/csv"));
    assert!(csv.headers["content-disposition"]
        .to_str()
        .unwrap_or("")
        .contains("attachment"));
    let text = csv.body.as_str().unwrap_or_default();
    assert!(text.starts_with('\u{feff}'), "{text:?}");
    assert!(
        text.contains("licence_illegible,\"The business licence photo is not legible; upload a clear, complete photo.\",2,1"),
        "{text}"
    );
    assert!(
        text.contains("Enterprise verification,5,3,2,0.4,3,10,1,5"),
        "{text}"
    );
}

#[tokio::test]
async fn the_report_is_for_admins_and_checks_its_period() {
    let app = spawn_app().await;
    let admin = app
        .staff("boss@period.test", crate::helpers::ALL_STAFF)
        .await;
    let operator = app.with_operator().await;
    app.get_as(&operator, "/api/v1/review/report")
        .await
        .assert_status(StatusCode::FORBIDDEN);
    let page = app
        .raw(
            app.client
                .get(app.url("/console/report"))
                .header("cookie", format!("berth_session={operator}")),
        )
        .await;
    page.assert_status(StatusCode::FORBIDDEN);

    let r = app.get_as(&admin, "/api/v1/review/report").await;
    r.assert_status(StatusCode::OK);
    assert_eq!(
        r.body["days"].as_array().map(Vec::len),
        Some(30),
        "the last 30 days by default"
    );
    for (query, field, code) in [
        ("from=2026-12-10&to=2026-12-01", "to", "before_from"),
        ("from=2026-02-30&to=2026-03-01", "from", "invalid_date"),
        ("from=yesterday", "from", "invalid_date"),
        ("to=", "to", "invalid_date"),
        ("from=2024-01-01&to=2026-01-01", "to", "out_of_range"),
    ] {
        let a = app
            .get_as(&admin, &format!("/api/v1/review/report?{query}"))
            .await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![(field.to_string(), code.to_string())],
            "{query}"
        );
    }
    let page = app
        .raw(
            app.client
                .get(app.url("/console/report?from=2026-12-10&to=2026-12-01"))
                .header("cookie", format!("berth_session={admin}; berth_lang=en")),
        )
        .await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = page.body.as_str().unwrap_or_default();
    assert!(
        html.contains("value=\"2026-12-10\""),
        "what was typed stays"
    );
    assert!(html.contains("The end date cannot be before the start date."));
}
