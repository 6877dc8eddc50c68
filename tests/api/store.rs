//! The store's write transactions on SQLite: durability per kind of write, and writers queued
//! in the process rather than in SQLite's busy handler.

use std::time::Duration;

use berth::domain::audit::NewEvent;
use berth::store::{Db, Durability};

async fn sqlite() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .expect("connect");
    db.migrate().await.expect("migrate");
    (dir, db)
}

async fn synchronous(tx: &mut berth::store::Tx) -> i64 {
    sqlx::query_scalar::<_, i64>("PRAGMA synchronous")
        .fetch_one(&mut **tx)
        .await
        .expect("pragma")
}

#[tokio::test]
async fn decisions_are_fsynced_and_drafts_are_relaxed() {
    let (_dir, db) = sqlite().await;
    let mut tx = db.begin_write_relaxed().await.expect("relaxed");
    assert_eq!(synchronous(&mut tx).await, 1, "NORMAL");
    tx.commit().await.expect("commit");
    // The same pooled connection may come back: the full write sets FULL again.
    for _ in 0..3 {
        let mut tx = db.begin_write().await.expect("full");
        assert_eq!(synchronous(&mut tx).await, 2, "FULL");
        tx.commit().await.expect("commit");
    }
}

/// Once the database has statistics (an operator's `ANALYZE`, `PRAGMA optimize`), SQLite
/// without the query planner's stability guarantee recompiles a cached statement every time a
/// value is bound to it (the value may change the plan): 12 % of the product page's CPU went
/// to that in the bench. The bundled SQLite is built with the guarantee
/// (`.cargo/config.toml`); this fails when a build loses the flag.
#[tokio::test]
async fn sqlite_keeps_each_statements_plan_whatever_value_is_bound() {
    let (_dir, db) = sqlite().await;
    let used: i64 = sqlx::query_scalar("SELECT sqlite_compileoption_used('ENABLE_QPSG')")
        .fetch_one(db.pool())
        .await
        .expect("compile option");
    assert_eq!(used, 1, "SQLite built without SQLITE_ENABLE_QPSG");
}

#[tokio::test]
async fn writers_take_turns_without_busy_errors() {
    let (_dir, db) = sqlite().await;
    sqlx::query("CREATE TABLE counter (n BIGINT NOT NULL)")
        .execute(db.pool())
        .await
        .expect("table");
    sqlx::query("INSERT INTO counter (n) VALUES (0)")
        .execute(db.pool())
        .await
        .expect("row");
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                let mut tx = db.begin_write().await.expect("begin");
                let n: i64 = sqlx::query_scalar("SELECT n FROM counter")
                    .fetch_one(&mut *tx)
                    .await
                    .expect("read");
                tokio::time::sleep(Duration::from_millis(1)).await;
                sqlx::query("UPDATE counter SET n = $1")
                    .bind(n + 1)
                    .execute(&mut *tx)
                    .await
                    .expect("write");
                tx.commit().await.expect("commit");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let n: i64 = sqlx::query_scalar("SELECT n FROM counter")
        .fetch_one(db.pool())
        .await
        .expect("n");
    assert_eq!(n, 160, "no lost update, no 'database is locked'");
}

async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn note(db: &Db, text: &str) -> Result<i64, berth::store::StoreError> {
    let text = text.to_string();
    db.write_with_event(
        None,
        Durability::Relaxed,
        "acc",
        "INSERT INTO notes (text) VALUES ($1)",
        move |q| q.bind(text.clone()),
        &NewEvent::new("system", "note.added", "notes"),
        None,
    )
    .await
}

