//! The event feed (`GET /api/v1/events`): a journey told in commit order, each provider's own
//! events for the provider, the cursor and the type filter, refusals naming the field, and no
//! secret in any event.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, uscc, Answer, TestApp, ACCOUNT_NUMBER, ID_NUMBER};

pub async fn feed(app: &TestApp, token: &str, query: &str) -> Answer {
    let path = if query.is_empty() {
        "/api/v1/events".to_string()
    } else {
        format!("/api/v1/events?{query}")
    };
    app.get_as(token, &path).await
}

/// Every event the token may read, oldest first, following the cursor.
pub async fn all_events(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let q = if query.is_empty() {
            format!("after={after}&limit=200")
        } else {
            format!("{query}&after={after}&limit=200")
        };
        let a = feed(app, token, &q).await;
        a.assert_status(StatusCode::OK);
        let items = a.body["items"].as_array().expect("items").clone();
        out.extend(items.iter().cloned());
        match a.body["next_cursor"].as_str() {
            Some(c) => after = c.parse().expect("cursor"),
            None => break,
        }
    }
    out
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().expect("type"))
        .collect()
}

fn position(events: &[Value], kind: &str) -> usize {
    types(events)
        .iter()
        .position(|t| *t == kind)
        .unwrap_or_else(|| panic!("no {kind} in {:?}", types(events)))
}

#[tokio::test]
async fn a_providers_journey_is_told_in_the_feed_in_commit_order() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let p = app
        .with_moved_in_provider("feed@example.com", "深圳市云帆科技有限公司", &uscc(901))
        .await;
    let events: Vec<Value> = all_events(&app, &operator, "")
        .await
        .into_iter()
        .filter(|e| e["provider_id"] == json!(p.id) || e["data"]["account_id"] == json!(p.id))
        .collect();
    let order = [
        "account.activated",
        "enterprise_verification.submitted",
        "enterprise_verification.approved",
        "micro_deposit.confirmed",
        "agreement.accepted",
        "partner_application.submitted",
        "partner_application.approved",
        "provider.customer_service_updated",
        "provider.moved_in",
    ];
    let at: Vec<usize> = order.iter().map(|t| position(&events, t)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{:?}", types(&events));
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    let moved = &events[position(&events, "provider.moved_in")];
    assert_eq!(moved["provider_id"], json!(p.id));
    assert_eq!(moved["data"]["company_name"], "深圳市云帆科技有限公司");
    assert!(moved["at"].as_str().expect("at").ends_with('Z'));

    // Saving the customer-service details again is an event; moving in happened once.
    app.save_customer_service(&p.token, crate::helpers::customer_service_form())
        .await
        .assert_status(StatusCode::OK);
    let again = all_events(
        &app,
        &operator,
        "types=provider.moved_in,provider.customer_service_updated",
    )
    .await;
    let mine: Vec<&Value> = again
        .iter()
        .filter(|e| e["provider_id"] == json!(p.id))
        .collect();
    assert_eq!(
        mine.iter()
            .filter(|e| e["type"] == "provider.moved_in")
            .count(),
        1
    );
    assert_eq!(
        mine.iter()
            .filter(|e| e["type"] == "provider.customer_service_updated")
            .count(),
        2
    );
    assert!(again.iter().all(|e| {
        e["type"] == "provider.moved_in" || e["type"] == "provider.customer_service_updated"
    }));
}

#[tokio::test]
async fn a_provider_reads_only_its_own_events_and_the_cursor_pages_through_them() {
    let app = spawn_app().await;
    let a = app
        .with_moved_in_provider("own-a@example.com", "甲公司科技有限公司", &uscc(902))
        .await;
    let b = app
        .with_moved_in_provider("own-b@example.com", "乙公司科技有限公司", &uscc(903))
        .await;
    let mine = all_events(&app, &a.token, "").await;
    assert!(!mine.is_empty());
    assert!(
        mine.iter().all(|e| e["provider_id"] == json!(a.id)),
        "{mine:?}"
    );
    assert!(types(&mine).contains(&"provider.moved_in"));
    let theirs = all_events(&app, &b.token, "").await;
    assert!(theirs.iter().all(|e| e["provider_id"] == json!(b.id)));

    // Two at a time, then from the last seq seen: the same events, none twice.
    let first = feed(&app, &a.token, "limit=2").await;
    first.assert_status(StatusCode::OK);
    assert_eq!(first.body["items"].as_array().expect("items").len(), 2);
    let cursor = first.body["next_cursor"]
        .as_str()
        .expect("more")
        .to_string();
    let rest = feed(&app, &a.token, &format!("after={cursor}&limit=200")).await;
    let mut paged: Vec<Value> = first.body["items"].as_array().expect("items").clone();
    paged.extend(
        rest.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .cloned(),
    );
    assert_eq!(paged, mine);
    let by_cursor = feed(&app, &a.token, &format!("cursor={cursor}&limit=200")).await;
    assert_eq!(by_cursor.body["items"], rest.body["items"]);

    let only = all_events(&app, &a.token, "types=provider.moved_in").await;
    assert_eq!(types(&only), vec!["provider.moved_in"]);
}

