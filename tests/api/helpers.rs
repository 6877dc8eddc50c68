//! `spawn_app()`: the real server on a random port with a fresh database — SQLite in a temporary
//! directory, or a fresh PostgreSQL database when `BERTH_TEST_DATABASE_URL` is set — and mail
//! written to the temporary directory, which the tests read like a person reads their inbox.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use berth::app::Application;
use berth::config::{Config, StorageConfig};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "correct horse battery";

/// Everything the server logs during the test run, for the "no secrets in the log" checks.
pub fn captured_log() -> String {
    let buf = LOG
        .get_or_init(Default::default)
        .lock()
        .map(|b| b.clone())
        .unwrap_or_default();
    String::from_utf8_lossy(&buf).into_owned()
}

static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();

#[derive(Clone)]
struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logging() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        let buf = LOG.get_or_init(Default::default).clone();
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,hyper=info,h2=info",
            ))
            .with_writer(move || LogWriter(buf.clone()))
            .with_ansi(false)
            .try_init();
    });
}

pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub data_dir: TempDir,
    pub database_url: String,
    pub state: berth::http::AppState,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// The operator of `with_operator`, once made.
    the_operator: tokio::sync::OnceCell<String>,
}

/// A fresh PostgreSQL database per test when `BERTH_TEST_DATABASE_URL` names a server.
async fn database_url(data_dir: &Path) -> String {
    match std::env::var("BERTH_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.is_empty() => {
            sqlx::any::install_default_drivers();
            let name = format!("berth_test_{}", uuid::Uuid::new_v4().simple());
            let admin = sqlx::AnyPool::connect(&admin_url)
                .await
                .expect("connect to BERTH_TEST_DATABASE_URL");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&admin)
                .await
                .expect("create test database");
            admin.close().await;
            let (server, _) = admin_url.rsplit_once('/').expect("URL has a database path");
            format!("{server}/{name}")
        }
        _ => format!("sqlite://{}/berth.db", data_dir.display()),
    }
}

/// A prefix of its own in the S3 bucket `BERTH_TEST_S3_URL` names (`s3://BUCKET`, served at
/// `BERTH_TEST_S3_ENDPOINT` with the keys `BERTH_TEST_S3_ACCESS_KEY` and
/// `BERTH_TEST_S3_SECRET_KEY`), when those are set: CI runs the suite on a real S3 server.
pub fn test_bucket() -> Option<StorageConfig> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let url = var("BERTH_TEST_S3_URL")?;
    Some(StorageConfig {
        url: Some(format!(
            "{}/{}",
            url.trim_end_matches('/'),
            uuid::Uuid::new_v4().simple()
        )),
        endpoint: var("BERTH_TEST_S3_ENDPOINT"),
        region: Some("us-east-1".into()),
        access_key_id: var("BERTH_TEST_S3_ACCESS_KEY"),
        secret_access_key: var("BERTH_TEST_S3_SECRET_KEY"),
        allow_http: true,
        ..StorageConfig::default()
    })
}

