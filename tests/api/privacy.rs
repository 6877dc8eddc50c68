//! Data rights (docs/PRIVACY.md): the account holder's download of everything held about the
//! account, closing the account, and the erasure after the retention period — after which no
//! personal value remains in the database, its write-ahead log, the stored files or the mail
//! folder, and `berth audit verify` still passes.

use std::io::Read;
use std::path::Path;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::deposits::deduct_with_evidence;
use crate::helpers::{
    berth_bin, pdf_with, settlement_form, spawn_app, uscc, TestApp, ACCOUNT_NUMBER, ID_NUMBER,
    LICENCE_VALID_UNTIL, PASSWORD,
};
use crate::pages::{html, Visitor};
use crate::products::product_form;

const EXPORT: &str = "/api/v1/me/export";
const CLOSURE: &str = "/api/v1/me/closure";
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The distinctive personal values of one provider, each of which must be gone after erasure.
struct Person {
    email: String,
    legal_rep: &'static str,
    contact_name: &'static str,
    contact_mobile: &'static str,
    contact_email: &'static str,
    service_phone: &'static str,
    service_email: &'static str,
    licence_marker: &'static str,
}

fn person(tag: &str) -> Person {
    Person {
        email: format!("privacy-holder-{tag}@example.com"),
        legal_rep: "慕容云海",
        contact_name: "司马青衫",
        contact_mobile: "13912345678",
        contact_email: "qingshan.contact@example.org",
        service_phone: "0755-86013388",
        service_email: "yunhai.service@example.net",
        licence_marker: "LICENCE-MARKER-PRIVACY-7731",
    }
}

impl Person {
    fn values(&self) -> Vec<String> {
        vec![
            self.email.clone(),
            self.legal_rep.to_string(),
            self.contact_name.to_string(),
            self.contact_mobile.to_string(),
            self.contact_email.to_string(),
            self.service_phone.to_string(),
            self.service_email.to_string(),
            self.licence_marker.to_string(),
            ID_NUMBER.to_string(),
            ACCOUNT_NUMBER.to_string(),
        ]
    }
}

/// A provider that went the whole way (verified, approved, moved in, one listed product) with
/// `p`'s values; its token, id and product.
async fn moved_in(app: &TestApp, p: &Person, code: &str) -> (String, String, String) {
    let op = app.with_operator().await;
    let token = app.provider(&p.email).await;
    let id = app.account_id(&token).await;
    let form = json!({
        "subject_type": "enterprise",
        "company_name": "深圳云海数据有限公司",
        "uscc": code,
        "registered_address": "深圳市南山区科技园",
        "license_valid_until": LICENCE_VALID_UNTIL,
        "legal_rep": {"name": p.legal_rep, "id_type": "prc_id", "id_number": ID_NUMBER,
                      "id_valid_until": null},
        "authorized_person": {"same_as_legal_rep": true},
        "corporate_account": {"bank_name": "招商银行", "province": "广东", "city": "深圳",
                              "branch_name": "深圳南山支行", "account_number": ACCOUNT_NUMBER}
    });
    app.save_enterprise(&token, form)
        .await
        .assert_status(StatusCode::OK);
    app.upload_licence_with(&token, pdf_with(p.licence_marker))
        .await
        .assert_status(StatusCode::CREATED);
    app.submit_enterprise(&token)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "enterprise_verification", &id).await;
    app.approve(&op, &item).await;
    let sent = app
        .record_deposit(&op, item["id"].as_str().expect("id"))
        .await;
    sent.assert_status(StatusCode::OK);
    app.confirm_deposit(&token, &sent.body["amount_fen"])
        .await
        .assert_status(StatusCode::OK);
    let application = json!({
        "contact": {"name": p.contact_name, "title": "商务经理", "mobile": p.contact_mobile,
                    "email": p.contact_email},
        "business_brief": "We build SaaS for IoT device fleets and offer O&M services on the cloud.",
        "categories": ["iot", "ops-services"],
        "service_types": ["saas", "offline-service"],
        "service_hours": "5x8",
        "years_in_industry": 6,
        "agreement_version": "2026-01"
    });
    app.save_application(&token, application)
        .await
        .assert_status(StatusCode::OK);
    app.submit_application(&token)
        .await
        .assert_status(StatusCode::OK);
    let item = app.pending_item(&op, "partner_application", &id).await;
    app.approve(&op, &item).await;
    let cs = json!({"phone": p.service_phone, "email": p.service_email,
                    "dongdong_group_id": "12345678", "service_hours": "工作日 9:00-18:00"});
    app.save_customer_service(&token, cs)
        .await
        .assert_status(StatusCode::OK);
    app.save_settlement(
        &token,
        settlement_form("深圳云海数据有限公司", ACCOUNT_NUMBER),
    )
    .await
    .assert_status(StatusCode::OK);
    let m = app.move_in(&token).await;
    assert_eq!(m.body["state"], "moved_in", "{:?}", m.body);
    let product = app
        .listed_product(&op, &token, &id, product_form("云海物联网平台", "iot"))
        .await;
    (token, id, product)
}

