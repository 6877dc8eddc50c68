//! Bad input is refused with the exact field and code, every bad field at once, and nothing
//! that was saved before changes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

const COMPANY: &str = "深圳校验科技有限公司";

/// What is uploaded (description, kind, bytes, file name, declared type) and the answer
/// (status, error code).
type UploadCase = (
    &'static str,
    &'static str,
    Vec<u8>,
    &'static str,
    &'static str,
    StatusCode,
    &'static str,
);

/// A description, the form, and the (field, code) pairs the answer must name.
type ApplicationCase = (&'static str, Value, Vec<(&'static str, &'static str)>);

async fn enterprise(app: &TestApp, token: &str) -> Value {
    let a = app.enterprise(token).await;
    a.assert_status(StatusCode::OK);
    a.body
}

/// `enterprise_form` with one path (`a.b`) replaced.
fn form_with(changes: &[(&str, Value)]) -> Value {
    let mut form = enterprise_form(COMPANY, &uscc(1));
    for (path, value) in changes {
        let mut target = &mut form;
        for key in path.split('.') {
            target = &mut target[key];
        }
        *target = value.clone();
    }
    form
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = app.db().await;
    sqlx::query_scalar(sql).fetch_one(&db).await.expect("count")
}

/// Files under the blob store (uploads land there before their row is written).
fn stored_files(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() {
                            walk(&p)
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(&app.data_dir.path().join("files"))
}

#[tokio::test]
async fn bad_credit_codes_and_id_numbers_are_named_and_the_saved_draft_stays() {
    let app = spawn_app().await;
    let token = app.provider("checks@example.com").await;
    let a = app.save_enterprise(&token, form_with(&[])).await;
    a.assert_status(StatusCode::OK);
    let saved = enterprise(&app, &token).await;
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["uscc"], uscc(1).as_str());
    assert_eq!(saved["legal_rep"]["id_number_masked"], "1101**********002X");

    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "wrong check character",
            form_with(&[("uscc", json!("914403001922038217"))]),
            "uscc",
            "checksum",
        ),
        (
            "the letter I",
            form_with(&[("uscc", json!("9144030019220382I6"))]),
            "uscc",
            "charset",
        ),
        (
            "17 characters",
            form_with(&[("uscc", json!("91440300192203821"))]),
            "uscc",
            "length",
        ),
        (
            "letters where the division code goes",
            form_with(&[("uscc", json!("91AB0300192203821X"))]),
            "uscc",
            "format",
        ),
        (
            "30 February",
            form_with(&[("legal_rep.id_number", json!("110105194902300020"))]),
            "legal_rep.id_number",
            "birth_date",
        ),
        (
            "29 February 1900",
            form_with(&[("legal_rep.id_number", json!("110105190002290025"))]),
            "legal_rep.id_number",
            "birth_date",
        ),
        (
            "born in the future",
            form_with(&[("legal_rep.id_number", json!("110105299901010011"))]),
            "legal_rep.id_number",
            "birth_date",
        ),
        (
            "wrong ID check digit",
            form_with(&[("legal_rep.id_number", json!("110105194912310021"))]),
            "legal_rep.id_number",
            "checksum",
        ),
        (
            "an ID number without its type",
            form_with(&[("legal_rep.id_type", Value::Null)]),
            "legal_rep.id_type",
            "required",
        ),
        (
            "a sole proprietor with an enterprise code",
            form_with(&[("subject_type", json!("sole_proprietor"))]),
            "uscc",
            "subject_type_mismatch",
        ),
        (
            "an enterprise with a sole proprietor's code",
            form_with(&[("uscc", json!("92440300MA5F000004"))]),
            "uscc",
            "subject_type_mismatch",
        ),
        (
            "an unknown subject type",
            form_with(&[("subject_type", json!("charity"))]),
            "subject_type",
            "not_allowed",
        ),
        (
            "an unknown ID type",
            form_with(&[("legal_rep.id_type", json!("driving_licence"))]),
            "legal_rep.id_type",
            "not_allowed",
        ),
        (
            "an account number with letters",
            form_with(&[("corporate_account.account_number", json!("6222ABCD0011"))]),
            "corporate_account.account_number",
            "charset",
        ),
        (
            "a seven-digit account number",
            form_with(&[("corporate_account.account_number", json!("1234567"))]),
            "corporate_account.account_number",
            "length",
        ),
        (
            "a company name of 201 characters",
            form_with(&[("company_name", json!("公".repeat(201)))]),
            "company_name",
            "too_long",
        ),
        (
            "an unknown field",
            form_with(&[("nickname", json!("x"))]),
            "nickname",
            "unknown_field",
        ),
    ];
    for (what, form, field, code) in cases {
        let a = app.save_enterprise(&token, form).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "validation_failed", "{what}");
        assert_eq!(
            a.fields(),
            vec![(field.to_string(), code.to_string())],
            "{what}"
        );
        assert_eq!(enterprise(&app, &token).await, saved, "{what}");
    }

    // Several bad fields at once: all of them named in one answer.
    let form = form_with(&[
        ("uscc", json!("914403001922038217")),
        ("legal_rep.id_number", json!("110105194902300020")),
        ("corporate_account.account_number", json!("12ab")),
        ("registered_address", json!("址".repeat(201))),
        (
            "authorized_person",
            json!({"same_as_legal_rep": false, "name": "王五",
                                     "id_type": "prc_id", "id_number": "110105190002290025"}),
        ),
    ]);
    let a = app.save_enterprise(&token, form).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let fields = a.fields();
    for expected in [
        ("uscc", "checksum"),
        ("legal_rep.id_number", "birth_date"),
        ("corporate_account.account_number", "charset"),
        ("registered_address", "too_long"),
        ("authorized_person.id_number", "birth_date"),
    ] {
        assert!(
            fields.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} in {fields:?}"
        );
    }
    assert_eq!(fields.len(), 5, "{fields:?}");
    assert!(a.body["error"]["fields"].as_array().is_some_and(|f| f
        .iter()
        .all(|f| f["message"].as_str().is_some_and(|m| !m.is_empty()))));
    assert_eq!(enterprise(&app, &token).await, saved);

    // Broken JSON is a 400, and changes nothing either.
    let a = app
        .raw(
            app.client
                .put(app.url(path::ENTERPRISE))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body("{\"uscc\": "),
        )
        .await;
    a.assert_status(StatusCode::BAD_REQUEST);
    assert_eq!(a.code(), "malformed_request");
    assert_eq!(enterprise(&app, &token).await, saved);

    // The valid vectors pass, and a full-width code is folded.
    let a = app
        .save_enterprise(
            &token,
            form_with(&[
                ("uscc", json!("９１１１０１０８５５１３８５０８２ｑ")),
                ("legal_rep.id_number", json!("440524188001010014")),
            ]),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["uscc"], "91110108551385082Q");
    assert_eq!(
        a.body["legal_rep"]["id_number_masked"],
        "4405**********0014"
    );
}