/// Files on the local disk, whatever the run's storage: for tests about the data directory.
pub fn local_files(c: &mut Config) {
    c.storage = StorageConfig::default();
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    init_logging();
    let data_dir = tempfile::tempdir().expect("tempdir");
    let database_url = database_url(data_dir.path()).await;
    let mut config = Config {
        data_dir: data_dir.path().to_path_buf(),
        database_url: Some(database_url.clone()),
        listen: "127.0.0.1:0".parse().expect("addr"),
        storage: test_bucket().unwrap_or_default(),
        ..Config::default()
    };
    adjust(&mut config);
    let app = Application::build(config)
        .await
        .expect("application builds");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run(async move {
        let _ = rx.await;
    }));
    let client = Client::builder()
        .cookie_store(false)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    TestApp {
        base,
        client,
        data_dir,
        database_url,
        state,
        shutdown: Some(tx),
        server: Some(server),
        the_operator: tokio::sync::OnceCell::new(),
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// An answer, read once.
pub struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    pub async fn read(resp: Response) -> Answer {
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap_or_default();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// The error code of an error answer.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The invalid fields of a 422, as (field, code) pairs.
    pub fn fields(&self) -> Vec<(String, String)> {
        self.body["error"]["fields"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|f| {
                        (
                            f["field"].as_str().unwrap_or("").to_string(),
                            f["code"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn field_names(&self) -> Vec<String> {
        self.fields().into_iter().map(|(f, _)| f).collect()
    }

    /// Checks the status. A failure names the line of the test that called it (not this one),
    /// the status that came, the one expected, and the body, which usually says why.
    #[track_caller]
    pub fn assert_status(&self, expected: StatusCode) -> &Self {
        if self.status != expected {
            let body = match &self.body {
                Value::String(text) => text.clone(),
                json => json.to_string(),
            };
            panic!(
                "status {} where {expected} was expected; body: {body}",
                self.status
            );
        }
        self
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = self.client.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Answer::read(req.send().await.expect("request sent")).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, None, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None, None).await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Answer {
        Answer::read(req.send().await.expect("request sent")).await
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.path().join("mail")
    }

    /// Every message delivered to `email`, oldest first (headers and body as text).
    pub fn mail_to(&self, email: &str) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.mail_dir())
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "eml"));
        files.sort();
        let needle = format!("To: {email}");
        files
            .iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.lines().any(|l| l.trim_end() == needle))
            .collect()
    }

    /// Waits (up to 15 s) until `email` has received more than `seen` messages; returns the newest.
    pub async fn wait_for_mail(&self, email: &str, seen: usize) -> String {
        for _ in 0..150 {
            let mails = self.mail_to(email);
            if mails.len() > seen {
                return mails.last().cloned().unwrap_or_default();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no mail #{} arrived for {email}", seen + 1);
    }

    /// Waits (up to 15 s) until every queued message has been sent (or has failed for good):
    /// counts of mail compared after this include everything queued before it.
    pub async fn mail_settled(&self) {
        let db = self.db().await;
        for _ in 0..150 {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL",
            )
            .fetch_one(&db)
            .await
            .expect("outbox");
            if waiting == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the outbox still holds unsent mail after 15 s");
    }

    /// Waits (up to 15 s) for a message to `email` that contains `needle`.
    pub async fn wait_for_mail_containing(&self, email: &str, needle: &str) -> String {
        self.wait_for_mail_with_any(email, &[needle]).await
    }

    /// The first mail to `email` that holds one of `needles` (the same words in each language
    /// the mail may be in). Give words, not bare numbers: a mailed six-digit code may hold the
    /// digits too.
    pub async fn wait_for_mail_with_any(&self, email: &str, needles: &[&str]) -> String {
        for _ in 0..150 {
            let found = self
                .mail_to(email)
                .into_iter()
                .find(|m| needles.iter().any(|n| m.contains(n)));
            if let Some(m) = found {
                return m;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no mail to {email} contains any of {needles:?}");
    }

    /// The newest 6-digit code mailed to `email` after `seen` earlier messages.
    pub async fn code_from_mail(&self, email: &str, seen: usize) -> String {
        let mail = self.wait_for_mail(email, seen).await;
        six_digit_code(&mail).unwrap_or_else(|| panic!("no code in mail:\n{mail}"))
    }

    pub async fn register(&self, email: &str) -> Answer {
        self.post(
            path::ACCOUNTS,
            json!({"email": email, "password": PASSWORD}),
        )
        .await
    }

    /// Registers, activates with the mailed code and logs in; returns the bearer token.
    pub async fn provider(&self, email: &str) -> String {
        let a = self.register(email).await;
        a.assert_status(StatusCode::CREATED);
        let code = self.code_from_mail(email, 0).await;
        let a = self.activate(email, &code).await;
        a.assert_status(StatusCode::OK);
        self.login(email, PASSWORD).await
    }

    /// Logs in with the password alone (an account without a second factor).
    pub async fn login(&self, email: &str, password: &str) -> String {
        let a = self.try_login(email, password).await;
        a.assert_status(StatusCode::CREATED);
        a.body["token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token (a second factor?): {:?}", a.body))
            .to_string()
    }

    /// A staff account made the way an admin makes one (the CLI's workflow), signed in and with
    /// its second factor enrolled, as at a first log-in; returns a token.
    /// `roles`: staff roles (`Role::Reviewer`, `Role::Finance`, `Role::Admin`).
    pub async fn staff(&self, email: &str, roles: &[berth::domain::account::Role]) -> String {
        self.staff_with_secret(email, roles).await.0
    }

    /// `staff`, with the secret of the authenticator app, for later codes.
    pub async fn staff_with_secret(
        &self,
        email: &str,
        roles: &[berth::domain::account::Role],
    ) -> (String, String) {
        let roles = berth::domain::account::Roles::of(roles);
        berth::workflows::accounts::add_user(&self.state.ctx, email, Some(PASSWORD), &roles)
            .await
            .expect("staff account");
        let token = self.login(email, PASSWORD).await;
        let secret = self.enrol_second_factor(&token).await;
        (token, secret)
    }

    /// Enrols an authenticator app on the session's account; returns its secret (base32).
    pub async fn enrol_second_factor(&self, token: &str) -> String {
        let a = self.start_enrolment(token).await;
        a.assert_status(StatusCode::OK);
        let secret = a.body["secret"].as_str().expect("secret").to_string();
        let code = self.totp(&secret);
        let a = self.confirm_enrolment(token, &code).await;
        a.assert_status(StatusCode::OK);
        secret
    }

    /// The code an authenticator app with `secret` shows now (by the server's clock). A code is
    /// good once: move the clock on (`next_code_step`) before asking for another.
    pub fn totp(&self, secret: &str) -> String {
        let bytes = totp_rs::Secret::Encoded(secret.to_string())
            .to_bytes()
            .expect("base32 secret");
        let totp = berth::domain::second_factor::totp(bytes, "app@test").expect("totp");
        let now = u64::try_from(self.state.ctx.clock.now_ms() / 1000).expect("time");
        totp.generate(now)
    }

    /// Moves the server's clock to the next 30-second step, as if the person waited for a new
    /// code.
    pub fn next_code_step(&self) {
        self.state.ctx.clock.advance(30_000);
    }

    /// Logs in with the password and then a fresh code from the app.
    pub async fn login_with_second_factor(&self, email: &str, secret: &str) -> String {
        let a = self.try_login(email, PASSWORD).await;
        assert_eq!(a.body["status"], "second_factor_required", "{:?}", a.body);
        let challenge = a.body["challenge"].as_str().expect("challenge").to_string();
        self.next_code_step();
        let a = self
            .post(
                path::SESSION_SECOND_FACTOR,
                json!({"challenge": challenge, "code": self.totp(secret)}),
            )
            .await;
        a.assert_status(StatusCode::CREATED);
        a.body["token"].as_str().expect("token").to_string()
    }

    /// A reviewer with finance too: what `operator` was before roles were split.
    pub async fn operator(&self) -> String {
        self.staff("operator@berth.test", OPERATOR).await
    }

    /// A direct connection to the test database, for checks a client cannot make.
    pub async fn db(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url)
            .await
            .expect("db")
    }

    pub fn is_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Stops the server and hands over its data directory, which outlives it.
    pub async fn stop_keeping_data(mut self) -> TempDir {
        let data = std::mem::replace(&mut self.data_dir, tempfile::tempdir().expect("tempdir"));
        self.stop().await;
        data
    }
}

/// The first run of exactly six digits in the body of a message.
/// What `--role operator` grants: reviewer + finance.
pub const OPERATOR: &[berth::domain::account::Role] = &[
    berth::domain::account::Role::Reviewer,
    berth::domain::account::Role::Finance,
];

/// Every staff role: what a migrated admin holds.
pub const ALL_STAFF: &[berth::domain::account::Role] = &[
    berth::domain::account::Role::Reviewer,
    berth::domain::account::Role::Finance,
    berth::domain::account::Role::Admin,
];

pub fn six_digit_code(mail: &str) -> Option<String> {
    let body = mail.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or(mail);
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The `berth` binary, for CLI tests.
pub fn berth_bin() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_berth"));
    cmd.env_remove("BERTH_TEST_DATABASE_URL");
    cmd
}

/// A valid enterprise credit code, different for every `n` (check character computed).
pub fn uscc(n: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91440300{:09}", n);
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| ALPHABET.iter().position(|a| *a == b).unwrap_or(0) as u32 * w)
        .sum();
    let check = (31 - sum % 31) % 31;
    format!("{body}{}", ALPHABET[check as usize] as char)
}

pub const ID_NUMBER: &str = "11010519491231002X";
pub const ACCOUNT_NUMBER: &str = "6222020200112233445";
/// The licence term of `enterprise_form`: far enough ahead that no reminder is due (the ID is
/// long-term).
pub const LICENCE_VALID_UNTIL: &str = "2036-06-30";

/// A complete verification form for `company`.
pub fn enterprise_form(company: &str, credit_code: &str) -> Value {
    json!({
        "subject_type": "enterprise",
        "company_name": company,
        "uscc": credit_code,
        "registered_address": "深圳市南山区科技园",
        "license_valid_until": LICENCE_VALID_UNTIL,
        "legal_rep": {"name": "张三", "id_type": "prc_id", "id_number": ID_NUMBER,
                      "id_valid_until": null},
        "authorized_person": {"same_as_legal_rep": true},
        "corporate_account": {"bank_name": "招商银行", "province": "广东", "city": "深圳",
                              "branch_name": "深圳南山支行", "account_number": ACCOUNT_NUMBER}
    })
}

pub fn application_form() -> Value {
    json!({
        "contact": {"name": "李四", "title": "商务经理", "mobile": "13800138000", "email": "contact@example.com"},
        "business_brief": "We build SaaS for IoT device fleets and offer O&M services on the cloud.",
        "categories": ["iot", "ops-services"],
        "service_types": ["saas", "offline-service"],
        "service_hours": "5x8",
        "years_in_industry": 6,
        "agreement_version": "2026-01"
    })
}

pub fn customer_service_form() -> Value {
    json!({"phone": "400-123-4567", "email": "service@example.com", "dongdong_group_id": "12345678",
           "service_hours": "工作日 9:00-18:00"})
}

pub fn settlement_form(company: &str, number: &str) -> Value {
    json!({"account_name": company, "bank_name": "招商银行", "branch_name": "深圳南山支行",
           "branch_code": "308584000013", "account_number": number})
}

/// A small PDF.
pub fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

/// A PDF whose bytes carry `marker`, so that two uploads can be told apart.
pub fn pdf_with(marker: &str) -> Vec<u8> {
    let mut bytes = pdf();
    bytes.extend_from_slice(format!("% {marker}\n").as_bytes());
    bytes
}

impl TestApp {
    pub async fn put_as(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(token), Some(body)).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(body)).await
    }

    /// Uploads a file as multipart (`kind`, `file`).
    pub async fn upload(
        &self,
        token: &str,
        kind: &str,
        bytes: Vec<u8>,
        name: &str,
        mime: &str,
    ) -> Answer {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str(mime)
            .expect("mime");
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_string())
            .part("file", part);
        self.raw(
            self.client
                .post(self.url(path::DOCUMENTS))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// The pending review item of `kind` for the account behind `token`.
    pub async fn pending_item(&self, operator: &str, kind: &str, account_id: &str) -> Value {
        let a = self
            .review_queue(operator, &format!("kind={kind}&status=pending&limit=200"))
            .await;
        a.assert_status(StatusCode::OK);
        a.body["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| i["subject"]["account_id"] == account_id)
                    .cloned()
            })
            .unwrap_or_else(|| panic!("no pending {kind} item for {account_id}: {:?}", a.body))
    }

    pub async fn decide(&self, operator: &str, item: &Value, decision: Value) -> Answer {
        let id = item["id"].as_str().expect("id");
        self.post_as(operator, &path::decision(id), decision).await
    }

    pub async fn approve(&self, operator: &str, item: &Value) {
        let a = self
            .decide(
                operator,
                item,
                json!({"decision": "approve", "version": item["version"]}),
            )
            .await;
        a.assert_status(StatusCode::OK);
    }

    /// Sends the item back (rejects it) with `reasons`, a list of `{field, message}`.
    pub async fn reject(&self, operator: &str, item: &Value, reasons: Value) {
        let decision =
            json!({"decision": "reject", "version": item["version"], "reasons": reasons});
        self.decide(operator, item, decision)
            .await
            .assert_status(StatusCode::OK);
    }

    pub async fn account_id(&self, token: &str) -> String {
        self.me(token).await.body["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    /// Fills and submits the verification (with the business licence).
    pub async fn submit_verification(&self, token: &str, company: &str, credit_code: &str) {
        let a = self
            .save_enterprise(token, enterprise_form(company, credit_code))
            .await;
        a.assert_status(StatusCode::OK);
        self.submit_with_licence(token).await;
    }

    /// Uploads the business licence to the saved draft and submits it.
    pub async fn submit_with_licence(&self, token: &str) {
        let a = self.upload_licence(token).await;
        a.assert_status(StatusCode::CREATED);
        let a = self.submit_enterprise(token).await;
        a.assert_status(StatusCode::OK);
    }

    /// A provider whose enterprise is verified (documents approved, deposit confirmed).
    pub async fn verified_provider(
        &self,
        operator: &str,
        email: &str,
        company: &str,
        credit_code: &str,
    ) -> String {
        let token = self.provider(email).await;
        let id = self.account_id(&token).await;
        self.submit_verification(&token, company, credit_code).await;
        let item = self
            .pending_item(operator, "enterprise_verification", &id)
            .await;
        let item_id = item["id"].as_str().expect("id");
        // The deposit is paid once the documents are approved.
        self.approve(operator, &item).await;
        let sent = self.record_deposit(operator, item_id).await;
        sent.assert_status(StatusCode::OK);
        let a = self.confirm_deposit(&token, &sent.body["amount_fen"]).await;
        a.assert_status(StatusCode::OK);
        token
    }

    /// A provider whose application is approved too (the provider backend is open).
    pub async fn approved_provider(
        &self,
        operator: &str,
        email: &str,
        company: &str,
        credit_code: &str,
    ) -> String {
        let token = self
            .verified_provider(operator, email, company, credit_code)
            .await;
        let id = self.account_id(&token).await;
        self.apply(&token).await;
        let item = self
            .pending_item(operator, "partner_application", &id)
            .await;
        self.approve(operator, &item).await;
        token
    }

    /// A live provider: customer-service and settlement info saved too.
    pub async fn moved_in_provider(
        &self,
        operator: &str,
        email: &str,
        company: &str,
        credit_code: &str,
    ) -> String {
        let token = self
            .approved_provider(operator, email, company, credit_code)
            .await;
        let a = self
            .save_customer_service(&token, customer_service_form())
            .await;
        a.assert_status(StatusCode::OK);
        let a = self
            .save_settlement(&token, settlement_form(company, ACCOUNT_NUMBER))
            .await;
        a.assert_status(StatusCode::OK);
        let m = self.move_in(&token).await;
        assert_eq!(m.body["state"], "moved_in", "{:?}", m.body);
        token
    }

    /// Fills in and submits the move-in application (the enterprise must be verified).
    pub async fn apply(&self, token: &str) {
        self.save_application(token, application_form())
            .await
            .assert_status(StatusCode::OK);
        self.submit_application(token)
            .await
            .assert_status(StatusCode::OK);
    }
}

/// A provider a builder set up: how to act as it, who it is, and its company.
#[derive(Clone, Debug)]
pub struct Provider {
    pub token: String,
    /// The account id (what review items and audit events name).
    pub id: String,
    /// The company it submitted for verification; empty before that.
    pub company: String,
}

/// Builders: the state a test starts from, in one line, crates.io style. Each goes through the
/// API like the tests do (the helpers above), with the app's one operator deciding.
impl TestApp {
    /// The app's operator (signed in, second factor enrolled): made at the first call, the same
    /// one after, so that a test and the builders it uses decide as one reviewer.
    pub async fn with_operator(&self) -> String {
        self.the_operator
            .get_or_init(|| self.operator())
            .await
            .clone()
    }

    /// A provider account, registered, activated and signed in.
    pub async fn with_provider(&self, email: &str) -> Provider {
        let token = self.provider(email).await;
        let id = self.account_id(&token).await;
        Provider {
            token,
            id,
            company: String::new(),
        }
    }

    /// A provider whose enterprise verification waits for review, and its review item.
    pub async fn with_submitted_provider(
        &self,
        email: &str,
        company: &str,
        credit_code: &str,
    ) -> (Provider, Value) {
        let operator = self.with_operator().await;
        let mut provider = self.with_provider(email).await;
        self.submit_verification(&provider.token, company, credit_code)
            .await;
        provider.company = company.to_string();
        let item = self
            .pending_item(&operator, "enterprise_verification", &provider.id)
            .await;
        (provider, item)
    }

    /// A provider whose enterprise is verified (documents approved, deposit confirmed).
    pub async fn with_verified_provider(&self, email: &str, company: &str, code: &str) -> Provider {
        self.provider_at(Stage::Verified, email, company, code)
            .await
    }

    /// A provider whose application is approved too: the provider backend is open.
    pub async fn with_approved_provider(&self, email: &str, company: &str, code: &str) -> Provider {
        self.provider_at(Stage::Approved, email, company, code)
            .await
    }

    /// A provider that has moved in: customer-service and settlement information saved too.
    pub async fn with_moved_in_provider(&self, email: &str, company: &str, code: &str) -> Provider {
        self.provider_at(Stage::MovedIn, email, company, code).await
    }

    async fn provider_at(&self, stage: Stage, email: &str, company: &str, code: &str) -> Provider {
        let op = self.with_operator().await;
        let token = match stage {
            Stage::Verified => self.verified_provider(&op, email, company, code).await,
            Stage::Approved => self.approved_provider(&op, email, company, code).await,
            Stage::MovedIn => self.moved_in_provider(&op, email, company, code).await,
        };
        Provider {
            id: self.account_id(&token).await,
            token,
            company: company.to_string(),
        }
    }
}

/// How far `provider_at` takes a provider.
enum Stage {
    Verified,
    Approved,
    MovedIn,
}

impl TestApp {
    /// `ms` pass for the security limits: the database's buckets refill, and the server forgets
    /// the refusals it remembers (as it would once they ran out).
    pub async fn limits_time_passes(&self, ms: i64) {
        sqlx::query("UPDATE rate_limits SET tat = tat - $1")
            .bind(ms)
            .execute(&self.db().await)
            .await
            .expect("let time pass");
        self.state.ctx.refusals.clear();
    }

    /// A second server on this one's database and data directory (another instance behind the
    /// load balancer), adjusted like `spawn_app_with`.
    pub async fn twin(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = self.data_dir.path().to_path_buf();
        let url = self.database_url.clone();
        let storage = self.state.config.storage.clone();
        spawn_app_with(move |c| {
            c.data_dir = dir;
            c.database_url = Some(url);
            c.storage = storage;
            adjust(c);
        })
        .await
    }

    /// A POST as the client at `ip` (the server must trust 127.0.0.1 as a proxy).
    pub async fn post_from(&self, ip: &str, path: &str, body: Value) -> Answer {
        self.raw(
            self.client
                .post(self.url(path))
                .header("x-forwarded-for", ip)
                .json(&body),
        )
        .await
    }

    /// A value of `/metrics` (read from loopback, as an operator's scraper would).
    pub async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(self.url("/metrics"))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .unwrap_or_default();
        text.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(' ')?;
                (k == name).then(|| v.trim().parse().ok()).flatten()
            })
            .unwrap_or(0.0)
    }
}

