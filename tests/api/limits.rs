//! Security limits as an attacker meets them: guesses that belong to the address and the client
//! (not to one code), mail budgets, lock-out without locking the owner out, bounded password
//! hashing, and limits shared by every instance on one database.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{behind_a_proxy, path, spawn_app, spawn_app_with, Answer, TestApp, PASSWORD};

fn other_than(code: &str) -> String {
    if code == "000000" { "111111" } else { "000000" }.to_string()
}

fn is_limited(a: &Answer) -> bool {
    a.status == StatusCode::TOO_MANY_REQUESTS
        && a.code() == "rate_limited"
        && a.headers.get("retry-after").is_some()
}

/// Issue 9, hole 1: each code allowed five guesses, but a new code could be asked for at once, so
/// 20 rounds gave 120 guesses and 20 mails. Now the guesses belong to the address and client.
#[tokio::test]
async fn re_requesting_reset_codes_brings_no_new_guesses_and_few_mails() {
    let app = spawn_app().await;
    let victim = "victim@example.com";
    app.provider(victim).await;
    let mails_before = app.mail_to(victim).len();
    let mut guesses_heard = 0;
    let mut requests_refused = 0;
    for round in 0..20 {
        let a = app.request_password_reset(victim).await;
        if is_limited(&a) {
            requests_refused += 1;
        } else {
            assert_eq!(
                a.status,
                StatusCode::ACCEPTED,
                "round {round}: {:?}",
                a.body
            );
        }
        // Let a minute pass, so that a double-click guard never hides a mail.
        sqlx::query("UPDATE account_codes SET created_at = created_at - 60000")
            .execute(&app.db().await)
            .await
            .expect("age");
        for _ in 0..5 {
            let a = app
                .reset_password(victim, "123456", "attacker's password")
                .await;
            match a.status {
                StatusCode::UNPROCESSABLE_ENTITY => guesses_heard += 1,
                StatusCode::TOO_MANY_REQUESTS => assert!(is_limited(&a)),
                other => panic!("round {round}: {other} {:?}", a.body),
            }
        }
    }
    assert_eq!(
        guesses_heard, 5,
        "one client gets five guesses for the address, in all"
    );
    assert!(
        requests_refused >= 15,
        "{requests_refused} of 20 requests refused"
    );
    // Give the background mailer a moment, then count what reached the victim.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let mailed = app.mail_to(victim).len() - mails_before;
    assert!(mailed <= 5, "{mailed} reset mails in an hour");
}

#[tokio::test]
async fn re_requesting_activation_codes_brings_no_new_guesses() {
    let app = spawn_app().await;
    let email = "pending@example.com";
    app.register(email).await;
    let mut heard = 0;
    for _ in 0..20 {
        let a = app.request_activation_code(email).await;
        assert!(
            a.status == StatusCode::ACCEPTED || is_limited(&a),
            "{:?}",
            a.body
        );
        for _ in 0..5 {
            let a = app.activate(email, "654321").await;
            if a.status == StatusCode::UNPROCESSABLE_ENTITY {
                heard += 1;
            } else {
                assert!(is_limited(&a), "{:?}", a.body);
            }
        }
    }
    assert_eq!(heard, 5);
}

/// Issue 9, hole 3: wrong codes told active (409), pending ("4 tries left") and unknown
/// (`code_invalid`) addresses apart.
#[tokio::test]
async fn wrong_codes_get_the_same_answer_for_active_pending_and_unknown_addresses() {
    let app = spawn_app_with(behind_a_proxy).await;
    app.provider("active@example.com").await;
    app.register("pending@example.com").await;
    let mut answers = Vec::new();
    for (i, email) in [
        "active@example.com",
        "pending@example.com",
        "nobody@example.com",
    ]
    .iter()
    .enumerate()
    {
        // Each from its own client, so that no client's budget differs.
        let ip = format!("198.51.100.{}", i + 1);
        let activate = app
            .post_from(
                &ip,
                path::ACTIVATE,
                json!({"email": email, "code": "000001"}),
            )
            .await;
        let reset = app
            .post_from(
                &ip,
                path::PASSWORD_RESET_CONFIRM,
                json!({"email": email, "code": "000001", "new_password": "a long new password"}),
            )
            .await;
        let resend = app
            .post_from(&ip, path::ACTIVATION_CODES, json!({"email": email}))
            .await;
        let forgot = app
            .post_from(&ip, path::PASSWORD_RESETS, json!({"email": email}))
            .await;
        let mut bodies = Vec::new();
        for a in [activate, reset, resend, forgot] {
            let mut body = a.body.clone();
            if let Some(e) = body.get_mut("error").and_then(|e| e.as_object_mut()) {
                e.remove("request_id");
            }
            bodies.push((a.status, body));
        }
        answers.push(bodies);
    }
    assert_eq!(answers[0], answers[1], "active vs pending");
    assert_eq!(answers[1], answers[2], "pending vs unknown");
    assert_eq!(answers[0][0].0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answers[0][2].0, StatusCode::ACCEPTED);
}

