//! Benchmark seed: creates N providers that have fully moved in, through the library (real
//! migrations, real key, real encryption, valid audit chain), and prints on stdout the session
//! token of one of them (the "measured" provider). Everything else goes to stderr.
//!
//! ```sh
//! cargo run --release --example seed -- --data-dir /tmp/berth-bench --providers 10000
//! ```
//!
//! Rows are inserted with plain SQL in batched write transactions (one argon2 hash, computed
//! once, is shared by every account), which is what makes 10,000 providers take seconds rather
//! than the hours the HTTP journey would. The measured provider then logs in with
//! `workflows::accounts::login`, exactly like `POST /api/v1/sessions`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::Argon2;
use berth::audit::{self, NewEvent};
use berth::config::{Config, Overrides};
use berth::domain::enterprise::{
    AuthorizedData, CorporateAccountData, EnterpriseData, PersonData, SubjectType,
};
use berth::domain::ids::{IdType, Uscc};
use berth::domain::provider::{validate_customer_service, CustomerServiceForm};
use berth::time_util::now_ms;
use berth::workflows::{accounts, move_in};
use clap::Parser;
use serde_json::json;

/// Seed a Berth data directory with moved-in providers for benchmarking.
#[derive(Parser)]
struct Args {
    /// The data directory (created when missing; the server must use the same one).
    #[arg(long)]
    data_dir: PathBuf,
    /// How many moved-in providers to create.
    #[arg(long, default_value_t = 10_000)]
    providers: usize,
    /// Providers per write transaction.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// The password every seeded account shares.
    #[arg(long, default_value = "bench-password-1234")]
    password: String,
}

const ACCOUNT_NUMBER: &[u8] = b"6222020200112233445";
const LEGAL_REP_ID: &str = "11010519491231002X";
const BANK: &str = "中国工商银行";
const BRANCH: &str = "中国工商银行北京分行营业部";
const BRANCH_CODE: &str = "102100099996";

fn email(i: usize) -> String {
    format!("provider{i:05}@bench.example.com")
}

fn company(i: usize) -> String {
    format!("基准测试科技有限公司{i:05}")
}