/// The server trusts the test client as its proxy, so `post_from` can play many clients.
pub fn behind_a_proxy(c: &mut Config) {
    c.trusted_proxies = vec!["127.0.0.1".into()];
}

/// The API's paths, each spelled once. Tests reach them through the `TestApp` methods below, and
/// name them here where they build a request by hand (from another client address, with raw
/// bytes, or in a table of routes).
pub mod path {
    pub const ACCOUNTS: &str = "/api/v1/accounts";
    pub const ACTIVATE: &str = "/api/v1/accounts/activate";
    pub const ACTIVATION_CODES: &str = "/api/v1/accounts/activation-codes";
    pub const SESSIONS: &str = "/api/v1/sessions";
    pub const SESSION_SECOND_FACTOR: &str = "/api/v1/sessions/second-factor";
    pub const CURRENT_SESSION: &str = "/api/v1/sessions/current";
    pub const PASSWORD_RESETS: &str = "/api/v1/password-resets";
    pub const PASSWORD_RESET_CONFIRM: &str = "/api/v1/password-resets/confirm";
    pub const ME: &str = "/api/v1/me";
    pub const MOVE_IN: &str = "/api/v1/me/move-in";
    pub const SECOND_FACTOR: &str = "/api/v1/me/second-factor";
    pub const SECOND_FACTOR_CONFIRM: &str = "/api/v1/me/second-factor/confirm";
    pub const SECOND_FACTOR_DISABLE: &str = "/api/v1/me/second-factor/disable";
    pub const ENTERPRISE: &str = "/api/v1/me/enterprise";
    pub const ENTERPRISE_SUBMIT: &str = "/api/v1/me/enterprise/submit";
    pub const DOCUMENTS: &str = "/api/v1/me/enterprise/documents";
    pub const DEPOSIT_CONFIRM: &str = "/api/v1/me/enterprise/micro-deposit/confirm";
    pub const DEPOSIT_REQUEST: &str = "/api/v1/me/enterprise/micro-deposit/request";
    pub const APPLICATION: &str = "/api/v1/me/application";
    pub const APPLICATION_SUBMIT: &str = "/api/v1/me/application/submit";
    pub const CUSTOMER_SERVICE: &str = "/api/v1/provider/customer-service";
    pub const SETTLEMENT: &str = "/api/v1/provider/settlement";
    pub const PRODUCTS: &str = "/api/v1/provider/products";
    pub const STOREFRONT: &str = "/api/v1/storefront/products";
    pub const CATEGORIES: &str = "/api/v1/catalog/categories";
    pub const CONSULTATIONS: &str = "/api/v1/consultations";
    pub const REVIEW_ITEMS: &str = "/api/v1/review/items";
    pub const REVIEW_SUMMARY: &str = "/api/v1/review/summary";
    pub const REVIEW_CATEGORIES: &str = "/api/v1/review/catalog/categories";
    pub const REVIEW_CONSULTATIONS: &str = "/api/v1/review/consultations";
    pub const AUDIT: &str = "/api/v1/audit";
    pub const STAFF: &str = "/api/v1/staff";
    pub const STAFF_INVITATIONS: &str = "/api/v1/staff/invitations";
    pub const STAFF_ACCEPT: &str = "/api/v1/staff/invitations/accept";

