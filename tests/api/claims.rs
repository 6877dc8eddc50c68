//! Claiming work (issue 14, item 2): one winner when reviewers claim at once, others told who
//! holds the item, claims that lapse on the test clock, the "mine" / "unclaimed" views, an
//! admin's assignment, and deciding someone else's item only by an explicit, audited take-over.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn claim_path(id: &str, action: &str) -> String {
    format!("/api/v1/review/items/{id}/{action}")
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

async fn audit_actions(app: &TestApp, token: &str, subject: &str) -> Vec<Value> {
    let a = app.audit_log(token, "limit=200").await;
    a.assert_status(StatusCode::OK);
    a.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["subject"] == subject)
        .collect()
}

#[tokio::test]
async fn reviewers_claiming_one_item_at_once_leave_exactly_one_holder_and_the_others_are_told_who()
{
    let app = spawn_app().await;
    let op1 = app.with_operator().await;
    let op2 = app
        .staff("second@berth.test", crate::helpers::OPERATOR)
        .await;
    let op3 = app
        .staff("third@berth.test", crate::helpers::OPERATOR)
        .await;
    let emails = [
        "operator@berth.test",
        "second@berth.test",
        "third@berth.test",
    ];
    let (_, item) = app
        .with_submitted_provider("claimed@example.com", "深圳认领科技有限公司", &uscc(41))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    assert_eq!(item["claimed_by"], Value::Null, "{item:?}");

    let path = claim_path(&id, "claim");
    let (a1, a2, a3) = tokio::join!(
        app.post_as(&op1, &path, json!({})),
        app.post_as(&op2, &path, json!({})),
        app.post_as(&op3, &path, json!({})),
    );
    let answers = [a1, a2, a3];
    let winners: Vec<usize> = (0..3)
        .filter(|&i| answers[i].status == StatusCode::OK)
        .collect();
    assert_eq!(winners.len(), 1, "{:?}", answers.map(|a| a.status));
    let w = winners[0];
    assert_eq!(answers[w].body["claimed_by"], emails[w]);
    assert!(answers[w].body["claimed_until"].is_string());
    for (i, a) in answers.iter().enumerate().filter(|(i, _)| *i != w) {
        assert_eq!(a.status, StatusCode::CONFLICT, "{i}: {:?}", a.body);
        assert_eq!(a.code(), "already_claimed");
        assert_eq!(a.body["error"]["claimed_by"], emails[w], "{:?}", a.body);
    }

    // The queue says who holds it, by address, to everyone; "mine" is the holder's only.
    let tokens = [&op1, &op2, &op3];
    let listed = app
        .review_queue(tokens[(w + 1) % 3], "status=pending")
        .await;
    let row = listed.body["items"]
        .as_array()
        .and_then(|i| i.iter().find(|r| r["id"] == id.as_str()).cloned())
        .expect("listed");
    assert_eq!(row["claimed_by"], emails[w]);
    let mine = app.review_queue(tokens[w], "view=mine").await;
    mine.assert_status(StatusCode::OK);
    assert_eq!(ids(&mine.body), vec![id.clone()]);
    let theirs = app.review_queue(tokens[(w + 1) % 3], "view=mine").await;
    assert!(ids(&theirs.body).is_empty(), "{:?}", theirs.body);
    let unclaimed = app.review_queue(tokens[w], "view=unclaimed").await;
    assert!(!ids(&unclaimed.body).contains(&id));
    let bad = app.review_queue(tokens[w], "view=everything").await;
    bad.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.field_names(), vec!["view"]);

    // Another may not let go of it for the holder.
    let other = tokens[(w + 1) % 3];
    let a = app
        .post_as(other, &claim_path(&id, "release"), json!({}))
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "already_claimed");

    // Deciding it without a take-over is refused and names the holder; nothing is decided.
    let approve = json!({"decision": "approve", "version": item["version"]});
    let a = app
        .post_as(other, &path::decision(&id), approve.clone())
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "claimed_by_other");
    assert_eq!(a.body["error"]["claimed_by"], emails[w]);
    let still = app.review_item(other, &id).await;
    assert_eq!(still.body["status"], "pending");

    // With a take-over it is decided, the claim is gone, and the audit log names who held it.
    let mut take = approve.clone();
    take["take_over"] = json!(true);
    let a = app.post_as(other, &path::decision(&id), take).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "approved");
    assert_eq!(a.body["claimed_by"], Value::Null);
    let events = audit_actions(&app, &op1, &id).await;
    let taken: Vec<&Value> = events
        .iter()
        .filter(|e| e["action"] == "review.taken_over")
        .collect();
    assert_eq!(taken.len(), 1, "{events:?}");
    let mine = app.review_queue(tokens[w], "view=mine").await;
    assert!(ids(&mine.body).is_empty(), "a decided item is nobody's");
    // A decided item cannot be claimed.
    let a = app.post_as(tokens[w], &path, json!({})).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "stale_version");
}

