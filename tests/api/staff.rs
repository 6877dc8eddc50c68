//! Issue 14, item 1: admins invite colleagues by mail, change roles with a fresh second factor,
//! and never leave the marketplace without an active admin.

use berth::domain::account::Role;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::*;

/// The token of the newest invitation mailed to `email`.
pub async fn invitation_token(app: &TestApp, email: &str, seen: usize) -> String {
    let mail = app.wait_for_mail(email, seen).await;
    let at = mail.find("token=").expect("a link with a token") + "token=".len();
    mail[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn actions(a: &Answer) -> Vec<String> {
    a.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn an_invited_colleague_sets_a_password_enrols_and_reviews() {
    let app = spawn_app().await;
    let admin = app.staff("boss@berth.test", ALL_STAFF).await;
    let email = "colleague@berth.test";
    let a = app
        .post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": "Colleague@Berth.test", "roles": ["reviewer", "finance"]}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    assert!(!a.body.to_string().contains("token"), "{:?}", a.body);
    let token = invitation_token(&app, email, 0).await;
    assert!(token.len() >= 32, "{token}");
    // The token is stored hashed only.
    let db = app.db().await;
    let stored: Vec<(String,)> = sqlx::query_as("SELECT token_hash FROM staff_invitations")
        .fetch_all(&db)
        .await
        .expect("rows");
    assert!(stored.iter().all(|(h,)| h != &token));

    // A short password is refused with the field named; nothing is used up.
    let a = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": token, "password": "short"}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["password"]);

    let a = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["email"], email);
    assert_eq!(a.body["roles"], json!(["reviewer", "finance"]));

    // Used once only.
    let again = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
    again.assert_status(StatusCode::CONFLICT);
    assert_eq!(again.code(), "invitation_used");
    let unknown = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": "nope", "password": PASSWORD}),
        )
        .await;
    unknown.assert_status(StatusCode::NOT_FOUND);

    // The first sign-in enrols the second factor; then the console's API opens.
    let session = app.login(email, PASSWORD).await;
    app.get_as(&session, path::REVIEW_ITEMS)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    app.enrol_second_factor(&session).await;
    app.get_as(&session, path::REVIEW_ITEMS)
        .await
        .assert_status(StatusCode::OK);

    // The staff list shows the colleague with roles and last sign-in.
    let list = app.get_as(&admin, path::STAFF).await;
    list.assert_status(StatusCode::OK);
    let me = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|m| m["email"] == email)
        .cloned()
        .expect("listed");
    assert_eq!(me["roles"], json!(["reviewer", "finance"]));
    assert_eq!(me["active"], true);
    assert!(me["last_sign_in_at"].is_string(), "{me:?}");

    let audit = app.audit_log(&admin, "limit=200").await;
    let acts = actions(&audit);
    assert!(acts.iter().any(|a| a == "staff.invited"), "{acts:?}");
    assert!(
        acts.iter().any(|a| a == "staff.invitation_accepted"),
        "{acts:?}"
    );
}