    pub fn staff(id: &str) -> String {
        format!("{STAFF}/{id}")
    }

    pub fn document(id: &str) -> String {
        format!("/api/v1/documents/{id}")
    }

    pub fn review_item(id: &str) -> String {
        format!("{REVIEW_ITEMS}/{id}")
    }

    pub fn decision(item_id: &str) -> String {
        format!("{REVIEW_ITEMS}/{item_id}/decision")
    }

    pub fn micro_deposit(item_id: &str) -> String {
        format!("{REVIEW_ITEMS}/{item_id}/micro-deposit")
    }

    /// `suspend` or `reinstate` a provider.
    pub fn provider_standing(account_id: &str, action: &str) -> String {
        format!("/api/v1/review/providers/{account_id}/{action}")
    }

    pub fn consultation_reply(id: &str) -> String {
        format!("{REVIEW_CONSULTATIONS}/{id}/reply")
    }

    pub fn product(id: &str) -> String {
        format!("{PRODUCTS}/{id}")
    }

    /// `submit`, `unlist`, `relist` or `icon`.
    pub fn product_action(id: &str, action: &str) -> String {
        format!("{PRODUCTS}/{id}/{action}")
    }

    pub fn storefront_product(id: &str) -> String {
        format!("{STOREFRONT}/{id}")
    }
}

