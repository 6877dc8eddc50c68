//! The index itself: listings by slot, the storefront's order, a list per category and per
//! bigram, changed in place.

use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use super::{Hit, Query};
use crate::domain::product::bigrams;
use crate::store::products::ListingRow;

/// The storefront's order: newest first, then by id, descending.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key(Reverse<i64>, Reverse<Arc<str>>);

impl Key {
    fn of(listed_at: i64, id: &Arc<str>) -> Key {
        Key(Reverse(listed_at), Reverse(id.clone()))
    }
}

/// A listing as held: shared strings for what many products repeat (the provider, its company,
/// the category), a lower-cased copy of name and summary only where it differs.
struct Entry {
    id: Arc<str>,
    account: Arc<str>,
    company: Option<Arc<str>>,
    category: Arc<str>,
    name: Box<str>,
    summary: Box<str>,
    name_lower: Option<Box<str>>,
    summary_lower: Option<Box<str>>,
    price_from_fen: Option<i64>,
    listed_at: i64,
    has_icon: bool,
}

impl Entry {
    fn name_lower(&self) -> &str {
        self.name_lower.as_deref().unwrap_or(&self.name)
    }

    fn summary_lower(&self) -> &str {
        self.summary_lower.as_deref().unwrap_or(&self.summary)
    }

    fn key(&self) -> Key {
        Key::of(self.listed_at, &self.id)
    }

    /// Where the entry stands in the storefront's order (smaller = newer), without cloning.
    fn rank(&self) -> (Reverse<i64>, Reverse<&str>) {
        (Reverse(self.listed_at), Reverse(&self.id))
    }

    /// Every bigram of the name and the summary, once.
    fn bigrams(&self) -> Vec<(char, char)> {
        let mut all = bigrams(self.name_lower());
        for b in bigrams(self.summary_lower()) {
            if !all.contains(&b) {
                all.push(b);
            }
        }
        all
    }

    fn hit(&self) -> Hit {
        Hit {
            id: self.id.to_string(),
            name: self.name.to_string(),
            summary: self.summary.to_string(),
            category: self.category.to_string(),
            price_from_fen: self.price_from_fen,
            company_name: self.company.as_deref().map(str::to_string),
            has_icon: self.has_icon,
            listed_at: self.listed_at,
        }
    }
}

#[derive(Default)]
pub(super) struct Index {
    pub(super) generation: i64,
    /// Entries by slot; a removed product leaves its slot free for the next.
    slots: Vec<Option<Entry>>,
    free: Vec<u32>,
    by_id: HashMap<Arc<str>, u32>,
    by_account: HashMap<Arc<str>, Vec<u32>>,
    /// Every listing, newest first.
    order: BTreeSet<(Key, u32)>,
    by_category: HashMap<Arc<str>, BTreeSet<(Key, u32)>>,
    /// Slots per bigram of the name or the summary, in the storefront's order (newest first),
    /// so that a search walks the rarest list from its cursor and stops after a page.
    by_bigram: HashMap<(char, char), Vec<u32>>,
    /// The shared strings, each held once (the set's own `Arc` is the copy every entry shares);
    /// a string no listing uses any more leaves with its last listing.
    strings: HashSet<Arc<str>>,
}

fn lower_if_different(s: &str) -> Option<Box<str>> {
    let lower = s.to_lowercase();
    (lower != s).then(|| lower.into_boxed_str())
}

impl Index {
    pub(super) fn build(generation: i64, rows: Vec<ListingRow>) -> Index {
        let mut index = Index {
            generation,
            ..Index::default()
        };
        for row in rows {
            index.add(row, false);
        }
        // Sorted once, after every insertion, rather than kept sorted on the way.
        let slots = &index.slots;
        let rank = |s: &u32| {
            slots
                .get(*s as usize)
                .and_then(Option::as_ref)
                .map(Entry::rank)
        };
        for list in index.by_bigram.values_mut() {
            list.sort_unstable_by(|a, b| rank(a).cmp(&rank(b)));
            list.shrink_to_fit();
        }
        for list in index.by_account.values_mut() {
            list.shrink_to_fit();
        }
        index.slots.shrink_to_fit();
        index
    }

    pub(super) fn len(&self) -> usize {
        self.by_id.len()
    }

