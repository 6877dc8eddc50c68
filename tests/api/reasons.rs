//! The reason library: admins keep coded reasons in both languages, reviewers reject with them,
//! and each applicant reads them in their own language — in the API, on the move-in page and in
//! the mail. Free-text reasons keep working.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

/// A provider whose account speaks `lang` (as registered from a browser asking for it).
pub async fn provider_speaking(app: &TestApp, email: &str, lang: &str) -> Provider {
    let a = app
        .raw(
            app.client
                .post(app.url("/api/v1/accounts"))
                .header("accept-language", lang)
                .json(&json!({"email": email, "password": PASSWORD})),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    let code = app.code_from_mail(email, 0).await;
    app.activate(email, &code)
        .await
        .assert_status(StatusCode::OK);
    let token = app.login(email, PASSWORD).await;
    let id = app.account_id(&token).await;
    Provider {
        token,
        id,
        company: String::new(),
    }
}

/// The reasons of the enterprise step on `GET /api/v1/me/move-in`.
pub async fn step_reasons(app: &TestApp, token: &str) -> Vec<Value> {
    let m = app.move_in(token).await;
    m.assert_status(StatusCode::OK);
    m.body["steps"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["key"] == "enterprise_verification"))
        .and_then(|s| s["reasons"].as_array().cloned())
        .unwrap_or_default()
}

const ILLEGIBLE_ZH: &str = "营业执照照片不清晰，请上传清晰完整的照片。";
const ILLEGIBLE_EN: &str =
    "The business licence photo is not legible; upload a clear, complete photo.";

#[tokio::test]
async fn a_library_reason_reaches_each_applicant_in_their_own_language() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    for (n, lang, text) in [(1, "zh-CN", ILLEGIBLE_ZH), (2, "en", ILLEGIBLE_EN)] {
        let email = format!("lang{n}@reasons.test");
        let p = provider_speaking(&app, &email, lang).await;
        app.submit_verification(&p.token, "示例科技有限公司", &uscc(n))
            .await;
        let item = app
            .pending_item(&operator, "enterprise_verification", &p.id)
            .await;
        app.reject(
            &operator,
            &item,
            json!([{"code": "licence_illegible", "message": "(p. 2)"},
                   {"field": "uscc", "message": "自由文本"}]),
        )
        .await;

        // The API: the step, and the verification's own resource, with code and text.
        let reasons = step_reasons(&app, &p.token).await;
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert_eq!(reasons[0]["code"], "licence_illegible");
        assert_eq!(reasons[0]["field"], "documents.business_license");
        assert_eq!(reasons[0]["text"], text);
        assert_eq!(reasons[0]["message"], format!("{text} (p. 2)"));
        assert_eq!(reasons[0]["note"], "(p. 2)");
        assert_eq!(reasons[1], json!({"field": "uscc", "message": "自由文本"}));
        let ent = app.enterprise(&p.token).await;
        assert_eq!(ent.body["reasons"][0]["text"], text, "{:?}", ent.body);
        assert_eq!(
            ent.body["submissions"][0]["reasons"][0]["message"],
            format!("{text} (p. 2)")
        );

        // The mail (8-bit text).
        app.wait_for_mail_containing(&email, text).await;

        // The page (the account's language).
        let page = app
            .raw(app.client.get(app.url("/move-in")).header(
                "cookie",
                format!("berth_session={}; berth_lang={lang}", p.token),
            ))
            .await;
        page.assert_status(StatusCode::OK);
        let html = page.body.as_str().unwrap_or_default();
        assert!(html.contains(text), "{lang}: {html}");
    }
}

#[tokio::test]
async fn a_decision_names_a_code_that_is_unknown_retired_or_of_another_kind() {
    let app = spawn_app().await;
    let admin = app
        .staff("admin@reasons.test", crate::helpers::ALL_STAFF)
        .await;
    let (_, item) = app
        .with_submitted_provider("codes@reasons.test", "示例科技有限公司", &uscc(3))
        .await;
    let operator = app.with_operator().await;
    let reject = |reasons: Value| json!({"decision": "reject", "version": item["version"], "reasons": reasons});
    for (reasons, code) in [
        (json!([{"code": "no_such_reason"}]), "unknown_reason"),
        (json!([{"code": "pricing_unclear"}]), "reason_of_other_kind"),
        (json!([{"code": "UPPER CASE"}]), "unknown_reason"),
    ] {
        let a = app.decide(&operator, &item, reject(reasons)).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("reasons[0].code".to_string(), code.to_string())]
        );
    }
    app.send(
        reqwest::Method::PATCH,
        "/api/v1/review/reasons/uscc_mismatch",
        Some(&admin),
        Some(json!({"retired": true})),
    )
    .await
    .assert_status(StatusCode::OK);
    let a = app
        .decide(
            &operator,
            &item,
            reject(json!([{"field": "uscc", "message": "ok"}, {"code": "uscc_mismatch"}])),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("reasons[1].code".to_string(), "retired_reason".to_string())]
    );
    // Without a code, field and message are both needed, as before.
    let a = app
        .decide(&operator, &item, reject(json!([{"field": "uscc"}])))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["reasons[0].message".to_string()]);
    // Nothing was half-written: the item still waits.
    let shown = app
        .review_item(&operator, item["id"].as_str().unwrap_or(""))
        .await;
    assert_eq!(shown.body["status"], "pending");
}

