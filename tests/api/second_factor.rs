//! The second factor: staff enrol an authenticator app at their first log-in and can do nothing
//! else before; every staff log-in needs a code; codes work once and are limited like every
//! code; recovery codes work once; approving a bank-account change needs a fresh check; providers
//! may turn it on and off; the admin's CLI resets a lost phone.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{berth_bin, path, settlement_form, spawn_app, uscc, TestApp, PASSWORD};
use berth::domain::account::Roles;

async fn challenge(app: &TestApp, email: &str) -> String {
    let a = app.try_login(email, PASSWORD).await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["status"], "second_factor_required", "{:?}", a.body);
    assert!(a.body.get("token").is_none(), "no usable token yet");
    a.body["challenge"].as_str().expect("challenge").to_string()
}

async fn answer(app: &TestApp, challenge: &str, code: &str) -> crate::helpers::Answer {
    app.post(
        path::SESSION_SECOND_FACTOR,
        json!({"challenge": challenge, "code": code}),
    )
    .await
}

#[tokio::test]
async fn a_staff_account_enrols_at_its_first_log_in_and_can_do_nothing_else_before() {
    let app = spawn_app().await;
    let email = "new.admin@berth.test";
    berth::workflows::accounts::add_user(
        &app.state.ctx,
        email,
        Some(PASSWORD),
        &Roles::of(crate::helpers::ALL_STAFF),
    )
    .await
    .expect("admin");
    let a = app.try_login(email, PASSWORD).await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["second_factor"], "enrolment_required");
    let token = a.body["token"].as_str().expect("token").to_string();
    let me = app.me(&token).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["second_factor"], "enrolment_required");
    for path in [path::REVIEW_ITEMS, path::AUDIT, path::REVIEW_SUMMARY] {
        let a = app.get_as(&token, path).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(a.code(), "second_factor_enrolment_required", "{path}");
    }
    let a = app.start_enrolment(&token).await;
    a.assert_status(StatusCode::OK);
    let secret = a.body["secret"].as_str().expect("secret").to_string();
    assert!(a.body["otpauth_uri"]
        .as_str()
        .is_some_and(|u| u.starts_with("otpauth://totp/Berth:") && u.contains("secret=")));
    // A wrong first code is refused and counted.
    let a = app.confirm_enrolment(&token, "000000").await;
    if app.totp(&secret) != "000000" {
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("code".to_string(), "second_factor_wrong".to_string())]
        );
    }
    let a = app.confirm_enrolment(&token, &app.totp(&secret)).await;
    a.assert_status(StatusCode::OK);
    let codes: Vec<String> = a.body["recovery_codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("code").to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    assert!(codes
        .iter()
        .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
    // The same session now works, and the secret is not on disk in clear.
    app.review_queue(&token, "")
        .await
        .assert_status(StatusCode::OK);
    let db = app.db().await;
    let stored: String = sqlx::query_scalar("SELECT secret_enc FROM second_factors")
        .fetch_one(&db)
        .await
        .expect("row");
    assert!(!stored.contains(&secret));
    let hashes: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
        .fetch_all(&db)
        .await
        .expect("rows");
    assert!(hashes
        .iter()
        .all(|h| !codes.iter().any(|c| h.contains(&c.replace('-', "")))));
    app.wait_for_mail_containing(email, "开启了两步登录").await;
    // Enrolling again is refused while it is on.
    let a = app.start_enrolment(&token).await;
    assert_eq!(a.code(), "second_factor_enrolled");
}

#[tokio::test]
async fn every_staff_log_in_needs_a_code_and_a_code_works_once() {
    let app = spawn_app().await;
    let email = "op@berth.test";
    let (first, secret) = app.staff_with_secret(email, crate::helpers::OPERATOR).await;
    // The enrolment's code is spent: it cannot sign in again.
    let used = app.totp(&secret);
    let c = challenge(&app, email).await;
    let a = answer(&app, &c, &used).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("code".to_string(), "second_factor_wrong".to_string())]
    );
    assert!(a.body["error"]["fields"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains('4')));
    // The next step's code signs in, ends nothing else, and works once.
    app.next_code_step();
    let code = app.totp(&secret);
    let a = answer(&app, &c, &code).await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["second_factor"], "enrolled");
    let second = a.body["token"].as_str().expect("token").to_string();
    app.review_queue(&second, "")
        .await
        .assert_status(StatusCode::OK);
    app.review_queue(&first, "")
        .await
        .assert_status(StatusCode::OK);
    // The challenge was used up, and the code too.
    assert_eq!(answer(&app, &c, &code).await.fields()[0].0, "challenge");
    let again = challenge(&app, email).await;
    let a = answer(&app, &again, &code).await;
    assert_eq!(
        a.fields(),
        vec![("code".to_string(), "second_factor_wrong".to_string())]
    );
}