    /// What the index holds on the heap, counted from its parts (lengths and capacities; the
    /// allocator's own overhead and the hash tables' spare buckets are estimated, not measured).
    pub(super) fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let text = |s: &str| s.len();
        let entries: usize = self
            .slots
            .iter()
            .flatten()
            .map(|e| {
                text(&e.id)
                    + 16
                    + text(&e.name)
                    + text(&e.summary)
                    + e.name_lower.as_deref().map_or(0, text)
                    + e.summary_lower.as_deref().map_or(0, text)
            })
            .sum();
        let slots = self.slots.capacity() * size_of::<Option<Entry>>() + self.free.capacity() * 4;
        // A hash table entry: the key, the value and about one control byte, at 7/8 load.
        let table = |n: usize, entry: usize| n * (entry + 1) * 8 / 7;
        let bigrams: usize = self
            .by_bigram
            .values()
            .map(|l| l.capacity() * 4)
            .sum::<usize>()
            + table(self.by_bigram.len(), size_of::<((char, char), Vec<u32>)>());
        let accounts: usize = self
            .by_account
            .values()
            .map(|l| l.capacity() * 4)
            .sum::<usize>()
            + table(self.by_account.len(), size_of::<(Arc<str>, Vec<u32>)>());
        let by_id = table(self.by_id.len(), size_of::<(Arc<str>, u32)>());
        // A B-tree holds up to 11 elements per node; count them at two thirds full.
        let ordered = |n: usize| n * size_of::<(Key, u32)>() * 3 / 2;
        let order = ordered(self.order.len())
            + self
                .by_category
                .values()
                .map(|c| ordered(c.len()))
                .sum::<usize>();
        // An `Arc<str>` allocation: two counters and the text.
        let strings: usize = self.strings.iter().map(|k| k.len() + 16).sum::<usize>()
            + table(self.strings.len(), size_of::<Arc<str>>());
        entries + slots + bigrams + accounts + by_id + order + strings
    }

    fn shared(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.strings.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.strings.insert(a.clone());
        a
    }

    /// Forgets a shared string that only the set still holds.
    fn release(&mut self, s: Arc<str>) {
        // Two holders: `s` itself and the set.
        if Arc::strong_count(&s) <= 2 {
            self.strings.remove(&s);
        }
    }

    pub(super) fn insert(&mut self, row: ListingRow) {
        self.add(row, true);
    }

    /// Adds a listing; `in_order` keeps the bigram lists sorted (a bulk load sorts them once at
    /// the end instead).
    fn add(&mut self, row: ListingRow, in_order: bool) {
        self.remove_product(&row.id);
        let entry = Entry {
            id: Arc::from(row.id.as_str()),
            account: self.shared(&row.account_id),
            company: row.company_name.as_deref().map(|c| self.shared(c)),
            category: self.shared(&row.category),
            name_lower: lower_if_different(&row.name),
            summary_lower: lower_if_different(&row.summary),
            name: row.name.into_boxed_str(),
            summary: row.summary.into_boxed_str(),
            price_from_fen: row.price_from_fen,
            listed_at: row.listed_at,
            has_icon: row.icon_document_id.is_some(),
        };
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        };
        let key = entry.key();
        self.by_id.insert(entry.id.clone(), slot);
        self.by_account
            .entry(entry.account.clone())
            .or_default()
            .push(slot);
        self.order.insert((key.clone(), slot));
        self.by_category
            .entry(entry.category.clone())
            .or_default()
            .insert((key, slot));
        let grams = entry.bigrams();
        let rank = (Reverse(entry.listed_at), Reverse(entry.id.clone()));
        if let Some(place) = self.slots.get_mut(slot as usize) {
            *place = Some(entry);
        }
        for b in grams {
            let list = self.by_bigram.entry(b).or_default();
            if in_order {
                let slots = &self.slots;
                let at = list.partition_point(|s| {
                    slots
                        .get(*s as usize)
                        .and_then(Option::as_ref)
                        .is_some_and(|e| e.rank() < (rank.0, Reverse(&*rank.1 .0)))
                });
                list.insert(at, slot);
            } else {
                list.push(slot);
            }
        }
    }

    pub(super) fn remove_product(&mut self, id: &str) {
        let Some(slot) = self.by_id.remove(id) else {
            return;
        };
        let Some(entry) = self.slots.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let key = entry.key();
        self.order.remove(&(key.clone(), slot));
        if let Some(set) = self.by_category.get_mut(&entry.category) {
            set.remove(&(key, slot));
        }
        if let Some(list) = self.by_account.get_mut(&entry.account) {
            list.retain(|&s| s != slot);
            if list.is_empty() {
                self.by_account.remove(&entry.account);
            }
        }
        for b in entry.bigrams() {
            if let Some(list) = self.by_bigram.get_mut(&b) {
                // Sorted: found by its rank (the entry is out of its slot already).
                let slots = &self.slots;
                let at = list.partition_point(|s| {
                    slots
                        .get(*s as usize)
                        .and_then(Option::as_ref)
                        .is_some_and(|e| e.rank() < entry.rank())
                });
                match list.get(at) {
                    Some(&s) if s == slot => {
                        list.remove(at);
                    }
                    _ => list.retain(|&s| s != slot),
                }
                if list.is_empty() {
                    self.by_bigram.remove(&b);
                }
            }
        }
        self.free.push(slot);
        let Entry {
            account,
            company,
            category,
            ..
        } = entry;
        self.release(account);
        if let Some(company) = company {
            self.release(company);
        }
        self.release(category);
    }

    pub(super) fn remove_account(&mut self, account: &str) {
        let ids: Vec<Arc<str>> = self
            .by_account
            .get(account)
            .map(|slots| {
                slots
                    .iter()
                    .filter_map(|&s| self.slots.get(s as usize)?.as_ref().map(|e| e.id.clone()))
                    .collect()
            })
            .unwrap_or_default();
        for id in ids {
            self.remove_product(&id);
        }
    }

    fn entry(&self, slot: u32) -> Option<&Entry> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    pub(super) fn query(&self, q: &Query<'_>) -> Vec<Hit> {
        let text = q.text.filter(|t| !t.is_empty());
        let matches = |e: &Entry| {
            q.category.is_none_or(|c| &*e.category == c)
                && text.is_none_or(|t| e.name_lower().contains(t) || e.summary_lower().contains(t))
        };
        // Strictly after the cursor in the storefront's order.
        let after = q.after.map(|(at, id)| Key::of(at, &Arc::from(id)));
        let bigram_lists: Option<Vec<Option<&Vec<u32>>>> =
            text.map(|t| bigrams(t).iter().map(|b| self.by_bigram.get(b)).collect());
        if let Some(lists) = &bigram_lists {
            if lists.iter().any(Option::is_none) {
                return Vec::new();
            }
        }
        let rarest = bigram_lists
            .iter()
            .flatten()
            .flatten()
            .min_by_key(|l| l.len());
        let category = q.category.map(|c| self.by_category.get(c));
        if category.is_some_and(|c| c.is_none()) {
            return Vec::new();
        }
        let category = category.flatten();
        let use_bigrams = rarest.is_some_and(|l| category.is_none_or(|c| l.len() < c.len()));
        if let (true, Some(list)) = (use_bigrams, rarest) {
            // The list is in the storefront's order: from the cursor on, the first matches.
            let from = match &after {
                None => 0,
                Some(Key(Reverse(at), Reverse(id))) => list.partition_point(|&s| {
                    self.entry(s)
                        .is_some_and(|e| e.rank() <= (Reverse(*at), Reverse(&**id)))
                }),
            };
            return list[from..]
                .iter()
                .filter_map(|&s| self.entry(s))
                .filter(|e| matches(e))
                .take(q.limit)
                .map(Entry::hit)
                .collect();
        }
        let ordered = category.unwrap_or(&self.order);
        let start = match &after {
            None => std::ops::Bound::Unbounded,
            Some(a) => std::ops::Bound::Excluded((a.clone(), u32::MAX)),
        };
        ordered
            .range((start, std::ops::Bound::Unbounded))
            .filter_map(|(_, s)| self.entry(*s))
            .filter(|e| matches(e))
            .take(q.limit)
            .map(Entry::hit)
            .collect()
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
            account_id: format!("acc-{category}"),
            live_revision_id: "rev".into(),
            name: name.into(),
            summary: summary.into(),
            category: category.into(),
            price_from_fen: Some(100),
            listed_at: at,
        }
    }

    fn ids(rows: Vec<Hit>) -> Vec<String> {
        rows.into_iter().map(|r| r.id).collect()
    }

    fn sample() -> Index {
        Index::build(
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
    fn shared_strings_are_held_once_and_leave_with_their_last_listing() {
        let mut s = sample();
        // Accounts acc-iot, acc-security, acc-storage; three categories; one company.
        assert_eq!(s.strings.len(), 7);
        s.remove_product("b");
        assert!(!s.strings.contains("acc-security"));
        assert!(s.strings.contains("某某科技有限公司"));
        s.remove_product("a");
        assert!(s.strings.contains("acc-iot"), "d still uses it");
        s.remove_product("d");
        assert!(!s.strings.contains("acc-iot"));
        s.remove_product("c");
        assert!(!s.strings.contains("某某科技有限公司"));
        assert!(!s.strings.contains("acc-storage"));
    }

    #[test]
    fn newest_first_then_by_id() {
        let s = sample();
        let all = s.query(&Query {
            limit: 10,
            ..Query::default()
        });
        assert_eq!(ids(all), vec!["d", "b", "c", "a"]);
        assert_eq!(s.generation, 7);
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
        assert_eq!(q(Some("平台iot"), None, None, 10), Vec::<String>::new());
        assert_eq!(q(Some("没有"), None, None, 10), Vec::<String>::new());
        assert_eq!(q(None, Some("nope"), None, 10), Vec::<String>::new());
        assert_eq!(
            q(None, Some("iot"), Some((1, "a")), 10),
            Vec::<String>::new()
        );
        assert_eq!(q(None, None, Some((0, "")), 10), Vec::<String>::new());
    }

    #[test]
    fn changes_apply_in_place() {
        let mut s = sample();
        s.insert(row("b", 5, "日志中心", "集中日志", "security"));
        s.remove_product("d");
        s.remove_account("acc-storage");
        let all = |s: &Index| {
            ids(s.query(&Query {
                limit: 10,
                ..Query::default()
            }))
        };
        assert_eq!(all(&s), vec!["b", "a"]);
        let q = |s: &Index, t| {
            ids(s.query(&Query {
                text: Some(t),
                limit: 10,
                ..Query::default()
            }))
        };
        assert_eq!(q(&s, "监控"), vec!["a"], "the old summary of b is gone");
        assert_eq!(q(&s, "集中"), vec!["b"]);
        assert!(q(&s, "backup").is_empty());
        s.insert(row("e", 9, "监控中心", "", "storage"));
        assert_eq!(all(&s), vec!["e", "b", "a"]);
        assert_eq!(s.len(), 3);
    }

    proptest::proptest! {
        /// The index answers exactly what filtering every product in order would, also after
        /// products were changed and removed in place.
        #[test]
        fn the_index_agrees_with_a_scan(
            products in proptest::collection::vec(("[a-c监控平台 ]{0,6}", "[a-c监控平台 -]{0,8}", 0i64..4, 0usize..3), 0..30),
            changes in proptest::collection::vec((0usize..30, proptest::option::of(("[a-c监控 ]{0,5}", 0i64..4, 0usize..3))), 0..10),
            text in proptest::option::of("[a-c监控平台 -]{0,3}"),
            category in proptest::option::of(0usize..3),
            after in proptest::option::of((0i64..4, 0usize..30)),
            limit in 1usize..8,
        ) {
            let cats = ["iot", "security", "storage"];
            let mut rows: Vec<ListingRow> = products
                .iter()
                .enumerate()
                .map(|(i, (n, s, at, c))| row(&format!("p{i:02}"), *at, n, s, cats[*c]))
                .collect();
            let mut index = Index::build(1, rows.clone());
            for (i, change) in &changes {
                let id = format!("p{i:02}");
                rows.retain(|r| r.id != id);
                match change {
                    Some((name, at, c)) => {
                        let r = row(&id, *at, name, "", cats[*c]);
                        rows.push(r.clone());
                        index.insert(r);
                    }
                    None => index.remove_product(&id),
                }
            }
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
            let expected: Vec<String> = expected
                .iter()
                .filter(|r| query.after.is_none_or(|k| (r.listed_at, r.id.as_str()) < k))
                .filter(|r| query.category.is_none_or(|c| r.category == c))
                .filter(|r| {
                    query.text.filter(|t| !t.is_empty()).is_none_or(|t| {
                        r.name.to_lowercase().contains(t) || r.summary.to_lowercase().contains(t)
                    })
                })
                .take(limit)
                .map(|r| r.id.clone())
                .collect();
            proptest::prop_assert_eq!(ids(index.query(&query)), expected);
        }
    }
}
