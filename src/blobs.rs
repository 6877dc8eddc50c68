//! Stored files behind `object_store`: the local filesystem under `<data-dir>/files` by
//! default. Keys are chosen by the server; names given by clients are never used.

use std::path::Path;
use std::sync::Arc;

use object_store::local::LocalFileSystem;
use object_store::path::Path as BlobPath;
use object_store::{ObjectStore, PutPayload};

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("file storage: {0}")]
    Store(#[from] object_store::Error),
    #[error("file storage folder {0}: {1}")]
    Dir(String, std::io::Error),
}

#[derive(Clone, Debug)]
pub struct Blobs {
    store: Arc<dyn ObjectStore>,
}

impl Blobs {
    pub fn local(dir: &Path) -> Result<Blobs, BlobError> {
        crate::private_files::create_dir(dir)
            .map_err(|e| BlobError::Dir(dir.display().to_string(), e))?;
        Ok(Blobs {
            store: Arc::new(LocalFileSystem::new_with_prefix(dir)?),
        })
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BlobError> {
        self.store
            .put(&BlobPath::from(key), PutPayload::from(bytes))
            .await?;
        Ok(())
    }

    pub async fn get(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        Ok(self
            .store
            .get(&BlobPath::from(key))
            .await?
            .bytes()
            .await?
            .to_vec())
    }
}
