//! Reading and checking the audit log (operators and admins; `berth audit verify`).

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{Ctx, Error, Result};
use crate::domain::audit::{AuditEvent, ChainCheck, Verification, GENESIS};
use crate::store::{self, Db};
use crate::time_util::rfc3339;

/// How an event names an address that has no account (a failed log-in, a refused code): a
/// keyed hash, so that the append-only chain never holds an address in clear (erasure could not
/// take it out again) while repeated tries at one address still show as one subject.
pub fn address_subject(ctx: &Ctx, address: &str) -> String {
    let hash = ctx
        .key
        .keyed_hash("audit-address", address.trim().to_lowercase().as_bytes());
    format!("address:{}", &hash[..16.min(hash.len())])
}

/// Events after `after`, oldest first; at most `limit`.
pub async fn list_events(ctx: &Ctx, after: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    Ok(store::audit::list(&ctx.db, after, limit).await?)
}

/// Re-computes the whole chain, oldest first, and names the first event that does not fit.
pub async fn verify(db: &Db) -> Result<Verification> {
    let mut check = ChainCheck::default();
    let mut after = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            if let Err(broken) = check.next(e) {
                return Ok(broken);
            }
        }
    }
    let (head_seq, head_hash) = store::audit::head(db).await?;
    Ok(check.finish(head_seq, &head_hash))
}

/// One line of an export: every field the hash covers, as stored (`at` in unix ms, `detail` as
/// its JSON text), and the time in words for people.
#[derive(Debug, Serialize, Deserialize)]
pub struct ExportedEvent {
    #[serde(flatten)]
    pub event: AuditEvent,
    pub time: String,
}

/// Writes the events after `since` to `out` as JSON Lines, oldest first; how many.
pub async fn export(db: &Db, since: i64, out: &mut impl Write) -> Result<i64> {
    let mut after = since;
    let mut written = 0;
    loop {
        let batch = store::audit::list(db, after, 1000).await?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        for e in &batch {
            let line = ExportedEvent {
                event: e.clone(),
                time: rfc3339(e.at),
            };
            serde_json::to_writer(&mut *out, &line)
                .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
            out.write_all(b"\n")
                .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
            written += 1;
        }
    }
    out.flush()
        .map_err(|e| Error::Internal(format!("writing the export: {e}")))?;
    Ok(written)
}

/// What an offline check of an export found.
#[derive(Debug, PartialEq, Eq)]
pub enum ExportCheck {
    /// Events `first..=last` hash and link correctly; `last_hash` is the hash to compare with
    /// the live chain's (or a published one).
    Intact {
        first: i64,
        last: i64,
        last_hash: String,
        from_genesis: bool,
    },
    /// A filtered export (the console's, of the rows a filter chose): every event's own hash
    /// matches its fields, and each event that follows another in the chain links to it.
    /// Between `runs` stretches of consecutive events the chain is not in the file, so what
    /// lies between them is not checked.
    FilteredIntact {
        events: i64,
        first: i64,
        last: i64,
        runs: i64,
    },
    Broken {
        line: usize,
        seq: Option<i64>,
        reason: String,
    },
}

/// The events of an export with their line numbers (blank lines skipped), or where and why a
/// line is not an exported event.
fn exported_events(
    input: impl BufRead,
) -> impl Iterator<Item = std::result::Result<(usize, AuditEvent), ExportCheck>> {
    input.lines().enumerate().filter_map(|(i, line)| {
        let broken = |reason: String| ExportCheck::Broken {
            line: i + 1,
            seq: None,
            reason,
        };
        match line {
            Err(e) => Some(Err(broken(format!("unreadable: {e}")))),
            Ok(l) if l.trim().is_empty() => None,
            Ok(l) => Some(
                serde_json::from_str::<ExportedEvent>(&l)
                    .map(|x| (i + 1, x.event))
                    .map_err(|e| broken(format!("not an exported event: {e}"))),
            ),
        }
    })
}

/// Checks a filtered export without the database: each line parses, each event's hash matches
/// its own fields (its `prev_hash` included), seqs rise, and where two events are consecutive in
/// the chain the second links to the first.
pub fn verify_filtered_export(input: impl BufRead) -> ExportCheck {
    let mut previous: Option<AuditEvent> = None;
    let (mut events, mut runs, mut first) = (0, 0, 0);
    for read in exported_events(input) {
        let (line, event) = match read {
            Ok(x) => x,
            Err(broken) => return broken,
        };
        let broken = |seq, reason: String| ExportCheck::Broken { line, seq, reason };
        let e = event;
        let own = crate::domain::audit::event_hash(
            &e.prev_hash,
            e.seq,
            e.at,
            &e.actor,
            &e.action,
            &e.subject,
            &e.detail,
        );
        if own != e.hash {
            return broken(Some(e.seq), "content does not match its hash".into());
        }
        match &previous {
            Some(p) if e.seq <= p.seq => {
                return broken(Some(e.seq), "out of order or repeated".into())
            }
            Some(p) if e.seq == p.seq + 1 && e.prev_hash != p.hash => {
                return broken(Some(e.seq), "does not follow the previous event".into())
            }
            Some(p) if e.seq == p.seq + 1 => {}
            _ => runs += 1,
        }
        if previous.is_none() {
            first = e.seq;
        }
        events += 1;
        previous = Some(e);
    }
    match previous {
        None => ExportCheck::Broken {
            line: 0,
            seq: None,
            reason: "the file holds no events".into(),
        },
        Some(last) => ExportCheck::FilteredIntact {
            events,
            first,
            last: last.seq,
            runs,
        },
    }
}

