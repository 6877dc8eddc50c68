//! The storefront's read model: every listed product of a provider in good standing, held in
//! memory newest first, with a list per category and a bigram index over the lower-cased names
//! and summaries.
//!
//! The database stays the source of truth. Triggers add one to `storefront_state.generation` in
//! the same transaction as any change a listing shows (migration 0006). Every search reads that
//! one row first; when it is newer than the snapshot, one request reloads the snapshot (the
//! others wait for it) before anyone answers. So a search never answers from a state older than
//! the database it could have read itself — on one server, or on several sharing PostgreSQL —
//! and costs one keyed read plus work in memory, instead of a query that walks hundreds of rows.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use prometheus_client::metrics::counter::Counter;

use crate::domain::product::bigrams;
use crate::store::products::{storefront_generation, storefront_listings, ListingRow};
use crate::store::{Db, Result};

/// The current snapshot, reloaded when the database's generation moves past it.
pub struct StorefrontIndex {
    current: RwLock<Arc<Snapshot>>,
    reload: tokio::sync::Mutex<()>,
    /// Snapshots loaded since start (exported at `/metrics`).
    pub reloads: Counter,
}

impl Default for StorefrontIndex {
    fn default() -> Self {
        StorefrontIndex {
            current: RwLock::new(Arc::new(Snapshot::build(0, Vec::new()))),
            reload: tokio::sync::Mutex::new(()),
            reloads: Counter::default(),
        }
    }
}

impl StorefrontIndex {
    /// A snapshot at least as new as the database at the time of the call.
    pub async fn snapshot(&self, db: &Db) -> Result<Arc<Snapshot>> {
        let generation = storefront_generation(db).await?;
        let current = self.current();
        if current.generation >= generation {
            return Ok(current);
        }
        // One reload at a time; whoever waited here finds the new snapshot.
        let _reloading = self.reload.lock().await;
        let current = self.current();
        if current.generation >= generation {
            return Ok(current);
        }
        let (generation, rows) = storefront_listings(db).await?;
        let fresh = Arc::new(Snapshot::build(generation, rows));
        tracing::debug!(
            generation,
            products = fresh.len(),
            "storefront snapshot reloaded"
        );
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = fresh.clone();
        self.reloads.inc();
        Ok(fresh)
    }

    /// The snapshot in memory now, without asking the database (for `/metrics`).
    pub fn current(&self) -> Arc<Snapshot> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

struct Entry {
    row: ListingRow,
    name: String,
    summary: String,
}

/// The listed products at one generation.
pub struct Snapshot {
    generation: i64,
    /// Newest first: `listed_at` descending, then `id` descending.
    entries: Vec<Entry>,
    /// Positions in `entries`, ascending, per category.
    by_category: HashMap<String, Vec<u32>>,
    /// Positions in `entries`, ascending, per bigram of the name or the summary.
    by_bigram: HashMap<(char, char), Vec<u32>>,
}

/// What a buyer asked for.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    /// Lower-cased and trimmed; matched anywhere in the name or in the summary.
    pub text: Option<&'a str>,
    pub category: Option<&'a str>,
    /// Continue after this (`listed_at`, `id`).
    pub after: Option<(i64, &'a str)>,
    pub limit: usize,
}

impl Snapshot {
    pub fn build(generation: i64, mut rows: Vec<ListingRow>) -> Snapshot {
        rows.sort_unstable_by(|a, b| (b.listed_at, &b.id).cmp(&(a.listed_at, &a.id)));
        let mut by_category: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_bigram: HashMap<(char, char), Vec<u32>> = HashMap::new();
        let entries: Vec<Entry> = rows
            .into_iter()
            .enumerate()
            .map(|(i, row)| {
                let pos = i as u32;
                let name = row.name.to_lowercase();
                let summary = row.summary.to_lowercase();
                by_category
                    .entry(row.category.clone())
                    .or_default()
                    .push(pos);
                let mut seen = bigrams(&name);
                for b in bigrams(&summary) {
                    if !seen.contains(&b) {
                        seen.push(b);
                    }
                }
                for b in seen {
                    by_bigram.entry(b).or_default().push(pos);
                }
                Entry { row, name, summary }
            })
            .collect();
        Snapshot {
            generation,
            entries,
            by_category,
            by_bigram,
        }
    }

    pub fn generation(&self) -> i64 {
        self.generation
    }

