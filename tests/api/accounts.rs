//! Registering and activating an account, resending codes, resetting the password.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{path, spawn_app, spawn_app_with, PASSWORD};

#[tokio::test]
async fn a_newcomer_registers_reads_the_code_and_activates() {
    let app = spawn_app().await;
    let a = app
        .post(path::ACCOUNTS, json!({"email": "Li.Lei@Example.com", "password": PASSWORD, "mobile": "+86 138-0013-8000"}))
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["status"], "pending_activation");
    assert_eq!(a.body["email"], "li.lei@example.com");
    assert!(a.body["id"].as_str().is_some_and(|s| !s.is_empty()));

    // Not yet: the right password still does not open a pending account.
    let a = app.try_login("li.lei@example.com", PASSWORD).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "account_not_activated");

    let code = app.code_from_mail("li.lei@example.com", 0).await;
    let a = app.activate("li.lei@example.com", &code).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body, json!({"status": "active"}));

    // Again: the code is used up, and an active account answers like any other address (it
    // says nothing about whether the account exists or is active).
    let a = app.activate("li.lei@example.com", &code).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("code".to_string(), "code_wrong".to_string())]
    );

    let token = app.login("li.lei@example.com", PASSWORD).await;
    let me = app.me(&token).await;
    me.assert_status(StatusCode::OK);
    assert_eq!(me.body["email"], "li.lei@example.com");
    assert_eq!(me.body["roles"], json!(["provider"]));
    assert_eq!(me.body["status"], "active");
}

#[tokio::test]
async fn registering_twice_is_a_conflict() {
    let app = spawn_app().await;
    app.register("dup@example.com")
        .await
        .assert_status(StatusCode::CREATED);
    let a = app.register("DUP@example.com").await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "email_taken");
}

#[tokio::test]
async fn every_bad_field_is_named_at_once_and_nothing_is_written() {
    let app = spawn_app().await;
    let a = app
        .post(
            path::ACCOUNTS,
            json!({"email": "not-an-address", "password": "short", "mobile": "12345"}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "validation_failed");
    let fields = a.fields();
    assert!(
        fields.contains(&("email".into(), "email".into())),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("password".into(), "too_short".into())),
        "{fields:?}"
    );
    assert!(fields.iter().any(|(f, _)| f == "mobile"), "{fields:?}");
    assert!(a.body["error"]["fields"][0]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));

    let a = app.post(path::ACCOUNTS, json!({})).await;
    assert_eq!(a.field_names(), vec!["email", "password"]);

    let a = app
        .post(
            path::ACCOUNTS,
            json!({"email": "a@b.cn", "password": "x".repeat(129)}),
        )
        .await;
    assert_eq!(
        a.fields(),
        vec![("password".to_string(), "too_long".to_string())]
    );

    let db = app.db().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(n, 0);
    assert!(app.mail_to("a@b.cn").is_empty());
}

#[tokio::test]
async fn messages_follow_the_requested_language() {
    let app = spawn_app().await;
    let zh = app
        .raw(
            app.client
                .post(app.url(path::ACCOUNTS))
                .header("accept-language", "zh-CN")
                .json(&json!({})),
        )
        .await;
    let en = app
        .raw(
            app.client
                .post(app.url(path::ACCOUNTS))
                .header("accept-language", "en-US,en;q=0.9")
                .json(&json!({})),
        )
        .await;
    assert_eq!(zh.body["error"]["message"], "部分字段填写有误。");
    assert_eq!(en.body["error"]["message"], "Some fields are not valid.");
    assert_eq!(
        en.body["error"]["fields"][0]["message"],
        "This field is required."
    );

    // The account's mail is in the language it registered in.
    app.raw(
        app.client
            .post(app.url(path::ACCOUNTS))
            .header("accept-language", "en")
            .json(&json!({"email": "en@example.com", "password": PASSWORD})),
    )
    .await;
    app.register("zh@example.com").await;
    let en_mail = app.wait_for_mail("en@example.com", 0).await;
    let zh_mail = app.wait_for_mail("zh@example.com", 0).await;
    assert!(en_mail.contains("Your activation code is"), "{en_mail}");
    assert!(zh_mail.contains("您的激活码是"), "{zh_mail}");
}

