//! Backup and restore as one drill, through the binary, while the server takes writes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use reqwest::StatusCode;

use crate::helpers::*;

fn berth_in(data_dir: &std::path::Path) -> std::process::Command {
    let mut cmd = berth_bin();
    cmd.arg("--data-dir").arg(data_dir);
    cmd
}

/// Issue 12: `berth backup FILE` copied the database only, with nothing to check it by, and there
/// was no restore. Now a backup taken under write load holds every write acknowledged before it
/// began, its files and a manifest; a restore refuses while a server runs, an altered backup and
/// another master key, and leaves a database whose audit chain verifies and whose documents
/// download.
#[tokio::test]
async fn a_backup_under_write_load_restores_every_acknowledged_write() {
    let app = spawn_app_with(local_files).await;
    let backup = tempfile::tempdir().expect("tempdir");
    let target = backup.path().join("b1");
    if app.is_postgres() {
        let out = berth_in(app.data_dir.path())
            .args(["--database-url", &app.database_url, "backup"])
            .arg(&target)
            .output()
            .expect("backup");
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("pg_dump"),
            "{out:?}"
        );
        return;
    }
    let token = app.provider("drill@example.com").await;
    let up = app
        .upload_licence_with(&token, pdf_with("drill licence"))
        .await;
    up.assert_status(StatusCode::CREATED);
    let licence = up.body["url"].as_str().expect("url").to_string();

    // A writer that saves the draft again and again; `acked` is the last save answered 200.
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicU64::new(0));
    let writer = {
        let (client, url, token, acked, stop) = (
            app.client.clone(),
            app.url(path::ENTERPRISE),
            token.clone(),
            acked.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while stop.load(Ordering::SeqCst) == 0 {
                n += 1;
                let form = enterprise_form(&format!("演练公司第{n}号"), &uscc(60));
                let resp = client
                    .put(&url)
                    .bearer_auth(&token)
                    .json(&form)
                    .send()
                    .await
                    .expect("save");
                assert_eq!(resp.status(), StatusCode::OK);
                acked.store(n, Ordering::SeqCst);
            }
        })
    };
    while acked.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before = acked.load(Ordering::SeqCst);
    let data = app.data_dir.path().to_path_buf();
    let t = target.clone();
    let out = tokio::task::spawn_blocking(move || {
        berth_in(&data)
            .arg("backup")
            .arg(&t)
            .output()
            .expect("backup")
    })
    .await
    .expect("join");
    assert!(out.status.success(), "{out:?}");
    stop.store(1, Ordering::SeqCst);
    writer.await.expect("writer");
    assert!(
        acked.load(Ordering::SeqCst) > before,
        "writes went on during the backup"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(target.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["files"].as_array().expect("files").len(), 1);
    assert!(
        !target.join("master.key").exists(),
        "the key stays out of the backup"
    );

    // Not while a server holds the data directory.
    let busy = berth_in(app.data_dir.path())
        .arg("restore")
        .arg(&target)
        .output()
        .expect("restore");
    assert_eq!(busy.status.code(), Some(2), "{busy:?}");
    assert!(
        String::from_utf8_lossy(&busy.stderr).contains("server is running"),
        "{busy:?}"
    );

    let data = app.stop_keeping_data().await;
    // An altered backup is refused, naming the part.
    let altered = backup.path().join("altered");
    copy_dir(&target, &altered);
    let file = altered.join(manifest["files"][0]["path"].as_str().expect("path"));
    let mut bytes = std::fs::read(&file).expect("read");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&file, bytes).expect("write");
    let bad = berth_in(data.path())
        .arg("restore")
        .arg(&altered)
        .output()
        .expect("restore");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("checksum"),
        "{bad:?}"
    );
    // Another master key is refused.
    let stranger = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        stranger.path().join("master.key"),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    )
    .expect("key");
    let bad = berth_in(stranger.path())
        .arg("restore")
        .arg(&target)
        .output()
        .expect("restore");
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("master_key"),
        "{bad:?}"
    );

    let out = berth_in(data.path())
        .arg("restore")
        .arg(&target)
        .output()
        .expect("restore");
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("audit log intact"),
        "{out:?}"
    );

    let dir = data.path().to_path_buf();
    let restored = spawn_app_with(move |c| {
        c.data_dir = dir.clone();
        c.database_url = Some(format!("sqlite://{}/berth.db", dir.display()));
        local_files(c);
    })
    .await;
    let view = restored.enterprise(&token).await;
    view.assert_status(StatusCode::OK);
    let name = view.body["company_name"]
        .as_str()
        .expect("name")
        .to_string();
    let n: u64 = name
        .trim_start_matches("演练公司第")
        .trim_end_matches('号')
        .parse()
        .expect("number");
    assert!(
        n >= before,
        "save {before} was acknowledged before the backup; restored {n}"
    );
    let resp = restored
        .client
        .get(restored.url(&licence))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        resp.bytes().await.expect("bytes").to_vec(),
        pdf_with("drill licence")
    );
    drop(data);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}