/// "Nobody can burn another person's activation attempts": a stranger's wrong codes spend the
/// stranger's tries, not the owner's.
#[tokio::test]
async fn a_strangers_wrong_codes_do_not_use_up_the_owners_code() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "owner@example.com";
    app.register(email).await;
    let code = app.code_from_mail(email, 0).await;
    let wrong = other_than(&code);
    for _ in 0..8 {
        app.post_from(
            "203.0.113.66",
            path::ACTIVATE,
            json!({"email": email, "code": wrong}),
        )
        .await;
    }
    let a = app
        .post_from(
            "203.0.113.66",
            path::ACTIVATE,
            json!({"email": email, "code": code}),
        )
        .await;
    assert!(is_limited(&a), "the stranger waits: {:?}", a.body);
    let a = app
        .post_from(
            "192.0.2.10",
            path::ACTIVATE,
            json!({"email": email, "code": code}),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "the owner activates: {:?}",
        a.body
    );
}

/// Guesses from many clients are bounded per address too, and one client guessing for many
/// addresses is bounded per client.
#[tokio::test]
async fn code_guesses_are_bounded_per_address_across_clients_and_per_client_across_addresses() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "target@example.com";
    app.register(email).await;
    let mut heard = 0;
    for client in 1..=8 {
        for _ in 0..5 {
            let a = app
                .post_from(
                    &format!("198.51.100.{client}"),
                    path::ACTIVATE,
                    json!({"email": email, "code": "999999"}),
                )
                .await;
            if a.status == StatusCode::UNPROCESSABLE_ENTITY {
                heard += 1;
            }
        }
    }
    assert_eq!(
        heard, 20,
        "twenty wrong codes per address a day, from all clients"
    );

    let mut heard = 0;
    for i in 0..40 {
        let a = app
            .post_from(
                "203.0.113.7",
                path::ACTIVATE,
                json!({"email": format!("sprayed{i}@example.com"), "code": "999999"}),
            )
            .await;
        if a.status == StatusCode::UNPROCESSABLE_ENTITY {
            heard += 1;
        }
    }
    assert_eq!(
        heard, 30,
        "thirty wrong codes an hour per client, whatever the address"
    );
}

/// Issue 9, hole 5: ten wrong passwords locked the account for everyone (the admin included),
/// while one client spraying 30 addresses was never slowed.
#[tokio::test]
async fn strangers_cannot_lock_the_owner_out() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "owner@example.com";
    app.provider(email).await; // signs in once from 127.0.0.1: a known client
                               // Three strangers spend the address's budget (ten an hour) and their own pairs.
    for stranger in 1..=3 {
        for _ in 0..5 {
            app.post_from(
                &format!("203.0.113.{stranger}"),
                path::SESSIONS,
                json!({"email": email, "password": "wrong password!"}),
            )
            .await;
        }
    }
    let a = app
        .post_from(
            "203.0.113.1",
            path::SESSIONS,
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert!(is_limited(&a), "a stranger's pair waits: {:?}", a.body);
    let a = app
        .post_from(
            "203.0.113.99",
            path::SESSIONS,
            json!({"email": email, "password": "one more guess"}),
        )
        .await;
    assert!(is_limited(&a), "a new stranger waits too: {:?}", a.body);
    // The owner, from where they signed in before, is not locked out.
    let a = app.try_login(email, PASSWORD).await;
    a.assert_status(StatusCode::CREATED);
}