/// One write round trip relies on the audit head this process last wrote; another process on
/// the same file (the CLI, a second server) moves it. Every way of appending must notice, and a
/// failed write must leave neither its row, nor its event, nor an open transaction behind.
#[tokio::test]
async fn two_processes_appending_to_one_chain_keep_it_intact() {
    let (dir, one) = sqlite().await;
    let other = Db::connect(&format!("sqlite://{}/t.db", dir.path().display()))
        .await
        .expect("second handle");
    sqlx::query("CREATE TABLE notes (text TEXT NOT NULL CHECK (text <> 'bad'))")
        .execute(one.pool())
        .await
        .expect("table");
    let mut seqs = Vec::new();
    seqs.push(note(&one, "1").await.expect("first write reads the head"));
    seqs.push(
        note(&one, "2")
            .await
            .expect("second write uses what it knows"),
    );
    seqs.push(note(&other, "3").await.expect("the other process"));
    seqs.push(note(&one, "4").await.expect("a stale head is noticed"));
    // The ordinary transaction, with a stale head, too.
    let mut tx = other.begin_write().await.expect("begin");
    seqs.push(
        berth::store::audit::append(&mut tx, NewEvent::new("system", "note.checked", "notes"))
            .await
            .expect("append after the head moved"),
    );
    tx.commit().await.expect("commit");
    seqs.push(note(&one, "5").await.expect("and again"));
    assert_eq!(seqs, vec![1, 2, 3, 4, 5, 6]);

    // A statement that fails: nothing of it stays, and the connections are fine afterwards.
    assert!(note(&one, "bad").await.is_err());
    for i in 0..20 {
        note(&one, &format!("after {i}"))
            .await
            .expect("write after a failure");
    }
    assert_eq!(
        count(&one, "SELECT COUNT(*) FROM notes WHERE text = 'bad'").await,
        0
    );
    assert_eq!(count(&one, "SELECT COUNT(*) FROM notes").await, 25);
    assert_eq!(count(&one, "SELECT COUNT(*) FROM audit_events").await, 26);
    assert_eq!(
        berth::workflows::audit_log::verify(&one)
            .await
            .expect("verify"),
        berth::domain::audit::Verification::Intact { events: 26 }
    );
}

/// On PostgreSQL a relaxed write (a draft, the customer-service details) commits without
/// waiting for the WAL flush, for that transaction only; decisions and money still wait.
#[tokio::test]
async fn on_postgres_relaxed_writes_skip_the_flush_and_decisions_keep_it() {
    let app = crate::helpers::spawn_app().await;
    if !app.is_postgres() {
        return;
    }
    let db = &app.state.ctx.db;
    let setting = async |tx: &mut berth::store::Tx| -> String {
        sqlx::query_scalar::<_, String>("SELECT current_setting('synchronous_commit')")
            .fetch_one(&mut **tx)
            .await
            .expect("setting")
    };
    let mut tx = db.begin_write_relaxed().await.expect("relaxed");
    assert_eq!(setting(&mut tx).await, "off");
    tx.commit().await.expect("commit");
    for _ in 0..3 {
        let mut tx = db.begin_write().await.expect("full");
        assert_eq!(
            setting(&mut tx).await,
            "on",
            "SET LOCAL ends with its transaction"
        );
        tx.commit().await.expect("commit");
    }
}

