//! Benchmark seed: creates N providers that have fully moved in, through the library (real
//! migrations, real key, real encryption, valid audit chain), optionally M listed products, and
//! prints on stdout, one `key=value` a line: with products, `product=` (the measured provider's
//! listed product), `search=` (a word matched by a few hundred products; `search_url=` is it
//! percent-encoded), `search_matches=`, `category=` and `category_matches=`; then, last,
//! `token=`, the session token of the "measured" provider. Everything else goes to stderr.
//!
//! ```sh
//! cargo run --release --example seed -- --data-dir /tmp/berth-bench --providers 10000 --products 10000
//! ```
//!
//! Products are written with SQL on the real tables, as an approved first revision would leave
//! them: `products` listed with `live_revision_id` and the copied search columns,
//! `product_revisions` approved with the JSON of `ProductData` (built from a `ProductForm` that
//! passes `domain::product::validate`), and the decided `product` review item. Product j belongs
//! to provider j mod N, whose application declares the product's category and service type.
//! Names, summaries and categories come from a fixed vocabulary drawn with a seeded RNG, so every
//! run seeds the same catalogue.
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
use berth::config::{Config, Overrides};
use berth::domain::audit::{self, NewEvent};
use berth::domain::enterprise::{
    AuthorizedData, CorporateAccountData, EnterpriseData, PersonData, SubjectType,
};
use berth::domain::ids::{IdType, Uscc};
use berth::domain::product::{self, PlanForm, ProductData, ProductForm, TermsForm};
use berth::domain::provider::{validate_customer_service, CustomerServiceForm};
use berth::time_util::now_ms;
use berth::workflows::{login, move_in};
use clap::Parser;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
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
    /// Listed products: product j belongs to provider j mod --providers (so with as many
    /// products as providers, each provider has one).
    #[arg(long, default_value_t = 0)]
    products: usize,
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
    let app_data = |categories: &[&str], service_types: &[&str]| {
        serde_json::to_string(&json!({
            "contact": {"name": "张三", "title": "经理", "mobile": "13800138000", "email": "bd@bench.example.com"},
            "business_brief": "基准测试用服务商",
            "categories": categories,
            "service_types": service_types,
            "service_hours": "5x8",
            "years_in_industry": 5,
            "agreement_version": "2024-01",
            "agreement_accepted_at": "2024-01-01T00:00:00Z"
        }))
    };

    // The products, drawn up front (fixed seed) so that each provider's application can declare
    // its products' categories. Each passes the release form's own validation.
    let service_types: Vec<String> =
        sqlx::query_scalar("SELECT slug FROM catalog_service_types WHERE retired_at IS NULL")
            .fetch_all(ctx.db.pool())
            .await?;
    let all_categories: Vec<String> = CATEGORIES.iter().map(|c| c.slug.to_string()).collect();
    let mut rng = StdRng::seed_from_u64(20_240_101);
    let day_ms: i64 = 24 * 3600 * 1000;
    let seeded_at = now_ms();
    let mut products: Vec<(ProductData, i64, i64)> = Vec::with_capacity(args.products);
    for j in 0..args.products {
        let form = product_form(&mut rng);
        // Each provider then declares its products' categories and service types (below).
        let data = product::validate(&form, &all_categories, &service_types, &service_types)
            .map_err(|e| anyhow::anyhow!("generated product {j}: {e:?}"))?;
        // Released over the last 90 days; some revised since.
        let created = seeded_at - rng.gen_range(0..90 * day_ms);
        let updated = if rng.gen_bool(0.3) {
            created + rng.gen_range(0..(seeded_at - created).max(1))
        } else {
            created
        };
        products.push((data, created, updated));
    }
    let mut product_ids: Vec<(usize, String)> = Vec::with_capacity(args.products);

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
                uscc_check_failed: false,
                registered_address: Some("北京市海淀区中关村大街1号".into()),
                // Long-term documents: the seeded providers never expire.
                license_valid_until: None,
                license_long_term: true,
                legal_rep: PersonData {
                    name: Some("张三".into()),
                    id_type: Some(IdType::PrcId),
                    id_number_masked: Some("1101**********002X".into()),
                    id_valid_until: None,
                    id_long_term: true,
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

            let mine: Vec<usize> = (n..args.products).step_by(args.providers).collect();
            let mut declared: Vec<&str> = Vec::new();
            let mut kinds: Vec<&str> = Vec::new();
            for &j in &mine {
                let d = &products[j].0;
                if !declared.contains(&d.category.as_str()) {
                    declared.push(&d.category);
                }
                if !kinds.contains(&d.service_type.as_str()) {
                    kinds.push(&d.service_type);
                }
            }
            if declared.is_empty() {
                declared = vec!["basic-software", "ops-services"];
                kinds = vec!["saas"];
            }
            sqlx::query(
                "INSERT INTO partner_applications (account_id, status, data, reasons, updated_at) \
                 VALUES ($1, 'approved', $2, NULL, $3)",
            )
            .bind(&id)
            .bind(app_data(&declared, &kinds)?)
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

            // Its listed products, as an approved first revision leaves them.
            for &j in &mine {
                let (data, created, updated) = &products[j];
                let product_id = uuid::Uuid::now_v7().to_string();
                let revision_id = uuid::Uuid::now_v7().to_string();
                sqlx::query(
                    "INSERT INTO products (id, account_id, live_revision_id, working_revision_id, listed, \
                     name, summary, category, price_from_fen, created_at, updated_at, listed_at) \
                     VALUES ($1, $2, $3, NULL, 1, $4, $5, $6, $7, $8, $9, $9)",
                )
                .bind(&product_id)
                .bind(&id)
                .bind(&revision_id)
                .bind(&data.name)
                .bind(&data.summary)
                .bind(&data.category)
                .bind(product::price_from(&data.plans))
                .bind(created)
                .bind(updated)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO product_revisions (id, product_id, number, status, data, icon_document_id, \
                     reasons, created_at, updated_at) VALUES ($1, $2, 1, 'approved', $3, NULL, NULL, $4, $5)",
                )
                .bind(&revision_id)
                .bind(&product_id)
                .bind(serde_json::to_string(data)?)
                .bind(created)
                .bind(updated)
                .execute(&mut *tx)
                .await?;
                let mut snapshot = serde_json::to_value(data)?;
                snapshot["revision"] = json!(1);
                sqlx::query(
                    "INSERT INTO review_items (id, kind, account_id, company_name, subject_ref, status, \
                     version, snapshot, documents, reasons, submitted_at, decided_at, decided_by) \
                     VALUES ($1, 'product', $2, $3, $4, 'approved', 2, $5, '[]', NULL, $6, $7, 'system')",
                )
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(&id)
                .bind(&company)
                .bind(&product_id)
                .bind(snapshot.to_string())
                .bind(created)
                .bind(updated)
                .execute(&mut *tx)
                .await?;
                product_ids.push((j, product_id));
            }

            // Keeps the hash chain intact (`berth audit verify`).
            berth::store::audit::append(
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
    let local = berth::domain::client::Client::new(std::net::Ipv4Addr::LOCALHOST.into());
    let login = login::login(
        &ctx,
        Some(&email(measured)),
        Some(&args.password),
        None,
        &local,
    )
    .await
    .map_err(|e| anyhow::anyhow!("login as {}: {e}", email(measured)))?;
    let login::LoginOutcome::SignedIn(login) = login else {
        bail!("the measured provider has a second factor; the benchmark signs in with a password only");
    };
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
    if args.products > 0 {
        // The measured provider's product (it has one when there are enough products).
        let j = if measured < args.products {
            measured
        } else {
            0
        };
        let product_id = &product_ids
            .iter()
            .find(|(k, _)| *k == j)
            .expect("seeded product")
            .1;
        let pattern = format!("%{SEARCH_WORD}%");
        let matches: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM products WHERE listed = 1 AND (LOWER(name) LIKE $1 OR LOWER(summary) LIKE $2)",
        )
        .bind(&pattern)
        .bind(&pattern)
        .fetch_one(ctx.db.pool())
        .await?;
        let in_category: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM products WHERE listed = 1 AND category = $1")
                .bind(CATEGORY_FILTER)
                .fetch_one(ctx.db.pool())
                .await?;
        eprintln!(
            "seed: {} listed products; {matches} match {SEARCH_WORD:?}, {in_category} in {CATEGORY_FILTER}",
            args.products
        );
        println!("product={product_id}");
        println!("search={SEARCH_WORD}");
        println!("search_url={}", url_encode(SEARCH_WORD));
        println!("search_matches={matches}");
        println!("category={CATEGORY_FILTER}");
        println!("category_matches={in_category}");
    }
    ctx.db.close().await;
    eprintln!(
        "seed: {} moved-in providers in {:.1?}; measured provider {} ({})",
        args.providers,
        started.elapsed(),
        email(measured),
        login.account.id
    );
    println!("token={}", login.token);
    Ok(())
}

