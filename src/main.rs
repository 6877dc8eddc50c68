//! The `berth` command line: it only wires arguments to the library.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use berth::app::{self, Application};
use berth::config::{Config, LogFormat, Overrides};
use berth::domain::account::Role;
use berth::domain::audit::Verification;
use berth::workflows::accounts::{self, UserAdded};
use berth::workflows::{audit_log, jobs, storage};
use clap::{Parser, Subcommand, ValueEnum};

/// Berth: service-provider move-in for a cloud marketplace.
#[derive(Parser)]
#[command(name = "berth", version, about, long_about = None)]
struct Cli {
    /// Where the SQLite database, uploaded files, mail and the key file live [default: ./berth-data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://FILE or postgres://USER@HOST/DB [default: sqlite://<data-dir>/berth.db]
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// A TOML configuration file [default: ./berth.toml when it exists]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web pages and the API
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
    },
    /// Apply database migrations, encrypt files older versions stored in plaintext, and exit
    Migrate,
    /// Manage accounts
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Inspect the audit log
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Compare the file store with the database
    Storage {
        #[command(subcommand)]
        command: StorageCommand,
    },
    /// Run a background job by hand
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Write a backup (the SQLite database, the stored files, a manifest of checksums) into DIR,
    /// while the server runs
    Backup {
        /// The folder to create; it must not exist, or be empty
        dir: PathBuf,
    },
    /// Restore a backup made by `berth backup`: checks it and the master key, needs the server
    /// stopped, then verifies the audit chain of the result
    Restore {
        /// The backup's folder
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a staff account (password read from stdin), or grant the role to an existing account
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: StaffRole,
    },
    /// Remove an account's second factor (a lost phone) and end its sessions; the next log-in
    /// enrols a new one
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[arg(long)]
        email: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StaffRole {
    Operator,
    Admin,
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Report document rows whose stored file is missing (exit 1 when any is) and stored files
    /// that no row refers to
    Check,
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Run one job now, whether or not it is due (not while another instance runs it)
    Run {
        #[arg(value_enum)]
        job: Job,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Job {
    /// Remove stored files that no document refers to and that are older than a day
    StorageSweep,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute the hash chain; exits 1 and names the first bad seq when any event was altered.
    /// With --file, checks an export offline instead (no database needed)
    Verify {
        /// A file written by `berth audit export`
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
    /// Write the events to stdout as JSON Lines, each with its hash, oldest first
    Export {
        /// Only the events after this seq
        #[arg(long, value_name = "SEQ", default_value_t = 0)]
        since: i64,
    },
}

fn main() -> ExitCode {
    return_large_allocations_to_the_system();
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen } => *listen,
        _ => None,
    };
    let config = match Config::load(
        cli.config.as_deref(),
        Overrides {
            data_dir: cli.data_dir.clone(),
            database_url: cli.database_url.clone(),
            listen,
        },
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("berth: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("berth: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("berth: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { .. } => {
            let application = Application::build(config)
                .await
                .context("start-up failed")?;
            for line in application.banner().await {
                eprintln!("{line}");
            }
            application
                .run(app::shutdown_signal())
                .await
                .context("serving failed")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let (db, key) = app::open(&config).await.context("migration failed")?;
            let ctx = app::context(&config, db, key)?;
            app::migrate_data(&ctx).await.context("migration failed")?;
            eprintln!(
                "Migrations applied to {}",
                redact_url(&config.database_url())
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Add { email, role },
        } => {
            let (db, key) = app::open(&config).await?;
            let ctx = app::context(&config, db, key)?;
            let role = match role {
                StaffRole::Operator => Role::Operator,
                StaffRole::Admin => Role::Admin,
            };
            let email = email.trim().to_lowercase();
            let password = if !accounts::has_account(&ctx, &email).await? {
                Some(read_password()?)
            } else {
                None
            };
            match accounts::add_user(&ctx, &email, password.as_deref().map(|p| p.as_str()), role)
                .await
            {
                Ok(UserAdded::Created { id }) => {
                    eprintln!("Created {} account {email} ({id}).", role.as_str())
                }
                Ok(UserAdded::RoleGranted { id }) => {
                    eprintln!("Granted {} to {email} ({id}).", role.as_str())
                }
                Ok(UserAdded::AlreadyHeld { .. }) => {
                    eprintln!("{email} already has the {} role.", role.as_str())
                }
                Err(berth::workflows::Error::Validation(fields)) => {
                    for f in fields {
                        let params: Vec<(&str, &str)> =
                            f.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                        eprintln!(
                            "berth: {}: {}",
                            f.field,
                            berth::i18n::tf(
                                berth::i18n::Lang::En,
                                &format!("field.{}", f.code),
                                &params
                            )
                        );
                    }
                    return Ok(ExitCode::from(2));
                }
                Err(e) => bail!("user add failed: {e}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command: UserCommand::Reset2fa { email },
        } => {
            let (db, key) = app::open(&config).await?;
            let ctx = app::context(&config, db, key)?;
            match berth::workflows::second_factor::reset(&ctx, &email).await {
                Ok(true) => eprintln!(
                    "The second factor of {email} was removed and its sessions ended; the next log-in sets up a new one."
                ),
                Ok(false) => eprintln!(
                    "{email} had no second factor; its sessions were ended anyway."
                ),
                Err(berth::workflows::Error::NotFound) => {
                    eprintln!("berth: no account has the address {email}");
                    return Ok(ExitCode::from(2));
                }
                Err(berth::workflows::Error::Validation(_)) => {
                    eprintln!("berth: {email} is not an e-mail address");
                    return Ok(ExitCode::from(2));
                }
                Err(e) => bail!("reset-2fa failed: {e}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { file: Some(file) },
        } => {
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot open {}", file.display()))?;
            match audit_log::verify_export(std::io::BufReader::new(input)) {
                audit_log::ExportCheck::Intact {
                    first,
                    last,
                    last_hash,
                    from_genesis,
                } => {
                    println!(
                        "audit export intact: events {first} to {last}{}; last hash {last_hash}",
                        if from_genesis {
                            " (from the start of the chain)"
                        } else {
                            ""
                        }
                    );
                    Ok(ExitCode::SUCCESS)
                }
                audit_log::ExportCheck::Broken { line, seq, reason } => {
                    match seq {
                        Some(seq) => {
                            println!("audit export broken at line {line} (seq {seq}): {reason}")
                        }
                        None => println!("audit export broken at line {line}: {reason}"),
                    }
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify { file: None },
        } => {
            let (db, _) = app::open(&config).await?;
            match audit_log::verify(&db).await? {
                Verification::Intact { events } => {
                    println!("audit log intact: {events} events");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("audit log broken at seq {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Export { since },
        } => {
            let (db, _) = app::open(&config).await?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let n = audit_log::export(&db, since, &mut out).await?;
            eprintln!("{n} audit event(s) exported");
            Ok(ExitCode::SUCCESS)
        }
        Command::Storage {
            command: StorageCommand::Check,
        } => {
            let (db, key) = app::open(&config).await?;
            let ctx = app::context(&config, db, key)?;
            let report = storage::check(&ctx).await?;
            if report.missing.is_empty() {
                println!(
                    "{} stored file(s) checked: every document row has its file.",
                    report.rows
                );
            } else {
                println!(
                    "{} of {} document row(s) have no stored file:",
                    report.missing.len(),
                    report.rows
                );
                for key in &report.missing {
                    println!("  {key}");
                }
            }
            if !report.unreferenced.is_empty() {
                println!(
                    "{} stored file(s) belong to no document (serve removes them after a day):",
                    report.unreferenced.len()
                );
                for key in &report.unreferenced {
                    println!("  {key}");
                }
            }
            Ok(if report.missing.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Jobs {
            command: JobsCommand::Run { job },
        } => {
            let (db, key) = app::open(&config).await?;
            let ctx = app::context(&config, db, key)?;
            match job {
                Job::StorageSweep => {
                    let mut removed = 0;
                    let ran = jobs::run_if_due(&ctx, jobs::STORAGE_SWEEP, 0, || async {
                        removed = storage::sweep_orphans(&ctx, storage::ORPHAN_GRACE_MS).await?;
                        Ok(())
                    })
                    .await?;
                    if !ran {
                        eprintln!("berth: another instance is running this job now; try later");
                        return Ok(ExitCode::from(3));
                    }
                    println!("{removed} unreferenced stored file(s) removed.");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { dir } => {
            let (db, key) = app::open(&config).await?;
            let manifest = berth::backup::create(&config, &db, &key, &dir)
                .await
                .context("backup failed")?;
            eprintln!(
                "Backup written to {}: the database and {} stored file(s), with their checksums \
                 in manifest.json. Keep the master key apart from it: the backup does not hold it.",
                dir.display(),
                manifest.files.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { dir } => {
            let manifest = match berth::backup::restore(&config, &dir) {
                Ok(m) => m,
                Err(e) => {
                    eprintln!("berth: restore refused: {e}");
                    return Ok(ExitCode::from(2));
                }
            };
            eprintln!(
                "Restored the backup of {} ({} stored file(s)); verifying the audit chain…",
                manifest.created_at,
                manifest.files.len()
            );
            let (db, _) = app::open(&config).await?;
            match audit_log::verify(&db).await? {
                Verification::Intact { events } => {
                    println!("restored; audit log intact: {events} events");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("restored, but the audit log is broken at seq {seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

/// Every password hash takes 19 MiB. glibc's malloc would serve the second and later ones from
/// the arena of whichever thread ran them and keep that memory after the hash (its mmap
/// threshold grows to the size of the first freed block), so a flood of log-ins left hundreds of
/// MiB resident for good. A fixed threshold of 1 MiB makes every allocation that large a mapping
/// of its own, returned to the system when freed; and what a burst of connections leaves free
/// inside the arenas is handed back every few seconds.
fn return_large_allocations_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets a malloc parameter; called once, first thing in main,
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
        }
        let _ = std::thread::Builder::new()
            .name("memory-trim".into())
            .spawn(|| loop {
                std::thread::sleep(std::time::Duration::from_secs(3));
                // SAFETY: malloc_trim only returns free memory to the system; it is thread-safe.
                unsafe {
                    libc::malloc_trim(0);
                }
            });
    }
}

/// Reads the password from stdin: without echo on a terminal, else the first line.
fn read_password() -> anyhow::Result<zeroize::Zeroizing<String>> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password (10–128 characters): ")
            .context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    Ok(zeroize::Zeroizing::new(password))
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BERTH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // Colours only on a terminal: a log file gets plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}
