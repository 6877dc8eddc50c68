//! What a deployment shows beyond its answers: transport-security headers and cookie prefixes
//! behind https, cacheable files without cookies, `/metrics` only for the operator, and files on
//! disk that only the server's user can read.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{local_files, path, spawn_app, spawn_app_with, PASSWORD};

/// Issue 9, hole 11: no HSTS when `public_url` was https, and no `__Host-` cookie prefix.
#[tokio::test]
async fn behind_https_answers_carry_hsts_and_cookies_the_host_prefix() {
    let app = spawn_app_with(|c| c.public_url = Some("https://market.example.com".into())).await;
    let page = app
        .client
        .get(app.url("/login"))
        .send()
        .await
        .expect("page");
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let pre = page.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(pre.starts_with("__Host-berth_csrf="), "{pre}");
    assert!(
        pre.contains("; Secure") && pre.contains("Path=/") && !pre.contains("Domain"),
        "{pre}"
    );

    app.provider("https@example.com").await;
    let login = app
        .client
        .post(app.url(path::SESSIONS))
        .json(&json!({"email": "https@example.com", "password": PASSWORD}))
        .send()
        .await
        .expect("login");
    let set = login.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .to_string();
    assert!(set.starts_with("__Host-berth_session="), "{set}");
    assert!(set.contains("; Secure"), "{set}");
    let body: serde_json::Value = login.json().await.expect("json");
    let token = body["token"].as_str().expect("token");
    // The prefixed cookie signs in; the bare name, which a sibling subdomain could plant, does not.
    let me = app
        .raw(
            app.client
                .get(app.url(path::ME))
                .header("cookie", format!("__Host-berth_session={token}")),
        )
        .await;
    me.assert_status(StatusCode::OK);
    let me = app
        .raw(
            app.client
                .get(app.url(path::ME))
                .header("cookie", format!("berth_session={token}")),
        )
        .await;
    me.assert_status(StatusCode::UNAUTHORIZED);

    // Plain http: no HSTS.
    let plain = spawn_app().await;
    let page = plain
        .client
        .get(plain.url("/login"))
        .send()
        .await
        .expect("page");
    assert!(page.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn cacheable_static_files_set_no_cookie() {
    let app = spawn_app().await;
    for path in ["/static/app.css", "/static/app.js", "/favicon.ico"] {
        let resp = app.client.get(app.url(path)).send().await.expect("static");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert!(resp.headers().get("set-cookie").is_none(), "{path}");
        assert_eq!(
            resp.headers()["cache-control"],
            "public, max-age=3600",
            "{path}"
        );
    }
}

/// `/metrics` was public. Now: loopback clients that came through no proxy, or a bearer token.
#[tokio::test]
async fn metrics_are_for_the_operator_only() {
    let app = spawn_app().await;
    let local = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(local.status(), StatusCode::OK);
    let proxied = app
        .raw(
            app.client
                .get(app.url("/metrics"))
                .header("x-forwarded-for", "203.0.113.9"),
        )
        .await;
    proxied.assert_status(StatusCode::FORBIDDEN);
    assert_eq!(proxied.code(), "forbidden");

    let token = "a-long-metrics-token-for-tests";
    let app = spawn_app_with(|c| c.metrics_token = Some(token.into())).await;
    let with = app
        .raw(
            app.client
                .get(app.url("/metrics"))
                .header("x-forwarded-for", "203.0.113.9")
                .bearer_auth(token),
        )
        .await;
    with.assert_status(StatusCode::OK);
    let wrong = app
        .raw(
            app.client
                .get(app.url("/metrics"))
                .header("x-forwarded-for", "203.0.113.9")
                .bearer_auth("a-long-metrics-token-for-test"),
        )
        .await;
    wrong.assert_status(StatusCode::FORBIDDEN);
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `berth.db` was created 0644.
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_its_files_are_private() {
    let app = spawn_app_with(local_files).await;
    if app.is_postgres() {
        return;
    }
    app.register("files@example.com").await;
    app.wait_for_mail("files@example.com", 0).await;
    let dir = app.data_dir.path();
    assert_eq!(mode(dir), 0o700);
    for f in ["berth.db", "berth.db-wal", "master.key"] {
        assert_eq!(mode(&dir.join(f)), 0o600, "{f}");
    }
    for d in ["mail", "files"] {
        assert_eq!(mode(&dir.join(d)), 0o700, "{d}");
    }
    for mail in std::fs::read_dir(dir.join("mail")).expect("mail dir") {
        let path = mail.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }

    // A data directory from an older version is tightened at the next start.
    use std::os::unix::fs::PermissionsExt;
    let shared = dir.to_path_buf();
    std::fs::set_permissions(dir.join("berth.db"), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let url = app.database_url.clone();
    let again = spawn_app_with(move |c| {
        c.data_dir = shared;
        c.database_url = Some(url);
    })
    .await;
    drop(again);
    assert_eq!(mode(dir), 0o700);
    assert_eq!(mode(&dir.join("berth.db")), 0o600);
}

/// Every file and folder under `dir`.
#[cfg(unix)]
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// Uploaded documents (a licence, an authorisation letter with ID numbers) lay on disk in
/// plaintext, 0644 in 0755 folders; mail files of older versions kept their mode. Now every
/// stored file is encrypted, 0600 in 0700 folders, and `berth migrate` (which every start runs
/// too) seals and tightens older ones.
#[cfg(unix)]
#[tokio::test]
async fn uploaded_documents_are_encrypted_and_private_on_disk() {
    let app = spawn_app_with(local_files).await;
    let token = app.provider("docs@example.com").await;
    let licence = crate::helpers::pdf_with("legal representative 110101199003074514");
    let up = app.upload_licence_with(&token, licence.clone()).await;
    up.assert_status(StatusCode::CREATED);
    let url = up.body["url"].as_str().expect("url").to_string();
    let files = app.data_dir.path().join("files");
    let stored: Vec<_> = walk(&files).into_iter().filter(|p| p.is_file()).collect();
    assert_eq!(stored.len(), 1);
    for path in walk(&files) {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), want, "{}", path.display());
    }
    let on_disk = std::fs::read(&stored[0]).expect("read");
    assert!(
        !on_disk.windows(4).any(|w| w == b"%PDF"),
        "plaintext PDF on disk"
    );
    assert!(
        !on_disk.windows(10).any(|w| w == b"1101011990"),
        "an ID number on disk"
    );
    let down = app
        .raw(app.client.get(app.url(&url)).bearer_auth(&token))
        .await;
    down.assert_status(StatusCode::OK);

    // As an older version left them: the file in plaintext, loose modes, a loose mail file.
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(&stored[0], &licence).expect("plaintext");
    std::fs::set_permissions(&stored[0], std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let folder = stored[0].parent().expect("folder").to_path_buf();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let mail = walk(&app.data_dir.path().join("mail"))
        .into_iter()
        .find(|p| p.is_file())
        .expect("a mail file");
    std::fs::set_permissions(&mail, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    sqlx::query("UPDATE documents SET sealed = 0")
        .execute(&app.db().await)
        .await
        .expect("as before encryption");
    let out = crate::helpers::berth_bin()
        .arg("--data-dir")
        .arg(app.data_dir.path())
        .arg("--database-url")
        .arg(&app.database_url)
        .arg("migrate")
        .output()
        .expect("berth migrate");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(mode(&stored[0]), 0o600);
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&mail), 0o600);
    let on_disk = std::fs::read(&stored[0]).expect("read");
    assert!(
        !on_disk.windows(4).any(|w| w == b"%PDF"),
        "berth migrate encrypts the older file"
    );
    let resp = app
        .client
        .get(app.url(&url))
        .bearer_auth(&token)
        .send()
        .await
        .expect("download");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.expect("body").to_vec(), licence);
}

/// Issue 9, probe 9: `POST /lang` followed `back=/\evil.example` (browsers read `/\` as `//`,
/// another host) and answered 500 to a `back` with a newline; the log-in's `next` had its own,
/// different check. One rule now decides every redirect: a path of this site, or home.
#[tokio::test]
async fn redirects_never_leave_the_site_nor_fail() {
    let app = spawn_app().await;
    let hostile = [
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "/%5Cevil.example",
        "/%09/evil.example",
        "/ok\r\nSet-Cookie: x=1",
        "https://evil.example/",
        "/天",
        "",
    ];
    for back in hostile {
        let a = app
            .raw(
                app.client
                    .post(app.url("/lang"))
                    .form(&[("lang", "en"), ("back", back)]),
            )
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{back:?}: {:?}", a.body);
        assert_eq!(a.headers["location"], "/", "{back:?}");
        assert!(a
            .headers
            .get("set-cookie")
            .is_none_or(|c| !c.to_str().unwrap_or_default().contains("x=1")));
    }
    let a = app
        .raw(
            app.client
                .post(app.url("/lang"))
                .form(&[("lang", "en"), ("back", "/help?q=a%20b")]),
        )
        .await;
    assert_eq!(
        a.headers["location"], "/help?q=a%20b",
        "a local path is kept"
    );

    // The log-in page carries only a local `next` on to its form.
    for next in hostile {
        let page = app
            .raw(app.client.get(app.url("/login")).query(&[("next", next)]))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{next:?}");
        let html = page.body.as_str().unwrap_or_default().to_string();
        let carried = html
            .split_once(r#"name="next" value=""#)
            .and_then(|(_, rest)| rest.split_once('"'))
            .map(|(v, _)| v.to_string());
        assert_eq!(carried.as_deref(), Some(""), "{next:?} reached the form");
    }
    let page = app
        .raw(
            app.client
                .get(app.url("/login"))
                .query(&[("next", "/provider/info")]),
        )
        .await;
    let html = page.body.as_str().unwrap_or_default();
    assert!(html.contains(r#"name="next" value="/provider/info""#));
}
