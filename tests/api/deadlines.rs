//! Review deadlines the applicant can see (issue 14, item 3): the expected date and the place in
//! line move as the queue ahead is decided, holidays an admin enters push dates on, overdue
//! items are listed and counted on `/metrics`, and the move-in page says it all in words.

use berth::domain::calendar::parse_day;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const CALENDAR: &str = "/api/v1/review/calendar";
const HOLIDAYS: &str = "/api/v1/review/calendar/holidays";
const OVERDUE_METRIC: &str = "berth_review_overdue{kind=\"enterprise_verification\"}";

/// The enterprise step of `token`'s move-in: (expected_by, queue_position).
async fn wait_of(app: &TestApp, token: &str) -> (String, i64) {
    let a = app.move_in(token).await;
    a.assert_status(StatusCode::OK);
    let step = a.body["steps"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| s["key"] == "enterprise_verification")
                .cloned()
        })
        .expect("step");
    assert_eq!(step["status"], "in_review", "{step:?}");
    (
        step["expected_by"]
            .as_str()
            .expect("expected_by")
            .to_string(),
        step["queue_position"].as_i64().expect("queue_position"),
    )
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_expected_date_and_place_in_line_move_as_the_queue_ahead_is_decided() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let admin = app
        .staff("admin@berth.test", crate::helpers::ALL_STAFF)
        .await;
    let (_, first) = app
        .with_submitted_provider("first@example.com", "深圳第一科技有限公司", &uscc(51))
        .await;
    let (_, second) = app
        .with_submitted_provider("second@example.com", "深圳第二科技有限公司", &uscc(52))
        .await;
    let (third, third_item) = app
        .with_submitted_provider("third@example.com", "深圳第三科技有限公司", &uscc(53))
        .await;

    let (at_three, pos) = wait_of(&app, &third.token).await;
    assert_eq!(pos, 3);
    let day = parse_day(&at_three).expect("a date");
    assert!(
        !matches!(
            day.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ),
        "a working day: {at_three}"
    );
    // The queue shows the due date; nothing is overdue yet.
    let row = app.review_queue(&op, "kind=enterprise_verification").await;
    assert!(row.body["items"][0]["due_on"].is_string(), "{:?}", row.body);
    assert_eq!(row.body["items"][0]["overdue"], false);
    assert!(ids(&app.review_queue(&op, "view=overdue").await.body).is_empty());
    assert_eq!(app.metric(OVERDUE_METRIC).await, 0.0);

    // The first in line is decided: third moves up, and is expected sooner.
    app.approve(&op, &first).await;
    let (at_two, pos) = wait_of(&app, &third.token).await;
    assert_eq!(pos, 2);
    assert!(at_two < at_three, "{at_two} before {at_three}");
    app.reject(
        &op,
        &second,
        json!([{"field": "company_name", "message": "与执照不符"}]),
    )
    .await;
    let (at_one, pos) = wait_of(&app, &third.token).await;
    assert_eq!(pos, 1);
    assert!(at_one <= at_two, "{at_one} not after {at_two}");

    // A holiday on the expected date pushes it to the next working day; removing it undoes that.
    let a = app
        .post_as(&admin, HOLIDAYS, json!({"day": at_one, "name": "测试假日"}))
        .await;
    a.assert_status(StatusCode::CREATED);
    let (moved, _) = wait_of(&app, &third.token).await;
    assert!(moved > at_one, "{moved} after the holiday {at_one}");
    let cal = app.get_as(&op, CALENDAR).await;
    cal.assert_status(StatusCode::OK);
    assert_eq!(
        cal.body["holidays"],
        json!([{"day": at_one, "name": "测试假日"}])
    );
    assert_eq!(
        cal.body["targets"][0],
        json!({"kind": "enterprise_verification", "working_days": 1})
    );
    let a = app
        .send(
            reqwest::Method::DELETE,
            &format!("{HOLIDAYS}/{at_one}"),
            Some(&admin),
            None,
        )
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    assert_eq!(wait_of(&app, &third.token).await.0, at_one);

    // Ten days on, the last item is overdue: listed, flagged and counted.
    app.state.ctx.clock.advance(10 * 24 * 3_600_000);
    let overdue = app.review_queue(&op, "view=overdue").await;
    overdue.assert_status(StatusCode::OK);
    assert_eq!(
        ids(&overdue.body),
        vec![third_item["id"].as_str().expect("id")]
    );
    assert_eq!(overdue.body["items"][0]["overdue"], true);
    let by_kind = app.review_queue(&op, "view=overdue&kind=product").await;
    assert!(ids(&by_kind.body).is_empty());
    assert_eq!(app.metric(OVERDUE_METRIC).await, 1.0);
}