// ---- products -------------------------------------------------------------------------------

/// The default catalog's categories with a realistic share of listings (per mille), product
/// nouns, and summary phrases. The word `SEARCH_WORD` appears in a few of them so that a search
/// for it matches a few hundred of 10,000 products.
struct CategoryVocab {
    slug: &'static str,
    weight: u32,
    nouns: &'static [&'static str],
    phrases: &'static [&'static str],
}

const SEARCH_WORD: &str = "监控";
const CATEGORY_FILTER: &str = "iot";

const CATEGORIES: &[CategoryVocab] = &[
    CategoryVocab {
        slug: "basic-software",
        weight: 120,
        nouns: &[
            "分布式数据库",
            "操作系统镜像",
            "中间件套件",
            "消息队列",
            "容器运行时",
            "缓存服务",
            "对象存储网关",
            "Web 应用服务器",
            "开发工具链",
            "持续集成平台",
        ],
        phrases: &[
            "国产化适配，兼容主流芯片与操作系统",
            "一键部署，开箱即用",
            "高可用架构，故障自动切换",
            "兼容 MySQL 协议，平滑迁移",
            "性能较开源版本提升 3 倍",
            "提供长期安全补丁",
        ],
    },
    CategoryVocab {
        slug: "website-building",
        weight: 100,
        nouns: &[
            "企业官网建站",
            "电商商城系统",
            "小程序开发",
            "SEO 优化服务",
            "营销落地页",
            "内容管理系统",
            "多语言站点",
            "品牌推广套餐",
            "域名与备案代办",
            "H5 活动页制作",
        ],
        phrases: &[
            "数百套行业模板，拖拽式编辑",
            "自适应电脑、手机与平板",
            "7 天上线，含备案指导",
            "搜索引擎友好，提升自然流量",
            "内置会员、订单与支付",
            "支持多语言与多站点管理",
        ],
    },
    CategoryVocab {
        slug: "enterprise-software",
        weight: 160,
        nouns: &[
            "协同办公平台",
            "客户关系管理 CRM",
            "人力资源系统",
            "财务报销系统",
            "ERP 套件",
            "电子合同",
            "项目管理工具",
            "OA 审批流",
            "供应链管理系统",
            "企业知识库",
        ],
        phrases: &[
            "流程可视化配置，无需编码",
            "打通钉钉、企业微信与邮件",
            "移动端随时审批",
            "满足集团多组织、多账套",
            "开放 API，对接现有系统",
            "按人数订阅，灵活扩容",
        ],
    },
    CategoryVocab {
        slug: "data-intelligence",
        weight: 120,
        nouns: &[
            "BI 数据可视化",
            "云数据仓库",
            "实时计算平台",
            "用户画像分析",
            "智能推荐引擎",
            "OCR 文字识别",
            "语音识别服务",
            "数据治理平台",
            "机器学习平台",
            "舆情分析系统",
        ],
        phrases: &[
            "亿级数据秒级查询",
            "拖拽生成报表与大屏",
            "预置 200+ 行业指标",
            "识别准确率 99% 以上",
            "支持私有化部署与数据不出域",
            "低代码建模，业务人员可用",
        ],
    },
    CategoryVocab {
        slug: "ops-services",
        weight: 120,
        nouns: &[
            "主机监控服务",
            "自动化运维平台",
            "日志分析平台",
            "云迁移服务",
            "数据库代运维",
            "容灾备份方案",
            "Kubernetes 托管运维",
            "驻场运维服务",
            "性能压测服务",
            "故障应急响应",
        ],
        phrases: &[
            "全链路监控与告警，分钟级定位故障",
            "7×24 小时值守，15 分钟响应",
            "标准化巡检与月度报告",
            "不停机迁移，业务零中断",
            "RPO 秒级、RTO 分钟级",
            "资深认证工程师服务",
        ],
    },
    CategoryVocab {
        slug: "cloud-security",
        weight: 100,
        nouns: &[
            "Web 应用防火墙",
            "DDoS 高防",
            "漏洞扫描服务",
            "等保合规咨询",
            "运维堡垒机",
            "主机安全加固",
            "数据加密服务",
            "SSL 证书",
            "渗透测试服务",
            "安全态势感知",
        ],
        phrases: &[
            "防护 OWASP Top 10 攻击",
            "T 级防护带宽，秒级清洗",
            "助力通过等保 2.0 测评",
            "操作全程审计可回放",
            "国密算法，密钥自主可控",
            "资深白帽团队人工测试",
        ],
    },
    CategoryVocab {
        slug: "api-market",
        weight: 100,
        nouns: &[
            "短信验证码 API",
            "实名认证 API",
            "天气查询 API",
            "快递物流查询 API",
            "银行卡核验 API",
            "IP 归属地查询",
            "企业工商信息 API",
            "汇率查询 API",
            "车辆信息查询 API",
            "手机号归属地 API",
        ],
        phrases: &[
            "毫秒级响应，99.9% 可用",
            "按次计费，调用量阶梯优惠",
            "官方数据源直连",
            "提供多语言 SDK 与示例",
            "免费试用 100 次",
            "支持高并发批量调用",
        ],
    },
    CategoryVocab {
        slug: "expert-services",
        weight: 80,
        nouns: &[
            "上云架构咨询",
            "数字化转型咨询",
            "软件定制开发",
            "技术培训课程",
            "信创适配服务",
            "数据中台规划",
            "代码安全审计",
            "系统集成实施",
            "IT 规划咨询",
            "驻场开发服务",
        ],
        phrases: &[
            "资深架构师一对一",
            "交付方案、实施计划与验收报告",
            "按人天计费，灵活采购",
            "覆盖金融、政务、制造行业",
            "项目经理全程跟进",
            "提供知识转移与培训",
        ],
    },
    CategoryVocab {
        slug: "iot",
        weight: 60,
        nouns: &[
            "设备监控平台",
            "智慧园区方案",
            "物联网接入网关",
            "智能电表管理",
            "冷链温湿度监测",
            "车联网平台",
            "工业数据采集",
            "智能门禁系统",
            "边缘计算盒子",
            "资产定位追踪",
        ],
        phrases: &[
            "百万级设备接入",
            "支持 MQTT、CoAP 与 Modbus",
            "远程升级与配置下发",
            "异常实时告警推送",
            "低功耗广域网络覆盖",
            "开放设备管理 API",
        ],
    },
    CategoryVocab {
        slug: "blockchain",
        weight: 40,
        nouns: &[
            "区块链存证",
            "供应链金融平台",
            "数字藏品平台",
            "BaaS 区块链服务",
            "电子票据上链",
            "司法存证服务",
            "溯源防伪平台",
            "联盟链部署",
            "智能合约审计",
            "跨链网关",
        ],
        phrases: &[
            "对接司法链，存证可出证",
            "一键部署联盟链网络",
            "国密算法与隐私计算",
            "每秒数千笔交易",
            "全流程可追溯",
            "提供可视化链上浏览器",
        ],
    },
];

