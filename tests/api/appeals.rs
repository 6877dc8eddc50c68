//! Appeals: an applicant answers a rejection once per decision, with a message and a document;
//! the item is back in the queue as an appeal; the reviewer decides again with a reply; both
//! sides read the thread.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::reasons::provider_speaking;

fn appeal_path(id: &str) -> String {
    format!("/api/v1/me/review-items/{id}/appeal")
}

/// Sends an appeal (`file`: the document's bytes, if any).
pub async fn appeal(
    app: &TestApp,
    token: &str,
    id: &str,
    message: &str,
    file: Option<Vec<u8>>,
) -> Answer {
    let mut form = reqwest::multipart::Form::new().text("message", message.to_string());
    if let Some(bytes) = file {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name("proof.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        form = form.part("file", part);
    }
    app.raw(
        app.client
            .post(app.url(&appeal_path(id)))
            .bearer_auth(token)
            .multipart(form),
    )
    .await
}

/// A provider speaking `lang` whose verification was returned with a library reason; its
/// review item's id.
pub async fn rejected_verification(
    app: &TestApp,
    email: &str,
    lang: &str,
    n: u32,
) -> (Provider, String) {
    let operator = app.with_operator().await;
    let p = provider_speaking(app, email, lang).await;
    app.submit_verification(&p.token, "示例科技有限公司", &uscc(n))
        .await;
    let item = app
        .pending_item(&operator, "enterprise_verification", &p.id)
        .await;
    app.reject(&operator, &item, json!([{"code": "licence_illegible"}]))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    (p, id)
}

fn entries(thread: &Value) -> Vec<String> {
    thread["thread"]
        .as_array()
        .map(|t| {
            t.iter()
                .filter_map(|e| e["type"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_applicant_appeals_once_and_the_reviewer_answers_in_the_thread() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let (p, id) = rejected_verification(&app, "appeal@appeals.test", "en", 11).await;

    // The applicant finds the item among their submissions and may appeal it.
    let ent = app.enterprise(&p.token).await;
    assert_eq!(ent.body["submissions"][0]["id"], id.as_str());
    let shown = app
        .get_as(&p.token, &format!("/api/v1/me/review-items/{id}"))
        .await;
    shown.assert_status(StatusCode::OK);
    assert_eq!(shown.body["can_appeal"], true);
    assert_eq!(shown.body["reasons"][0]["code"], "licence_illegible");
    assert!(shown.body["reasons"][0]["message"]
        .as_str()
        .is_some_and(|m| m.starts_with("The business licence photo")));

    // Someone else's item is not found.
    let other = app.provider("other@appeals.test").await;
    app.get_as(&other, &format!("/api/v1/me/review-items/{id}"))
        .await
        .assert_status(StatusCode::NOT_FOUND);
    appeal(&app, &other, &id, "mine?", None)
        .await
        .assert_status(StatusCode::NOT_FOUND);

    // The appeal: message and document; the item is back in the queue as an appeal.
    let a = appeal(
        &app,
        &p.token,
        &id,
        "The licence is legible: see page 1 in full resolution.",
        Some(pdf_with("proof")),
    )
    .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(entries(&a.body), vec!["rejected", "appeal"]);
    assert_eq!(a.body["status"], "pending");
    assert_eq!(a.body["appeal"], true);
    assert_eq!(a.body["can_appeal"], false);
    assert_eq!(
        a.body["thread"][0]["reasons"][0]["code"],
        "licence_illegible"
    );
    let doc_url = a.body["thread"][1]["attachment"]["url"]
        .as_str()
        .expect("the document")
        .to_string();
    let again = appeal(&app, &p.token, &id, "Once more", None).await;
    again.assert_status(StatusCode::CONFLICT);
    assert_eq!(again.code(), "already_appealed");
    let m = app.move_in(&p.token).await;
    assert_eq!(m.body["steps"][1]["status"], "in_review", "{:?}", m.body);

    let appeals = app.review_queue(&operator, "appeal=true").await;
    appeals.assert_status(StatusCode::OK);
    let listed: Vec<&Value> = appeals.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(listed[0]["appeal"], true);
    let firsts = app
        .review_queue(&operator, "appeal=false&status=pending")
        .await;
    assert!(!firsts.body.to_string().contains(&id));

    // The reviewer reads the thread and the document, and must answer in words.
    let detail = app.review_item(&operator, &id).await;
    assert_eq!(detail.body["appeal"], true);
    let (status, _, bytes) = {
        let r = app
            .client
            .get(app.url(&doc_url))
            .bearer_auth(&operator)
            .send()
            .await
            .expect("download");
        (r.status(), (), r.bytes().await.expect("bytes"))
    };
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes.as_ref(), pdf_with("proof").as_slice());
    let item = json!({"id": id, "version": detail.body["version"]});
    let a = app
        .decide(
            &operator,
            &item,
            json!({"decision": "approve", "version": detail.body["version"]}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["reply"]);
    let a = app
        .decide(
            &operator,
            &item,
            json!({"decision": "approve", "version": detail.body["version"],
                   "reply": "You are right, the scan is fine. Approved."}),
        )
        .await;
    a.assert_status(StatusCode::OK);

    // Both sides read the answer; the applicant is mailed it.
    let shown = app
        .get_as(&p.token, &format!("/api/v1/me/review-items/{id}"))
        .await;
    assert_eq!(entries(&shown.body), vec!["rejected", "appeal", "reply"]);
    assert_eq!(shown.body["thread"][2]["decision"], "approved");
    assert_eq!(
        shown.body["thread"][2]["message"],
        "You are right, the scan is fine. Approved."
    );
    assert_eq!(shown.body["status"], "approved");
    app.wait_for_mail_containing("appeal@appeals.test", "You are right, the scan is fine.")
        .await;
    let ent = app.enterprise(&p.token).await;
    assert_eq!(ent.body["status"], "approved", "{:?}", ent.body);
    let again = appeal(&app, &p.token, &id, "And again", None).await;
    again.assert_status(StatusCode::CONFLICT);
    assert_eq!(again.code(), "already_appealed");

    // The console's review screen shows the thread.
    let page = app
        .raw(
            app.client
                .get(app.url(&format!("/console/items/{id}")))
                .header("cookie", format!("berth_session={operator}; berth_lang=en")),
        )
        .await;
    let html = page.body.as_str().unwrap_or_default();
    assert!(
        html.contains("The licence is legible: see page 1"),
        "{html}"
    );
    assert!(html.contains("You are right, the scan is fine."));
}

#[tokio::test]
async fn an_appeal_is_refused_when_it_cannot_be_made() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;

    // Not a rejection.
    let (p, item) = app
        .with_submitted_provider("pending@appeals.test", "示例科技有限公司", &uscc(12))
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    let a = appeal(&app, &p.token, &id, "why?", None).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "not_rejected");

    // A message is needed, a document must be a PDF, JPEG or PNG.
    let (p, id) = rejected_verification(&app, "bad@appeals.test", "zh-CN", 13).await;
    let a = appeal(&app, &p.token, &id, "  ", None).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["message"]);
    let a = appeal(&app, &p.token, &id, &"长".repeat(2001), None).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let a = appeal(
        &app,
        &p.token,
        &id,
        "see file",
        Some(b"MZ not a pdf".to_vec()),
    )
    .await;
    a.assert_status(StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // Nothing of those was kept: the appeal can still be made.
    let shown = app
        .get_as(&p.token, &format!("/api/v1/me/review-items/{id}"))
        .await;
    assert_eq!(shown.body["can_appeal"], true);
    assert_eq!(shown.body["status"], "rejected");

    // Changed since the decision: submit again instead.
    let (p, id) = rejected_verification(&app, "changed@appeals.test", "zh-CN", 14).await;
    app.state.ctx.clock.advance(1000);
    let mut form = enterprise_form("示例科技有限公司", &uscc(14));
    form["registered_address"] = json!("上海市浦东新区世纪大道 1 号");
    app.save_enterprise(&p.token, form)
        .await
        .assert_status(StatusCode::OK);
    let a = appeal(&app, &p.token, &id, "please", None).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "changed_since_decision");

    // A settlement change is not appealed (its rejected bank details are not kept).
    let company = "深圳结算科技有限公司";
    let live = app
        .with_moved_in_provider("live@appeals.test", company, &uscc(15))
        .await;
    app.save_settlement(&live.token, settlement_form(company, "6214830100557661"))
        .await
        .assert_status(StatusCode::OK);
    let change = app
        .pending_item(&operator, "settlement_change", &live.id)
        .await;
    app.reject(&operator, &change, json!([{"code": "bank_proof_missing"}]))
        .await;
    let change_id = change["id"].as_str().expect("id");
    let a = appeal(&app, &live.token, change_id, "please", None).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "appeal_not_possible");
}

#[tokio::test]
async fn a_returned_product_is_appealed_and_returned_again_with_a_reply() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let live = app
        .with_moved_in_provider("maker@appeals.test", "杭州星图软件有限公司", &uscc(16))
        .await;
    let a = app
        .create_product(
            &live.token,
            crate::products::product_form("星图 IoT 平台", "iot"),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let id = a.body["id"].as_str().expect("id").to_string();
    crate::products::upload_icon(&app, &live.token, &id, crate::products::png(), "image/png")
        .await
        .assert_status(StatusCode::OK);
    app.submit_product(&live.token, &id)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&operator, "product", &live.id).await;
    app.reject(
        &operator,
        &item,
        json!([{"code": "product_description_incomplete"}]),
    )
    .await;

    // The product names its review; the appeal puts the revision back in review.
    let p = app.product(&live.token, &id).await;
    let review = p.body["review_item_id"]
        .as_str()
        .expect("review item")
        .to_string();
    assert_eq!(review, item["id"].as_str().unwrap_or_default());
    assert_eq!(
        p.body["working"]["reasons"][0]["code"],
        "product_description_incomplete"
    );
    appeal(
        &app,
        &live.token,
        &review,
        "The description covers every feature.",
        None,
    )
    .await
    .assert_status(StatusCode::CREATED);
    let p = app.product(&live.token, &id).await;
    assert_eq!(p.body["status"], "in_review");

    // Returned again, with a reply and a reason; the thread shows both decisions.
    let detail = app.review_item(&operator, &review).await;
    let a = app
        .decide(
            &operator,
            &json!({"id": review}),
            json!({"decision": "reject", "version": detail.body["version"],
                   "reasons": [{"code": "pricing_unclear"}],
                   "reply": "The plans still do not say what they include."}),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["thread"][2]["decision"], "rejected");
    let shown = app
        .get_as(&live.token, &format!("/api/v1/me/review-items/{review}"))
        .await;
    assert_eq!(entries(&shown.body), vec!["rejected", "appeal", "reply"]);
    assert_eq!(
        shown.body["thread"][0]["reasons"][0]["code"],
        "product_description_incomplete"
    );
    assert_eq!(
        shown.body["thread"][2]["reasons"][0]["code"],
        "pricing_unclear"
    );
    assert_eq!(
        shown.body["can_appeal"], false,
        "the decision on an appeal is final"
    );
    let p = app.product(&live.token, &id).await;
    assert_eq!(p.body["status"], "rejected");
}