#[tokio::test]
async fn submitting_an_empty_draft_lists_everything_missing() {
    let app = spawn_app().await;
    let token = app.provider("empty@example.com").await;
    let everything = vec![
        "subject_type",
        "company_name",
        "uscc",
        "registered_address",
        "license_valid_until",
        "legal_rep.id_valid_until",
        "legal_rep.name",
        "legal_rep.id_type",
        "legal_rep.id_number",
        "authorized_person.same_as_legal_rep",
        "corporate_account.bank_name",
        "corporate_account.province",
        "corporate_account.city",
        "corporate_account.branch_name",
        "corporate_account.account_number",
        "documents.business_license",
    ];
    // Nothing saved at all.
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "validation_failed");
    assert_eq!(a.field_names(), everything);
    assert!(a.fields().iter().all(|(_, code)| code == "required"));
    // An empty draft saved.
    let a = app.save_enterprise(&token, json!({})).await;
    a.assert_status(StatusCode::OK);
    let saved = enterprise(&app, &token).await;
    assert_eq!(saved["status"], "draft");
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), everything);

    // Half filled: only the rest is listed.
    let a = app
        .save_enterprise(
            &token,
            json!({"subject_type": "enterprise", "company_name": COMPANY, "uscc": uscc(1),
                   "legal_rep": {"name": "张三", "id_type": "prc_id", "id_number": ID_NUMBER}}),
        )
        .await;
    a.assert_status(StatusCode::OK);
    let saved = enterprise(&app, &token).await;
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field_names(),
        vec![
            "registered_address",
            "license_valid_until",
            "legal_rep.id_valid_until",
            "authorized_person.same_as_legal_rep",
            "corporate_account.bank_name",
            "corporate_account.province",
            "corporate_account.city",
            "corporate_account.branch_name",
            "corporate_account.account_number",
            "documents.business_license",
        ]
    );
    assert_eq!(enterprise(&app, &token).await, saved);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM review_items").await, 0);
    let m = app.move_in(&token).await;
    assert_eq!(m.body["steps"][1]["status"], "draft");
}