/// `GET /api/v1/me/export` as `token`: the status and the body's bytes.
pub async fn export(app: &TestApp, token: &str) -> (StatusCode, Vec<u8>, String) {
    let r = app
        .client
        .get(app.url(EXPORT))
        .bearer_auth(token)
        .send()
        .await
        .expect("export");
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, r.bytes().await.expect("body").to_vec(), kind)
}

pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut out = Vec::new();
            f.read_to_end(&mut out).expect("read entry");
            (f.name().expect("name").to_string(), out)
        })
        .collect()
}

#[tokio::test]
async fn the_export_holds_the_records_the_documents_as_uploaded_and_the_audit_events() {
    let app = spawn_app().await;
    let p = person("export");
    let (token, id, product) = moved_in(&app, &p, &uscc(7301)).await;

    let (status, bytes, kind) = export(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "application/zip");
    let files = unzip(&bytes);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    let file = |name: &str| -> Value {
        let (_, b) = files
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name} missing from {names:?}"));
        serde_json::from_slice(b).expect("json")
    };
    // The records, as JSON.
    let account = file("records/accounts.json");
    assert_eq!(account[0]["email"], p.email.as_str());
    assert!(account[0].get("password_hash").is_none());
    let enterprise = file("records/enterprise_verifications.json");
    assert_eq!(enterprise[0]["data"]["legal_rep"]["name"], p.legal_rep);
    // Tables other features added hold the account's rows too (the expiry reminders it was sent).
    assert!(file("records/expiry_reminders.json").is_array());
    let application = file("records/partner_applications.json");
    assert_eq!(
        application[0]["data"]["contact"]["mobile"],
        p.contact_mobile
    );
    let cs = file("records/provider_customer_service.json");
    assert_eq!(cs[0]["email"], p.service_email);
    let products = file("records/products.json");
    assert_eq!(products[0]["id"], product.as_str());
    // Sealed numbers are not in it in full (their masked forms are).
    let all = String::from_utf8_lossy(&bytes).to_string()
        + &files
            .iter()
            .map(|(_, b)| String::from_utf8_lossy(b).to_string())
            .collect::<String>();
    assert!(!all.contains(ACCOUNT_NUMBER), "the full account number");
    assert!(!all.contains(ID_NUMBER), "the full ID number");
    // The documents, decrypted, byte for byte as uploaded.
    let licence = files
        .iter()
        .find(|(n, _)| n.starts_with("documents/business_license-"))
        .expect("the licence");
    assert_eq!(licence.1, pdf_with(p.licence_marker));
    // The audit events about the account, as the chain holds them.
    let (_, events) = files
        .iter()
        .find(|(n, _)| n == "audit/events.jsonl")
        .expect("events");
    let events: Vec<Value> = String::from_utf8_lossy(events)
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .collect();
    assert!(events
        .iter()
        .any(|e| e["action"] == "enterprise.submitted" && e["subject"] == id.as_str()));
    assert!(events.iter().all(|e| e["hash"].is_string()));

    // The download itself is audited.
    let db = app.db().await;
    let exported: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'account.data_exported' AND actor = $1",
    )
    .bind(id.clone())
    .fetch_one(&db)
    .await
    .expect("count");
    assert_eq!(exported, 1);
}

