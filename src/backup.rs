//! Backup and restore of a single-machine installation (SQLite and local files) as one drill:
//! `berth backup DIR` writes a consistent copy of the database, then the stored files, and a
//! manifest of checksums; `berth restore DIR` checks the manifest and the master key, refuses
//! while a server holds the data directory, restores, and leaves the audit chain to be verified.
//! PostgreSQL and S3 have their own tools (docs/OPERATIONS.md).
//!
//! Consistency: files are written before their rows and never changed afterwards, so copying
//! the database first and the files second gives every row of the copy its file. The master key
//! is not copied (a backup should not carry the key to its own secrets); the manifest carries a
//! keyed check value, so a restore with another key is refused instead of leaving unreadable
//! data.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, StorageLocation};
use crate::crypto::MasterKey;
use crate::store::{Db, Dialect};

/// The name of the lock file `serve` holds (shared) in the data directory; `restore` needs it
/// alone.
pub const LOCK_FILE: &str = "berth.lock";
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "berth.db";
const FILES: &str = "files";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What a backup holds, with a checksum for each part.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub created_at: String,
    pub berth_version: String,
    pub database: Entry,
    pub files: Vec<Entry>,
    /// A keyed hash of a fixed text under the master key: which key the data needs.
    pub key_check: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Relative to the backup folder, with `/` separators.
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

fn key_check(key: &MasterKey) -> String {
    key.keyed_hash("backup-key-check", b"berth")
}

/// The local files folder, or why this installation is not for `backup`/`restore`.
fn single_machine(config: &Config, db: &Db) -> Result<PathBuf, BackupError> {
    if db.dialect() != Dialect::Sqlite {
        return Err(BackupError::Refused(
            "database_url: backup and restore copy a SQLite database; for PostgreSQL use \
             pg_dump and pg_restore (docs/OPERATIONS.md)"
                .into(),
        ));
    }
    match config
        .storage_location()
        .map_err(|e| BackupError::Refused(e.to_string()))?
    {
        StorageLocation::Files(dir) => Ok(dir),
        StorageLocation::S3 { .. } => Err(BackupError::Refused(
            "storage.url: files in an S3 bucket are kept by the bucket's versioning, not by \
             berth backup (docs/OPERATIONS.md)"
                .into(),
        )),
    }
}

/// Copies `from` to `to` (created 0600), returning its size and SHA-256.
fn copy_with_digest(from: &Path, to: &Path) -> Result<(u64, String), BackupError> {
    let mut input = File::open(from).map_err(io(from))?;
    crate::private_files::create_file(to).map_err(io(to))?;
    let mut output = File::options()
        .write(true)
        .truncate(true)
        .open(to)
        .map_err(io(to))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io(from))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        output.write_all(&buf[..n]).map_err(io(to))?;
        size += n as u64;
    }
    output.sync_all().map_err(io(to))?;
    Ok((size, hex::encode(hasher.finalize())))
}

