//! The store's write transactions on SQLite: durability per kind of write, and writers queued
//! in the process rather than in SQLite's busy handler.

use std::time::Duration;

use berth::store::Db;

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
