//! `berth backup` and `berth restore` (docs/OPERATIONS.md).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berth::app;
use berth::config::Config;
use berth::domain::audit::Verification;
use berth::workflows::audit_log;

pub async fn backup(config: &Config, dir: PathBuf) -> anyhow::Result<ExitCode> {
    let (db, key) = app::open(config).await?;
    let manifest = berth::backup::create(config, &db, &key, &dir)
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

pub async fn restore(config: &Config, dir: PathBuf) -> anyhow::Result<ExitCode> {
    let manifest = match berth::backup::restore(config, &dir) {
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
    let (db, _) = app::open(config).await?;
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