const BRANDS: &[&str] = &[
    "云帆", "星河", "智联", "蓝鲸", "天枢", "青松", "北辰", "启明", "数擎", "云栖", "海纳", "磐石",
    "极光", "易达", "鼎新", "睿思", "畅联", "安信", "瀚海", "朗润", "博远", "中科", "华软", "飞鹭",
    "橙子", "木兰", "云雀", "长风", "锐捷", "凌云",
];
const EDITIONS: &[&str] = &[
    "",
    "",
    "",
    " 企业版",
    " 专业版",
    " 标准版",
    " 旗舰版",
    " 私有化版",
    " V3",
];
const TAILS: &[&str] = &[
    "提供 7×24 小时技术支持",
    "已服务 500 余家企业客户",
    "支持私有化部署",
    "按需付费，随时升级",
    "免费试用 14 天",
    "原厂工程师交付",
    "通过 ISO 27001 认证",
    "附赠上线培训",
];
const SCOPES: &[&str] = &[
    "提供安装部署指导、使用答疑与故障排查；工作日 9:00–18:00 响应，紧急问题 2 小时内处理。",
    "包含产品使用咨询、缺陷修复与版本升级；通过电话、邮件与京东咚咚群支持。",
    "服务期内提供远程技术支持与每季度一次巡检，重大故障 7×24 小时响应。",
];
const WARRANTIES: &[&str] = &[
    "购买后 30 天内免费更新；交付后 7 天内不满意可申请退款。",
    "服务期内缺陷免费修复，服务到期前 30 天提醒续费。",
    "按合同约定的服务等级（SLA）赔付，可用性低于 99.9% 按比例返还费用。",
];