#[tokio::test]
async fn five_wrong_codes_spend_the_tries_and_a_new_code_brings_no_new_ones() {
    let app = spawn_app().await;
    let email = "tries@example.com";
    app.register(email).await;
    let code = app.code_from_mail(email, 0).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for left in (0..5).rev() {
        let a = app.activate(email, wrong).await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("code".to_string(), "code_wrong".to_string())]
        );
        assert!(
            a.body["error"]["fields"][0]["message"]
                .as_str()
                .unwrap_or("")
                .contains(&left.to_string()),
            "{left}: {:?}",
            a.body
        );
    }
    // Now even the right code waits: the tries belong to the address and this client.
    let a = app.activate(email, &code).await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.code(), "rate_limited");
    let wait: u64 = a.headers["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=180).contains(&wait), "{wait}");

    // A fresh code (a minute later: a double click mails one code, not two) does not bring
    // fresh tries.
    let db = app.db().await;
    sqlx::query("UPDATE account_codes SET created_at = created_at - 60000")
        .execute(&db)
        .await
        .expect("a minute passes");
    let a = app.request_activation_code(email).await;
    a.assert_status(StatusCode::ACCEPTED);
    let fresh = app.code_from_mail(email, 1).await;
    let a = app.activate(email, &fresh).await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);

    // Once the pair's bucket refills (three minutes per try), the fresh code works.
    app.limits_time_passes(180_000).await;
    let a = app.activate(email, &fresh).await;
    a.assert_status(StatusCode::OK);
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let app = spawn_app().await;
    let email = "late@example.com";
    app.register(email).await;
    let code = app.code_from_mail(email, 0).await;
    // Fifteen minutes pass.
    let db = app.db().await;
    sqlx::query("UPDATE account_codes SET expires_at = 0")
        .execute(&db)
        .await
        .expect("age the code");
    let a = app.activate(email, &code).await;
    // Expired reads like wrong: "expired" would tell a stranger that the address has a code.
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("code".to_string(), "code_wrong".to_string())]
    );
}

#[tokio::test]
async fn resending_answers_the_same_for_unknown_addresses() {
    let app = spawn_app().await;
    let a = app.request_activation_code("nobody@example.com").await;
    a.assert_status(StatusCode::ACCEPTED);
    let a = app.activate("nobody@example.com", "123456").await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["code"]);
    let a = app.request_activation_code("bad").await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["email"]);
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_a_mailed_code_and_old_sessions_end() {
    let app = spawn_app().await;
    let email = "forgot@example.com";
    let old_token = app.provider(email).await;

    let a = app.request_password_reset(email).await;
    a.assert_status(StatusCode::ACCEPTED);
    let a = app.request_password_reset("ghost@example.com").await;
    a.assert_status(StatusCode::ACCEPTED);
    let code = app.code_from_mail(email, 1).await;

    let a = app.reset_password(email, &code, "short").await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["new_password"]);

    let a = app.reset_password(email, &code, "a brand new secret").await;
    a.assert_status(StatusCode::OK);

    app.me(&old_token)
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    let a = app.try_login(email, PASSWORD).await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    app.login(email, "a brand new secret").await;
    let notice = app.wait_for_mail(email, 2).await;
    assert!(notice.contains("密码"), "{notice}");
}

#[tokio::test]
async fn the_stored_password_hash_is_argon2id() {
    let app = spawn_app().await;
    app.register("hash@example.com").await;
    let db = app.db().await;
    let hash: String =
        sqlx::query_scalar("SELECT password_hash FROM accounts WHERE email = 'hash@example.com'")
            .fetch_one(&db)
            .await
            .expect("hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    assert!(!hash.contains(PASSWORD));
}

#[tokio::test]
async fn concurrent_registrations_all_succeed() {
    // Two dozen people at once, each from their own address: room for all of them in the
    // hashing queue and the limits.
    let app = spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".into()];
        c.limits.hash_queue = 64;
        c.limits.hash_wait_ms = 60_000;
        c.limits.registrations_per_client = "100/1h".parse().expect("rate");
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = app.client.clone();
        let url = app.url(path::ACCOUNTS);
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("x-forwarded-for", format!("198.51.100.{i}"))
                .json(&json!({"email": format!("c{i}@example.com"), "password": PASSWORD}))
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    for t in tasks {
        let status = t.await.expect("task").expect("sent");
        assert_eq!(status, StatusCode::CREATED);
    }
    let db = app.db().await;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(n, 24);
}

/// A client that names no language (a script, an API client) reads the errors in the language
/// of the account it signed in as; one that names a language still gets that one.
#[tokio::test]
async fn a_client_that_names_no_language_reads_its_accounts_language() {
    let app = spawn_app().await;
    app.raw(
        app.client
            .post(app.url(path::ACCOUNTS))
            .header("accept-language", "en")
            .json(&json!({"email": "english@example.com", "password": PASSWORD})),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let code = app.code_from_mail("english@example.com", 0).await;
    app.activate("english@example.com", &code)
        .await
        .assert_status(StatusCode::OK);
    let token = app.login("english@example.com", PASSWORD).await;
    let bad = json!({"company_name": "名".repeat(300)});
    let plain = app
        .raw(
            app.client
                .put(app.url(path::ENTERPRISE))
                .bearer_auth(&token)
                .json(&bad),
        )
        .await;
    plain.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(plain.body["error"]["message"], "Some fields are not valid.");
    let asked = app
        .raw(
            app.client
                .put(app.url(path::ENTERPRISE))
                .bearer_auth(&token)
                .header("accept-language", "zh-CN")
                .json(&bad),
        )
        .await;
    assert_eq!(asked.body["error"]["message"], "部分字段填写有误。");
    // Before signing in, nothing names the account: the default.
    let anonymous = app
        .raw(app.client.post(app.url(path::ACCOUNTS)).json(&json!({})))
        .await;
    assert_eq!(anonymous.body["error"]["message"], "部分字段填写有误。");
}