#[tokio::test]
async fn one_client_spraying_many_addresses_is_slowed_down() {
    let app = spawn_app_with(behind_a_proxy).await;
    let mut refused = 0;
    for i in 0..30 {
        let a = app
            .post_from(
                "203.0.113.50",
                path::SESSIONS,
                json!({"email": format!("user{i}@example.com"), "password": "Winter2026!!"}),
            )
            .await;
        if is_limited(&a) {
            refused += 1;
        } else {
            a.assert_status(StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(refused, 10, "twenty failures per client in fifteen minutes");
    // Another client is not affected.
    let a = app
        .post_from(
            "198.51.100.5",
            path::SESSIONS,
            json!({"email": "user0@example.com", "password": "Winter2026!!"}),
        )
        .await;
    a.assert_status(StatusCode::UNAUTHORIZED);
}

/// Issue 9, hole 2: every log-in ran argon2id (19 MiB) at once, unbounded. Now a permit per core,
/// a short queue, then 503 `busy` with `Retry-After`.
#[tokio::test]
async fn password_hashing_is_bounded_and_the_rest_are_told_busy() {
    let app = spawn_app_with(|c| {
        behind_a_proxy(c);
        c.limits.hash_concurrency = 1;
        c.limits.hash_queue = 1;
        c.limits.hash_wait_ms = 5_000;
    })
    .await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let client = app.client.clone();
        let url = app.url(path::SESSIONS);
        tasks.push(tokio::spawn(async move {
            let resp = client
                .post(url)
                .header("x-forwarded-for", format!("198.51.100.{i}"))
                .json(&json!({"email": format!("flood{i}@example.com"), "password": "not a password"}))
                .send()
                .await
                .expect("sent");
            let retry = resp.headers().get("retry-after").is_some();
            let status = resp.status();
            let body: serde_json::Value = resp.json().await.unwrap_or_default();
            (status, retry, body["error"]["code"].as_str().unwrap_or("").to_string())
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let (status, retry, code) = t.await.expect("task");
        match status {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry, "busy answers carry Retry-After");
                assert_eq!(code, "busy");
                busy += 1;
            }
            other => panic!("{other}"),
        }
    }
    assert!(
        busy >= 1,
        "with one permit and a queue of one, some of twelve are told busy"
    );
    assert!(app.metric("berth_password_hash_busy_total").await >= 1.0);
}

/// Cheap checks first: a wrong reset code costs no password hash.
#[tokio::test]
async fn a_wrong_reset_code_costs_no_hashing() {
    let app = spawn_app().await;
    app.provider("cheap@example.com").await;
    let before = app.metric("berth_password_hashes_total").await;
    for _ in 0..3 {
        let a = app
            .reset_password("cheap@example.com", "123456", "a new long password")
            .await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.metric("berth_password_hashes_total").await, before);
}

async fn wrong_login(app: &TestApp, email: &str) -> Answer {
    app.try_login(email, "not the password").await
}

/// Issue 9, hole 6: limits lived in process memory, so N instances allowed N times the
/// attempts. Two servers on one database (SQLite file, or PostgreSQL in CI) share them.
#[tokio::test]
async fn two_servers_on_one_database_share_every_limit() {
    let a = spawn_app().await;
    let b = a.twin(|_| {}).await;
    let email = "shared@example.com";
    a.provider(email).await;
    let mut heard = 0;
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        if wrong_login(server, email).await.status == StatusCode::UNAUTHORIZED {
            heard += 1;
        }
    }
    assert_eq!(
        heard, 5,
        "five wrong passwords per address and client, across both servers"
    );

    let pending = "twins@example.com";
    a.register(pending).await;
    let mut heard = 0;
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        let r = server.activate(pending, "000000").await;
        if r.status == StatusCode::UNPROCESSABLE_ENTITY {
            heard += 1;
        }
    }
    assert_eq!(heard, 5, "five wrong codes, across both servers");

    let mut created = 0;
    for i in 0..10 {
        let server = if i % 2 == 0 { &a } else { &b };
        let r = server
            .consult(json!({"name": "访客", "email": "visitor@example.com", "message": "合作咨询"}))
            .await;
        if r.status == StatusCode::CREATED {
            created += 1;
        }
    }
    assert_eq!(
        created, 5,
        "five consultations per client in ten minutes, across both servers"
    );
}

/// A refused client asking again is refused from memory; the refusal ends when the database's
/// bucket has room again (the memory never refuses longer than it should, nor less).
#[tokio::test]
async fn a_refusal_is_repeated_from_memory_only_while_it_holds() {
    let app = spawn_app().await;
    let email = "remembered@example.com";
    app.provider(email).await;
    for _ in 0..5 {
        wrong_login(&app, email)
            .await
            .assert_status(StatusCode::UNAUTHORIZED);
    }
    let first = wrong_login(&app, email).await;
    assert!(is_limited(&first), "{:?}", first.body);
    let again = wrong_login(&app, email).await;
    assert!(is_limited(&again));
    let waits: Vec<u64> = [&first, &again]
        .iter()
        .map(|a| {
            a.headers["retry-after"]
                .to_str()
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0)
        })
        .collect();
    assert!(waits[1] <= waits[0] && waits[1] >= 1, "{waits:?}");
    // The right password from the same pair waits too, until the bucket has room.
    let a = app.try_login(email, PASSWORD).await;
    assert!(is_limited(&a));
    app.limits_time_passes(180_000).await;
    let a = app.try_login(email, PASSWORD).await;
    a.assert_status(StatusCode::CREATED);
}