#[tokio::test]
async fn an_authorised_person_other_than_the_legal_rep_needs_a_letter() {
    let app = spawn_app().await;
    let token = app.provider("letter@example.com").await;
    let form = form_with(&[(
        "authorized_person",
        json!({"same_as_legal_rep": false, "name": "王五", "id_type": "passport",
               "id_number": "E12345678"}),
    )]);
    let a = app.save_enterprise(&token, form).await;
    a.assert_status(StatusCode::OK);
    let up = app.upload_licence(&token).await;
    up.assert_status(StatusCode::CREATED);
    let saved = enterprise(&app, &token).await;
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![(
            "documents.authorization_letter".to_string(),
            "required".to_string()
        )]
    );
    assert_eq!(enterprise(&app, &token).await, saved);

    // Without the person's details too: all listed together.
    let a = app
        .save_enterprise(
            &token,
            form_with(&[(
                "authorized_person",
                json!({"same_as_legal_rep": false, "id_number": ""}),
            )]),
        )
        .await;
    a.assert_status(StatusCode::OK);
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field_names(),
        vec![
            "authorized_person.name",
            "authorized_person.id_type",
            "authorized_person.id_number",
            "documents.authorization_letter"
        ]
    );

    // A sole proprietor is their own authorised person.
    let a = app
        .save_enterprise(
            &token,
            form_with(&[
                ("subject_type", json!("sole_proprietor")),
                ("uscc", json!("92440300MA5F000004")),
                ("authorized_person", json!({"same_as_legal_rep": false})),
            ]),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.fields(),
        vec![(
            "authorized_person.same_as_legal_rep".to_string(),
            "sole_proprietor_self".to_string()
        )]
    );

    // With the letter it goes through.
    let a = app
        .save_enterprise(
            &token,
            form_with(&[(
                "authorized_person",
                json!({"same_as_legal_rep": false, "name": "王五", "id_type": "passport",
                       "id_number": "E12345678"}),
            )]),
        )
        .await;
    a.assert_status(StatusCode::OK);
    let up = app
        .upload(
            &token,
            "authorization_letter",
            pdf(),
            "letter.pdf",
            "application/pdf",
        )
        .await;
    up.assert_status(StatusCode::CREATED);
    assert_eq!(up.body["kind"], "authorization_letter");
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "in_review");
}

