//! Issue 14, item 1 on the pages: the staff screen (admins only, roles and last sign-in in
//! words), the invitation form, the page the mailed link opens, roles and deactivation with a
//! confirmation, and the rules screen. Plain HTTP, as a browser without JavaScript.

use berth::domain::account::Role;
use reqwest::StatusCode;

use crate::helpers::{spawn_app, ALL_STAFF};
use crate::pages::{assert_html_page, csrf_field, form_action, html, Visitor};

fn location(a: &crate::helpers::Answer) -> String {
    a.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

#[tokio::test]
async fn an_admin_invites_changes_roles_and_deactivates_on_the_staff_pages() {
    let app = spawn_app().await;
    let session = app.staff("boss@berth.test", ALL_STAFF).await;
    let mut admin = Visitor::new(&app);
    admin.cookies.push(("berth_session".into(), session));
    admin.cookies.push(("berth_lang".into(), "en".into()));

    let list = admin.get("/console/staff").await;
    assert_html_page(&list, StatusCode::OK, "en");
    let page = html(&list);
    assert!(
        page.contains(r#"href="/console/staff" aria-current="page""#),
        "{page}"
    );
    assert!(page.contains("boss@berth.test"));
    assert!(page.contains("Reviewer, Finance, Administrator"), "{page}");
    assert!(!page.contains("reviewer,finance"), "no stored keys shown");

    // Nothing typed: both fields named; what was typed is kept.
    let csrf = csrf_field(page).expect("csrf");
    let action = form_action(page, "/console/staff");
    let a = admin
        .post_form(
            &action,
            &[("csrf_token", &csrf), ("email", "not-an-address")],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "en");
    assert!(html(&a).contains(r#"value="not-an-address""#));
    assert!(html(&a).contains(r#"id="e-email""#));

    let action = form_action(html(&a), "/console/staff");
    let a = admin
        .post_form(
            &action,
            &[
                ("csrf_token", &csrf),
                ("email", "colleague@berth.test"),
                ("roles", "reviewer"),
            ],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
    assert_eq!(location(&a), "/console/staff?notice=invitation_sent");
    let list = admin.get("/console/staff").await;
    assert!(html(&list).contains("colleague@berth.test"));

    // The mailed link opens the page that sets the password.
    let mail = app.wait_for_mail("colleague@berth.test", 0).await;
    let at = mail.find("/staff/invitation?token=").expect("link");
    let link: String = mail[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let mut invitee = Visitor::new(&app);
    invitee.cookies.push(("berth_lang".into(), "en".into()));
    let page = invitee.get(&link).await;
    assert_html_page(&page, StatusCode::OK, "en");
    assert!(html(&page).contains("colleague@berth.test"));
    assert!(html(&page).contains("Reviewer"));
    let csrf = csrf_field(html(&page)).expect("csrf");
    let token = link.rsplit_once('=').map(|(_, t)| t).unwrap_or("");
    let a = invitee
        .post_form(
            "/staff/invitation",
            &[
                ("csrf_token", &csrf),
                ("token", token),
                ("password", "a long password"),
                ("password_confirm", "another one!!"),
            ],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "en");
    assert!(html(&a).contains("not the same"), "{}", html(&a));
    assert!(
        !html(&a).contains("a long password"),
        "passwords are not sent back"
    );
    let a = invitee
        .post_form(
            "/staff/invitation",
            &[
                ("csrf_token", &csrf),
                ("token", token),
                ("password", "a long password"),
                ("password_confirm", "a long password"),
            ],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
    assert!(location(&a).starts_with("/login?"), "{}", location(&a));
    let again = invitee.get(&link).await;
    assert_html_page(&again, StatusCode::GONE, "en");
    assert!(html(&again).contains("already been used"));

    // The colleague's page: roles in words, never signed in; then roles changed.
    let list = admin.get("/console/staff").await;
    let id = {
        let page = html(&list);
        let row = page
            .split("<tr class=\"staff-member\">")
            .find(|r| r.contains("colleague@berth.test"))
            .expect("row");
        assert!(row.contains("Never signed in"), "{row}");
        let at = row.find("/console/staff/").expect("link") + "/console/staff/".len();
        row[at..]
            .chars()
            .take_while(|c| *c != '"')
            .collect::<String>()
    };
    let member = admin.get(&format!("/console/staff/{id}")).await;
    assert_html_page(&member, StatusCode::OK, "en");
    let csrf = csrf_field(html(&member)).expect("csrf");
    let a = admin
        .post_form(
            &format!("/console/staff/{id}"),
            &[("csrf_token", &csrf), ("action", "roles")],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "en");
    let a = admin
        .post_form(
            &format!("/console/staff/{id}"),
            &[
                ("csrf_token", &csrf),
                ("action", "roles"),
                ("roles", "finance"),
            ],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);

    // Deactivating: a confirmation first.
    let confirm = admin.get(&format!("/console/staff/{id}/deactivate")).await;
    assert_html_page(&confirm, StatusCode::OK, "en");
    assert!(html(&confirm).contains("Deactivate colleague@berth.test?"));
    let a = admin
        .post_form(
            &format!("/console/staff/{id}"),
            &[("csrf_token", &csrf), ("action", "deactivate")],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
    let member = admin.get(&format!("/console/staff/{id}")).await;
    assert!(html(&member).contains("Deactivated"));
    assert!(html(&member).contains("Finance"));

    // The rules screen.
    let rules = admin.get("/console/rules").await;
    assert_html_page(&rules, StatusCode::OK, "en");
    assert!(html(&rules).contains("changes only the description"));
    assert!(
        !html(&rules).contains("product_minor_revision<"),
        "no keys shown"
    );
    let a = admin
        .post_form(
            "/console/rules",
            &[
                ("csrf_token", &csrf),
                ("code", "product_minor_revision"),
                ("enabled", "on"),
                ("min_approved_products", "x"),
                ("sample_percent", "10"),
            ],
        )
        .await;
    assert_html_page(&a, StatusCode::UNPROCESSABLE_ENTITY, "en");
    assert!(html(&a).contains(r#"value="x""#), "what was typed is kept");
    let a = admin
        .post_form(
            "/console/rules",
            &[
                ("csrf_token", &csrf),
                ("code", "product_minor_revision"),
                ("enabled", "on"),
                ("min_approved_products", "5"),
                ("sample_percent", "10"),
            ],
        )
        .await;
    a.assert_status(StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn staff_without_the_admin_role_see_neither_the_staff_menu_nor_the_screen() {
    let app = spawn_app().await;
    let session = app.staff("rev@berth.test", &[Role::Reviewer]).await;
    let mut reviewer = Visitor::new(&app);
    reviewer.cookies.push(("berth_session".into(), session));
    reviewer.cookies.push(("berth_lang".into(), "en".into()));
    let queue = reviewer.get("/console").await;
    assert_html_page(&queue, StatusCode::OK, "en");
    assert!(!html(&queue).contains(r#"href="/console/staff""#));
    let staff = reviewer.get("/console/staff").await;
    assert_html_page(&staff, StatusCode::FORBIDDEN, "en");
    let rules = reviewer.get("/console/rules").await;
    assert_html_page(&rules, StatusCode::FORBIDDEN, "en");
}

#[tokio::test]
async fn an_item_page_offers_its_decision_only_to_the_role_that_decides_it() {
    let app = spawn_app().await;
    let (_, item) = app
        .with_submitted_provider(
            "roles-page@example.com",
            "页面角色科技有限公司",
            &crate::helpers::uscc(41),
        )
        .await;
    let id = item["id"].as_str().expect("id").to_string();
    let path = format!("/console/items/{id}");
    let decision = format!(r#"action="/console/items/{id}/decision""#);
    let claim = format!(r#"action="/console/items/{id}/claims/claim""#);

    let session = app.staff("money@berth.test", &[Role::Finance]).await;
    let mut finance = Visitor::new(&app);
    finance.cookies.push(("berth_session".into(), session));
    finance.cookies.push(("berth_lang".into(), "en".into()));
    let page = finance.get(&path).await;
    assert_html_page(&page, StatusCode::OK, "en");
    let body = html(&page);
    assert!(
        !body.contains(&decision),
        "finance is offered a decision it may not take"
    );
    assert!(
        !body.contains(&claim),
        "finance is offered a claim on work it may not do"
    );
    assert!(
        body.contains(r#"id="decide-not-yours""#) && body.contains("needs the Reviewer role"),
        "the page says who decides"
    );

    let session = app.staff("eyes@berth.test", &[Role::Reviewer]).await;
    let mut reviewer = Visitor::new(&app);
    reviewer.cookies.push(("berth_session".into(), session));
    reviewer.cookies.push(("berth_lang".into(), "en".into()));
    let page = reviewer.get(&path).await;
    let body = html(&page);
    assert!(body.contains(&decision) && body.contains(&claim));
    assert!(!body.contains(r#"id="decide-not-yours""#));
}

/// The queue page's "what is waiting" row of `kind`.
fn waiting_row(body: &str, kind: &str) -> String {
    let start = body
        .find(&format!(r#"data-kind="{kind}""#))
        .expect("a row per kind");
    body[start..]
        .split("</tr>")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn what_is_waiting_follows_each_submission_and_decision_at_once() {
    let app = spawn_app().await;
    let session = app.staff("eyes@berth.test", &[Role::Reviewer]).await;
    let mut reviewer = Visitor::new(&app);
    reviewer.cookies.push(("berth_session".into(), session));
    reviewer.cookies.push(("berth_lang".into(), "en".into()));
    let company = "等候科技有限公司";
    let before = reviewer.get("/console").await;
    assert!(!waiting_row(html(&before), "enterprise_verification").contains(company));

    // Read, then a submission: the next view shows it, though the first was a moment ago.
    let (_, item) = app
        .with_submitted_provider("waiting@example.com", company, &crate::helpers::uscc(42))
        .await;
    let page = reviewer.get("/console").await;
    let row = waiting_row(html(&page), "enterprise_verification");
    assert!(row.contains(company), "{row}");

    // …and a decision takes it away at once.
    let op = app.with_operator().await;
    app.approve(&op, &item).await;
    let page = reviewer.get("/console").await;
    let row = waiting_row(html(&page), "enterprise_verification");
    assert!(!row.contains(company), "{row}");
}
