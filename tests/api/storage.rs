//! Where uploaded files live: a real S3-compatible server shared by several instances, a store
//! that does not answer stopping start-up, and `/readyz` watching the store.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// Every file and folder under `dir` (none when it does not exist).
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The bytes at `path`, as the owner downloads them.
async fn download(app: &TestApp, token: &str, path: &str) -> Vec<u8> {
    let resp = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), StatusCode::OK, "{path}");
    resp.bytes().await.expect("bytes").to_vec()
}

/// Issue 12: a licence uploaded through instance A answered 500 through instance B, because
/// each kept files on its own disk. On one bucket, two instances serve each other's uploads,
/// and neither writes a file of its own. Needs the S3 server CI starts (`BERTH_TEST_S3_URL`);
/// the two instances share the test's database (PostgreSQL in CI, or the first one's SQLite
/// file) but not their data directories.
#[tokio::test]
async fn two_instances_on_one_bucket_serve_each_others_uploads() {
    if test_bucket().is_none() {
        eprintln!("skipped: BERTH_TEST_S3_URL names no S3 server");
        return;
    }
    let a = spawn_app().await;
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other = other_dir.path().to_path_buf();
    let url = a.database_url.clone();
    let storage = a.state.config.storage.clone();
    // Every instance has the same master key.
    let key = std::fs::read_to_string(a.data_dir.path().join("master.key")).expect("key");
    let b = spawn_app_with(move |c| {
        c.data_dir = other;
        c.database_url = Some(url);
        c.storage = storage;
        c.master_key = Some(key);
    })
    .await;

    let provider = a
        .with_moved_in_provider("s3@example.com", "上海云桥科技有限公司", &uscc(41))
        .await;
    let licence = a
        .get_as(&provider.token, "/api/v1/me/enterprise")
        .await
        .body["documents"][0]["url"]
        .as_str()
        .expect("the licence's address")
        .to_string();
    let through_b = download(&b, &provider.token, &licence).await;
    assert!(through_b.starts_with(b"%PDF"), "the licence itself");

    let product = a
        .create_product(
            &provider.token,
            json!({"name": "云桥网关", "category": "iot", "service_type": "saas",
                   "delivery": "saas", "summary": "A gateway", "description": "A gateway.",
                   "plans": [{"name": "Basic", "price_fen": 100, "billing": "monthly"}],
                   "terms": {"after_sales_scope": "Tickets", "warranty": "99.9%"}}),
        )
        .await;
    product.assert_status(StatusCode::CREATED);
    let id = product.body["id"].as_str().expect("id").to_string();
    let png = {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&1u32.to_be_bytes());
        v.extend_from_slice(&1u32.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89]);
        v
    };
    let part = reqwest::multipart::Part::bytes(png.clone())
        .file_name("icon.png")
        .mime_str("image/png")
        .expect("mime");
    let up = a
        .raw(
            a.client
                .post(a.url(&path::product_action(&id, "icon")))
                .bearer_auth(&provider.token)
                .multipart(reqwest::multipart::Form::new().part("file", part)),
        )
        .await;
    up.assert_status(StatusCode::OK);
    let icon = up.body["working"]["icon_url"]
        .as_str()
        .expect("the icon's address")
        .to_string();
    assert_eq!(download(&b, &provider.token, &icon).await, png);

    for app in [&a, &b] {
        let local = files_under(&app.data_dir.path().join("files"));
        assert!(local.is_empty(), "files on local disk: {local:?}");
    }
    // The bucket as the S3 server keeps it holds no plaintext.
    if let Ok(root) = std::env::var("BERTH_TEST_S3_ROOT") {
        let stored = files_under(std::path::Path::new(&root));
        assert!(!stored.is_empty(), "nothing in the bucket at {root}");
        for f in stored {
            let bytes = std::fs::read(&f).expect("read");
            assert!(
                !bytes.windows(4).any(|w| w == b"%PDF") && !bytes.starts_with(&png[..8]),
                "plaintext in the bucket: {}",
                f.display()
            );
        }
    }
}