#[tokio::test]
async fn only_admins_enter_holidays_and_bad_days_are_named() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let admin = app
        .staff("admin@berth.test", crate::helpers::ALL_STAFF)
        .await;
    let good = json!({"day": "2026-10-01", "name": "国庆节"});
    app.post_as(&op, HOLIDAYS, good.clone())
        .await
        .assert_status(StatusCode::FORBIDDEN);
    for (body, field, code) in [
        (json!({"name": "x"}), "day", "required"),
        (
            json!({"day": "2026-02-30", "name": "x"}),
            "day",
            "invalid_date",
        ),
        (json!({"day": "1 Oct", "name": "x"}), "day", "invalid_date"),
        (json!({"day": "2026-10-01"}), "name", "required"),
        (
            json!({"day": "2026-10-01", "name": "长".repeat(101)}),
            "name",
            "too_long",
        ),
    ] {
        let a = app.post_as(&admin, HOLIDAYS, body.clone()).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![(field.to_string(), code.to_string())],
            "{body}"
        );
    }
    app.post_as(&admin, HOLIDAYS, good.clone())
        .await
        .assert_status(StatusCode::CREATED);
    // Entered again with another name: renamed, still one day.
    app.post_as(
        &admin,
        HOLIDAYS,
        json!({"day": "2026-10-01", "name": "National Day"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let cal = app.get_as(&op, CALENDAR).await;
    assert_eq!(
        cal.body["holidays"],
        json!([{"day": "2026-10-01", "name": "National Day"}])
    );
    let path = format!("{HOLIDAYS}/2026-10-01");
    for (who, status) in [
        (&op, StatusCode::FORBIDDEN),
        (&admin, StatusCode::NO_CONTENT),
        (&admin, StatusCode::NOT_FOUND),
    ] {
        app.send(reqwest::Method::DELETE, &path, Some(who), None)
            .await
            .assert_status(status);
    }
}

#[tokio::test]
async fn the_move_in_page_says_when_a_decision_is_expected_and_the_place_in_line() {
    let app = spawn_app().await;
    let _ = app
        .with_submitted_provider("ahead@example.com", "深圳前面科技有限公司", &uscc(54))
        .await;
    let (me, _) = app
        .with_submitted_provider("me@example.com", "深圳后面科技有限公司", &uscc(55))
        .await;
    let (expected, _) = wait_of(&app, &me.token).await;
    let day = parse_day(&expected).expect("date");
    for (lang, sentence) in [
        ("en", "Decision expected by {date} · 2nd in line<"),
        ("zh-CN", "预计 {date} 前完成审核 · 排第 2 位<"),
    ] {
        let a = app
            .raw(
                app.client
                    .get(app.url("/move-in"))
                    .header("cookie", format!("berth_session={}", me.token))
                    .header("accept-language", lang),
            )
            .await;
        a.assert_status(StatusCode::OK);
        let html = a.body.as_str().unwrap_or("");
        let date =
            berth::display::Zone::long_day(day, berth::i18n::Lang::from_tag(lang).expect("lang"));
        let sentence = sentence.replace("{date}", &date);
        assert!(html.contains(&sentence), "{lang}: {sentence}");
        assert!(!html.contains(&expected), "no ISO date on the page");
    }
}

#[tokio::test]
async fn a_product_in_review_shows_its_expected_date_on_the_providers_product_page() {
    let app = spawn_app().await;
    let p = app
        .with_moved_in_provider("maker@example.com", "深圳商品科技有限公司", &uscc(56))
        .await;
    let form = json!({
        "name": "队列 IoT 平台", "category": "iot", "service_type": "saas", "delivery": "download",
        "summary": "Fleet management for IoT devices", "description": "# Features",
        "plans": [{"name": "Basic", "price_fen": 9900, "billing": "monthly"}],
        "terms": {"after_sales_scope": "Tickets, 5×8", "warranty": "99.9%"}
    });
    let a = app.create_product(&p.token, form).await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    let page = |lang: &'static str| {
        let (app, token, id) = (&app, p.token.clone(), id.clone());
        async move {
            let a = app
                .raw(
                    app.client
                        .get(app.url(&format!("/provider/products/{id}")))
                        .header("cookie", format!("berth_session={token}"))
                        .header("accept-language", lang),
                )
                .await;
            a.assert_status(StatusCode::OK);
            a.body.as_str().unwrap_or("").to_string()
        }
    };
    assert!(
        !page("en").await.contains("Decision expected by"),
        "a draft has no date"
    );
    app.submit_product(&p.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let html = page("en").await;
    assert!(
        html.contains("Decision expected by "),
        "in review: the date"
    );
    let zh = page("zh-CN").await;
    assert!(zh.contains("前完成审核"), "in Chinese too");
}