#[tokio::test]
async fn a_bad_query_is_refused_naming_the_parameter() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    for (query, field, code) in [
        ("after=-1", "after", "not_negative"),
        ("after=abc", "after", "invalid_type"),
        (
            "types=product.listed,bogus.type",
            "types",
            "unknown_event_type",
        ),
        ("types=*", "types", "unknown_event_type"),
        ("limit=0", "limit", "out_of_range"),
        ("limit=201", "limit", "out_of_range"),
        ("cursor=x1", "cursor", "invalid_type"),
        ("colour=blue", "colour", "unknown_field"),
    ] {
        let a = feed(&app, &operator, query).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.code(), "validation_failed", "{query}");
        assert_eq!(
            a.fields(),
            vec![(field.to_string(), code.to_string())],
            "{query}: {:?}",
            a.body
        );
        assert!(
            a.body["error"]["fields"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty() && !m.contains("field.")),
            "{query}"
        );
    }
    app.get("/api/v1/events")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn no_event_carries_an_id_number_an_account_number_or_a_code() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let p = app
        .with_moved_in_provider("secret@example.com", "保密科技有限公司", &uscc(904))
        .await;
    // A settlement change of a live provider, and a consultation, for good measure.
    let changed = "6222020200998877665";
    app.save_settlement(
        &p.token,
        crate::helpers::settlement_form(&p.company, changed),
    )
    .await
    .assert_status(StatusCode::OK);
    app.consult(
        json!({"topic": "provider_cooperation", "name": "王五", "email": "wang@example.com",
                       "mobile": "13900139000", "message": "合作咨询"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let events = all_events(&app, &operator, "").await;
    assert!(types(&events).contains(&"settlement_change.requested"));
    assert!(types(&events).contains(&"consultation.created"));
    let text = serde_json::to_string(&events).expect("json");
    for secret in [
        ID_NUMBER,
        ACCOUNT_NUMBER,
        changed,
        "13900139000",
        "wang@example.com",
    ] {
        assert!(!text.contains(secret), "{secret} in an event");
    }
    // Nor the last digits of an account, nor anything named like a secret.
    for key in [
        "password",
        "code\"",
        "id_number",
        "account_number",
        "last4",
        "secret",
    ] {
        assert!(!text.contains(key), "{key} in an event: {text}");
    }
}

/// Events older than `events.retention_days` leave the feed through the daily job, which
/// `berth jobs run events-retention` runs by hand; newer ones stay.
#[tokio::test]
async fn events_past_their_retention_are_deleted_by_the_job() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let p = app
        .with_moved_in_provider("old@example.com", "旧事科技有限公司", &uscc(905))
        .await;
    let before = all_events(&app, &operator, "").await;
    assert!(before.len() > 3);
    // The first three events happened 31 days ago.
    let db = app.db().await;
    for e in &before[..3] {
        sqlx::query("UPDATE events SET at = at - $1 WHERE id = $2")
            .bind(31_i64 * 86_400_000)
            .bind(e["id"].as_str().expect("id"))
            .execute(&db)
            .await
            .expect("age the event");
    }
    let out = run_retention(&app);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("3 event(s)"),
        "{out:?}"
    );
    let after = all_events(&app, &operator, "").await;
    assert_eq!(after, before[3..].to_vec());
    assert!(types(&all_events(&app, &p.token, "").await).contains(&"provider.moved_in"));
}

/// A machine reads the feed with an API token that has `events:read`; a token without it is
/// refused (403 `insufficient_scope`), and webhooks need `webhooks:write`.
#[tokio::test]
async fn an_api_token_reads_the_feed_only_with_its_scope() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    app.consult(
        json!({"topic": "provider_cooperation", "name": "王五", "email": "w@example.com",
                       "message": "合作咨询"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let token = |scopes: Value| {
        let app = &app;
        let operator = operator.clone();
        async move {
            let a = app
                .post_as(
                    &operator,
                    "/api/v1/tokens",
                    json!({"name": "feed", "scopes": scopes}),
                )
                .await;
            a.assert_status(StatusCode::CREATED);
            a.body["token"].as_str().expect("token").to_string()
        }
    };
    let reader = token(json!(["events:read"])).await;
    let other = token(json!(["providers:read"])).await;
    let a = feed(&app, &reader, "types=consultation.created").await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["items"][0]["type"], "consultation.created");
    let a = feed(&app, &other, "").await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "insufficient_scope");
    let a = app.get_as(&reader, "/api/v1/webhooks").await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "insufficient_scope");
    let writer = token(json!(["webhooks:write"])).await;
    app.get_as(&writer, "/api/v1/webhooks")
        .await
        .assert_status(StatusCode::OK);
}

