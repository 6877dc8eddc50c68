//! Secrets at rest and in transit: the master key, field encryption (XChaCha20-Poly1305 with the
//! table, column and row id as associated data), keyed hashes for codes and CSRF tokens, and
//! random tokens. Nothing here logs or formats a secret.

use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const KEY_FILE: &str = "master.key";
const CIPHERTEXT_PREFIX: &str = "v1:";
/// How an encrypted stored file begins (files of older versions are plaintext).
pub const SEALED_FILE_MAGIC: &[u8] = b"BERTH-SEALED-FILE-1\n";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("master_key: must be 32 bytes, base64-encoded (44 characters)")]
    BadKey,
    #[error("master key file {path}: {source}")]
    File {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted (wrong master key or altered data)")]
pub struct DecryptError;

/// The 256-bit master key. Debug never shows it.
#[derive(Clone)]
pub struct MasterKey {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(***)")
    }
}

impl MasterKey {
    /// From `BERTH_MASTER_KEY` when given, else from `<data_dir>/master.key`, created (mode 0600)
    /// on first start.
    pub fn load_or_create(
        configured: Option<&str>,
        data_dir: &Path,
    ) -> Result<MasterKey, KeyError> {
        if let Some(encoded) = configured {
            return MasterKey::from_base64(encoded);
        }
        let path = data_dir.join(KEY_FILE);
        let file_err = |source| KeyError::File {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => MasterKey::from_base64(text.trim()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir).map_err(file_err)?;
                let mut key = Zeroizing::new([0u8; 32]);
                rand::rngs::OsRng.fill_bytes(key.as_mut());
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::OpenOptionsExt;
                    options.mode(0o600);
                }
                let mut file = options.open(&path).map_err(file_err)?;
                file.write_all(STANDARD.encode(key.as_ref()).as_bytes())
                    .and_then(|_| file.sync_all())
                    .map_err(file_err)?;
                Ok(MasterKey { key })
            }
            Err(e) => Err(file_err(e)),
        }
    }

    /// The configured key, or the one in `<data_dir>/master.key`; never a new one.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<MasterKey, KeyError> {
        if let Some(encoded) = configured {
            return MasterKey::from_base64(encoded);
        }
        let path = data_dir.join(KEY_FILE);
        let text = std::fs::read_to_string(&path).map_err(|source| KeyError::File {
            path: path.display().to_string(),
            source,
        })?;
        MasterKey::from_base64(text.trim())
    }

    pub fn from_base64(encoded: &str) -> Result<MasterKey, KeyError> {
        let bytes = Zeroizing::new(
            STANDARD
                .decode(encoded.trim())
                .map_err(|_| KeyError::BadKey)?,
        );
        let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| KeyError::BadKey)?;
        Ok(MasterKey {
            key: Zeroizing::new(key),
        })
    }

    /// A sub-key for one purpose, so that one key never serves two.
    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(b"berth/");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// `nonce || ciphertext` of `plaintext` under the sub-key for `purpose`, with `context`
    /// bound as associated data.
    fn seal(&self, purpose: &str, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let cipher = XChaCha20Poly1305::new(&self.derive(purpose).into());
        let mut nonce = [0u8; 24];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: context.as_bytes(),
                },
            )
            .unwrap_or_else(|_| unreachable!("encryption of an in-memory buffer cannot fail"));
        let mut out = Vec::with_capacity(24 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    fn open(
        &self,
        purpose: &str,
        context: &str,
        raw: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        if raw.len() < 24 {
            return Err(DecryptError);
        }
        let (nonce, sealed) = raw.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.derive(purpose).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| DecryptError)
    }

    /// Encrypts `plaintext`; `context` (table.column:row-id) is bound as associated data so a
    /// ciphertext moved to another row does not decrypt.
    pub fn encrypt(&self, context: &str, plaintext: &[u8]) -> String {
        let raw = self.seal("field-encryption", context, plaintext);
        format!("{CIPHERTEXT_PREFIX}{}", URL_SAFE_NO_PAD.encode(raw))
    }

    pub fn decrypt(&self, context: &str, stored: &str) -> Result<Zeroizing<Vec<u8>>, DecryptError> {
        let body = stored.strip_prefix(CIPHERTEXT_PREFIX).ok_or(DecryptError)?;
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| DecryptError)?;
        self.open("field-encryption", context, &raw)
    }

    /// A stored file's bytes, encrypted: `SEALED_FILE_MAGIC`, then the nonce and ciphertext;
    /// `context` (the file's key) is bound, so a file moved to another key does not open.
    pub fn seal_file(&self, context: &str, plaintext: &[u8]) -> Vec<u8> {
        let raw = self.seal("file-encryption", context, plaintext);
        let mut out = Vec::with_capacity(SEALED_FILE_MAGIC.len() + raw.len());
        out.extend_from_slice(SEALED_FILE_MAGIC);
        out.extend_from_slice(&raw);
        out
    }

    /// The plaintext of a `seal_file` result.
    pub fn open_file(&self, context: &str, stored: &[u8]) -> Result<Vec<u8>, DecryptError> {
        let raw = stored.strip_prefix(SEALED_FILE_MAGIC).ok_or(DecryptError)?;
        self.open("file-encryption", context, raw)
            .map(|z| z.to_vec())
    }

    pub fn decrypt_string(&self, context: &str, stored: &str) -> Result<String, DecryptError> {
        let bytes = self.decrypt(context, stored)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecryptError)
    }

    /// A keyed hash (hex) for values that must be compared but not recovered: one-time codes,
    /// and blind indexes for equality search over encrypted columns.
    pub fn keyed_hash(&self, purpose: &str, value: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derive(purpose))
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(value);
        hex::encode(mac.finalize().into_bytes())
    }

    /// Constant-time comparison of a keyed hash with a stored one.
    pub fn keyed_hash_matches(&self, purpose: &str, value: &[u8], stored_hex: &str) -> bool {
        let Ok(stored) = hex::decode(stored_hex) else {
            return false;
        };
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.derive(purpose))
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        mac.update(value);
        mac.verify_slice(&stored).is_ok()
    }
}