/// One line of an export (JSON and its newline), for the console's export of filtered rows.
pub fn export_line(e: &AuditEvent) -> Vec<u8> {
    let line = ExportedEvent {
        event: e.clone(),
        time: rfc3339(e.at),
    };
    let mut out = serde_json::to_vec(&line).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Checks an export without the database: every line parses, every hash matches its event, and
/// each event follows the one before (the first follows its own `prev_hash`; an export from seq
/// 1 starts at the chain's beginning).
pub fn verify_export(input: impl BufRead) -> ExportCheck {
    let mut check: Option<ChainCheck> = None;
    let mut first = 0;
    for read in exported_events(input) {
        let (line, event) = match read {
            Ok(x) => x,
            Err(broken) => return broken,
        };
        let broken = |seq, reason: String| ExportCheck::Broken { line, seq, reason };
        let walk = check.get_or_insert_with(|| {
            first = event.seq;
            // The chain's first event follows nothing but the genesis hash.
            let prev = if event.seq == 1 {
                GENESIS
            } else {
                &event.prev_hash
            };
            ChainCheck::starting_at(event.seq, prev)
        });
        if let Err(Verification::Broken { seq, reason }) = walk.next(&event) {
            return broken(Some(seq), reason.to_string());
        }
    }
    match check {
        None => ExportCheck::Broken {
            line: 0,
            seq: None,
            reason: "the file holds no events".into(),
        },
        Some(walk) => {
            let (last, hash) = walk.last();
            ExportCheck::Intact {
                first,
                last,
                last_hash: hash.to_string(),
                from_genesis: first == 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit::NewEvent;

    /// A chain of `n` events as `berth audit export` writes it.
    fn export_of(n: i64) -> Vec<AuditEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let e = NewEvent::new("a", "act", &format!("s{}", seq % 3));
                let hash = e.hash_after(&prev, seq, seq * 10);
                let out = AuditEvent {
                    seq,
                    at: seq * 10,
                    actor: e.actor,
                    action: e.action,
                    subject: e.subject,
                    detail: e.detail,
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                out
            })
            .collect()
    }

    fn lines(events: &[&AuditEvent]) -> Vec<u8> {
        events.iter().flat_map(|e| export_line(e)).collect()
    }

    #[test]
    fn a_filtered_export_checks_each_hash_and_the_links_it_holds() {
        let chain = export_of(8);
        // Events about subject "s1": seqs 1, 4, 7; with 5 next to 4, a run of two.
        let picked: Vec<&AuditEvent> = chain
            .iter()
            .filter(|e| [1, 4, 5, 7].contains(&e.seq))
            .collect();
        assert_eq!(
            verify_filtered_export(&lines(&picked)[..]),
            ExportCheck::FilteredIntact {
                events: 4,
                first: 1,
                last: 7,
                runs: 3
            }
        );
        // The same file read as a stretch of the chain: the gap is an error.
        assert!(matches!(
            verify_export(&lines(&picked)[..]),
            ExportCheck::Broken { seq: Some(2), .. }
        ));

        let mut altered = chain[3].clone();
        altered.detail = "{\"x\":1}".into();
        let tampered = [&chain[0], &altered, &chain[4]];
        assert!(matches!(
            verify_filtered_export(&lines(&tampered)[..]),
            ExportCheck::Broken {
                line: 2,
                seq: Some(4),
                ..
            }
        ));

        // A forged event that hashes right but does not follow its neighbour.
        let mut forged = chain[4].clone();
        forged.prev_hash = chain[2].hash.clone();
        forged.hash = crate::domain::audit::event_hash(
            &forged.prev_hash,
            forged.seq,
            forged.at,
            &forged.actor,
            &forged.action,
            &forged.subject,
            &forged.detail,
        );
        let unlinked = [&chain[3], &forged];
        assert!(matches!(
            verify_filtered_export(&lines(&unlinked)[..]),
            ExportCheck::Broken { seq: Some(5), .. }
        ));

        let reordered = [&chain[4], &chain[3]];
        assert!(matches!(
            verify_filtered_export(&lines(&reordered)[..]),
            ExportCheck::Broken { seq: Some(4), .. }
        ));
        assert!(matches!(
            verify_filtered_export(&b""[..]),
            ExportCheck::Broken { line: 0, .. }
        ));
    }
}