#[tokio::test]
async fn invitations_expire_never_take_over_an_account_and_need_an_admin() {
    let app = spawn_app_with(|c| {
        c.limits.staff_invitations_per_admin = "3/1d".parse().expect("rate");
    })
    .await;
    let admin = app.staff("boss@berth.test", ALL_STAFF).await;
    let reviewer = app.staff("rev@berth.test", &[Role::Reviewer]).await;

    // Only admins invite.
    let a = app
        .post_as(
            &reviewer,
            path::STAFF_INVITATIONS,
            json!({"email": "x@berth.test", "roles": ["admin"]}),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");

    // Bad roles and addresses are named.
    let a = app
        .post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": "not an address", "roles": ["provider"]}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["email", "roles"]);

    // An address with an account: refused (admins may know), and nothing is mailed.
    app.provider("taken@example.com").await;
    let mails = app.mail_to("taken@example.com").len();
    let a = app
        .post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": "taken@example.com", "roles": ["reviewer"]}),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "email_taken");
    assert_eq!(app.mail_to("taken@example.com").len(), mails);

    // An invitation to an address that gets an account before it is accepted does not take the
    // account over.
    app.post_as(
        &admin,
        path::STAFF_INVITATIONS,
        json!({"email": "late@example.com", "roles": ["admin"]}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let late = invitation_token(&app, "late@example.com", 0).await;
    app.register("late@example.com")
        .await
        .assert_status(StatusCode::CREATED);
    let code = app.code_from_mail("late@example.com", 1).await;
    app.activate("late@example.com", &code)
        .await
        .assert_status(StatusCode::OK);
    let provider = app.login("late@example.com", PASSWORD).await;
    let a = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": late, "password": "another password!"}),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "email_taken");
    let me = app.me(&provider).await;
    assert_eq!(me.body["roles"], json!(["provider"]));
    // Its password is the provider's own still.
    app.login("late@example.com", PASSWORD).await;

    // Expired links say so.
    app.post_as(
        &admin,
        path::STAFF_INVITATIONS,
        json!({"email": "slow@berth.test", "roles": ["finance"]}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let slow = invitation_token(&app, "slow@berth.test", 0).await;
    app.state.ctx.clock.advance(73 * 3_600_000);
    let a = app
        .post(
            path::STAFF_ACCEPT,
            json!({"token": slow, "password": PASSWORD}),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "invitation_expired");

    // The admin's session is no longer fresh: inviting needs a code now; then the third
    // invitation of the day is the last.
    let a = app
        .post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": "fourth@berth.test", "roles": ["reviewer"]}),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "step_up_required");
}

#[tokio::test]
async fn invitations_are_rate_limited_per_admin() {
    let app = spawn_app_with(|c| {
        c.limits.staff_invitations_per_admin = "2/1d".parse().expect("rate");
    })
    .await;
    let admin = app.staff("boss@berth.test", ALL_STAFF).await;
    for n in 0..2 {
        app.post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": format!("n{n}@berth.test"), "roles": ["reviewer"]}),
        )
        .await
        .assert_status(StatusCode::CREATED);
    }
    let a = app
        .post_as(
            &admin,
            path::STAFF_INVITATIONS,
            json!({"email": "n2@berth.test", "roles": ["reviewer"]}),
        )
        .await;
    a.assert_status(StatusCode::TOO_MANY_REQUESTS);
    assert!(app.mail_to("n2@berth.test").is_empty());
}

#[tokio::test]
async fn role_changes_need_a_fresh_second_factor_are_audited_and_keep_an_admin() {
    let app = spawn_app().await;
    let (admin, secret) = app.staff_with_secret("boss@berth.test", ALL_STAFF).await;
    let admin_id = app.account_id(&admin).await;
    let reviewer = app.staff("rev@berth.test", &[Role::Reviewer]).await;
    let reviewer_id = app.account_id(&reviewer).await;

    // The last admin cannot drop the admin role nor deactivate themselves.
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&admin_id),
            Some(&admin),
            Some(json!({"roles": ["reviewer"]})),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "last_admin");
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&admin_id),
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "last_admin");

    // A reviewer cannot change roles, not even their own.
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&reviewer_id),
            Some(&reviewer),
            Some(json!({"roles": ["reviewer", "admin"]})),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "role_required");

    // Ten minutes on, the admin's second factor is stale: a code is needed.
    app.state.ctx.clock.advance(10 * 60_000);
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&reviewer_id),
            Some(&admin),
            Some(json!({"roles": ["reviewer", "finance"]})),
        )
        .await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "step_up_required");
    app.next_code_step();
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&reviewer_id),
            Some(&admin),
            Some(
                json!({"roles": ["finance", "reviewer"], "second_factor_code": app.totp(&secret)}),
            ),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["roles"], json!(["reviewer", "finance"]));
    // It holds at once: the reviewer's open session may now pay micro-deposits (here: is let
    // past the role check to the 404 of an unknown item).
    let a = app.record_deposit(&reviewer, "no-such-item").await;
    a.assert_status(StatusCode::NOT_FOUND);

    // Bad roles are named.
    let a = app
        .send(
            Method::PATCH,
            &path::staff(&reviewer_id),
            Some(&admin),
            Some(json!({"roles": []})),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["roles"]);

    let audit = app.audit_log(&admin, "limit=200").await;
    let changed = audit.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|e| e["action"] == "staff.roles_changed")
        .cloned()
        .expect("audited");
    assert_eq!(changed["actor"], admin_id);
}

