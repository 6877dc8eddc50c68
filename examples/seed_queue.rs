//! Benchmark seed for the review queue: N pending review items of every kind, submitted over the
//! last `--days` days (so that many are overdue), a quarter of them held by the measured admin,
//! a quarter by other reviewers (some of those claims lapsed), the rest unclaimed. Prints on
//! stdout `email=` and `password=` of the measured admin (it enrols its second factor over HTTP,
//! as at a first log-in) and `pending=`, `mine=`, `overdue_before=` counts. Everything else goes
//! to stderr.
//!
//! ```sh
//! cargo run --release --example seed_queue -- --data-dir /tmp/berth-queue --items 10000
//! ```
//!
//! Staff accounts are made with `workflows::accounts::add_user` (as `berth user add` does);
//! the companies and their review items are plain SQL on the real tables, in batched write
//! transactions, as submissions would leave them.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::bail;
use berth::config::{Config, Overrides};
use berth::domain::account::{Role, Roles};
use berth::domain::audit::{self, NewEvent};
use berth::time_util::{now_ms, DAY_MS, MINUTE_MS};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

/// Seed a Berth data directory with a busy review queue.
#[derive(Parser)]
struct Args {
    #[arg(long)]
    data_dir: PathBuf,
    /// Pending review items.
    #[arg(long, default_value_t = 10_000)]
    items: usize,
    /// Companies the items are about.
    #[arg(long, default_value_t = 500)]
    companies: usize,
    /// Items are submitted over this many days before now.
    #[arg(long, default_value_t = 30)]
    days: i64,
    #[arg(long, default_value = "bench-password-1234")]
    password: String,
}

const KINDS: [&str; 4] = [
    "enterprise_verification",
    "partner_application",
    "settlement_change",
    "product",
];

fn staff_id(added: berth::workflows::accounts::UserAdded) -> String {
    use berth::workflows::accounts::UserAdded;
    match added {
        UserAdded::Created { id }
        | UserAdded::RoleGranted { id }
        | UserAdded::AlreadyHeld { id } => id,
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.items == 0 || args.companies == 0 {
        bail!("--items and --companies must be at least 1");
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
            "{} is not empty; seed a fresh data directory",
            args.data_dir.display()
        );
    }

    let admin_email = "admin@bench.example.com";
    let admin = staff_id(
        berth::workflows::accounts::add_user(
            &ctx,
            admin_email,
            Some(&args.password),
            &Roles::of(&Role::STAFF),
        )
        .await
        .map_err(|e| anyhow::anyhow!("admin: {e}"))?,
    );
    let mut reviewers = Vec::new();
    for i in 0..4 {
        let r = berth::workflows::accounts::add_user(
            &ctx,
            &format!("reviewer{i}@bench.example.com"),
            Some(&args.password),
            &Roles::operator(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("reviewer: {e}"))?;
        reviewers.push(staff_id(r));
    }

    let now = now_ms();
    let mut rng = StdRng::seed_from_u64(14);
    let mut companies = Vec::with_capacity(args.companies);
    let mut tx = ctx.db.begin_write().await?;
    for i in 0..args.companies {
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO accounts (id, email, password_hash, mobile, status, roles, lang, created_at, activated_at) \
             VALUES ($1, $2, 'x', NULL, 'active', 'provider', 'zh-CN', $3, $3)",
        )
        .bind(&id)
        .bind(format!("company{i:05}@bench.example.com"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        berth::store::audit::append(
            &mut tx,
            NewEvent::new(audit::SYSTEM, "account.created", &id)
                .detail(json!({"via": "bench-seed-queue"})),
        )
        .await?;
        companies.push((id, format!("队列基准科技有限公司{i:05}")));
    }
    tx.commit().await?;

    let (mut mine, mut i) = (0, 0);
    while i < args.items {
        let end = (i + 1000).min(args.items);
        let mut tx = ctx.db.begin_write().await?;
        for n in i..end {
            let (account, company) = &companies[n % companies.len()];
            let kind = KINDS[n % KINDS.len()];
            let submitted = now - rng.gen_range(0..args.days * DAY_MS);
            // A quarter held by the admin, a quarter by others (one in three of those lapsed).
            let (holder, until) = match n % 4 {
                0 => (Some(admin.clone()), Some(now + 8 * 60 * MINUTE_MS)),
                1 => {
                    let r = reviewers[n % reviewers.len()].clone();
                    let until = if n % 3 == 0 {
                        now - MINUTE_MS
                    } else {
                        now + 8 * 60 * MINUTE_MS
                    };
                    (Some(r), Some(until))
                }
                _ => (None, None),
            };
            mine += usize::from(n % 4 == 0);
            let snapshot = json!({"company_name": company, "seeded": n});
            sqlx::query(
                "INSERT INTO review_items (id, kind, account_id, company_name, subject_ref, status, version, \
                 snapshot, documents, reasons, submitted_at, decided_at, decided_by, claimed_by, claimed_until) \
                 VALUES ($1, $2, $3, $4, $5, 'pending', 1, $6, '[]', NULL, $7, NULL, NULL, $8, $9)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(kind)
            .bind(account)
            .bind(company)
            .bind(format!("{account}:{n}"))
            .bind(snapshot.to_string())
            .bind(submitted)
            .bind(holder)
            .bind(until)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        i = end;
        eprintln!("seed_queue: {i}/{} items", args.items);
    }
    sqlx::query("ANALYZE").execute(ctx.db.pool()).await.ok();
    // Keep the row counts (sqlite_stat1), drop the value samples: with samples, SQLite (built
    // with STAT4, as libsqlite3-sys bundles it) recompiles a statement whenever a bound value
    // might change its plan, which is every queue read.
    sqlx::query("DELETE FROM sqlite_stat4")
        .execute(ctx.db.pool())
        .await
        .ok();
    ctx.db.close().await;
    eprintln!(
        "seed_queue: {} pending items about {} companies in {:.1?}",
        args.items,
        args.companies,
        started.elapsed()
    );
    println!("email={admin_email}");
    println!("password={}", args.password);
    println!("pending={}", args.items);
    println!("mine={mine}");
    Ok(())
}