#[tokio::test]
async fn a_claim_lapses_after_the_configured_minutes_and_an_admin_assigns_by_address() {
    let app = spawn_app_with(|c| c.review.claim_minutes = 20).await;
    let op1 = app.with_operator().await;
    let op2 = app
        .staff("second@berth.test", crate::helpers::OPERATOR)
        .await;
    let admin = app
        .staff("admin@berth.test", crate::helpers::ALL_STAFF)
        .await;
    let (_, item) = app
        .with_submitted_provider("lapse@example.com", "深圳时效科技有限公司", &uscc(42))
        .await;
    let id = item["id"].as_str().expect("id").to_string();

    app.post_as(&op1, &claim_path(&id, "claim"), json!({}))
        .await
        .assert_status(StatusCode::OK);
    // Nineteen minutes on, op1 still holds it; the holder may claim again (extending it).
    app.state.ctx.clock.advance(19 * 60_000);
    let a = app
        .post_as(&op2, &claim_path(&id, "claim"), json!({}))
        .await;
    assert_eq!(a.code(), "already_claimed");
    // Twenty minutes after the claim, it has lapsed: unclaimed again, and anyone may claim it.
    app.state.ctx.clock.advance(60_000);
    let unclaimed = app.review_queue(&op2, "view=unclaimed").await;
    assert!(ids(&unclaimed.body).contains(&id), "{:?}", unclaimed.body);
    let mine = app.review_queue(&op1, "view=mine").await;
    assert!(ids(&mine.body).is_empty(), "a lapsed claim is nobody's");
    let a = app
        .post_as(&op2, &claim_path(&id, "claim"), json!({}))
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["claimed_by"], "second@berth.test");

    // An operator may not assign; an admin assigns to a reviewer named by address.
    let to_op1 = json!({"reviewer": "operator@berth.test"});
    app.post_as(&op2, &claim_path(&id, "assign"), to_op1.clone())
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Finance decides settlement changes only: it neither claims nor is given a verification.
    let finance = app
        .staff(
            "finance@berth.test",
            &[berth::domain::account::Role::Finance],
        )
        .await;
    let a = app
        .post_as(&finance, &claim_path(&id, "claim"), json!({}))
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");
    for (body, code) in [
        (json!({}), "required"),
        (json!({"reviewer": "finance@berth.test"}), "not_a_reviewer"),
        (json!({"reviewer": "nobody@berth.test"}), "not_a_reviewer"),
        (json!({"reviewer": "lapse@example.com"}), "not_a_reviewer"),
    ] {
        let a = app.post_as(&admin, &claim_path(&id, "assign"), body).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.fields(), vec![("reviewer".to_string(), code.to_string())]);
    }
    let a = app
        .post_as(&admin, &claim_path(&id, "assign"), to_op1)
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["claimed_by"], "operator@berth.test");
    let events = audit_actions(&app, &admin, &id).await;
    let assigned = events
        .iter()
        .find(|e| e["action"] == "review.assigned")
        .expect("assignment audited");
    assert!(
        assigned.to_string().contains("second@berth.test"),
        "{assigned}"
    );

    // The holder lets go: nobody holds it.
    let a = app
        .post_as(&op1, &claim_path(&id, "release"), json!({}))
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body, json!({"claimed_by": null, "claimed_until": null}));
    let unclaimed = app.review_queue(&op2, "view=unclaimed").await;
    assert!(ids(&unclaimed.body).contains(&id));
    // Letting go of what nobody holds changes nothing and records nothing.
    let released = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["action"] == "review.released")
            .count()
    };
    let before = released(&audit_actions(&app, &admin, &id).await);
    assert_eq!(before, 1);
    app.post_as(&op2, &claim_path(&id, "release"), json!({}))
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(released(&audit_actions(&app, &admin, &id).await), before);
    // Unknown items are 404.
    app.post_as(&op1, &claim_path("nope", "claim"), json!({}))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // A provider cannot claim.
    let p = app.provider("someone@example.com").await;
    app.post_as(&p, &claim_path(&id, "claim"), json!({}))
        .await
        .assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_reviewer_claims_from_the_queue_page_and_finds_it_under_mine() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let (_, item) = app
        .with_submitted_provider("page@example.com", "深圳页面科技有限公司", &uscc(43))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    let cookie = format!("berth_session={op}");
    let get = |path: String| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.raw(
                app.client
                    .get(app.url(&path))
                    .header("cookie", cookie)
                    .header("accept-language", "en"),
            )
            .await
        }
    };
    let page = get("/console".into()).await;
    page.assert_status(StatusCode::OK);
    let html = page.body.as_str().unwrap_or("").to_string();
    let action = format!("/console/items/{id}/claims/claim");
    assert!(html.contains(&action), "a claim button on the row");
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("csrf token")
        .to_string();
    let a = app
        .raw(
            app.client
                .post(app.url(&action))
                .header("cookie", &cookie)
                .form(&[("csrf_token", csrf.as_str()), ("back", "queue")]),
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
    let mine = get("/console?view=mine".into()).await;
    assert!(
        mine.body
            .as_str()
            .unwrap_or("")
            .contains(&format!("data-item=\"{id}\"")),
        "listed under mine"
    );
    assert!(
        mine.body.as_str().unwrap_or("").contains(">You<"),
        "held by the viewer, in words"
    );
    assert!(
        !mine.body.as_str().unwrap_or("").contains(&op),
        "no token on the page"
    );
    let item_page = get(format!("/console/items/{id}")).await;
    assert!(item_page
        .body
        .as_str()
        .unwrap_or("")
        .contains("You hold this item until"));
}

