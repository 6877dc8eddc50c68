//! Files only the server's own user may read: folders 0700, files 0600 (the database, its WAL,
//! the key, mail, uploads). Existing files and folders from older versions are tightened at
//! start. On systems without Unix permissions these are plain file operations.

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `dir` (and its parents) when missing, and makes it 0700.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir)?;
    restrict(dir, true)
}

/// Creates `file` empty with mode 0600 when missing (so that SQLite, which gives its WAL and
/// shared-memory files the database's mode, never makes a readable one).
pub fn create_file(file: &Path) -> io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    options.mode(0o600);
    options.open(file)?;
    restrict(file, false)
}

/// Writes `bytes` to a new file with mode 0600.
pub async fn write(file: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut f = options.open(file).await?;
    tokio::io::AsyncWriteExt::write_all(&mut f, bytes).await?;
    f.sync_all().await
}

/// Tightens `dir` to 0700 and, of the entries named, files to 0600 and folders (with all they
/// hold: mail, stored files) to 0700 — only Berth's own, never whatever else a chosen data
/// directory holds.
pub fn tighten(dir: &Path, entries: &[&str]) -> io::Result<()> {
    restrict(dir, true)?;
    for name in entries {
        match restrict_tree(&dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Makes `file` 0600 and every folder from it up to `root` 0700: for files a library created
/// with the default mode (`object_store`'s local store).
pub fn keep_private(root: &Path, file: &Path) -> io::Result<()> {
    restrict(file, false)?;
    let mut dir = file.parent();
    while let Some(d) = dir {
        if !d.starts_with(root) {
            break;
        }
        restrict(d, true)?;
        if d == root {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

/// `restrict` on `path` and, for a folder, on everything in it.
fn restrict_tree(path: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(path)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    restrict(path, meta.is_dir())?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(path)? {
            restrict_tree(&entry?.path())?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, dir: bool) -> io::Result<()> {
    let mode = if dir { 0o700 } else { 0o600 };
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(current & mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _dir: bool) -> io::Result<()> {
    Ok(())
}