/// One method per action a test takes often, so that its path is written once (in `path`).
impl TestApp {
    /// A log-in with the password, as it answers (`login` expects it to succeed).
    pub async fn try_login(&self, email: &str, password: &str) -> Answer {
        self.post(
            path::SESSIONS,
            json!({"email": email, "password": password}),
        )
        .await
    }

    pub async fn activate(&self, email: &str, code: &str) -> Answer {
        self.post(path::ACTIVATE, json!({"email": email, "code": code}))
            .await
    }

    pub async fn request_activation_code(&self, email: &str) -> Answer {
        self.post(path::ACTIVATION_CODES, json!({"email": email}))
            .await
    }

    pub async fn request_password_reset(&self, email: &str) -> Answer {
        self.post(path::PASSWORD_RESETS, json!({"email": email}))
            .await
    }

    pub async fn reset_password(&self, email: &str, code: &str, new_password: &str) -> Answer {
        self.post(
            path::PASSWORD_RESET_CONFIRM,
            json!({"email": email, "code": code, "new_password": new_password}),
        )
        .await
    }

    /// The holder of `token` closes its account (`POST /api/v1/me/closure`, with the password and
    /// the confirmation).
    pub async fn close_account(&self, token: &str) -> Answer {
        self.post_as(
            token,
            "/api/v1/me/closure",
            json!({"password": PASSWORD, "confirm": true}),
        )
        .await
    }