/// A withdrawn link — replaced by a newer invitation to the address, or taken back when its
/// sender stopped being an admin — says so and to ask an admin (API: `409 invitation_withdrawn`;
/// the page in words), and tells nothing about the address, its sender or its account. A link
/// withdrawn after it had expired says it expired; a token that never was one stays a 404.
#[tokio::test]
async fn a_withdrawn_invitation_says_so_and_to_ask_an_admin_for_a_new_one() {
    let app = spawn_app().await;
    let (boss, secret) = app.staff_with_secret("boss@berth.test", ALL_STAFF).await;
    let deputy = app.staff("deputy@berth.test", ALL_STAFF).await;
    let deputy_id = app.account_id(&deputy).await;
    let invite = |token: String, email: &'static str| {
        let app = &app;
        async move {
            app.post_as(
                &token,
                path::STAFF_INVITATIONS,
                json!({"email": email, "roles": ["reviewer"]}),
            )
            .await
            .assert_status(StatusCode::CREATED);
        }
    };
    let accept_in = |token: String, language: &'static str| {
        let app = &app;
        async move {
            app.raw(
                app.client
                    .post(app.url(path::STAFF_ACCEPT))
                    .header("accept-language", language)
                    .json(&json!({"token": token, "password": PASSWORD})),
            )
            .await
        }
    };
    let page_in = |token: String, language: &'static str| {
        let app = &app;
        async move {
            app.raw(
                app.client
                    .get(app.url(&format!("/staff/invitation?token={token}")))
                    .header("accept-language", language),
            )
            .await
        }
    };
    let discreet = |a: &Answer| {
        let text = a.body.to_string();
        for secret in ["twice@berth.test", "orphan@berth.test", "boss@", "deputy@"] {
            assert!(!text.contains(secret), "{secret} told: {text}");
        }
    };

    // Replaced by a newer invitation to the same address.
    invite(boss.clone(), "twice@berth.test").await;
    let first = invitation_token(&app, "twice@berth.test", 0).await;
    invite(boss.clone(), "twice@berth.test").await;
    let second = invitation_token(&app, "twice@berth.test", 1).await;
    // Taken back when its sender lost the admin role.
    invite(deputy.clone(), "orphan@berth.test").await;
    let orphan = invitation_token(&app, "orphan@berth.test", 0).await;
    app.send(
        Method::PATCH,
        &path::staff(&deputy_id),
        Some(&boss),
        Some(json!({"roles": ["reviewer"]})),
    )
    .await
    .assert_status(StatusCode::OK);

    for token in [&first, &orphan] {
        for (language, withdrawn, ask) in [
            ("en", "withdrawn", "administrator"),
            ("zh-CN", "撤回", "管理员"),
        ] {
            let a = accept_in(token.clone(), language).await;
            a.assert_status(StatusCode::CONFLICT);
            assert_eq!(a.code(), "invitation_withdrawn");
            let message = a.body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains(withdrawn) && message.contains(ask),
                "{language}: {message}"
            );
            discreet(&a);
            let page = page_in(token.clone(), language).await;
            page.assert_status(StatusCode::GONE);
            let text = page.body.as_str().unwrap_or_default();
            assert!(text.contains(withdrawn), "{language}: {text}");
            assert!(text.contains(ask), "{language}: {text}");
            assert!(!text.contains(r#"name="password""#), "no form: {text}");
            discreet(&page);
        }
    }
    // Nothing was used up: the newest link works.
    accept_in(second, "en")
        .await
        .assert_status(StatusCode::CREATED);

    // A token that never was one: still the plain 404.
    let a = accept_in("no-such-token-at-all".into(), "en").await;
    a.assert_status(StatusCode::NOT_FOUND);
    assert_eq!(a.code(), "not_found");

    // Expired first, replaced later: it expired.
    invite(boss.clone(), "slow@berth.test").await;
    let slow = invitation_token(&app, "slow@berth.test", 0).await;
    app.state.ctx.clock.advance(73 * 3_600_000);
    let boss = app
        .login_with_second_factor("boss@berth.test", &secret)
        .await;
    invite(boss, "slow@berth.test").await;
    let a = accept_in(slow.clone(), "en").await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "invitation_expired");
    let page = page_in(slow, "en").await;
    page.assert_status(StatusCode::GONE);
    assert!(page.body.as_str().unwrap_or_default().contains("expired"));
}