/// A store that cannot be reached stops start-up, and the message names the key to fix.
#[tokio::test]
async fn an_unreachable_store_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = berth_bin()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("serve")
        .arg("--listen")
        .arg("127.0.0.1:0")
        .env("BERTH_STORAGE__URL", "s3://berth-files/docs")
        .env("BERTH_STORAGE__ENDPOINT", "http://127.0.0.1:9")
        .env("BERTH_STORAGE__ALLOW_HTTP", "true")
        .env("BERTH_STORAGE__ACCESS_KEY_ID", "k")
        .env("BERTH_STORAGE__SECRET_ACCESS_KEY", "not-in-the-log")
        .output()
        .expect("berth serve");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("storage.url"), "{stderr}");
    assert!(!stderr.contains("not-in-the-log"), "{stderr}");

    let out = berth_bin()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .env("BERTH_STORAGE__URL", "ftp://files")
        .output()
        .expect("berth migrate");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("storage.url"));
}

/// The `berth` binary on `app`'s data directory and database.
fn berth_on(app: &TestApp) -> std::process::Command {
    let mut cmd = berth_bin();
    cmd.arg("--data-dir")
        .arg(app.data_dir.path())
        .arg("--database-url")
        .arg(&app.database_url);
    cmd
}

/// Issue 12: an upload writes its file before its row, so a crash in between leaves a file no
/// row refers to; nothing found such files, nor rows whose file went missing. `berth storage
/// check` reports both; the daily sweep (or `berth jobs run storage-sweep`) removes
/// unreferenced files once they are a day old, and never a file a row refers to.
#[tokio::test]
async fn storage_check_names_missing_files_and_the_sweep_removes_old_orphans() {
    let app = spawn_app_with(local_files).await;
    let token = app.provider("sweep@example.com").await;
    app.upload_licence_with(&token, pdf())
        .await
        .assert_status(StatusCode::CREATED);
    let kept = app
        .upload_licence_with(&token, pdf_with("the second one"))
        .await;
    kept.assert_status(StatusCode::CREATED);
    let files = app.data_dir.path().join("files");

    let check = berth_on(&app)
        .args(["storage", "check"])
        .output()
        .expect("check");
    assert!(check.status.success(), "{check:?}");

    // Two orphans: one two days old, one just written.
    let old = files.join("documents/orphan-old.pdf");
    let fresh = files.join("documents/orphan-fresh.pdf");
    std::fs::write(&old, b"left by a crash").expect("write");
    std::fs::write(&fresh, b"an upload in flight").expect("write");
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .and_then(|f| f.set_modified(two_days_ago))
        .expect("age the orphan");
    let swept = berth_on(&app)
        .args(["jobs", "run", "storage-sweep"])
        .output()
        .expect("sweep");
    assert!(swept.status.success(), "{swept:?}");
    assert!(
        String::from_utf8_lossy(&swept.stdout).contains("1 unreferenced"),
        "{swept:?}"
    );
    assert!(!old.exists(), "the old orphan is removed");
    assert!(fresh.exists(), "a fresh one may be an upload in flight");
    let docs = files_under(&files);
    assert_eq!(docs.len(), 3, "both licences stay: {docs:?}");

    // A row whose file went missing is named, and the check fails.
    let gone = docs
        .iter()
        .find(|p| p.as_path() != fresh.as_path())
        .expect("a licence")
        .clone();
    std::fs::remove_file(&gone).expect("lose a file");
    let check = berth_on(&app)
        .args(["storage", "check"])
        .output()
        .expect("check");
    assert_eq!(check.status.code(), Some(1), "{check:?}");
    let out = String::from_utf8_lossy(&check.stdout);
    let name = gone
        .file_name()
        .expect("name")
        .to_string_lossy()
        .to_string();
    assert!(out.contains(&name), "{out}");
    assert!(out.contains("orphan-fresh.pdf"), "{out}");
}
