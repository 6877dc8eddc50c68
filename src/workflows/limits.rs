//! The security limits every flow uses, in one place. A limit is a `Bucket`: a rate from the
//! configuration (`config::Limits`) and the key it is counted under, a keyed hash of what is
//! counted (an address, a client, both), so the table never holds an address in clear. Buckets
//! live in the database (`store::limits`): instances on one database share them, and a
//! re-request, a new connection or a restart starts from the same count.
//!
//! Guesses (a password, a code) are counted *before* they are judged (`Guess::admit`), in one
//! transaction, so that parallel guesses cannot outrun a budget; a right guess is then given
//! back (`Guess::was_right`), so that only wrong ones count. Flows that count *requests* take
//! one event up front (`take`), all buckets or none.

use crate::domain::client::Client;
use crate::domain::limits::{Admission, Rate};
use std::collections::HashMap;
use std::sync::Mutex;

use crate::store::{self, Tx};
use crate::time_util::{now_ms, DAY_MS};

use super::{Ctx, Error, Result};

/// One counted thing.
#[derive(Debug, Clone)]
pub struct Bucket {
    rate: Rate,
    key: String,
}

/// How a set of buckets stands: the longest wait before all of them take one more event, and
/// the fewest events any of them has left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub wait_ms: i64,
    pub left: u32,
}

impl Standing {
    pub fn is_blocked(&self) -> bool {
        self.wait_ms > 0
    }

    pub fn refused(&self) -> Error {
        Error::RateLimited {
            retry_after_secs: retry_after_secs(self.wait_ms),
        }
    }
}

pub fn retry_after_secs(wait_ms: i64) -> u64 {
    u64::try_from((wait_ms + 999) / 1000).unwrap_or(1).max(1)
}

impl Ctx {
    /// The bucket of limit `name` (e.g. `login/pair`) for `subject`.
    pub fn bucket(&self, rate: Rate, name: &str, subject: &str) -> Bucket {
        Bucket {
            rate,
            key: self
                .key
                .keyed_hash("rate-limit", format!("{name}\n{subject}").as_bytes()),
        }
    }

    /// A bucket per client address.
    pub fn client_bucket(&self, rate: Rate, name: &str, client: &Client) -> Bucket {
        self.bucket(rate, name, &client.bucket())
    }

    /// A bucket per pair of a subject (an address) and a client.
    pub fn pair_bucket(&self, rate: Rate, name: &str, subject: &str, client: &Client) -> Bucket {
        self.bucket(rate, name, &format!("{subject}\n{}", client.bucket()))
    }
}

/// The buckets this process found full, and until when they stay full. A client refused a
/// moment ago that asks again is refused from memory, without a query: under a flood from one
/// client that is most of the flood. It only ever repeats a refusal the database gave (so it
/// never lets more through, whatever other instances do), and it is bounded.
#[derive(Debug, Default)]
pub struct Refusals {
    until: Mutex<HashMap<String, i64>>,
}

/// Keys remembered at most; past it the memory starts over (the database still decides).
const REFUSALS_KEPT: usize = 10_000;

impl Refusals {
    fn note(&self, key: &str, until: i64) {
        let mut map = self.until.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= REFUSALS_KEPT {
            map.clear();
        }
        map.insert(key.to_string(), until);
    }

    /// Forgets every refusal (the database still holds the counts).
    pub fn clear(&self) {
        self.until.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    fn wait(&self, key: &str, now: i64) -> Option<i64> {
        let map = self.until.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).map(|until| until - now).filter(|w| *w > 0)
    }
}

/// A keyed hash of an account and a client: how the known clients (the ones an account signed in
/// from) and a code's requester are stored.
pub fn client_key(ctx: &Ctx, account_id: &str, client: &Client) -> String {
    ctx.key.keyed_hash(
        "known-client",
        format!("{account_id}\n{}", client.bucket()).as_bytes(),
    )
}

