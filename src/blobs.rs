//! Stored files behind `object_store`: the local filesystem under `<data-dir>/files` by
//! default, or an S3-compatible bucket (`storage.url = "s3://BUCKET/PREFIX"`). Keys are chosen by the server; names given by clients are never used. Every file is
//! encrypted under the master key before it is stored (a business licence or an authorisation
//! letter carries ID numbers), with its key bound, and on the local filesystem it is 0600 in
//! 0700 folders. Files of older versions, stored in plaintext, are sealed in place by
//! `berth migrate` (and at start) through `seal_older`; until then they do not open.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as BlobPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, PutPayload};

use crate::config::{StorageConfig, StorageLocation};
use crate::crypto::{MasterKey, SEALED_FILE_MAGIC};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("file storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("file storage folder {0}: {1}")]
    Dir(String, std::io::Error),
    #[error("stored file {0} could not be decrypted (wrong master key or altered file)")]
    Sealed(String),
    #[error("{key}: {why}")]
    Config { key: &'static str, why: String },
}

#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
    key: MasterKey,
    /// The folder of a local store, whose files and folders are kept private.
    local: Option<(PathBuf, Arc<LocalFileSystem>)>,
}

impl Blobs {
    /// The store `storage.url` names. Nothing is contacted yet: `check` does that.
    pub fn open(
        location: &StorageLocation,
        settings: &StorageConfig,
        key: MasterKey,
    ) -> Result<Blobs, BlobError> {
        match location {
            StorageLocation::Files(dir) => Blobs::local(dir, key),
            StorageLocation::S3 { bucket, prefix } => {
                let mut builder = AmazonS3Builder::new()
                    .with_bucket_name(bucket)
                    .with_region(settings.region.as_deref().unwrap_or("us-east-1"))
                    .with_allow_http(settings.allow_http)
                    // Path-style requests (`endpoint/bucket/key`): what MinIO, Ceph RGW and
                    // most S3-compatible servers expect.
                    .with_virtual_hosted_style_request(false);
                if let Some(endpoint) = &settings.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let (Some(id), Some(secret)) =
                    (&settings.access_key_id, &settings.secret_access_key)
                {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret);
                }
                let s3 = builder.build().map_err(|e| BlobError::Config {
                    key: "storage.url",
                    why: e.to_string(),
                })?;
                let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
                    Arc::new(s3)
                } else {
                    Arc::new(PrefixStore::new(s3, prefix.as_str()))
                };
                Ok(Blobs {
                    store,
                    key,
                    local: None,
                })
            }
        }
    }

    /// Whether the store answers and takes writes: a small probe object is written, read back
    /// and removed. At start-up a failure stops the server with a message naming the key.
    pub async fn check(&self) -> Result<(), BlobError> {
        // At the top, not in a folder: a local store would keep an empty folder behind.
        let probe = BlobPath::from(format!(".berth-probe-{}", uuid::Uuid::new_v4()));
        self.store
            .put(&probe, PutPayload::from_static(b"probe"))
            .await?;
        let read = self.store.get(&probe).await?.bytes().await?;
        self.store.delete(&probe).await?;
        if read.as_ref() != b"probe" {
            return Err(BlobError::Config {
                key: "storage.url",
                why: "the store gave back other bytes than were written".into(),
            });
        }
        Ok(())
    }

    /// Whether the store answers (for `/readyz`): a read of an object that does not exist.
    pub async fn ping(&self) -> Result<(), BlobError> {
        match self.store.head(&BlobPath::from(".berth-probe-ready")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Every stored object: its key and when it was last written (unix ms).
    pub async fn list(&self) -> Result<Vec<(String, i64)>, BlobError> {
        use futures_util::TryStreamExt;
        let objects: Vec<object_store::ObjectMeta> = self.store.list(None).try_collect().await?;
        Ok(objects
            .into_iter()
            .map(|o| (o.location.to_string(), o.last_modified.timestamp_millis()))
            .collect())
    }

    /// Whether an object is stored under `key`.
    pub async fn exists(&self, key: &str) -> Result<bool, BlobError> {
        match self.store.head(&BlobPath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes the object under `key` (nothing when there is none).
    pub async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match self.store.delete(&BlobPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether the store is the local filesystem (files kept 0600 in 0700 folders).
    pub fn is_local(&self) -> bool {
        self.local.is_some()
    }

    pub fn local(dir: &Path, key: MasterKey) -> Result<Blobs, BlobError> {
        crate::private_files::create_dir(dir)
            .map_err(|e| BlobError::Dir(dir.display().to_string(), e))?;
        let fs = Arc::new(LocalFileSystem::new_with_prefix(dir)?);
        Ok(Blobs {
            store: fs.clone(),
            key,
            local: Some((dir.to_path_buf(), fs)),
        })
    }

    fn context(key: &str) -> String {
        format!("blob:{key}")
    }

    /// Stores `bytes` under `key`, encrypted.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        let sealed = self.key.seal_file(&Self::context(key), &bytes);
        drop(bytes);
        self.put_raw(key, sealed).await
    }

    async fn put_raw(&self, key: &str, sealed: Vec<u8>) -> Result<(), BlobError> {
        let path = BlobPath::from(key);
        self.store.put(&path, PutPayload::from(sealed)).await?;
        if let Some((root, fs)) = &self.local {
            let file = fs.path_to_filesystem(&path)?;
            crate::private_files::keep_private(root, &file)
                .map_err(|e| BlobError::Dir(file.display().to_string(), e))?;
        }
        Ok(())
    }

    /// The plaintext stored under `key`. Only sealed files open: a file that was not written
    /// through `put` (or was altered, or moved from another key) is refused.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        let stored = self.get_raw(key).await?;
        self.key
            .open_file(&Self::context(key), &stored)
            .map_err(|_| BlobError::Sealed(key.to_string()))
    }

    async fn get_raw(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        Ok(self
            .store
            .get(&BlobPath::from(key))
            .await?
            .bytes()
            .await?
            .to_vec())
    }

    /// Seals the file under `key` if an older version stored it in plaintext; whether it did.
    /// A file already sealed, or missing, is left as it is.
    pub async fn seal_older(&self, key: &str) -> Result<bool, BlobError> {
        match self.get_raw(key).await {
            Ok(bytes) if !bytes.starts_with(SEALED_FILE_MAGIC) => {
                self.put(key, bytes).await?;
                Ok(true)
            }
            Ok(_) | Err(BlobError::Store(object_store::Error::NotFound { .. })) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        MasterKey::from_base64(&encoded).expect("key")
    }

    #[tokio::test]
    async fn files_are_stored_sealed_and_private() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = Blobs::local(dir.path(), key()).expect("blobs");
        let secret = b"%PDF-1.4 ID 110101199003074514".to_vec();
        blobs
            .put("documents/a/b.pdf", secret.clone())
            .await
            .expect("put");
        let on_disk = std::fs::read(dir.path().join("documents/a/b.pdf")).expect("file");
        assert!(on_disk.starts_with(SEALED_FILE_MAGIC));
        assert!(
            !on_disk.windows(8).any(|w| w == b"11010119"),
            "plaintext on disk"
        );
        assert_eq!(blobs.get("documents/a/b.pdf").await.expect("get"), secret);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode(&dir.path().join("documents/a/b.pdf")), 0o600);
            assert_eq!(mode(&dir.path().join("documents/a")), 0o700);
            assert_eq!(mode(&dir.path().join("documents")), 0o700);
        }
        // Moved to another key, a file does not open.
        std::fs::create_dir_all(dir.path().join("documents/x")).expect("mkdir");
        std::fs::copy(
            dir.path().join("documents/a/b.pdf"),
            dir.path().join("documents/x/b.pdf"),
        )
        .expect("copy");
        assert!(matches!(
            blobs.get("documents/x/b.pdf").await,
            Err(BlobError::Sealed(_))
        ));
    }

    #[tokio::test]
    async fn plaintext_files_of_older_versions_are_sealed() {
        let dir = tempfile::tempdir().expect("dir");
        let blobs = Blobs::local(dir.path(), key()).expect("blobs");
        std::fs::create_dir_all(dir.path().join("documents/old")).expect("mkdir");
        std::fs::write(dir.path().join("documents/old/1.pdf"), b"%PDF old").expect("write");
        // Until sealed, a plaintext file does not open: nobody can plant one.
        assert!(matches!(
            blobs.get("documents/old/1.pdf").await,
            Err(BlobError::Sealed(_))
        ));
        assert!(blobs.seal_older("documents/old/1.pdf").await.expect("seal"));
        assert!(!blobs
            .seal_older("documents/old/1.pdf")
            .await
            .expect("again"));
        assert!(!blobs.seal_older("documents/gone.pdf").await.expect("gone"));
        let on_disk = std::fs::read(dir.path().join("documents/old/1.pdf")).expect("file");
        assert!(on_disk.starts_with(SEALED_FILE_MAGIC));
        assert_eq!(
            blobs.get("documents/old/1.pdf").await.expect("get"),
            b"%PDF old"
        );
    }
}