#[tokio::test]
async fn a_challenge_lasts_five_minutes_and_guesses_are_limited_across_challenges() {
    let app = spawn_app().await;
    let email = "guarded@berth.test";
    let (_, secret) = app
        .staff_with_secret(email, crate::helpers::ALL_STAFF)
        .await;
    let c = challenge(&app, email).await;
    app.state.ctx.clock.advance(6 * 60_000);
    let a = answer(&app, &c, &app.totp(&secret)).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("challenge".to_string(), "challenge_expired".to_string())]
    );
    // Five wrong codes, spread over fresh challenges, then even the right one waits.
    for _ in 0..5 {
        let c = challenge(&app, email).await;
        let a = answer(&app, &c, "999999").await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let c = challenge(&app, email).await;
    app.next_code_step();
    let a = answer(&app, &c, &app.totp(&secret)).await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(a.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn a_recovery_code_works_once_and_says_so_by_mail() {
    let app = spawn_app().await;
    let email = "lost.phone@berth.test";
    berth::workflows::accounts::add_user(
        &app.state.ctx,
        email,
        Some(PASSWORD),
        &Roles::of(crate::helpers::OPERATOR),
    )
    .await
    .expect("op");
    let token = app.login(email, PASSWORD).await;
    let secret = {
        let a = app.start_enrolment(&token).await;
        a.body["secret"].as_str().expect("secret").to_string()
    };
    let a = app.confirm_enrolment(&token, &app.totp(&secret)).await;
    let code = a.body["recovery_codes"][0]
        .as_str()
        .expect("code")
        .to_uppercase();
    let c = challenge(&app, email).await;
    let a = answer(&app, &c, &code).await;
    a.assert_status(StatusCode::CREATED);
    app.wait_for_mail_containing(email, "恢复码").await;
    let c = challenge(&app, email).await;
    let a = answer(&app, &c, &code).await;
    assert_eq!(
        a.fields(),
        vec![("code".to_string(), "second_factor_wrong".to_string())]
    );
}

/// A fresh second-factor check before approving a settlement change (bank-detail fraud is the
/// classic attack), audited.
#[tokio::test]
async fn approving_a_bank_account_change_needs_a_fresh_second_factor() {
    let app = spawn_app().await;
    let (op, secret) = app
        .staff_with_secret("finance@berth.test", crate::helpers::OPERATOR)
        .await;
    let company = "深圳验证科技有限公司";
    let token = app
        .moved_in_provider(&op, "payee@example.com", company, &uscc(91))
        .await;
    let id = app.account_id(&token).await;
    let a = app
        .save_settlement(&token, settlement_form(company, "6214830100557661"))
        .await;
    assert_eq!(a.body["status"], "change_pending", "{:?}", a.body);
    let item = app.pending_item(&op, "settlement_change", &id).await;
    // Ten minutes after the log-in, the session's check is no longer fresh.
    app.state.ctx.clock.advance(10 * 60_000);
    let approve = json!({"decision": "approve", "version": item["version"]});
    let a = app.decide(&op, &item, approve.clone()).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "step_up_required");
    assert_eq!(
        app.pending_item(&op, "settlement_change", &id).await["version"],
        item["version"],
        "nothing was decided"
    );
    // A wrong code is a field error; the right one approves.
    let mut wrong = approve.clone();
    wrong["second_factor_code"] = json!("000001");
    let a = app.decide(&op, &item, wrong).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let mut right = approve.clone();
    right["second_factor_code"] = json!(app.totp(&secret));
    let a = app.decide(&op, &item, right).await;
    a.assert_status(StatusCode::OK);
    // Rejections and other kinds need no step-up; the step-up is audited.
    let audit = app.audit_log(&op, "limit=200").await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"session.step_up"), "{actions:?}");
    // A step-up through its own endpoint keeps the session fresh for five minutes.
    app.state.ctx.clock.advance(10 * 60_000);
    app.next_code_step();
    let a = app
        .post_as(
            &op,
            "/api/v1/sessions/current/step-up",
            json!({"code": app.totp(&secret)}),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert!(a.body["second_factor_at"].is_string());
}

#[tokio::test]
async fn providers_may_turn_the_second_factor_on_and_off() {
    let app = spawn_app().await;
    let email = "careful@example.com";
    let token = app.provider(email).await;
    let me = app.me(&token).await;
    assert_eq!(me.body["second_factor"], "not_enrolled");
    let secret = app.enrol_second_factor(&token).await;
    let signed_in = app.login_with_second_factor(email, &secret).await;
    app.move_in(&signed_in).await.assert_status(StatusCode::OK);
    app.next_code_step();
    let a = app
        .disable_second_factor(&signed_in, &app.totp(&secret))
        .await;
    a.assert_status(StatusCode::NO_CONTENT);
    app.login(email, PASSWORD).await;
    // Staff cannot turn theirs off.
    let (op, op_secret) = app
        .staff_with_secret("keeps@berth.test", crate::helpers::ALL_STAFF)
        .await;
    app.next_code_step();
    let a = app.disable_second_factor(&op, &app.totp(&op_secret)).await;
    a.assert_status(StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_admin_resets_a_lost_phone_from_the_command_line() {
    let app = spawn_app().await;
    let email = "phoneless@berth.test";
    let (token, _) = app.staff_with_secret(email, crate::helpers::OPERATOR).await;
    let out = berth_bin()
        .args([
            "--data-dir",
            app.data_dir.path().to_str().expect("utf-8"),
            "--database-url",
            &app.database_url,
            "user",
            "reset-2fa",
            "--email",
            email,
        ])
        .output()
        .expect("reset-2fa");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("removed"), "{stderr}");
    app.me(&token).await.assert_status(StatusCode::UNAUTHORIZED);
    let a = app.try_login(email, PASSWORD).await;
    assert_eq!(
        a.body["second_factor"], "enrolment_required",
        "{:?}",
        a.body
    );
    app.wait_for_mail_containing(email, "重置了您账号的两步登录")
        .await;
    let out = berth_bin()
        .args([
            "--data-dir",
            app.data_dir.path().to_str().expect("utf-8"),
            "--database-url",
            &app.database_url,
            "user",
            "reset-2fa",
            "--email",
            "nobody@berth.test",
        ])
        .output()
        .expect("reset-2fa");
    assert_eq!(out.status.code(), Some(2));
}