#[tokio::test]
async fn uploads_are_judged_by_content_and_size_and_nothing_is_kept_when_refused() {
    let app = spawn_app_with(local_files).await;
    let token = app.provider("uploads@example.com").await;
    let up = app.upload_licence(&token).await;
    up.assert_status(StatusCode::CREATED);
    let saved = enterprise(&app, &token).await;
    assert_eq!(saved["documents"].as_array().map(Vec::len), Some(1));
    let files = stored_files(&app);
    assert_eq!(files, 1);
    let docs = count(&app, "SELECT COUNT(*) FROM documents").await;

    let mut too_large = pdf();
    too_large.resize(10 * 1024 * 1024 + 1, b' ');
    let mut just_fits = pdf();
    just_fits.resize(10 * 1024 * 1024, b' ');
    let cases: Vec<UploadCase> = vec![
        (
            "a text file renamed .pdf",
            "business_license",
            b"just some text, honest\n".to_vec(),
            "licence.pdf",
            "application/pdf",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "HTML that mentions %PDF- later",
            "business_license",
            b"<html>%PDF-1.4</html>".to_vec(),
            "licence.pdf",
            "application/pdf",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "a GIF",
            "business_license",
            b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(),
            "licence.png",
            "image/png",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "a PNG whose size cannot be read",
            "business_license",
            vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0],
            "licence.png",
            "image/png",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "12 MiB, past the body limit",
            "business_license",
            {
                let mut big = pdf();
                big.resize(12 * 1024 * 1024, b' ');
                big
            },
            "huge.pdf",
            "application/pdf",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "one byte over 10 MiB",
            "business_license",
            too_large,
            "big.pdf",
            "application/pdf",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "an empty file",
            "business_license",
            Vec::new(),
            "empty.pdf",
            "application/pdf",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            "a kind that does not exist",
            "selfie",
            pdf(),
            "l.pdf",
            "application/pdf",
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (what, kind, bytes, name, mime, status, code) in cases {
        let a = app.upload(&token, kind, bytes, name, mime).await;
        assert_eq!(a.status, status, "{what}: {:?}", a.body);
        assert_eq!(a.code(), code, "{what}");
        if what == "an empty file" {
            assert_eq!(a.field_names(), vec!["file"], "{what}");
        }
        if what == "a kind that does not exist" {
            assert_eq!(a.field_names(), vec!["kind"], "{what}");
        }
        assert_eq!(enterprise(&app, &token).await, saved, "{what}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM documents").await,
            docs,
            "{what}"
        );
        assert_eq!(stored_files(&app), files, "{what}");
    }

    // A field sent twice, or text that is not UTF-8 (a charset the part names included), is
    // refused on its name: the first value was kept and the text decoded lossily, stored
    // garbled.
    let part = |name: &str, bytes: &[u8], charset: Option<&str>| {
        let p = reqwest::multipart::Part::bytes(bytes.to_vec());
        let p = match charset {
            Some(c) => p
                .mime_str(&format!("text/plain; charset={c}"))
                .expect("mime"),
            None => p,
        };
        (name.to_string(), p)
    };
    for (what, parts, field, code) in [
        (
            "kind twice",
            vec![
                part("kind", b"business_license", None),
                part("kind", b"authorization_letter", None),
            ],
            "kind",
            "repeated",
        ),
        (
            "kind in Latin-1",
            vec![part("kind", b"business_licen\xe7e", None)],
            "kind",
            "encoding",
        ),
        (
            "kind in UTF-16",
            vec![part("kind", b"\xff\xfeb\x00", Some("utf-16"))],
            "kind",
            "encoding",
        ),
    ] {
        let mut form = reqwest::multipart::Form::new();
        for (name, p) in parts {
            form = form.part(name, p);
        }
        let file = reqwest::multipart::Part::bytes(pdf())
            .file_name("l.pdf")
            .mime_str("application/pdf")
            .expect("mime");
        let a = app
            .raw(
                app.client
                    .post(app.url(path::DOCUMENTS))
                    .bearer_auth(&token)
                    .multipart(form.part("file", file)),
            )
            .await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(a.field_names(), vec![field], "{what}");
        assert_eq!(
            a.body["error"]["fields"][0]["code"], code,
            "{what}: {}",
            a.body
        );
        assert_eq!(enterprise(&app, &token).await, saved, "{what}");
        assert_eq!(stored_files(&app), files, "{what}");
    }

    // A form without the file names what is missing.
    let a = app
        .raw(
            app.client
                .post(app.url(path::DOCUMENTS))
                .bearer_auth(&token)
                .multipart(reqwest::multipart::Form::new().text("kind", "business_license")),
        )
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.field_names(), vec!["file"]);
    assert_eq!(enterprise(&app, &token).await, saved);

    // The content decides, not the name or the declared type; exactly 10 MiB is allowed.
    let a = app
        .upload(&token, "business_license", pdf(), "notes.txt", "text/plain")
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["content_type"], "application/pdf");
    let a = app
        .upload(
            &token,
            "business_license",
            just_fits,
            "big.pdf",
            "application/pdf",
        )
        .await;
    a.assert_status(StatusCode::CREATED);
    assert_eq!(a.body["size"], 10 * 1024 * 1024);
}