#[tokio::test]
async fn the_export_is_the_holders_own_and_counted_per_day() {
    let app = spawn_app_exports(2).await;
    let token = app.provider("counted@example.com").await;
    for _ in 0..2 {
        let (status, _, _) = export(&app, &token).await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, _, _) = export(&app, &token).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // The page's download says when to try again, in words and in Retry-After (it said
    // neither).
    let page = app
        .client
        .get(app.url("/account/data/export"))
        .header("cookie", format!("berth_session={token}"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key("retry-after"));
    let html = page.text().await.unwrap_or_default();
    assert!(html.contains("分钟后再试"), "{html}");
    // Without a session: 401.
    let a = app.get(EXPORT).await;
    a.assert_status(StatusCode::UNAUTHORIZED);
}

async fn spawn_app_exports(n: u32) -> TestApp {
    crate::helpers::spawn_app_with(move |c| c.privacy.exports_per_day = n).await
}

#[tokio::test]
async fn closing_needs_the_password_and_the_confirmation() {
    let app = spawn_app().await;
    let token = app.provider("careful@example.com").await;
    let a = app
        .post_as(
            &token,
            CLOSURE,
            json!({"password": "wrong one", "confirm": true}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![("password".into(), "password_wrong".into())]
    );
    let a = app
        .post_as(
            &token,
            CLOSURE,
            json!({"password": PASSWORD, "confirm": false}),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["confirm".to_string()]);
    // Staff close no account here.
    let op = app.with_operator().await;
    app.close_account(&op)
        .await
        .assert_status(StatusCode::FORBIDDEN);
    // Still open.
    app.get_as(&token, "/api/v1/me")
        .await
        .assert_status(StatusCode::OK);
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Which of `values` some text column of some table holds (SQLite and PostgreSQL alike).
async fn values_in_tables(app: &TestApp, values: &[String]) -> Vec<String> {
    let db = app.db().await;
    let columns: Vec<(String, String)> = if app.is_postgres() {
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')",
        )
        .fetch_all(&db)
        .await
        .expect("columns")
    } else {
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&db)
                .await
                .expect("tables");
        let mut out = Vec::new();
        for (t,) in tables {
            let cols: Vec<(String, String)> =
                sqlx::query_as(&format!("SELECT name, type FROM pragma_table_info('{t}')"))
                    .fetch_all(&db)
                    .await
                    .expect("columns");
            out.extend(
                cols.into_iter()
                    .filter(|(_, ty)| ty.eq_ignore_ascii_case("TEXT"))
                    .map(|(c, _)| (t.clone(), c)),
            );
        }
        out
    };
    let mut found = Vec::new();
    for (table, column) in columns {
        for v in values {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM {table} WHERE {column} LIKE $1"
            ))
            .bind(format!("%{v}%"))
            .fetch_one(&db)
            .await
            .expect("count");
            if n > 0 {
                found.push(format!("{table}.{column}: {v}"));
            }
        }
    }
    found
}