/// A USCC that passes the GB 32100 check: "91" + region 110108 + a 9-character body + check.
fn uscc(i: usize) -> String {
    const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [u32; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = format!("91110108{i:09}");
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| {
            let v = ALPHABET.iter().position(|&a| a == b).expect("digit") as u32;
            v * w
        })
        .sum();
    let check = ALPHABET[((31 - sum % 31) % 31) as usize] as char;
    format!("{body}{check}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.providers == 0 {
        bail!("--providers must be at least 1");
    }
    let started = Instant::now();
    let config = Config::load(
        None,
        Overrides {
            data_dir: Some(args.data_dir.clone()),
            ..Overrides::default()
        },
    )?;
    let (db, key) = berth::app::open(&config).await?;
    let ctx = berth::app::context(&config, db, key)?;

    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(ctx.db.pool())
        .await?;
    if existing > 0 {
        bail!(
            "{} already has {existing} accounts; seed a fresh data directory",
            args.data_dir.display()
        );
    }

    // One argon2id hash with the library's parameters (Argon2::default()), shared by all.
    let password_hash = {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(args.password.as_bytes(), &salt)
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?
            .to_string()
    };
    // The customer-service row goes through the same validation as the API.
    let cs = validate_customer_service(&CustomerServiceForm {
        phone: Some("400-123-4567".into()),
        email: Some("service@example.com".into()),
        dongdong_group_id: Some("12345678".into()),
        service_hours: Some("9-18".into()),
    })
    .map_err(|e| anyhow::anyhow!("customer service form: {e:?}"))?;
    let last4 = std::str::from_utf8(&ACCOUNT_NUMBER[ACCOUNT_NUMBER.len() - 4..])?.to_string();
    let app_data = serde_json::to_string(&json!({
        "contact": {"name": "张三", "title": "经理", "mobile": "13800138000", "email": "bd@bench.example.com"},
        "business_brief": "基准测试用服务商",
        "categories": ["basic-software", "ops-services"],
        "service_types": ["saas"],
        "service_hours": "9-18",
        "years_in_industry": 5,
        "agreement_version": "2024-01",
        "agreement_accepted_at": "2024-01-01T00:00:00Z"
    }))?;

    let mut ids = Vec::with_capacity(args.providers);
    let mut i = 0;
    while i < args.providers {
        let end = (i + args.batch).min(args.providers);
        let mut tx = ctx.db.begin_write().await?;
        for n in i..end {
            let id = uuid::Uuid::now_v7().to_string();
            let now = now_ms();
            let email = email(n);
            let company = company(n);
            let uscc = uscc(n);
            Uscc::parse(&uscc).map_err(|e| anyhow::anyhow!("generated USCC {uscc}: {e:?}"))?;

            sqlx::query(
                "INSERT INTO accounts (id, email, password_hash, mobile, status, roles, lang, created_at, activated_at) \
                 VALUES ($1, $2, $3, NULL, 'active', 'provider', 'zh-CN', $4, $4)",
            )
            .bind(&id)
            .bind(&email)
            .bind(&password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            let data = EnterpriseData {
                subject_type: Some(SubjectType::Enterprise),
                company_name: Some(company.clone()),
                uscc: Some(uscc.clone()),
                registered_address: Some("北京市海淀区中关村大街1号".into()),
                legal_rep: PersonData {
                    name: Some("张三".into()),
                    id_type: Some(IdType::PrcId),
                    id_number_masked: Some("1101**********002X".into()),
                },
                authorized_person: AuthorizedData {
                    same_as_legal_rep: Some(true),
                    ..AuthorizedData::default()
                },
                corporate_account: CorporateAccountData {
                    bank_name: Some(BANK.into()),
                    province: Some("北京市".into()),
                    city: Some("北京市".into()),
                    branch_name: Some(BRANCH.into()),
                    account_number_masked: Some(format!("**** **** {last4}")),
                },
            };
            sqlx::query(
                "INSERT INTO enterprise_verifications (account_id, status, data, legal_rep_id_enc, \
                 authorized_id_enc, account_number_enc, company_name, uscc, reasons, md_status, \
                 md_amount_hash, md_attempts_left, md_frozen_until, updated_at) \
                 VALUES ($1, 'approved', $2, $3, NULL, $4, $5, $6, NULL, 'confirmed', NULL, 5, NULL, $7)",
            )
            .bind(&id)
            .bind(serde_json::to_string(&data)?)
            .bind(ctx.key.encrypt(
                &format!("enterprise_verifications.legal_rep_id:{id}"),
                LEGAL_REP_ID.as_bytes(),
            ))
            .bind(ctx.key.encrypt(
                &format!("enterprise_verifications.account_number:{id}"),
                ACCOUNT_NUMBER,
            ))
            .bind(&company)
            .bind(&uscc)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            sqlx::query(
                "INSERT INTO verified_credit_codes (uscc, account_id, claimed_at) VALUES ($1, $2, $3)",
            )
            .bind(&uscc)
            .bind(&id)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            sqlx::query(
                "INSERT INTO partner_applications (account_id, status, data, reasons, updated_at) \
                 VALUES ($1, 'approved', $2, NULL, $3)",
            )
            .bind(&id)
            .bind(&app_data)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            sqlx::query(
                "INSERT INTO provider_customer_service (account_id, phone, email, dongdong_group_id, \
                 service_hours, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&id)
            .bind(&cs.phone)
            .bind(&cs.email)
            .bind(&cs.dongdong_group_id)
            .bind(&cs.service_hours)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            sqlx::query(
                "INSERT INTO provider_settlement (account_id, account_name, bank_name, branch_name, \
                 branch_code, account_number_enc, account_last4, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id)
            .bind(&company)
            .bind(BANK)
            .bind(BRANCH)
            .bind(BRANCH_CODE)
            .bind(ctx.key.encrypt(
                &format!("provider_settlement.account_number:{id}"),
                ACCOUNT_NUMBER,
            ))
            .bind(&last4)
            .bind(now)
            .execute(&mut *tx)
            .await?;

            // The decided review items a real journey leaves behind.
            for kind in ["enterprise_verification", "partner_application"] {
                sqlx::query(
                    "INSERT INTO review_items (id, kind, account_id, company_name, subject_ref, status, \
                     version, snapshot, documents, reasons, submitted_at, decided_at, decided_by) \
                     VALUES ($1, $2, $3, $4, $3, 'approved', 2, '{}', '[]', NULL, $5, $5, 'system')",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(kind)
                .bind(&id)
                .bind(&company)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }

            // Keeps the hash chain intact (`berth audit verify`).
            audit::append(
                &mut tx,
                NewEvent::new(audit::SYSTEM, "account.created", &id)
                    .detail(json!({"email": email, "via": "bench-seed"})),
            )
            .await?;
            ids.push(id);
        }
        tx.commit().await?;
        i = end;
        eprintln!("seed: {i}/{} providers", args.providers);
    }
    // Fresh statistics for the planner, as a long-running database would have.
    sqlx::query("ANALYZE").execute(ctx.db.pool()).await.ok();

    let measured = args.providers / 2;
    let login = accounts::login(&ctx, Some(&email(measured)), Some(&args.password), None)
        .await
        .map_err(|e| anyhow::anyhow!("login as {}: {e}", email(measured)))?;
    let status = move_in::status(&ctx, &login.account.id)
        .await
        .map_err(|e| anyhow::anyhow!("move-in status: {e}"))?;
    if status.state != "moved_in" {
        bail!(
            "the measured provider is {:?}, not moved_in; due: {:?}",
            status.state,
            status.due
        );
    }
    debug_assert_eq!(login.account.id, ids[measured]);
    ctx.db.close().await;
    eprintln!(
        "seed: {} moved-in providers in {:.1?}; measured provider {} ({})",
        args.providers,
        started.elapsed(),
        email(measured),
        login.account.id
    );
    println!("{}", login.token);
    Ok(())
}