/// On PostgreSQL a blind write (the customer-service details, an API token's use) is one
/// statement that locks the account, writes, chains its audit event in SQL and records its
/// outside event with a delivery per endpoint. Racing with one another and with ordinary
/// transactions, every write gets its own audit and event seq, the chain verifies (SQL hashed
/// exactly as Rust does), each delivery carries its event's seq, a failed statement leaves
/// nothing behind, and a relaxed write's setting ends with it.
#[tokio::test]
async fn on_postgres_blind_writes_race_in_one_statement_and_keep_the_chain() {
    use berth::domain::events::{Event, EventType};
    let app = crate::helpers::spawn_app().await;
    if !app.is_postgres() {
        return;
    }
    let db = app.state.ctx.db.clone();
    sqlx::query("CREATE TABLE notes (text TEXT NOT NULL CHECK (text <> 'bad'))")
        .execute(db.pool())
        .await
        .expect("table");
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, provider_id, created_by, url, event_types, secret_enc, \
         created_at, updated_at) VALUES ('wh', NULL, 'system', 'https://example.com/', ',*,', 'x', 0, 0)",
    )
    .execute(db.pool())
    .await
    .expect("an endpoint that takes every event");
    let before = count(&db, "SELECT COUNT(*) FROM audit_events").await;
    // Half the writers read first on the connection they then write on (as the provider
    // backend's gate does): the write takes that connection, not another.
    let blind = |db: Db, text: String, held: bool| async move {
        let held = match held {
            true => {
                let mut conn = db.checkout().await?;
                sqlx::query("SELECT 1").execute(&mut *conn).await?;
                Some(conn)
            }
            false => None,
        };
        let outgoing = Event::about_provider(
            EventType::ProviderCustomerServiceUpdated,
            "acc",
            serde_json::json!({"note": text}),
        );
        // Multi-byte text in every field the tail carries.
        let event =
            NewEvent::new("系统", "note.added", "笔记").detail(serde_json::json!({"t": text}));
        db.write_with_event(
            held,
            Durability::Relaxed,
            "acc",
            "INSERT INTO notes (text) VALUES ($1)",
            move |q| q.bind(text.clone()),
            &event,
            Some(&outgoing),
        )
        .await
    };
    let mut tasks = Vec::new();
    for t in 0..8 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for i in 0..15 {
                if t == 0 && i % 3 == 0 {
                    // The ordinary way, statement by statement, in between.
                    let mut tx = db.begin_for_account("acc").await.expect("begin");
                    seqs.push(
                        berth::store::audit::append(
                            &mut tx,
                            NewEvent::new("system", "note.checked", "notes"),
                        )
                        .await
                        .expect("append"),
                    );
                    tx.commit().await.expect("commit");
                } else {
                    seqs.push(
                        blind(db.clone(), format!("{t}.{i} 名"), t % 2 == 1)
                            .await
                            .expect("blind"),
                    );
                }
            }
            seqs
        }));
    }
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.extend(task.await.expect("task"));
    }
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 120, "every write its own seq");
    assert_eq!(count(&db, "SELECT COUNT(*) FROM notes").await, 115);
    let events = count(&db, "SELECT COUNT(*) FROM events").await;
    assert_eq!(events, 115);
    assert_eq!(
        count(&db, "SELECT MAX(seq) - MIN(seq) + 1 FROM events").await,
        115
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             AND e.seq = d.seq WHERE d.endpoint_id = 'wh'"
        )
        .await,
        115,
        "one delivery per event, under the event's seq"
    );

    assert!(blind(db.clone(), "bad".into(), false).await.is_err());
    assert!(blind(db.clone(), "bad".into(), true).await.is_err());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM notes").await, 115);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM events").await, 115);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM audit_events").await,
        before + 120
    );
    assert_eq!(
        berth::workflows::audit_log::verify(&db)
            .await
            .expect("verify"),
        berth::domain::audit::Verification::Intact {
            events: before + 120
        }
    );
    for _ in 0..10 {
        assert_eq!(
            sqlx::query_scalar::<_, String>("SELECT current_setting('synchronous_commit')")
                .fetch_one(db.pool())
                .await
                .expect("setting"),
            "on",
            "the relaxed setting ended with its statement"
        );
    }
}

/// On PostgreSQL a connection the server cut while it sat in the pool (a restart, a proxy's
/// idle timeout, an administrator ending sessions) is replaced, never handed to a request.
/// A guard for anyone who trims the pool's checks to save a round trip.
#[tokio::test]
async fn connections_the_database_cut_while_idle_are_replaced_not_handed_out() {
    let app = crate::helpers::spawn_app().await;
    if !app.is_postgres() {
        return;
    }
    let token = app.provider("cut@example.com").await;
    assert_eq!(app.get_as(&token, "/api/v1/me").await.status, 200);
    let admin = app.db().await;
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .fetch_all(&admin)
    .await
    .expect("terminate the server's connections");
    admin.close().await;
    assert!(!cut.is_empty(), "the server held connections");
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    for _ in 0..20 {
        let me = app.get_as(&token, "/api/v1/me").await;
        assert_eq!(me.status, 200, "{:?}", me.body);
    }
}
