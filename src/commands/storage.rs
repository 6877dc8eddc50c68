//! `berth storage check` and `berth jobs run`: the file store against the database, and the
//! background jobs by hand.

use std::process::ExitCode;

use berth::app;
use berth::config::Config;
use berth::workflows::{events, jobs, privacy_erasure, storage};

use crate::Job;

pub async fn check(config: &Config) -> anyhow::Result<ExitCode> {
    let (db, key) = app::open(config).await?;
    let ctx = app::context(config, db, key)?;
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

pub async fn run_job(config: &Config, job: Job) -> anyhow::Result<ExitCode> {
    let (db, key) = app::open(config).await?;
    let ctx = app::context(config, db, key)?;
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
        Job::EventsRetention => {
            let mut deleted = 0;
            let days = ctx.events_retention_days;
            let ran = jobs::run_if_due(&ctx, events::RETENTION_JOB, 0, || async {
                deleted = events::sweep_retention(&ctx, days).await?;
                Ok(())
            })
            .await?;
            if !ran {
                eprintln!("berth: another instance is running this job now; try later");
                return Ok(ExitCode::from(3));
            }
            println!("{deleted} event(s) older than {days} day(s) deleted.");
        }
        Job::Erasure => {
            let mut erased = 0;
            let ran = jobs::run_if_due(&ctx, privacy_erasure::ERASURE_JOB, 0, || async {
                erased = privacy_erasure::run(&ctx).await?;
                Ok(())
            })
            .await?;
            if !ran {
                eprintln!("berth: another instance is running this job now; try later");
                return Ok(ExitCode::from(3));
            }
            println!("{erased} closed account(s) erased.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