#[tokio::test]
async fn a_verification_in_review_cannot_be_changed() {
    let app = spawn_app().await;
    let token = app.provider("locked@example.com").await;
    app.submit_verification(&token, COMPANY, &uscc(1)).await;
    let saved = enterprise(&app, &token).await;
    assert_eq!(saved["status"], "in_review");

    let a = app
        .save_enterprise(
            &token,
            form_with(&[("company_name", json!("改了名的公司"))]),
        )
        .await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "already_submitted");
    let a = app.upload_licence(&token).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "already_submitted");
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::CONFLICT);
    assert_eq!(a.code(), "already_submitted");
    assert_eq!(enterprise(&app, &token).await, saved);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM review_items").await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM documents").await, 1);
}

#[tokio::test]
async fn bad_application_input_is_refused_and_the_draft_stays() {
    let app = spawn_app().await;
    let token = app
        .with_verified_provider("applicant@example.com", COMPANY, &uscc(1))
        .await
        .token;
    let path = path::APPLICATION;
    let a = app
        .put_as(
            &token,
            path,
            json!({"contact": {"name": "李四", "email": "contact@example.com"},
                   "business_brief": "We build SaaS for IoT device fleets."}),
        )
        .await;
    a.assert_status(StatusCode::OK);
    let saved = app.get_as(&token, path).await.body;
    assert_eq!(saved["status"], "draft");
    assert_eq!(saved["current_agreement_version"], "2026-01");

    let with = |key: &str, value: Value| {
        let mut form = application_form();
        form[key] = value;
        form
    };
    let cases: Vec<ApplicationCase> = vec![
        (
            "an unknown category",
            with("categories", json!(["iot", "gambling"])),
            vec![("categories[1]", "not_allowed")],
        ),
        (
            "an unknown service type",
            with("service_types", json!(["teleportation", "saas"])),
            vec![("service_types[0]", "not_allowed")],
        ),
        (
            "an outdated agreement",
            with("agreement_version", json!("2020-01")),
            vec![("agreement_version", "agreement_outdated")],
        ),
        (
            "500 years in the industry",
            with("years_in_industry", json!(500)),
            vec![("years_in_industry", "out_of_range")],
        ),
        (
            "negative years",
            with("years_in_industry", json!(-1)),
            vec![("years_in_industry", "out_of_range")],
        ),
        (
            "service hours below 5x8",
            with("service_hours", json!("3x4")),
            vec![("service_hours", "not_allowed")],
        ),
        (
            "a short brief",
            with("business_brief", json!("We do stuff.")),
            vec![("business_brief", "too_short")],
        ),
        (
            "a bad contact",
            with(
                "contact",
                json!({"name": "李四", "title": "经理", "mobile": "12345", "email": "nope"}),
            ),
            vec![("contact.mobile", ""), ("contact.email", "")],
        ),
        (
            "all at once",
            {
                let mut f = with("categories", json!(["nope"]));
                f["agreement_version"] = json!("1999-12");
                f["years_in_industry"] = json!(500);
                f
            },
            vec![
                ("years_in_industry", "out_of_range"),
                ("agreement_version", "agreement_outdated"),
                ("categories[0]", "not_allowed"),
            ],
        ),
    ];
    for (what, form, expected) in cases {
        let a = app.put_as(&token, path, form).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "validation_failed", "{what}");
        let mut got = a.fields();
        got.sort();
        let mut want: Vec<(String, String)> = expected
            .iter()
            .map(|(f, c)| {
                let code = if c.is_empty() {
                    got.iter()
                        .find(|(gf, _)| gf == f)
                        .map(|(_, gc)| gc.clone())
                        .unwrap_or_default()
                } else {
                    c.to_string()
                };
                (f.to_string(), code)
            })
            .collect();
        want.sort();
        assert_eq!(got, want, "{what}");
        assert_eq!(app.get_as(&token, path).await.body, saved, "{what}");
    }

    // Submitting the half-filled draft lists what is missing, and nothing is queued.
    let a = app.submit_application(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.field_names(),
        vec![
            "contact.title",
            "contact.mobile",
            "categories",
            "service_types",
            "service_hours",
            "years_in_industry",
            "agreement_version"
        ]
    );
    assert_eq!(app.get_as(&token, path).await.body, saved);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM review_items WHERE kind = 'partner_application'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn bad_customer_service_and_settlement_input_is_refused_and_nothing_changes() {
    let app = spawn_app().await;
    let company = "深圳某某科技有限公司(深圳)";
    let token = app
        .with_approved_provider("backend@example.com", company, &uscc(1))
        .await
        .token;

    // Customer service.
    let cs = path::CUSTOMER_SERVICE;
    let a = app.put_as(&token, cs, customer_service_form()).await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["phone"], "400-123-4567");
    let saved_cs = app.get_as(&token, cs).await.body;
    let with = |key: &str, value: &str| {
        let mut form = customer_service_form();
        form[key] = json!(value);
        form
    };
    for (what, form, fields) in [
        ("a bad phone", with("phone", "12345"), vec!["phone"]),
        (
            "letters in the phone",
            with("phone", "400-ABC-4567"),
            vec!["phone"],
        ),
        (
            "a bad email",
            with("email", "service-at-example"),
            vec!["email"],
        ),
        (
            "a group id with letters",
            with("dongdong_group_id", "12ab5678"),
            vec!["dongdong_group_id"],
        ),
        (
            "no service hours",
            with("service_hours", " "),
            vec!["service_hours"],
        ),
        (
            "all at once",
            json!({"phone": "12345", "email": "x", "dongdong_group_id": "abc"}),
            vec!["phone", "email", "dongdong_group_id", "service_hours"],
        ),
    ] {
        let a = app.put_as(&token, cs, form).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "validation_failed", "{what}");
        assert_eq!(a.field_names(), fields, "{what}");
        assert_eq!(app.get_as(&token, cs).await.body, saved_cs, "{what}");
    }
    let a = app
        .put_as(&token, cs, with("dongdong_group_id", "12ab5678"))
        .await;
    assert_eq!(
        a.fields(),
        vec![("dongdong_group_id".to_string(), "charset".to_string())]
    );

    // Settlement: the full-width brackets of the company name are the same name.
    let st = path::SETTLEMENT;
    let a = app
        .put_as(
            &token,
            st,
            settlement_form("深圳某某科技有限公司（深圳）", ACCOUNT_NUMBER),
        )
        .await;
    a.assert_status(StatusCode::OK);
    assert_eq!(a.body["status"], "active");
    assert_eq!(a.body["current"]["account_number_masked"], "**** **** 3445");
    assert!(!a.body.to_string().contains(ACCOUNT_NUMBER));
    let saved_st = app.get_as(&token, st).await.body;
    let m = app.move_in(&token).await;
    assert_eq!(m.body["state"], "moved_in");

    let with = |key: &str, value: &str| {
        let mut form = settlement_form(company, "6214830100557661");
        form[key] = json!(value);
        form
    };
    let a = app
        .put_as(&token, st, with("account_name", "深圳别家科技有限公司"))
        .await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.code(), "account_name_mismatch");
    assert_eq!(
        a.fields(),
        vec![(
            "account_name".to_string(),
            "account_name_mismatch".to_string()
        )]
    );
    assert_eq!(app.get_as(&token, st).await.body, saved_st);
    for (what, form, expected) in [
        (
            "an 11-digit branch code",
            with("branch_code", "30858400001"),
            vec![("branch_code", "length")],
        ),
        (
            "a branch code with letters",
            with("branch_code", "30858400001X"),
            vec![("branch_code", "charset")],
        ),
        (
            "an account number with letters",
            with("account_number", "6214ABCD00557661"),
            vec![("account_number", "charset")],
        ),
        (
            "a 33-digit account number",
            with("account_number", &"6".repeat(33)),
            vec![("account_number", "length")],
        ),
        (
            "a wrong name and a bad branch code",
            {
                let mut f = with("branch_code", "1234");
                f["account_name"] = json!("别的公司");
                f
            },
            vec![
                ("branch_code", "length"),
                ("account_name", "account_name_mismatch"),
            ],
        ),
        (
            "nothing",
            json!({}),
            vec![
                ("account_name", "required"),
                ("bank_name", "required"),
                ("branch_name", "required"),
                ("branch_code", "required"),
                ("account_number", "required"),
            ],
        ),
    ] {
        let a = app.put_as(&token, st, form).await;
        assert_eq!(
            a.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {:?}",
            a.body
        );
        assert_eq!(a.code(), "validation_failed", "{what}");
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(f, c)| (f.to_string(), c.to_string()))
            .collect();
        assert_eq!(a.fields(), want, "{what}");
        assert_eq!(app.get_as(&token, st).await.body, saved_st, "{what}");
    }
    // Refusals queue nothing for review and mail no one.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM review_items WHERE kind = 'settlement_change'"
        )
        .await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM settlement_pending").await,
        0
    );
}