/// Whether the account signed in from this client within `known_client_days`; read in `tx`.
pub async fn is_known_client(
    ctx: &Ctx,
    tx: &mut Tx,
    account_id: &str,
    client: &Client,
) -> Result<bool> {
    let since = now_ms() - i64::from(ctx.limits.known_client_days) * DAY_MS;
    Ok(store::limits::is_known_client(
        &mut **tx,
        account_id,
        &client_key(ctx, account_id, client),
        since,
    )
    .await?)
}

/// A refusal of one of `buckets` seen moments ago, still in force: answer it at once.
pub fn remembered_refusal(ctx: &Ctx, buckets: &[&Bucket]) -> Option<Standing> {
    let now = now_ms();
    buckets
        .iter()
        .filter_map(|b| ctx.refusals.wait(&b.key, now))
        .max()
        .map(|wait_ms| Standing { wait_ms, left: 0 })
}

/// How the buckets stand now; reads only.
pub async fn standing(ctx: &Ctx, buckets: &[&Bucket]) -> Result<Standing> {
    let [st] = standings(ctx, [buckets]).await?;
    Ok(st)
}

/// How several groups of buckets stand, read in one query; full buckets are remembered.
pub async fn standings<const N: usize>(
    ctx: &Ctx,
    groups: [&[&Bucket]; N],
) -> Result<[Standing; N]> {
    let keys: Vec<&str> = groups
        .iter()
        .flat_map(|g| g.iter().map(|b| b.key.as_str()))
        .collect();
    let tats = store::limits::states(ctx.db.pool(), &keys).await?;
    let now = now_ms();
    let mut tats = tats.into_iter();
    Ok(groups.map(|g| {
        g.iter().fold(open(), |acc, b| {
            let tat = tats.next().flatten();
            let wait = b.rate.wait(tat, now);
            if wait > 0 {
                ctx.refusals.note(&b.key, now + wait);
            }
            combine(acc, wait, b.rate.left(tat, now))
        })
    }))
}

/// The budgets one guess counts against: the pair of its subject (an address, an account) and
/// its client, the client whatever the subject (spraying), and the subject from every client.
pub struct GuessBudgets {
    pub pair: Bucket,
    pub client: Bucket,
    pub subject: Bucket,
}

/// A guess counted before it was judged.
#[derive(Debug, Clone, Copy)]
pub struct Guess {
    /// The subject's full budget was not counted: the client is one its owner uses.
    subject_counted: bool,
    /// Guesses left after this one.
    pub left: u32,
}

impl GuessBudgets {
    /// Counts one guess before it is judged: the pair and the client must have room, else
    /// `rate_limited`; a full subject budget refuses too — unless `trusted` says the client is
    /// one the subject's owner uses (it signed in from there, or asked for the code there), so
    /// that strangers spending the subject's budget cannot lock its owner out. All counted in
    /// one transaction, or none.
    pub async fn admit(
        &self,
        ctx: &Ctx,
        trusted: impl AsyncFnOnce(&mut Tx) -> Result<bool>,
    ) -> Result<Guess> {
        if let Some(st) = remembered_refusal(ctx, &[&self.pair, &self.client]) {
            return Err(st.refused());
        }
        let now = now_ms();
        let mut tx = ctx.db.begin_write_relaxed().await?;
        let mut left = u32::MAX;
        for b in [&self.pair, &self.client] {
            match store::limits::admit(&mut tx, &b.key, b.rate, now).await? {
                Admission::Allowed { left: l, .. } => left = left.min(l),
                Admission::Refused { retry_after_ms } => {
                    ctx.refusals.note(&b.key, now + retry_after_ms);
                    return Err(Error::RateLimited {
                        retry_after_secs: retry_after_secs(retry_after_ms),
                    });
                }
            }
        }
        let subject_counted =
            match store::limits::admit(&mut tx, &self.subject.key, self.subject.rate, now).await? {
                Admission::Allowed { left: l, .. } => {
                    left = left.min(l);
                    true
                }
                Admission::Refused { retry_after_ms } => {
                    if !trusted(&mut tx).await? {
                        return Err(Error::RateLimited {
                            retry_after_secs: retry_after_secs(retry_after_ms),
                        });
                    }
                    false
                }
            };
        tx.commit().await?;
        Ok(Guess {
            subject_counted,
            left,
        })
    }
}

