//! Where uploaded files are stored: `storage.url` and the S3 settings.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::{Config, ConfigError};

/// `url` is `file://DIR` (default `<data_dir>/files`) or `s3://BUCKET/PREFIX`; the other keys
/// are for S3 (path-style requests, so MinIO, Ceph RGW and other S3-compatible servers work).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    pub url: Option<String>,
    /// The S3 endpoint, e.g. `https://minio.internal:9000`; AWS's own when unset.
    pub endpoint: Option<String>,
    /// The bucket's region (`us-east-1` when unset).
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// A file holding `secret_access_key`.
    pub secret_access_key_file: Option<PathBuf>,
    /// Allow an `http://` endpoint (a bucket on the same private network).
    pub allow_http: bool,
}

impl std::fmt::Debug for StorageConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageConfig")
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field(
                "secret_access_key",
                &self.secret_access_key.as_ref().map(|_| "***"),
            )
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

/// Where files are stored, as `storage.url` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageLocation {
    Files(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl Config {
    /// Where uploaded files go: `storage.url`, or `<data_dir>/files`.
    pub fn storage_location(&self) -> Result<StorageLocation, ConfigError> {
        let bad = |why: &str| ConfigError::Invalid(format!("storage.url: {why}"));
        let Some(url) = self.storage.url.as_deref().map(str::trim) else {
            return Ok(StorageLocation::Files(self.data_dir.join("files")));
        };
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(bad(
                    "file:// needs a folder, e.g. file:///var/lib/berth/files",
                ));
            }
            return Ok(StorageLocation::Files(PathBuf::from(dir)));
        }
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(bad("must start with file:// or s3://"));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
        if !valid_bucket {
            return Err(bad(
                "the bucket name must be 3–63 lower-case letters, digits, dots and hyphens",
            ));
        }
        let s = &self.storage;
        if s.access_key_id.is_some() != s.secret_access_key.is_some() {
            return Err(ConfigError::Invalid(
                "storage.secret_access_key: give both storage.access_key_id and \
                 storage.secret_access_key, or neither"
                    .into(),
            ));
        }
        if let Some(endpoint) = &s.endpoint {
            if endpoint.starts_with("http://") && !s.allow_http {
                return Err(ConfigError::Invalid(
                    "storage.endpoint: an http:// endpoint needs storage.allow_http = true".into(),
                ));
            }
            if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
                return Err(ConfigError::Invalid(
                    "storage.endpoint: must start with https:// (or http://)".into(),
                ));
            }
        }
        Ok(StorageLocation::S3 {
            bucket: bucket.to_string(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }
}