/// Runs the retention job by hand, as an operator would (`berth jobs run events-retention`).
pub fn run_retention(app: &TestApp) -> std::process::Output {
    let out = crate::helpers::berth_bin()
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .arg("--database-url")
        .arg(&app.database_url)
        .args(["jobs", "run", "events-retention"])
        .output()
        .expect("berth jobs run");
    assert!(out.status.success(), "{out:?}");
    out
}

/// The lifecycle's event types (issue 15): agreements, deposits, re-verification, documents,
/// closure and erasure.
const LIFECYCLE: [&str; 13] = [
    "agreement.published",
    "deposit.payment_recorded",
    "deposit.deducted",
    "deposit.short",
    "provider.listings_held",
    "provider.listings_restored",
    "reverification.submitted",
    "reverification.approved",
    "reverification.rejected",
    "document.expiring",
    "document.expired",
    "account.closure_requested",
    "account.erased",
];

/// A provider's life after move-in — a new agreement, its deposit paid, deducted, short, held
/// and restored, renewed documents returned then approved, a reminder, its closure and erasure —
/// reaches a webhook subscribed to those types, each event in the transaction of its change,
/// and none carries a person's data, a reason, a bank reference or a document's day.
#[tokio::test]
async fn the_lifecycle_reaches_a_subscribed_webhook_without_personal_data() {
    use crate::deposits::{deposit_path, pay, provider_owing, set_iot_deposit};
    use crate::expiry::{day_after, reverify};
    use crate::webhooks::{app_for_webhooks, register, signed_by, types_of, Receiver};
    use berth::domain::account::Role;
    const DAY_MS: i64 = 24 * 3_600_000;

    let app = app_for_webhooks().await;
    let op = app.operator().await;
    let admin = app.staff("admin-life@example.com", &[Role::Admin]).await;
    let receiver = Receiver::start(0).await;
    let (_, secret) = register(&app, &op, &receiver.url, json!(LIFECYCLE)).await;

    // A new agreement version (marketplace-wide: no provider).
    let effective = day_after(&app, 30);
    let version = json!({
        "version": "2027-01", "effective_at": effective,
        "summary": "第 5 条改了。Section 5 changed.",
        "text_markdown": {"zh-CN": "# 协议\n\n新版。", "en": "# Agreement\n\nNew."}
    });
    app.post_as(&admin, "/api/v1/review/agreements", version)
        .await
        .assert_status(StatusCode::CREATED);

    // The deposit: paid, deducted below the requirement, held after the grace period, topped up.
    set_iot_deposit(&app, &admin, 500_000).await;
    let email = "life-events@example.com";
    let (token, id) = provider_owing(&app, &op, email, 940).await;
    pay(&app, &op, &id, 500_000, "ICBC-7781").await;
    let reason = "Refund to buyer 王小明 13912345678";
    app.post_as(
        &op,
        &deposit_path(&id, "deductions"),
        json!({"amount_fen": 100_000, "reason": reason}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    app.state.ctx.clock.advance(7 * DAY_MS);
    let d = app.get_as(&token, "/api/v1/me/deposit").await;
    assert_eq!(d.body["listings_hidden"], true, "{:?}", d.body);
    pay(&app, &op, &id, 100_000, "ICBC-7790").await;

    // Renewed documents: returned, then approved with a licence valid 100 days; the expiry job
    // reminds 90 days ahead.
    reverify(&app, &token, &day_after(&app, 100), "long_term", true)
        .await
        .assert_status(StatusCode::CREATED);
    let item = app.pending_item(&op, "reverification", &id).await;
    app.reject(&op, &item, json!([{"field": "file", "message": "看不清"}]))
        .await;
    reverify(&app, &token, &day_after(&app, 100), "long_term", true)
        .await
        .assert_status(StatusCode::CREATED);
    let item = app.pending_item(&op, "reverification", &id).await;
    app.approve(&op, &item).await;
    app.state.ctx.clock.advance(10 * DAY_MS);
    assert_eq!(
        berth::workflows::expiry::run(&app.state.ctx)
            .await
            .expect("expiry"),
        1
    );

    // Closed, then erased after the retention period.
    app.close_account(&token)
        .await
        .assert_status(StatusCode::ACCEPTED);
    // Erasure deletes the provider's events and their deliveries: the receiver has them first.
    receiver
        .wait_for("the events before the erasure", |g| g.len() >= 13)
        .await;
    app.state.ctx.clock.advance(31 * DAY_MS);
    assert_eq!(
        berth::workflows::privacy_erasure::run(&app.state.ctx)
            .await
            .expect("erasure"),
        1
    );

    let expected = [
        "agreement.published",
        "deposit.payment_recorded",
        "deposit.deducted",
        "deposit.short",
        "provider.listings_held",
        "deposit.payment_recorded",
        "provider.listings_restored",
        "reverification.submitted",
        "reverification.rejected",
        "reverification.submitted",
        "reverification.approved",
        "document.expiring",
        "account.closure_requested",
        "account.erased",
    ];
    let got = receiver
        .wait_for("the lifecycle", |g| g.len() >= expected.len())
        .await;
    assert_eq!(types_of(&got), expected);
    for r in &got {
        assert!(signed_by(&r.signature, &secret, &r.raw), "{r:?}");
        if r.body["type"] != "agreement.published" {
            assert_eq!(r.body["provider_id"], json!(id), "{:?}", r.body);
            assert_eq!(r.body["data"]["provider_id"], json!(id), "{:?}", r.body);
        }
    }
    let data = |kind: &str| {
        got.iter()
            .find(|r| r.body["type"] == kind)
            .map(|r| r.body["data"].clone())
            .unwrap_or_default()
    };
    assert_eq!(data("agreement.published")["agreement_version"], "2027-01");
    assert_eq!(
        data("agreement.published")["effective_at"],
        json!(effective)
    );
    let deducted = data("deposit.deducted");
    assert_eq!(
        (&deducted["amount_fen"], &deducted["balance_fen"]),
        (&json!(100_000), &json!(400_000))
    );
    assert!(data("deposit.short")["top_up_by"].is_string());
    assert_eq!(data("provider.listings_restored")["balance_fen"], 500_000);
    assert_eq!(data("document.expiring")["document"], "business_license");
    assert_eq!(data("document.expiring")["days_ahead"], 90);
    assert!(data("account.closure_requested")["erase_after"].is_string());

    // No personal value, reason, reference or document day in any of them.
    let text =
        serde_json::to_string(&got.iter().map(|r| &r.body).collect::<Vec<_>>()).expect("json");
    for secret in [
        ID_NUMBER,
        ACCOUNT_NUMBER,
        email,
        "13800138000",
        "contact@example.com",
        "张三",
        "李四",
        "王小明",
        "13912345678",
        "Refund",
        "ICBC-7781",
        "ICBC-7790",
        "Section 5",
    ] {
        assert!(!text.contains(secret), "{secret} in an event: {text}");
    }
    for key in ["reason\"", "reference", "valid_until", "password", "secret"] {
        assert!(!text.contains(key), "{key} in an event: {text}");
    }
    app.stop().await;
}

/// Issue 12 (the PostgreSQL write): a save reads the provider-backend gate and writes on one
/// connection of the pool, held from the one to the other. More saves at once than the pool
/// has connections, from a moved-in provider (the one-statement write) and from one whose
/// move-in is not complete (the transaction that may complete it), all land, each with its
/// event, and the move-in is recorded once: no request waits for a connection another holds.
#[tokio::test]
async fn more_saves_at_once_than_the_pool_has_connections_all_land_each_with_its_event() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let live = app
        .with_moved_in_provider("many-a@example.com", "甲方云计算有限公司", &uscc(906))
        .await;
    let approved = app
        .with_approved_provider("many-b@example.com", "乙方云计算有限公司", &uscc(907))
        .await;
    let (from_live, from_approved) = (36, 12);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..from_live + from_approved {
        let token = if i < from_live {
            &live.token
        } else {
            &approved.token
        };
        let req = app
            .client
            .put(app.url("/api/v1/provider/customer-service"))
            .bearer_auth(token)
            .json(&crate::helpers::customer_service_form());
        set.spawn(async move { req.send().await.map(|r| r.status()) });
    }
    let answers = tokio::time::timeout(std::time::Duration::from_secs(60), set.join_all())
        .await
        .expect("every save answered within a minute");
    for status in answers {
        assert_eq!(status.expect("sent"), StatusCode::OK);
    }
    let feed = all_events(
        &app,
        &operator,
        "types=provider.moved_in,provider.customer_service_updated",
    )
    .await;
    let count = |who: &str, kind: &str| {
        feed.iter()
            .filter(|e| e["provider_id"] == json!(who) && e["type"] == kind)
            .count()
    };
    // The moved-in provider saved once on its way in.
    assert_eq!(
        count(&live.id, "provider.customer_service_updated"),
        from_live + 1
    );
    assert_eq!(count(&live.id, "provider.moved_in"), 1);
    assert_eq!(
        count(&approved.id, "provider.customer_service_updated"),
        from_approved
    );
    // Its settlement account is still missing: not moved in.
    assert_eq!(count(&approved.id, "provider.moved_in"), 0);
    let m = app.move_in(&approved.token).await;
    assert_eq!(m.body["state"], "in_progress", "{:?}", m.body);
}
