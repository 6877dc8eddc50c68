//! A provider that closed its account stands `closed` for staff, and no staff action is
//! recorded against it any more: no deposit payment or deduction (and no mail about one), no
//! suspension or reinstatement, no claim, assignment or decision on its items.

use reqwest::StatusCode;
use serde_json::json;

use crate::deposits::{deduct_with_evidence, deposit_path, paid_provider, Paid};
use crate::helpers::*;
use crate::pages::{html, Visitor};

#[tokio::test]
async fn a_closed_provider_stands_closed_and_takes_no_more_staff_action() {
    let app = spawn_app().await;
    let Paid {
        op,
        admin,
        finance,
        token,
        id,
    } = paid_provider(&app, "leaving@example.com", 47, 100_000, "BOC-1").await;
    let decided = app
        .review_queue(&op, "status=approved&limit=200")
        .await
        .body["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|i| i["subject"]["account_id"] == id.as_str())
                .cloned()
        })
        .expect("an item of the provider");
    let profile = format!("/api/v1/review/providers/{id}");
    assert_eq!(app.get_as(&op, &profile).await.body["standing"], "active");

    let seen = app.mail_to("leaving@example.com").len();
    app.close_account(&token)
        .await
        .assert_status(StatusCode::ACCEPTED);
    app.wait_for_mail("leaving@example.com", seen).await;
    // Mail about the payment may still be on its way: count once the outbox is empty.
    app.mail_settled().await;
    let mails_before = app.mail_to("leaving@example.com").len();

    let p = app.get_as(&op, &profile).await;
    p.assert_status(StatusCode::OK);
    assert_eq!(p.body["standing"], "closed", "{:?}", p.body);

    let refused = |a: Answer, what: &str| {
        assert_eq!(a.status, StatusCode::CONFLICT, "{what}: {:?}", a.body);
        assert_eq!(a.code(), "account_closed", "{what}");
        let message = a.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !message.is_empty() && message != "account_closed",
            "{what}: {message}"
        );
    };
    let payment = json!({"amount_fen": 10_000, "reference": "BOC-2"});
    refused(
        app.post_as(&finance, &deposit_path(&id, "payments"), payment)
            .await,
        "payment",
    );
    let deduction = deduct_with_evidence(&app, &finance, &id, 100, "Late delivery", pdf()).await;
    refused(deduction, "deduction");
    let reason = json!({"reason": "Complaints"});
    refused(
        app.post_as(&op, &format!("{profile}/suspend"), reason.clone())
            .await,
        "suspend",
    );
    refused(
        app.post_as(&op, &format!("{profile}/reinstate"), reason)
            .await,
        "reinstate",
    );
    let item_id = decided["id"].as_str().expect("id");
    refused(
        app.post_as(
            &op,
            &format!("/api/v1/review/items/{item_id}/claim"),
            json!({}),
        )
        .await,
        "claim",
    );
    refused(
        app.post_as(
            &admin,
            &format!("/api/v1/review/items/{item_id}/assign"),
            json!({"reviewer": "operator@berth.test"}),
        )
        .await,
        "assign",
    );
    refused(
        app.decide(
            &op,
            &decided,
            json!({"decision": "approve", "version": decided["version"]}),
        )
        .await,
        "decision",
    );
    // Nothing was mailed to the holder who left (nor queued to be).
    app.mail_settled().await;
    assert_eq!(app.mail_to("leaving@example.com").len(), mails_before);
    let ledger = app.get_as(&finance, &format!("{profile}/deposit")).await;
    assert_eq!(ledger.body["balance_fen"], 100_000, "{:?}", ledger.body);
    app.stop().await;
}

/// Finance's deposit page of a closed provider keeps the ledger but offers no payment or
/// deduction form (they would only be refused): it says in words why, in either language.
#[tokio::test]
async fn the_deposit_page_of_a_closed_provider_says_why_it_has_no_forms() {
    let app = spawn_app().await;
    let Paid {
        finance, token, id, ..
    } = paid_provider(&app, "gone@example.com", 48, 100_000, "BOC-9").await;
    let path = format!("/console/providers/{id}/deposit");
    let page_in = |language: &'static str| {
        let mut visitor = Visitor::new(&app);
        visitor
            .cookies
            .push(("berth_session".into(), finance.clone()));
        visitor.cookies.push(("berth_lang".into(), language.into()));
        visitor
    };
    let forms = ["deposit-payment-form", "deposit-deduction-form"];

    // Open: both forms.
    let page = page_in("en").get(&path).await;
    page.assert_status(StatusCode::OK);
    for form in forms {
        assert!(html(&page).contains(form), "{form}: {}", html(&page));
    }
    assert!(!html(&page).contains("deposit-closed"));

    app.close_account(&token)
        .await
        .assert_status(StatusCode::ACCEPTED);

    for (language, words) in [("en", "closed its account on"), ("zh-CN", "注销账户")] {
        let page = page_in(language).get(&path).await;
        page.assert_status(StatusCode::OK);
        let text = html(&page);
        for form in forms {
            assert!(!text.contains(form), "{language} {form}: {text}");
        }
        assert!(
            text.contains(r#"id="deposit-closed""#),
            "{language}: {text}"
        );
        assert!(text.contains(words), "{language}: {text}");
        // The ledger is still there.
        assert!(text.contains("BOC-9"), "{language}: {text}");
    }
    app.stop().await;
}