/// One product's release form, validated by the library like `POST /api/v1/provider/products`.
fn product_form(rng: &mut StdRng) -> ProductForm {
    let total: u32 = CATEGORIES.iter().map(|c| c.weight).sum();
    let mut pick = rng.gen_range(0..total);
    let cat = CATEGORIES
        .iter()
        .find(|c| {
            if pick < c.weight {
                true
            } else {
                pick -= c.weight;
                false
            }
        })
        .expect("weights");
    let one = |rng: &mut StdRng, v: &'static [&'static str]| v[rng.gen_range(0..v.len())];
    let noun = one(rng, cat.nouns);
    let name = format!("{}{}{}", one(rng, BRANDS), noun, one(rng, EDITIONS));
    let summary = format!("{}，{}。", one(rng, cat.phrases), one(rng, TAILS));
    let (service_type, delivery, billings): (&str, &str, &[&str]) = match cat.slug {
        "expert-services" => (
            "offline-service",
            "offline_service",
            &["one_time", "per_use"],
        ),
        "api-market" => ("saas", "saas", &["per_use", "monthly"]),
        "basic-software" if rng.gen_bool(0.5) => {
            ("image", "image", &["one_time", "monthly", "yearly"])
        }
        "basic-software" => ("download", "download", &["one_time", "yearly"]),
        "blockchain" | "iot" if rng.gen_bool(0.3) => ("image", "image", &["one_time", "yearly"]),
        _ => ("saas", "saas", &["monthly", "yearly"]),
    };
    let mut features: Vec<&str> = cat.phrases.to_vec();
    features.sort_by_key(|_| rng.gen::<u32>());
    features.truncate(rng.gen_range(3..=5));
    let description = format!(
        "## 产品简介\n\n{name}是面向中小企业与大型机构的{noun}，{summary}\n\n## 核心能力\n\n{}\n\n\
         ## 适用场景\n\n- 新业务快速上线，缩短交付周期\n- 现有系统改造与**平滑迁移**\n- 多地域、多团队统一管理\n\n\
         ## 交付与服务\n\n下单后由服务商联系确认需求，{}。详细说明见 [帮助文档](https://docs.example.com/{}).\n",
        features.iter().map(|f| format!("- {f}")).collect::<Vec<_>>().join("\n"),
        match delivery {
            "image" => "通过云市场镜像一键部署",
            "download" => "提供安装包下载与许可证",
            "offline_service" => "工程师上门或远程实施",
            _ => "开通后发送登录地址与管理员账号",
        },
        cat.slug,
    );
    let base_yuan: i64 =
        [99, 199, 299, 499, 999, 1_999, 2_999, 4_999, 9_999, 19_999][rng.gen_range(0..10)];
    let plan_names = ["基础版", "标准版", "企业版"];
    let billing = billings[rng.gen_range(0..billings.len())];
    let plans = (0..rng.gen_range(1..=3usize))
        .map(|k| PlanForm {
            name: Some(plan_names[k].into()),
            price_fen: Some(base_yuan * 100 * [1, 3, 8][k]),
            billing: Some(billing.into()),
        })
        .collect();
    ProductForm {
        name: Some(name),
        category: Some(cat.slug.into()),
        service_type: Some(service_type.into()),
        delivery: Some(delivery.into()),
        summary: Some(summary),
        description: Some(description),
        plans: Some(plans),
        terms: Some(TermsForm {
            after_sales_scope: Some(one(rng, SCOPES).into()),
            warranty: Some(one(rng, WARRANTIES).into()),
        }),
        callback_url: None,
    }
}

/// Percent-encodes for a URL query value.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