/// Sends every `(client address, path, body)` at once; the answers, in any order.
async fn at_once(app: &TestApp, requests: Vec<(String, &str, serde_json::Value)>) -> Vec<Answer> {
    let mut set = tokio::task::JoinSet::new();
    for (ip, path, body) in requests {
        let req = app
            .client
            .post(app.url(path))
            .header("x-forwarded-for", ip)
            .json(&body);
        set.spawn(async move {
            let resp = req.send().await.expect("request sent");
            let status = resp.status();
            let headers = resp.headers().clone();
            let body = resp.json().await.unwrap_or_default();
            Answer {
                status,
                headers,
                body,
            }
        });
    }
    set.join_all().await
}

/// Issue 9, probe 4: guesses were judged first and counted after, so guesses sent in parallel
/// all got judged. Now each is counted before it is judged: sixty wrong reset codes at once, from
/// sixty clients, meet the address's budget of twenty — and the owner, at the client that asked
/// for the code, still resets the password.
#[tokio::test]
async fn parallel_guesses_cannot_outrun_the_address_budget_and_the_requester_still_gets_in() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "parallel@example.com";
    app.provider(email).await;
    let seen = app.mail_to(email).len();
    let a = app
        .post_from("192.0.2.10", path::PASSWORD_RESETS, json!({"email": email}))
        .await;
    a.assert_status(StatusCode::ACCEPTED);
    let code = app.code_from_mail(email, seen).await;
    let wrong = other_than(&code);
    let answers = at_once(
        &app,
        (1..=60)
            .map(|i| {
                (
                    format!("198.51.{}.{}", 100 + i / 200, i % 200 + 1),
                    path::PASSWORD_RESET_CONFIRM,
                    json!({"email": email, "code": wrong, "new_password": "attacker's password"}),
                )
            })
            .collect(),
    )
    .await;
    let judged = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    let limited = answers.iter().filter(|a| is_limited(a)).count();
    assert_eq!(judged, 20, "twenty guesses judged for the address in a day");
    assert_eq!(judged + limited, 60, "the rest wait");

    let a = app
        .post_from(
            "203.0.113.200",
            path::PASSWORD_RESET_CONFIRM,
            json!({"email": email, "code": code, "new_password": "a stranger's password"}),
        )
        .await;
    assert!(is_limited(&a), "a stranger waits, right code or not");
    let a = app
        .post_from(
            "192.0.2.10",
            path::PASSWORD_RESET_CONFIRM,
            json!({"email": email, "code": code, "new_password": "the owner's new password"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "the owner resets: {:?}", a.body);
}

/// Parallel wrong passwords from one client meet the pair's budget of five, not more.
#[tokio::test]
async fn parallel_wrong_passwords_meet_the_pair_budget() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "hammered@example.com";
    app.provider(email).await;
    let answers = at_once(
        &app,
        (0..12)
            .map(|_| {
                (
                    "203.0.113.44".to_string(),
                    path::SESSIONS,
                    json!({"email": email, "password": "not the password"}),
                )
            })
            .collect(),
    )
    .await;
    let judged = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNAUTHORIZED)
        .count();
    assert!(
        judged <= 5,
        "{judged} wrong passwords judged: {:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
    assert!(
        answers.iter().all(|a| a.status == StatusCode::UNAUTHORIZED
            || is_limited(a)
            || a.status == StatusCode::SERVICE_UNAVAILABLE),
        "{:?}",
        answers.iter().map(|a| a.status).collect::<Vec<_>>()
    );
}