/// A random 256-bit token, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A random decimal code of `digits` digits, uniformly distributed (leading zeros kept).
pub fn random_code(digits: u32) -> String {
    use rand::Rng;
    let max = 10u32.pow(digits);
    let n = rand::rngs::OsRng.gen_range(0..max);
    format!("{n:0width$}", width = digits as usize)
}

pub use crate::domain::constant_time_eq;

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64(&STANDARD.encode([7u8; 32])).expect("key")
    }

    #[test]
    fn encryption_round_trips_and_binds_its_context() {
        let k = key();
        let sealed = k.encrypt("settlement.account_number:1", b"6222020200112233444");
        assert!(!sealed.contains("6222020200112233444"));
        let opened = k
            .decrypt("settlement.account_number:1", &sealed)
            .expect("opens");
        assert_eq!(opened.as_slice(), b"6222020200112233444");
        assert!(k.decrypt("settlement.account_number:2", &sealed).is_err());
    }

    #[test]
    fn a_key_file_is_created_once_with_mode_0600() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = MasterKey::load_or_create(None, dir.path()).expect("created");
        let b = MasterKey::load_or_create(None, dir.path()).expect("read back");
        assert_eq!(a.key.as_ref(), b.key.as_ref());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_short_key_is_refused() {
        assert!(MasterKey::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn codes_have_their_length() {
        for _ in 0..100 {
            let c = random_code(6);
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|ch| ch.is_ascii_digit()));
        }
        assert_eq!(random_token().len(), 43);
    }

    #[test]
    fn keyed_hashes_compare() {
        let k = key();
        let h = k.keyed_hash("code", b"123456");
        assert!(k.keyed_hash_matches("code", b"123456", &h));
        assert!(!k.keyed_hash_matches("code", b"123457", &h));
        assert!(!k.keyed_hash_matches("other", b"123456", &h));
    }
}