    /// Ends the session of `token`.
    pub async fn logout(&self, token: &str) -> Answer {
        self.send(Method::DELETE, path::CURRENT_SESSION, Some(token), None)
            .await
    }

    pub async fn me(&self, token: &str) -> Answer {
        self.get_as(token, path::ME).await
    }

    pub async fn move_in(&self, token: &str) -> Answer {
        self.get_as(token, path::MOVE_IN).await
    }

    /// Starts enrolling an authenticator app; the answer has its secret.
    pub async fn start_enrolment(&self, token: &str) -> Answer {
        self.post_as(token, path::SECOND_FACTOR, json!({})).await
    }

    pub async fn confirm_enrolment(&self, token: &str, code: &str) -> Answer {
        self.post_as(token, path::SECOND_FACTOR_CONFIRM, json!({"code": code}))
            .await
    }

    pub async fn disable_second_factor(&self, token: &str, code: &str) -> Answer {
        self.post_as(token, path::SECOND_FACTOR_DISABLE, json!({"code": code}))
            .await
    }

    pub async fn enterprise(&self, token: &str) -> Answer {
        self.get_as(token, path::ENTERPRISE).await
    }

    /// Saves the verification draft.
    pub async fn save_enterprise(&self, token: &str, form: Value) -> Answer {
        self.put_as(token, path::ENTERPRISE, form).await
    }