#[tokio::test]
async fn admins_keep_the_library_and_old_decisions_keep_their_words() {
    let app = spawn_app().await;
    let admin = app
        .staff("keeper@reasons.test", crate::helpers::ALL_STAFF)
        .await;
    let operator = app.with_operator().await;
    let list = app
        .get_as(&operator, "/api/v1/review/reasons?kind=product")
        .await;
    list.assert_status(StatusCode::OK);
    let codes: Vec<&str> = list.body["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|r| r["code"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        codes.contains(&"product_description_incomplete"),
        "{codes:?}"
    );
    assert!(list.body["items"]
        .as_array()
        .is_some_and(|i| i.iter().all(|r| r["kind"] == "product")));

    let new = json!({"code": "seal_missing", "kind": "enterprise_verification",
                     "field": "documents.business_license",
                     "text": {"zh-CN": "执照缺少公章。", "en": "The licence has no seal."}});
    let a = app
        .post_as(&operator, "/api/v1/review/reasons", new.clone())
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    let a = app
        .post_as(&admin, "/api/v1/review/reasons", new.clone())
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["text"]["en"], "The licence has no seal.");
    let a = app.post_as(&admin, "/api/v1/review/reasons", new).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "code_taken");
    let a = app
        .post_as(
            &admin,
            "/api/v1/review/reasons",
            json!({"code": "x", "kind": "nope", "text": {"zh-CN": " "}}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field_names(),
        vec!["code", "kind", "text.zh-CN", "text.en"]
    );

    // A decision with the new reason, then the reason edited and retired: the decision keeps
    // the words it was made with.
    let (p, item) = app
        .with_submitted_provider("old@reasons.test", "示例科技有限公司", &uscc(4))
        .await;
    app.reject(&operator, &item, json!([{"code": "seal_missing"}]))
        .await;
    app.send(
        reqwest::Method::PATCH,
        "/api/v1/review/reasons/seal_missing",
        Some(&admin),
        Some(json!({"text": {"zh-CN": "新文字", "en": "New words"}, "retired": true})),
    )
    .await
    .assert_status(StatusCode::OK);
    let reasons = step_reasons(&app, &p.token).await;
    assert_eq!(reasons[0]["message"], "执照缺少公章。");
    let active = app.get_as(&operator, "/api/v1/review/reasons").await;
    assert!(!active.body.to_string().contains("seal_missing"));
    let all = app
        .get_as(&operator, "/api/v1/review/reasons?include_retired=true")
        .await;
    let entry = all.body["items"]
        .as_array()
        .and_then(|i| i.iter().find(|r| r["code"] == "seal_missing").cloned())
        .expect("retired reason listed");
    assert_eq!(entry["retired"], true);
    assert_eq!(entry["text"]["en"], "New words");
    let a = app
        .send(
            reqwest::Method::PATCH,
            "/api/v1/review/reasons/nope_nope",
            Some(&admin),
            Some(json!({"retired": false})),
        )
        .await;
    a.assert_status(StatusCode::NOT_FOUND);
}

/// A browser's cookies: the session, the language, and whatever the pages set (the CSRF one).
struct Browser<'a> {
    app: &'a TestApp,
    cookies: Vec<(String, String)>,
}

impl<'a> Browser<'a> {
    fn new(app: &'a TestApp, session: &str, lang: &str) -> Self {
        Browser {
            app,
            cookies: vec![
                ("berth_session".into(), session.into()),
                ("berth_lang".into(), lang.into()),
            ],
        }
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let a = self.app.raw(req.header("cookie", cookie)).await;
        for set in a.headers.get_all("set-cookie") {
            let pair = set.to_str().unwrap_or("").split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        a
    }

    async fn get(&mut self, path: &str) -> Answer {
        let req = self.app.client.get(self.app.url(path));
        self.send(req).await
    }

    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let req = self.app.client.post(self.app.url(path)).form(fields);
        self.send(req).await
    }
}