/// `n` identical POSTs at once; each answer's status and error code.
async fn post_all_at_once(
    app: &TestApp,
    token: &str,
    path: &str,
    n: usize,
) -> Vec<(StatusCode, String)> {
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..n {
        let req = app
            .client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&json!({}));
        set.spawn(async move {
            let resp = req.send().await.expect("sent");
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            (
                status,
                body["error"]["code"].as_str().unwrap_or("").to_string(),
            )
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = set.join_next().await {
        answers.push(done.expect("task"));
    }
    answers
}

fn one_accepted_the_rest_already_submitted(answers: &[(StatusCode, String)]) {
    let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!(ok, 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != StatusCode::OK)
            .all(|(s, c)| *s == StatusCode::CONFLICT && c == "already_submitted"),
        "{answers:?}"
    );
}

#[tokio::test]
async fn a_double_clicked_submit_queues_one_item() {
    let app = spawn_app().await;
    let token = app.provider("double@example.com").await;
    let a = app.save_enterprise(&token, form_with(&[])).await;
    a.assert_status(StatusCode::OK);
    let up = app.upload_licence(&token).await;
    up.assert_status(StatusCode::CREATED);

    let answers = post_all_at_once(&app, &token, path::ENTERPRISE_SUBMIT, 8).await;
    one_accepted_the_rest_already_submitted(&answers);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM review_items").await, 1);
    let ent = enterprise(&app, &token).await;
    assert_eq!(ent["submissions"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_double_clicked_application_submit_queues_one_item() {
    let app = spawn_app().await;
    let token = app
        .with_verified_provider("double-app@example.com", COMPANY, &uscc(1))
        .await
        .token;
    let a = app.save_application(&token, application_form()).await;
    a.assert_status(StatusCode::OK);
    let answers = post_all_at_once(&app, &token, path::APPLICATION_SUBMIT, 8).await;
    one_accepted_the_rest_already_submitted(&answers);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM review_items WHERE kind = 'partner_application'"
        )
        .await,
        1
    );
}

/// What people write in paragraphs keeps its line breaks; a one-line field says that it takes
/// one line; characters that show nothing but change what a name looks like (a direction
/// override, a zero-width space) are refused by name, and the saved draft stays as it was.
#[tokio::test]
async fn paragraphs_keep_their_line_breaks_and_names_refuse_invisible_characters() {
    let app = spawn_app().await;
    let a = app
        .consult(json!({"topic": "provider_cooperation", "name": "张三",
            "email": "lines@example.com", "message": "第一行\r\n第二行\n\n\t第三行"}))
        .await;
    a.assert_status(StatusCode::CREATED);
    let db = app.db().await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT message FROM consultations")
        .fetch_all(&db)
        .await
        .expect("messages");
    assert_eq!(stored, vec!["第一行\n第二行\n\n\t第三行".to_string()]);

    let token = app.provider("names@example.com").await;
    app.save_enterprise(&token, form_with(&[]))
        .await
        .assert_status(StatusCode::OK);
    let saved = enterprise(&app, &token).await;
    let cases = [
        ("阿里\u{202e}测试公司", "unprintable"),
        ("阿里\u{200b}测试公司", "unprintable"),
        ("\u{feff}阿里测试公司", "unprintable"),
        ("阿里测试\u{7}公司", "unprintable"),
        ("阿里测试\n公司", "line_break"),
        ("阿里测试\u{2028}公司", "line_break"),
    ];
    for (name, code) in cases {
        let a = app
            .save_enterprise(&token, form_with(&[("company_name", json!(name))]))
            .await;
        a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            a.fields(),
            vec![("company_name".to_string(), code.to_string())],
            "{name:?}"
        );
        let message = a.body["error"]["fields"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            !message.is_empty() && !message.contains("field."),
            "{message}"
        );
        assert_eq!(enterprise(&app, &token).await, saved, "{name:?}");
    }
}

/// An ID number was checked against its document type: changing the type without typing the
/// number again drops the old number (a passport number never stands as a resident ID), and the
/// submission asks for it.
#[tokio::test]
async fn a_kept_id_number_does_not_survive_a_change_of_its_document_type() {
    let app = spawn_app().await;
    let token = app.provider("idtype@example.com").await;
    let passport = form_with(&[
        ("legal_rep.id_type", json!("passport")),
        ("legal_rep.id_number", json!("E12345678")),
    ]);
    app.save_enterprise(&token, passport)
        .await
        .assert_status(StatusCode::OK);
    let saved = enterprise(&app, &token).await;
    assert!(
        saved["legal_rep"]["id_number_masked"].is_string(),
        "{saved}"
    );

    // The same type again, number omitted: kept.
    let same = form_with(&[
        ("legal_rep.id_type", json!("passport")),
        ("legal_rep.id_number", Value::Null),
    ]);
    app.save_enterprise(&token, same)
        .await
        .assert_status(StatusCode::OK);
    assert_eq!(
        enterprise(&app, &token).await["legal_rep"]["id_number_masked"],
        saved["legal_rep"]["id_number_masked"]
    );

    // Another type, number omitted: the passport number goes.
    let resident = form_with(&[
        ("legal_rep.id_type", json!("prc_id")),
        ("legal_rep.id_number", Value::Null),
    ]);
    app.save_enterprise(&token, resident)
        .await
        .assert_status(StatusCode::OK);
    let now = enterprise(&app, &token).await;
    assert!(now["legal_rep"]["id_number_masked"].is_null(), "{now}");
    let db = app.db().await;
    let stored: Option<String> =
        sqlx::query_scalar("SELECT legal_rep_id_enc FROM enterprise_verifications")
            .fetch_one(&db)
            .await
            .expect("row");
    assert!(stored.is_none(), "the old number is gone from the row too");

    app.upload_licence(&token)
        .await
        .assert_status(StatusCode::CREATED);
    let a = app.submit_enterprise(&token).await;
    a.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        a.fields()
            .contains(&("legal_rep.id_number".to_string(), "required".to_string())),
        "{:?}",
        a.body
    );
}