    /// Submits the verification for review.
    pub async fn submit_enterprise(&self, token: &str) -> Answer {
        self.post_as(token, path::ENTERPRISE_SUBMIT, json!({}))
            .await
    }

    /// Uploads a business licence (a small PDF) to the draft.
    pub async fn upload_licence(&self, token: &str) -> Answer {
        self.upload_licence_with(token, pdf()).await
    }

    /// Uploads `bytes` (a PDF) as the business licence.
    pub async fn upload_licence_with(&self, token: &str, bytes: Vec<u8>) -> Answer {
        self.upload(
            token,
            "business_license",
            bytes,
            "licence.pdf",
            "application/pdf",
        )
        .await
    }

    /// The provider types the amount it found on its bank statement.
    pub async fn confirm_deposit(&self, token: &str, amount_fen: impl serde::Serialize) -> Answer {
        self.post_as(
            token,
            path::DEPOSIT_CONFIRM,
            json!({"amount_fen": amount_fen}),
        )
        .await
    }

    /// The provider asks for a new deposit.
    pub async fn request_deposit(&self, token: &str) -> Answer {
        self.post_as(token, path::DEPOSIT_REQUEST, json!({})).await
    }

    pub async fn application(&self, token: &str) -> Answer {
        self.get_as(token, path::APPLICATION).await
    }

