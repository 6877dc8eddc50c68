//! `berth audit`: verify the chain (or an export, offline) and export it.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use berth::app;
use berth::config::Config;
use berth::domain::audit::Verification;
use berth::workflows::audit_log;

pub async fn verify_file(file: PathBuf, filtered: bool) -> anyhow::Result<ExitCode> {
    let input =
        std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let input = std::io::BufReader::new(input);
    let check = if filtered {
        audit_log::verify_filtered_export(input)
    } else {
        audit_log::verify_export(input)
    };
    match check {
        audit_log::ExportCheck::FilteredIntact {
            events,
            first,
            last,
            runs,
        } => {
            println!(
                "filtered audit export: {events} event(s) from seq {first} to {last}, each matching \
                 its hash; links checked within {runs} run(s) of consecutive events (the events \
                 between runs are not in the file and were not checked)"
            );
            Ok(ExitCode::SUCCESS)
        }
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
            if !filtered && reason == "missing event" {
                println!(
                    "(a filtered export from the console's audit page skips events by design: \
                     check it with --filtered)"
                );
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

pub async fn verify(config: &Config) -> anyhow::Result<ExitCode> {
    let (db, _) = app::open(config).await?;
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

pub async fn export(config: &Config, since: i64) -> anyhow::Result<ExitCode> {
    let (db, _) = app::open(config).await?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let n = audit_log::export(&db, since, &mut out).await?;
    eprintln!("{n} audit event(s) exported");
    Ok(ExitCode::SUCCESS)
}
