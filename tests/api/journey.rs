//! The whole move-in journey over HTTP, as a provider and an operator live it.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn provider_moves_in_from_registration_to_live() {
    let app = spawn_app().await;
    let operator = app.with_operator().await;
    let email = "founder@example.com";
    let company = "深圳云帆科技有限公司";
    let code = uscc(1);

    // Registration and activation.
    let Provider { token, id, .. } = app.with_provider(email).await;
    let m = app.move_in(&token).await;
    m.assert_status(StatusCode::OK);
    assert_eq!(m.body["state"], "in_progress");
    assert_eq!(
        m.body["steps"][0],
        json!({"key": "account", "status": "done"})
    );
    assert_eq!(
        m.body["due"],
        json!([
            "enterprise_verification",
            "partner_application",
            "customer_service_info",
            "settlement_info"
        ])
    );

    // The application waits for verification.
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "enterprise_verification_required");
    assert_eq!(a.body["error"]["due"][0], "enterprise_verification");

    // Verification: a wrong company name first, rejected with a reason.
    app.submit_verification(&token, "深圳云帆科技", &code).await;
    let m = app.move_in(&token).await;
    assert_eq!(m.body["steps"][1]["status"], "in_review");
    let item = app
        .pending_item(&operator, "enterprise_verification", &id)
        .await;
    assert_eq!(item["subject"]["company_name"], "深圳云帆科技");
    app.reject(
        &operator,
        &item,
        json!([{"field": "company_name", "message": "与营业执照不一致"}]),
    )
    .await;
    app.wait_for_mail_containing(email, "与营业执照不一致")
        .await;
    let m = app.move_in(&token).await;
    assert_eq!(m.body["steps"][1]["status"], "rejected");
    assert_eq!(
        m.body["steps"][1]["reasons"],
        json!([{"field": "company_name", "message": "与营业执照不一致"}])
    );

    // Resubmitted with the right name (the ID and account numbers are kept, not re-sent).
    let a = app
        .save_enterprise(&token, json!({
            "subject_type": "enterprise", "company_name": company, "uscc": code,
            "registered_address": "深圳市南山区科技园",
            "license_valid_until": LICENCE_VALID_UNTIL,
            "legal_rep": {"name": "张三", "id_type": "prc_id", "id_valid_until": null},
            "authorized_person": {"same_as_legal_rep": true},
            "corporate_account": {"bank_name": "招商银行", "province": "广东", "city": "深圳", "branch_name": "深圳南山支行"}
        }))
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(
        a.body["legal_rep"]["id_number_masked"],
        "1101**********002X"
    );
    assert_eq!(
        a.body["corporate_account"]["account_number_masked"],
        "**** **** 3445"
    );
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "in_review");
    assert_eq!(a.body["submissions"].as_array().map(Vec::len), Some(2));

    // The operator sees the earlier submission, pays the deposit and approves.
    let item = app
        .pending_item(&operator, "enterprise_verification", &id)
        .await;
    let item_id = item["id"].as_str().expect("id").to_string();
    let detail = app.review_item(&operator, &item_id).await;
    assert_eq!(
        detail.body["earlier"][0]["data"]["company_name"],
        "深圳云帆科技"
    );
    assert_eq!(detail.body["data"]["company_name"], company);
    assert_eq!(detail.body["documents"][0]["kind"], "business_license");
    let a = app.record_deposit(&operator, &item_id).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(
        a.code(),
        "documents_not_approved",
        "no money goes out before the documents are approved"
    );
    app.approve(&operator, &detail.body).await;
    let sent = app.record_deposit(&operator, &item_id).await;
    sent.assert_status(StatusCode::OK);
    assert_eq!(sent.body["status"], "sent");
    let amount = sent.body["amount_fen"].as_i64().expect("amount");
    assert!((1..=99).contains(&amount));
    let m = app.move_in(&token).await;
    assert_eq!(
        m.body["steps"][1]["status"], "in_review",
        "documents approved, deposit pending"
    );
    assert_eq!(
        m.body["steps"][1]["checks"],
        json!({"documents": "approved", "micro_deposit": "sent"})
    );

    // The deposit: wrong once, then right.
    let wrong = if amount == 99 { 1 } else { amount + 1 };
    let a = app.confirm_deposit(&token, &wrong).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "wrong_amount");
    assert_eq!(a.body["error"]["attempts_left"], 4);
    let a = app.confirm_deposit(&token, &amount).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(
        a.body["status"], "confirmed",
        "API.md: 200 {{status: confirmed}}"
    );
    let ent = app.enterprise(&token).await;
    assert_eq!(ent.body["verified"], true);
    let m = app.move_in(&token).await;
    assert_eq!(m.body["steps"][1]["status"], "done");

    // Not yet a provider.
    let a = app.settlement(&token).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "provider_access_required");
    assert_eq!(a.body["error"]["due"][0], "partner_application");

    // The application, approved.
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::OK);
    assert!(a.body["agreement_accepted_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    let a = app.submit_application(&token).await;
    a.assert_status(StatusCode::OK);
    let item = app
        .pending_item(&operator, "partner_application", &id)
        .await;
    assert_eq!(item["subject"]["company_name"], company);
    app.approve(&operator, &item).await;

    // Provider backend: customer service and settlement.
    let a = app
        .save_customer_service(&token, customer_service_form())
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["phone"], "400-123-4567");
    let a = app
        .save_settlement(
            &token,
            settlement_form("深圳云帆科技有限公司（深圳）", ACCOUNT_NUMBER),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "account_name_mismatch");
    let a = app
        .save_settlement(&token, settlement_form(company, ACCOUNT_NUMBER))
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["account_number_masked"], "**** **** 3445");
    assert_eq!(a.body["status"], "active");
    assert!(!a.body.to_string().contains(ACCOUNT_NUMBER));

    let m = app.move_in(&token).await;
    assert_eq!(m.body["state"], "moved_in", "{:?}", m.body);
    assert_eq!(m.body["due"], json!([]));
    // The approval mail tells where to go next.
    app.wait_for_mail_containing(email, "服务商后台").await;

    // Nothing stored or logged shows the ID or account number in plain text.
    let log = captured_log();
    assert!(!log.contains(ID_NUMBER) && !log.contains(ACCOUNT_NUMBER));
    if !app.is_postgres() {
        let mut seen = String::new();
        for file in ["berth.db", "berth.db-wal"] {
            if let Ok(bytes) = std::fs::read(app.data_dir.path().join(file)) {
                let text = String::from_utf8_lossy(&bytes);
                assert!(!text.contains(ID_NUMBER), "{file} holds the ID number");
                assert!(
                    !text.contains(ACCOUNT_NUMBER),
                    "{file} holds the account number"
                );
                seen.push_str(&text);
            }
        }
        // The files were really read: the (public) credit code is in them.
        assert!(seen.contains(&code));
    }
}