    pub async fn save_application(&self, token: &str, form: Value) -> Answer {
        self.put_as(token, path::APPLICATION, form).await
    }

    pub async fn submit_application(&self, token: &str) -> Answer {
        self.post_as(token, path::APPLICATION_SUBMIT, json!({}))
            .await
    }

    pub async fn customer_service(&self, token: &str) -> Answer {
        self.get_as(token, path::CUSTOMER_SERVICE).await
    }

    pub async fn save_customer_service(&self, token: &str, form: Value) -> Answer {
        self.put_as(token, path::CUSTOMER_SERVICE, form).await
    }

    pub async fn settlement(&self, token: &str) -> Answer {
        self.get_as(token, path::SETTLEMENT).await
    }

    pub async fn save_settlement(&self, token: &str, form: Value) -> Answer {
        self.put_as(token, path::SETTLEMENT, form).await
    }

    /// The review queue; `query` is the query string without `?` (may be empty).
    pub async fn review_queue(&self, operator: &str, query: &str) -> Answer {
        self.get_as(operator, &with_query(path::REVIEW_ITEMS, query))
            .await
    }

    pub async fn review_item(&self, operator: &str, item_id: &str) -> Answer {
        self.get_as(operator, &path::review_item(item_id)).await
    }

    pub async fn review_summary(&self, operator: &str) -> Answer {
        self.get_as(operator, path::REVIEW_SUMMARY).await
    }

    /// The operator records that the micro-deposit was paid; the answer has the amount.
    pub async fn record_deposit(&self, operator: &str, item_id: &str) -> Answer {
        self.post_as(operator, &path::micro_deposit(item_id), json!({}))
            .await
    }

    pub async fn suspend(&self, operator: &str, account_id: &str, body: Value) -> Answer {
        self.post_as(
            operator,
            &path::provider_standing(account_id, "suspend"),
            body,
        )
        .await
    }

    pub async fn reinstate(&self, operator: &str, account_id: &str, body: Value) -> Answer {
        self.post_as(
            operator,
            &path::provider_standing(account_id, "reinstate"),
            body,
        )
        .await
    }

    /// The audit log; `query` is the query string without `?` (may be empty).
    pub async fn audit_log(&self, staff: &str, query: &str) -> Answer {
        self.get_as(staff, &with_query(path::AUDIT, query)).await
    }

    pub async fn create_product(&self, token: &str, form: Value) -> Answer {
        self.post_as(token, path::PRODUCTS, form).await
    }

    pub async fn product(&self, token: &str, id: &str) -> Answer {
        self.get_as(token, &path::product(id)).await
    }

    pub async fn update_product(&self, token: &str, id: &str, form: Value) -> Answer {
        self.put_as(token, &path::product(id), form).await
    }

    pub async fn submit_product(&self, token: &str, id: &str) -> Answer {
        self.product_action(token, id, "submit").await
    }

    /// Creates `form` as `token`'s product, submits it and has `operator` approve it: a listed
    /// product of the provider `account_id`; its id.
    pub async fn listed_product(
        &self,
        operator: &str,
        token: &str,
        account_id: &str,
        form: Value,
    ) -> String {
        let a = self.create_product(token, form).await;
        a.assert_status(StatusCode::CREATED);
        let id = a.body["id"].as_str().expect("id").to_string();
        self.submit_product(token, &id)
            .await
            .assert_status(StatusCode::OK);
        let item = self.pending_item(operator, "product", account_id).await;
        self.approve(operator, &item).await;
        id
    }

    /// `unlist` or `relist` (or `submit`).
    pub async fn product_action(&self, token: &str, id: &str, action: &str) -> Answer {
        self.post_as(token, &path::product_action(id, action), json!({}))
            .await
    }

    /// The storefront's list; `query` is the query string without `?` (may be empty).
    pub async fn storefront(&self, query: &str) -> Answer {
        self.get(&with_query(path::STOREFRONT, query)).await
    }

    pub async fn storefront_product(&self, id: &str) -> Answer {
        self.get(&path::storefront_product(id)).await
    }

    /// A message through the contact-us form's API.
    pub async fn consult(&self, body: Value) -> Answer {
        self.post(path::CONSULTATIONS, body).await
    }
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{query}")
    }
}
