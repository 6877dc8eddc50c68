//! The `berth` command line: it only wires arguments to the library.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berth::app::{self, Application};
use berth::config::{Config, LogFormat, Overrides};
use clap::{Parser, Subcommand, ValueEnum};

mod commands;

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
    /// Create a staff account (password read from stdin), or grant the roles to an existing
    /// account
    Add {
        #[arg(long)]
        email: String,
        /// reviewer, finance or admin; repeat it or give a comma list; `operator` means
        /// reviewer + finance
        #[arg(long, required = true, value_parser = ["reviewer", "finance", "admin", "operator"], value_delimiter = ',')]
        role: Vec<String>,
    },
    /// Remove an account's second factor (a lost phone) and end its sessions; the next log-in
    /// enrols a new one
    #[command(name = "reset-2fa")]
    Reset2fa {
        #[arg(long)]
        email: String,
    },
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
    /// Delete events older than `events.retention_days` (none still waiting for a webhook)
    EventsRetention,
    /// Erase the personal data of accounts closed more than `privacy.retention_days` ago
    Erasure,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Re-compute the hash chain; exits 1 and names the first bad seq when any event was altered.
    /// With --file, checks an export offline instead (no database needed)
    Verify {
        /// A file written by `berth audit export` (or the console's audit page)
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
        /// The file holds filtered rows (the console's export), not a stretch of the chain:
        /// check each event's own hash, and the links only where events are consecutive
        #[arg(long, requires = "file")]
        filtered: bool,
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
            // Before anything can tell a supervisor that the server is up.
            let shutdown = app::shutdown_signal();
            let application = Application::build(config)
                .await
                .context("start-up failed")?;
            for line in application.banner().await {
                eprintln!("{line}");
            }
            application.run(shutdown).await.context("serving failed")?;
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
        } => commands::user::add(&config, email, role).await,
        Command::User {
            command: UserCommand::Reset2fa { email },
        } => commands::user::reset_2fa(&config, email).await,
        Command::Audit {
            command:
                AuditCommand::Verify {
                    file: Some(file),
                    filtered,
                },
        } => commands::audit::verify_file(file, filtered).await,
        Command::Audit {
            command: AuditCommand::Verify { file: None, .. },
        } => commands::audit::verify(&config).await,
        Command::Audit {
            command: AuditCommand::Export { since },
        } => commands::audit::export(&config, since).await,
        Command::Storage {
            command: StorageCommand::Check,
        } => commands::storage::check(&config).await,
        Command::Jobs {
            command: JobsCommand::Run { job },
        } => commands::storage::run_job(&config, job).await,
        Command::Backup { dir } => commands::backup::backup(&config, dir).await,
        Command::Restore { dir } => commands::backup::restore(&config, dir).await,
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