/// The objects in the store (local folder or S3 bucket), by key.
async fn stored(app: &TestApp) -> Vec<String> {
    let mut keys: Vec<String> = app
        .state
        .ctx
        .blobs
        .list()
        .await
        .expect("list")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    keys.sort();
    keys
}

/// A refused upload leaves no file behind: an appeal's attachment was stored before the refusal
/// (`already_appealed`, `changed_since_decision`) and stayed until the daily sweep, so repeated
/// refusals filled the disk.
#[tokio::test]
async fn a_refused_appeal_leaves_no_file_behind() {
    let app = spawn_app().await;
    let (p, id) = rejected_verification(&app, "twice@appeals.test", "zh-CN", 16).await;
    appeal(&app, &p.token, &id, "first", Some(pdf_with("first")))
        .await
        .assert_status(StatusCode::CREATED);
    let before = stored(&app).await;
    for n in 0..3 {
        let a = appeal(
            &app,
            &p.token,
            &id,
            "again",
            Some(pdf_with(&format!("again {n}"))),
        )
        .await;
        a.assert_status(StatusCode::CONFLICT);
        assert_eq!(a.code(), "already_appealed");
        let message = a.body["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains("申诉"), "no message in words: {message}");
    }
    assert_eq!(
        stored(&app).await,
        before,
        "a refused appeal's file was kept"
    );

    let (p, id) = rejected_verification(&app, "changed@files.test", "zh-CN", 17).await;
    app.state.ctx.clock.advance(1000);
    let mut form = enterprise_form("示例科技有限公司", &uscc(17));
    form["registered_address"] = json!("上海市浦东新区世纪大道 1 号");
    app.save_enterprise(&p.token, form)
        .await
        .assert_status(StatusCode::OK);
    let before = stored(&app).await;
    let a = appeal(&app, &p.token, &id, "please", Some(pdf_with("changed"))).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "changed_since_decision");
    assert_eq!(
        stored(&app).await,
        before,
        "a refused appeal's file was kept"
    );
}