    /// How many products are listed.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Up to `limit` matches, newest first.
    pub fn query(&self, q: &Query<'_>) -> Vec<&ListingRow> {
        let start = match q.after {
            None => 0,
            Some(key) => self
                .entries
                .partition_point(|e| (e.row.listed_at, e.row.id.as_str()) >= key),
        };
        let text = q.text.filter(|t| !t.is_empty());
        // The shortest list that every match must be on: the rarest bigram of the text, or the
        // category; with neither, every product from `start` on.
        let mut lists: Vec<Option<&Vec<u32>>> = Vec::new();
        if let Some(text) = text {
            lists.extend(bigrams(text).iter().map(|b| self.by_bigram.get(b)));
        }
        if let Some(c) = q.category {
            lists.push(self.by_category.get(c));
        }
        if lists.iter().any(Option::is_none) {
            return Vec::new();
        }
        let candidates = lists.into_iter().flatten().min_by_key(|l| l.len());
        let matches = |e: &&Entry| {
            q.category.is_none_or(|c| e.row.category == c)
                && text.is_none_or(|t| e.name.contains(t) || e.summary.contains(t))
        };
        match candidates {
            Some(list) => {
                let from = list.partition_point(|&p| (p as usize) < start);
                list[from..]
                    .iter()
                    .map(|&p| &self.entries[p as usize])
                    .filter(matches)
                    .take(q.limit)
                    .map(|e| &e.row)
                    .collect()
            }
            None => self.entries[start.min(self.entries.len())..]
                .iter()
                .filter(matches)
                .take(q.limit)
                .map(|e| &e.row)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, at: i64, name: &str, summary: &str, category: &str) -> ListingRow {
        ListingRow {
            id: id.into(),
            company_name: Some("某某科技有限公司".into()),
            icon_document_id: None,
            account_id: "acc".into(),
            live_revision_id: "rev".into(),
            name: name.into(),
            summary: summary.into(),
            category: category.into(),
            price_from_fen: Some(100),
            listed_at: at,
        }
    }

    fn ids(rows: Vec<&ListingRow>) -> Vec<&str> {
        rows.into_iter().map(|r| r.id.as_str()).collect()
    }

    fn sample() -> Snapshot {
        Snapshot::build(
            7,
            vec![
                row("a", 1, "设备监控平台", "IoT 设备接入", "iot"),
                row("b", 3, "日志分析", "安全监控与审计", "security"),
                row("c", 2, "Cloud Backup", "数据备份", "storage"),
                row("d", 3, "监控大屏", "可视化", "iot"),
            ],
        )
    }

    #[test]
    fn newest_first_then_by_id() {
        let s = sample();
        let all = s.query(&Query {
            limit: 10,
            ..Query::default()
        });
        assert_eq!(ids(all), vec!["d", "b", "c", "a"]);
        assert_eq!(s.generation(), 7);
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn text_category_and_paging() {
        let s = sample();
        let q = |text, category, after, limit| {
            ids(s.query(&Query {
                text,
                category,
                after,
                limit,
            }))
        };
        assert_eq!(q(Some("监控"), None, None, 10), vec!["d", "b", "a"]);
        assert_eq!(q(Some("监控"), Some("iot"), None, 10), vec!["d", "a"]);
        assert_eq!(q(Some("监控"), None, None, 1), vec!["d"]);
        assert_eq!(q(Some("监控"), None, Some((3, "d")), 10), vec!["b", "a"]);
        assert_eq!(q(Some("backup"), None, None, 10), vec!["c"]);
        assert_eq!(q(Some("b"), None, None, 10), vec!["c"], "one letter scans");
        assert_eq!(q(Some("iot 设备"), None, None, 10), vec!["a"]);
        // Only a substring of one field matches, not words spread over both.
        assert_eq!(q(Some("平台iot"), None, None, 10), Vec::<&str>::new());
        assert_eq!(q(Some("没有"), None, None, 10), Vec::<&str>::new());
        assert_eq!(q(None, Some("nope"), None, 10), Vec::<&str>::new());
        assert_eq!(q(None, Some("iot"), Some((1, "a")), 10), Vec::<&str>::new());
        assert_eq!(q(None, None, Some((0, "")), 10), Vec::<&str>::new());
    }

    proptest::proptest! {
        /// The index answers exactly what filtering every product in order would.
        #[test]
        fn the_index_agrees_with_a_scan(
            products in proptest::collection::vec(("[a-c监控平台 ]{0,6}", "[a-c监控平台 -]{0,8}", 0i64..4, 0usize..3), 0..30),
            text in proptest::option::of("[a-c监控平台 -]{0,3}"),
            category in proptest::option::of(0usize..3),
            after in proptest::option::of((0i64..4, 0usize..30)),
            limit in 1usize..8,
        ) {
            let cats = ["iot", "security", "storage"];
            let rows: Vec<ListingRow> = products
                .iter()
                .enumerate()
                .map(|(i, (n, s, at, c))| row(&format!("p{i:02}"), *at, n, s, cats[*c]))
                .collect();
            let snapshot = Snapshot::build(1, rows.clone());
            let text = text.map(|t| t.trim().to_lowercase());
            let after_id = after.map(|(_, i)| format!("p{i:02}"));
            let query = Query {
                text: text.as_deref(),
                category: category.map(|c| cats[c]),
                after: after.map(|(at, _)| at).zip(after_id.as_deref()),
                limit,
            };
            let mut expected = rows;
            expected.sort_by(|a, b| (b.listed_at, &b.id).cmp(&(a.listed_at, &a.id)));
            let expected: Vec<&str> = expected
                .iter()
                .filter(|r| query.after.is_none_or(|k| (r.listed_at, r.id.as_str()) < k))
                .filter(|r| query.category.is_none_or(|c| r.category == c))
                .filter(|r| {
                    query.text.filter(|t| !t.is_empty()).is_none_or(|t| {
                        r.name.to_lowercase().contains(t) || r.summary.to_lowercase().contains(t)
                    })
                })
                .take(limit)
                .map(|r| r.id.as_str())
                .collect();
            proptest::prop_assert_eq!(ids(snapshot.query(&query)), expected);
        }
    }
}