#[tokio::test]
async fn after_erasure_no_personal_value_remains_and_the_audit_chain_verifies() {
    let app = spawn_app().await;
    let p = person("erasure");
    let (token, id, product) = moved_in(&app, &p, &uscc(7302)).await;
    app.wait_for_mail(&p.email, 0).await;
    // Finance records a deposit and a deduction with evidence: the ledger is a financial record
    // that stays, its evidence file goes.
    let finance = app.with_operator().await;
    let ledger = format!("/api/v1/review/providers/{id}/deposit");
    app.post_as(
        &finance,
        &format!("{ledger}/payments"),
        json!({"amount_fen": 100_000, "reference": "CMB-2026-0042"}),
    )
    .await
    .assert_status(StatusCode::CREATED);
    deduct_with_evidence(
        &app,
        &finance,
        &id,
        10_000,
        "Refund to a buyer after a complaint",
        pdf_with("EVIDENCE-PRIVACY"),
    )
    .await
    .assert_status(StatusCode::CREATED);
    let values = p.values();
    // Before: the values are there (the check below can find them).
    let before = values_in_tables(&app, &values).await;
    assert!(
        before.iter().any(|f| f.contains(p.contact_mobile)),
        "{before:?}"
    );
    let a = app.storefront_product(&product).await;
    a.assert_status(StatusCode::OK);

    // The holder closes the account: products leave the storefront, the session ends.
    let a = app.close_account(&token).await;
    a.assert_status(StatusCode::ACCEPTED);
    assert_eq!(a.body["status"], "closing");
    // The holder is told by mail what happens and when (that mail is erased too).
    let mail = app
        .wait_for_mail_containing(&p.email, "您已注销服务商账户")
        .await;
    assert!(mail.contains("永久删除"), "{mail}");
    app.get_as(&token, "/api/v1/me")
        .await
        .assert_status(StatusCode::UNAUTHORIZED);
    app.storefront_product(&product)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    // Signing in with the right password says the account is closed, in words (it said "you
    // are not allowed to do this"); a wrong one is a wrong password, as for any address.
    let a = app.try_login(&p.email, PASSWORD).await;
    a.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(a.code(), "account_disabled");
    assert!(
        a.body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("注销")),
        "{}",
        a.body
    );
    let a = app.try_login(&p.email, "not the password 1").await;
    a.assert_status(StatusCode::UNAUTHORIZED);
    assert_eq!(a.code(), "invalid_credentials");

    // The console says so in words, on the provider's review items.
    let db = app.db().await;
    let item_id: String = sqlx::query_scalar(
        "SELECT id FROM review_items WHERE account_id = $1 ORDER BY submitted_at LIMIT 1",
    )
    .bind(id.clone())
    .fetch_one(&db)
    .await
    .expect("an item");
    drop(db);
    let mut staff = Visitor::new(&app);
    staff
        .cookies
        .push(("berth_session".into(), app.with_operator().await));
    staff.cookies.push(("berth_lang".into(), "en".into()));
    let item_page = format!("/console/items/{item_id}");
    let page = staff.get(&item_page).await;
    let body = html(&page);
    assert!(
        body.contains("The provider closed its account on")
            && body.contains("its personal data is erased on"),
        "{body}"
    );

    // Within the retention period nothing is erased yet.
    let ctx = &app.state.ctx;
    app.state.ctx.clock.advance(29 * DAY_MS);
    let erased = berth::workflows::privacy_erasure::run(ctx)
        .await
        .expect("erasure");
    assert_eq!(erased, 0);

    // Past it, the daily job (as `berth jobs run erasure` runs it) erases the personal data.
    app.state.ctx.clock.advance(2 * DAY_MS);
    let ran = berth::workflows::jobs::run_if_due(
        ctx,
        berth::workflows::privacy_erasure::ERASURE_JOB,
        0,
        || async {
            let n = berth::workflows::privacy_erasure::run(ctx).await?;
            assert_eq!(n, 1);
            Ok(())
        },
    )
    .await
    .expect("erasure job");
    assert!(ran);
    // The rate-limit buckets (keyed hashes of addresses) have refilled and been swept long
    // before: they last a window, never the month of retention.
    app.limits_time_passes(31 * DAY_MS).await;
    berth::workflows::housekeeping::sweep(ctx).await;
    let db = app.db().await;
    let buckets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rate_limits")
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(buckets, 0);
    drop(db);

    // The item page still opens, and says the data is gone.
    let page = staff.get(&item_page).await;
    page.assert_status(StatusCode::OK);
    assert!(html(&page).contains("its personal data was erased on"));
    // `berth jobs run erasure` finds nothing more to do.
    let out = berth_bin()
        .args(["--data-dir", app.data_dir.path().to_str().expect("utf-8")])
        .args([
            "--database-url",
            &app.database_url,
            "jobs",
            "run",
            "erasure",
        ])
        .output()
        .expect("jobs run erasure");
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 closed account(s) erased"));

    // No text column anywhere holds a value.
    let left = values_in_tables(&app, &values).await;
    assert!(left.is_empty(), "left after erasure: {left:?}");
    // The account is still there by id (the audit chain names it), and what is kept is said.
    let db = app.db().await;
    let (email, status): (String, String) =
        sqlx::query_as("SELECT email, status FROM accounts WHERE id = $1")
            .bind(id.clone())
            .fetch_one(&db)
            .await
            .expect("account");
    assert!(email.ends_with("@erased.invalid"), "{email}");
    assert_eq!(status, "disabled");
    let docs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE account_id = $1")
        .bind(id.clone())
        .fetch_one(&db)
        .await
        .expect("count");
    assert_eq!(docs, 0);
    let mut entries: Vec<(i64, Option<String>)> = sqlx::query_as(
        "SELECT amount_fen, evidence_document_id FROM guarantee_entries WHERE account_id = $1 \
         ORDER BY recorded_at",
    )
    .bind(id.clone())
    .fetch_all(&db)
    .await
    .expect("ledger");
    entries.sort();
    assert_eq!(entries, vec![(10_000, None), (100_000, None)]);
    drop(db);

    // Every byte of the data directory: the SQLite database, its -wal and -shm, the stored
    // files, the mail folder.
    if !app.is_postgres() {
        let mut files = Vec::new();
        files_under(app.data_dir.path(), &mut files);
        assert!(files.iter().any(|f| f.ends_with("berth.db")));
        let mut all_values = values.clone();
        all_values.push(p.email.to_lowercase());
        for f in &files {
            let bytes = std::fs::read(f).unwrap_or_default();
            for v in &all_values {
                let needle = v.as_bytes();
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "{} still holds {v}",
                    f.display()
                );
            }
        }
        assert!(app.mail_to(&p.email).is_empty());
    }

    // The audit chain still verifies, with the binary an operator runs.
    let out = berth_bin()
        .args(["--data-dir", app.data_dir.path().to_str().expect("utf-8")])
        .args(["--database-url", &app.database_url, "audit", "verify"])
        .output()
        .expect("verify");
    assert!(out.status.success(), "{out:?}");
    // And the erasure is in it, naming the account by id only.
    let db = app.db().await;
    let detail: String = sqlx::query_scalar(
        "SELECT detail FROM audit_events WHERE action = 'account.erased' AND subject = $1",
    )
    .bind(id.clone())
    .fetch_one(&db)
    .await
    .expect("the erasure event");
    assert!(!detail.contains('@'), "{detail}");
}