fn csrf_in(html: &str) -> String {
    html.split_once(r#"name="csrf_token" value=""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(v, _)| v.to_string())
        .expect("a csrf token")
}

#[tokio::test]
async fn admins_keep_the_library_on_its_page_and_reviewers_tick_its_reasons() {
    let app = spawn_app().await;
    let admin = app
        .staff("pages@reasons.test", crate::helpers::ALL_STAFF)
        .await;
    let operator = app.with_operator().await;

    let mut reviewer = Browser::new(&app, &operator, "en");
    reviewer
        .get("/console/reasons")
        .await
        .assert_status(StatusCode::FORBIDDEN);

    let mut b = Browser::new(&app, &admin, "en");
    let page = b.get("/console/reasons").await;
    page.assert_status(StatusCode::OK);
    let html = page.body.as_str().unwrap_or_default().to_string();
    assert!(html.contains("营业执照照片不清晰，请上传清晰完整的照片。"));
    assert!(html.contains("The business licence photo is not legible"));
    // The field a reason is about is chosen by its name, never typed as a key.
    assert!(!html.contains("<input id=\"field-"), "no field key to type");
    assert!(
        html.contains("<option value=\"registered_address\" selected>Registered address</option>"),
        "{html}"
    );
    assert!(html.contains("The whole submission (no one field)"));
    let csrf = csrf_in(&html);
    let refused = b
        .post(
            "/console/reasons",
            &[
                ("csrf_token", &csrf),
                ("action", "add"),
                ("kind", "product"),
                ("code", "screenshots_missing"),
                ("text_zh", "缺少产品截图。"),
                ("text_en", ""),
            ],
        )
        .await;
    refused.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.body.as_str().unwrap_or_default();
    assert!(
        html.contains("value=\"screenshots_missing\""),
        "what was typed stays"
    );
    assert!(html.contains("缺少产品截图。"));
    assert!(
        html.contains("href=\"#f-text_en\""),
        "the summary names the field"
    );
    let added = b
        .post(
            "/console/reasons",
            &[
                ("csrf_token", &csrf),
                ("action", "add"),
                ("kind", "product"),
                ("code", "screenshots_missing"),
                ("field", "description"),
                ("text_zh", "缺少产品截图。"),
                ("text_en", "Screenshots of the product are missing."),
            ],
        )
        .await;
    added.assert_status(StatusCode::SEE_OTHER);
    let retired = b
        .post(
            "/console/reasons",
            &[
                ("csrf_token", &csrf),
                ("action", "retire"),
                ("code", "pricing_unclear"),
            ],
        )
        .await;
    retired.assert_status(StatusCode::SEE_OTHER);
    let list = app
        .get_as(&operator, "/api/v1/review/reasons?kind=product")
        .await;
    let codes = list.body.to_string();
    assert!(codes.contains("screenshots_missing") && !codes.contains("pricing_unclear"));

    // The reviewer's decision form offers the kind's reasons, and a ticked one is the decision's.
    let (p, item) = app
        .with_submitted_provider("ticked@reasons.test", "示例科技有限公司", &uscc(5))
        .await;
    let id = item["id"].as_str().expect("id");
    let page = reviewer.get(&format!("/console/items/{id}")).await;
    let html = page.body.as_str().unwrap_or_default().to_string();
    assert!(html.contains("id=\"rc-licence_illegible\""), "{html}");
    assert!(
        !html.contains("rc-screenshots_missing"),
        "only the item's kind"
    );
    let csrf = csrf_in(&html);
    let version = item["version"].to_string();
    let decided = reviewer
        .post(
            &format!("/console/items/{id}/decision"),
            &[
                ("csrf_token", &csrf),
                ("version", &version),
                ("reason_code", "uscc_mismatch"),
                ("note_uscc_mismatch", "第 18 位"),
                ("reason_field", ""),
                ("reason_message", ""),
                ("decision", "reject"),
            ],
        )
        .await;
    decided.assert_status(StatusCode::SEE_OTHER);
    let reasons = step_reasons(&app, &p.token).await;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0]["code"], "uscc_mismatch");
    assert_eq!(reasons[0]["field"], "uscc");
    assert_eq!(reasons[0]["note"], "第 18 位");
}