/// Strangers who spent an account's second-factor budget do not lock its owner out: from a
/// client the account signed in from, the right code still gets in.
#[tokio::test]
async fn strangers_guessing_second_factor_codes_do_not_lock_the_owner_out() {
    let app = spawn_app_with(behind_a_proxy).await;
    let email = "careful@example.com";
    let token = app.provider(email).await;
    let secret = app.enrol_second_factor(&token).await;
    // Strangers get the password somehow, then guess codes from many clients.
    let mut challenges = Vec::new();
    for i in 1..=6 {
        let a = app
            .post_from(
                &format!("203.0.113.{i}"),
                path::SESSIONS,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(a.body["status"], "second_factor_required", "{:?}", a.body);
        challenges.push((
            i,
            a.body["challenge"].as_str().unwrap_or_default().to_string(),
        ));
    }
    let mut judged = 0;
    for (i, challenge) in &challenges {
        for _ in 0..5 {
            let a = app
                .post_from(
                    &format!("203.0.113.{i}"),
                    path::SESSION_SECOND_FACTOR,
                    json!({"challenge": challenge, "code": "000000"}),
                )
                .await;
            if a.status == StatusCode::UNPROCESSABLE_ENTITY {
                judged += 1;
            }
        }
    }
    assert!(judged <= 20, "{judged} codes judged for one account");
    app.next_code_step();
    let owner = app.login_with_second_factor(email, &secret).await;
    assert!(!owner.is_empty());
}

/// Issue 9, probe 6: the contact-us form mailed an acknowledgement to whatever address was typed,
/// so many clients could mail-bomb anyone through it. The messages are still received; only
/// three acknowledgements an hour reach one address.
#[tokio::test]
async fn the_contact_form_cannot_mail_bomb_an_address() {
    let app = spawn_app_with(behind_a_proxy).await;
    let victim = "bombed@example.com";
    let mut references = Vec::new();
    for i in 1..=8 {
        let a = app
            .post_from(
                &format!("198.51.100.{i}"),
                path::CONSULTATIONS,
                json!({"name": "A. Nonymous", "email": victim, "message": format!("message {i}")}),
            )
            .await;
        a.assert_status(StatusCode::CREATED);
        references.push(a.body["reference"].as_str().unwrap_or_default().to_string());
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        app.mail_to(victim).len(),
        3,
        "three acknowledgements an hour"
    );
    let operator = app.with_operator().await;
    let open = app
        .get_as(
            &operator,
            &format!("{}?status=open&limit=50", path::REVIEW_CONSULTATIONS),
        )
        .await;
    let received = open.body["items"].as_array().map_or(0, Vec::len);
    assert_eq!(received, 8, "every message is received");
    app.limits_time_passes(60 * 60 * 1000).await;
    app.post_from(
        "198.51.100.99",
        path::CONSULTATIONS,
        json!({"name": "Real Person", "email": victim, "message": "a real question"}),
    )
    .await;
    app.wait_for_mail(victim, 3).await;
}

/// Issue 9, probe 3: a client with right passwords (its own accounts), logging in again and
/// again in parallel, held every hashing place (a right password gives its budget back), so
/// everyone else was told busy. Now one client holds at most two places, and others get in.
#[tokio::test]
async fn one_client_with_right_passwords_cannot_hold_every_hashing_place() {
    let app = spawn_app_with(|c| {
        behind_a_proxy(c);
        c.limits.hash_concurrency = 1;
        c.limits.hash_queue = 8;
        c.limits.hash_wait_ms = 20_000;
    })
    .await;
    for i in 0..5 {
        app.provider(&format!("greedy{i}@example.com")).await;
    }
    app.provider("patient@example.com").await;
    let greedy = at_once(
        &app,
        (0..12)
            .map(|i| {
                (
                    "203.0.113.50".to_string(),
                    path::SESSIONS,
                    json!({"email": format!("greedy{}@example.com", i % 5), "password": PASSWORD}),
                )
            })
            .collect(),
    );
    let patient = async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        app.post_from(
            "198.51.100.50",
            path::SESSIONS,
            json!({"email": "patient@example.com", "password": PASSWORD}),
        )
        .await
    };
    let (greedy, patient) = tokio::join!(greedy, patient);
    patient.assert_status(StatusCode::CREATED);
    let answers: Vec<_> = greedy
        .iter()
        .map(|a| (a.status, a.code().to_string()))
        .collect();
    let busy = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    assert!(
        busy >= 10,
        "the greedy client holds two places: {answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(s, c)| *s == StatusCode::CREATED || c == "busy"),
        "{answers:?}"
    );
}