#[tokio::test]
async fn the_queue_lists_a_name_with_quotes_and_backslashes_as_written_in_the_api_and_the_page() {
    let app = spawn_app().await;
    let op = app.with_operator().await;
    let (_, item) = app
        .with_submitted_provider("quotes@example.com", "深圳引号科技有限公司", &uscc(45))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    // A page of the queue is read as one JSON value built by the database: a name with every
    // character JSON escapes must come out as it went in (the form allows fewer, an import
    // might not).
    let name = "深圳\"引号\"\\科技\t<b>&'有限公司 😀 \u{1}";
    let db = app.db().await;
    sqlx::query("UPDATE review_items SET company_name = $1 WHERE id = $2")
        .bind(name)
        .bind(&id)
        .execute(&db)
        .await
        .expect("rename");
    app.post_as(&op, &claim_path(&id, "claim"), json!({}))
        .await
        .assert_status(StatusCode::OK);
    let detail = app.review_item(&op, &id).await;
    for query in [
        "status=pending",
        "view=mine",
        "kind=enterprise_verification",
    ] {
        let page = app.review_queue(&op, query).await;
        page.assert_status(StatusCode::OK);
        let row = &page.body["items"][0];
        assert_eq!(row["subject"]["company_name"], name, "{query}");
        assert_eq!(row["claimed_by"], "operator@berth.test", "{query}");
        for field in [
            "id",
            "kind",
            "subject",
            "status",
            "version",
            "submitted_at",
            "claimed_by",
            "claimed_until",
            "due_on",
            "overdue",
            "appeal",
        ] {
            assert_eq!(row[field], detail.body[field], "{query}: {field}");
        }
    }
    let unclaimed = app.review_queue(&op, "view=unclaimed").await;
    assert_eq!(unclaimed.body, json!({"items": [], "next_cursor": null}));
    let html = app
        .raw(
            app.client
                .get(app.url("/console"))
                .header("cookie", format!("berth_session={op}"))
                .header("accept-language", "en"),
        )
        .await;
    html.assert_status(StatusCode::OK);
    let html = html.body.as_str().unwrap_or("");
    assert!(
        html.contains("&#60;b&#62;&#38;&#39;"),
        "the name escaped once"
    );
    assert!(!html.contains("<b>&"), "never as markup");
}