fn digest(path: &Path) -> Result<(u64, String), BackupError> {
    let mut input = File::open(path).map_err(io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((size, hex::encode(hasher.finalize())))
}

/// Every file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>, BackupError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&d)(e)),
        };
        for entry in entries {
            let path = entry.map_err(io(&d))?.path();
            let kind = std::fs::symlink_metadata(&path).map_err(io(&path))?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                if let Ok(rel) = path.strip_prefix(dir) {
                    out.push(rel.to_path_buf());
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

fn relative(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes a backup into `dir` (created; it must not exist, or be empty) while the server may
/// run: the database (`VACUUM INTO`, one consistent snapshot), then every stored file, then the
/// manifest, written last so that a backup without one is known to be unfinished.
pub async fn create(
    config: &Config,
    db: &Db,
    key: &MasterKey,
    dir: &Path,
) -> Result<Manifest, BackupError> {
    let files_dir = single_machine(config, db)?;
    if dir.exists() && std::fs::read_dir(dir).map_err(io(dir))?.next().is_some() {
        return Err(BackupError::Refused(format!(
            "{} is not empty; give a new folder",
            dir.display()
        )));
    }
    crate::private_files::create_dir(dir).map_err(io(dir))?;
    let db_copy = dir.join(DATABASE);
    db.backup_sqlite(&db_copy).await?;
    crate::private_files::keep_private(dir, &db_copy).map_err(io(&db_copy))?;
    let (size, sha256) = digest(&db_copy)?;
    let database = Entry {
        path: DATABASE.into(),
        size,
        sha256,
    };
    let mut files = Vec::new();
    for rel in files_under(&files_dir)? {
        let target = dir.join(FILES).join(&rel);
        if let Some(parent) = target.parent() {
            crate::private_files::create_dir(parent).map_err(io(parent))?;
        }
        let (size, sha256) = copy_with_digest(&files_dir.join(&rel), &target)?;
        files.push(Entry {
            path: format!("{FILES}/{}", relative(&rel)),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: 1,
        created_at: crate::time_util::rfc3339(crate::time_util::now_ms()),
        berth_version: env!("CARGO_PKG_VERSION").into(),
        database,
        files,
        key_check: key_check(key),
    };
    let path = dir.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BackupError::Refused(format!("manifest: {e}")))?;
    crate::private_files::write(&path, &json)
        .await
        .map_err(io(&path))?;
    Ok(manifest)
}

/// Reads the manifest of the backup in `dir` and checks every part against it; the first part
/// that is missing or differs is named.
pub fn check(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read(&path).map_err(|e| {
        BackupError::Refused(format!(
            "{}: no manifest ({e}); the backup is unfinished or not a Berth backup",
            path.display()
        ))
    })?;
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Refused(format!("{}: {e}", path.display())))?;
    if manifest.format != 1 {
        return Err(BackupError::Refused(format!(
            "{}: format {} is not one this version reads",
            path.display(),
            manifest.format
        )));
    }
    for entry in std::iter::once(&manifest.database).chain(&manifest.files) {
        // Paths come from the manifest: only plain relative ones inside the backup are read.
        let rel = Path::new(&entry.path);
        if rel.is_absolute()
            || rel
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(BackupError::Refused(format!(
                "manifest: {} is not a path inside the backup",
                entry.path
            )));
        }
        let (size, sha256) = digest(&dir.join(rel)).map_err(|e| {
            BackupError::Refused(format!("{}: missing from the backup ({e})", entry.path))
        })?;
        if size != entry.size || sha256 != entry.sha256 {
            return Err(BackupError::Refused(format!(
                "{}: does not match the manifest's checksum (altered or damaged)",
                entry.path
            )));
        }
    }
    Ok(manifest)
}

/// Holds the data directory's lock file: shared by `serve` (several may run on one folder),
/// exclusive for `restore`. Released when dropped (or when the process ends).
pub struct DataDirLock {
    _file: File,
}

impl DataDirLock {
    fn open(data_dir: &Path) -> Result<File, BackupError> {
        let path = data_dir.join(LOCK_FILE);
        crate::private_files::create_file(&path).map_err(io(&path))?;
        File::options()
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io(&path))
    }

    /// What `serve` holds while it runs.
    pub fn shared(data_dir: &Path) -> Result<DataDirLock, BackupError> {
        let file = Self::open(data_dir)?;
        file.try_lock_shared().map_err(|_| {
            BackupError::Refused(format!(
                "{}: a restore is running on this data directory",
                data_dir.display()
            ))
        })?;
        Ok(DataDirLock { _file: file })
    }

    /// What `restore` needs: no server on the folder.
    pub fn exclusive(data_dir: &Path) -> Result<DataDirLock, BackupError> {
        let file = Self::open(data_dir)?;
        file.try_lock().map_err(|_| {
            BackupError::Refused(format!(
                "{}: a server is running on this data directory; stop it before restoring",
                data_dir.display()
            ))
        })?;
        Ok(DataDirLock { _file: file })
    }
}

/// Restores the backup in `dir` into the configured data directory: checks the manifest and
/// that the configured master key is the backup's, takes the data directory for itself, puts the
/// database in place (the old one's WAL removed first, so it cannot be replayed onto the copy)
/// and the files in place (the old folder kept beside, renamed). The caller verifies the audit
/// chain of the result.
pub fn restore(config: &Config, dir: &Path) -> Result<Manifest, BackupError> {
    let manifest = check(dir)?;
    let database_url = config.database_url();
    let Some(db_path) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
        .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p)))
    else {
        return Err(BackupError::Refused(
            "database_url: restore writes a SQLite database; for PostgreSQL use pg_restore \
             (docs/OPERATIONS.md)"
                .into(),
        ));
    };
    let files_dir = match config
        .storage_location()
        .map_err(|e| BackupError::Refused(e.to_string()))?
    {
        StorageLocation::Files(d) => d,
        StorageLocation::S3 { .. } => {
            return Err(BackupError::Refused(
                "storage.url: restore puts files in a local folder; for S3 restore the \
                 bucket's versions (docs/OPERATIONS.md)"
                    .into(),
            ))
        }
    };
    let key = MasterKey::load(config.master_key.as_deref(), &config.data_dir).map_err(|e| {
        BackupError::Refused(format!(
            "master_key: the backup needs the master key it was made with ({e})"
        ))
    })?;
    if key_check(&key) != manifest.key_check {
        return Err(BackupError::Refused(
            "master_key: this is not the key the backup was made with; without it the \
             encrypted numbers and files cannot be read"
                .into(),
        ));
    }
    crate::private_files::create_dir(&config.data_dir).map_err(io(&config.data_dir))?;
    let _lock = DataDirLock::exclusive(&config.data_dir)?;

    let staged = db_path.with_extension("db.restoring");
    copy_with_digest(&dir.join(DATABASE), &staged)?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", db_path.display()));
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(&side)(e)),
        }
    }
    std::fs::rename(&staged, &db_path).map_err(io(&db_path))?;

    if files_dir.exists() {
        let kept = files_dir.with_file_name(format!(
            "files.before-restore-{}",
            crate::time_util::now_ms()
        ));
        std::fs::rename(&files_dir, &kept).map_err(io(&files_dir))?;
    }
    crate::private_files::create_dir(&files_dir).map_err(io(&files_dir))?;
    for entry in &manifest.files {
        let rel = entry.path.strip_prefix("files/").unwrap_or(&entry.path);
        let target = files_dir.join(rel);
        if let Some(parent) = target.parent() {
            crate::private_files::create_dir(parent).map_err(io(parent))?;
        }
        copy_with_digest(&dir.join(&entry.path), &target)?;
        crate::private_files::keep_private(&files_dir, &target).map_err(io(&target))?;
    }
    Ok(manifest)
}