impl Guess {
    /// The guess was never judged (the server was too busy to hash it): every budget is as it
    /// was before it, in a transaction of its own.
    pub async fn not_judged(&self, ctx: &Ctx, budgets: &GuessBudgets) -> Result<()> {
        let mut tx = ctx.db.begin_write_relaxed().await?;
        store::limits::give_back(&mut tx, &budgets.pair.key, budgets.pair.rate).await?;
        store::limits::give_back(&mut tx, &budgets.client.key, budgets.client.rate).await?;
        if self.subject_counted {
            store::limits::give_back(&mut tx, &budgets.subject.key, budgets.subject.rate).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The guess was right: it leaves the client's and the subject's budgets as they were, and
    /// the pair starts over.
    pub async fn was_right(&self, tx: &mut Tx, budgets: &GuessBudgets) -> Result<()> {
        store::limits::give_back(tx, &budgets.client.key, budgets.client.rate).await?;
        if self.subject_counted {
            store::limits::give_back(tx, &budgets.subject.key, budgets.subject.rate).await?;
        }
        store::limits::forget(tx, &budgets.pair.key).await?;
        Ok(())
    }
}

/// Spends one event of each bucket that has room (a full one stays full), in `tx`; the standing
/// afterwards. For failures: a wrong password, a wrong code.
pub async fn spend(tx: &mut Tx, buckets: &[&Bucket]) -> Result<Standing> {
    let now = now_ms();
    let mut st = open();
    for b in buckets {
        st = match store::limits::admit(tx, &b.key, b.rate, now).await? {
            Admission::Allowed { tat, left } => combine(st, b.rate.wait(Some(tat), now), left),
            Admission::Refused { retry_after_ms } => combine(st, retry_after_ms, 0),
        };
    }
    Ok(st)
}

/// Takes one event of every bucket, or of none: `RateLimited` when any is full. In a
/// transaction of its own. For requests: a mailed code, a registration, a consultation.
pub async fn take(ctx: &Ctx, buckets: &[&Bucket]) -> Result<()> {
    let mut tx = ctx.db.begin_write_relaxed().await?;
    take_in(&mut tx, buckets).await?;
    tx.commit().await?;
    Ok(())
}

/// `take` inside the caller's transaction; on `Err` the caller must not commit (nothing of the
/// refused request may be kept), which dropping the transaction ensures.
pub async fn take_in(tx: &mut Tx, buckets: &[&Bucket]) -> Result<()> {
    let now = now_ms();
    let mut refused = 0;
    for b in buckets {
        if let Admission::Refused { retry_after_ms } =
            store::limits::admit(tx, &b.key, b.rate, now).await?
        {
            refused = refused.max(retry_after_ms);
        }
    }
    if refused > 0 {
        return Err(Error::RateLimited {
            retry_after_secs: retry_after_secs(refused),
        });
    }
    Ok(())
}

/// Takes one event of `bucket` if it has room, in `tx`: whether it had. For things that are
/// skipped rather than refused past a limit (an acknowledgement mail).
pub async fn try_take(tx: &mut Tx, bucket: &Bucket) -> Result<bool> {
    Ok(matches!(
        store::limits::admit(tx, &bucket.key, bucket.rate, now_ms()).await?,
        Admission::Allowed { .. }
    ))
}

/// Forgets a bucket (a success ends the count of a pair's failures).
pub async fn forget(tx: &mut Tx, bucket: &Bucket) -> Result<()> {
    store::limits::forget(tx, &bucket.key).await?;
    Ok(())
}

fn open() -> Standing {
    Standing {
        wait_ms: 0,
        left: u32::MAX,
    }
}

fn combine(acc: Standing, wait_ms: i64, left: u32) -> Standing {
    Standing {
        wait_ms: acc.wait_ms.max(wait_ms),
        left: acc.left.min(left),
    }
}
