//! Secrets read from files (`*_file` keys), as systemd credentials and container secrets hand
//! them over.

use std::path::PathBuf;

use super::{Config, ConfigError};

impl Config {
    /// Reads each `*_file` key into the value it holds (a trailing newline dropped). Giving a
    /// value and its file both is refused: one of them would be silently ignored.
    pub(super) fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        fn read(
            key: &str,
            file: &Option<PathBuf>,
            value: &mut Option<String>,
        ) -> Result<(), ConfigError> {
            let Some(path) = file else { return Ok(()) };
            let base = key.strip_suffix("_file").unwrap_or(key);
            if value.is_some() {
                return Err(ConfigError::Invalid(format!(
                    "{key}: give {base} or {key}, not both"
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| {
                ConfigError::Invalid(format!("{key}: cannot read {}: {e}", path.display()))
            })?;
            let text = text.trim_end_matches(['\n', '\r']);
            if text.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "{key}: {} is empty",
                    path.display()
                )));
            }
            *value = Some(text.to_string());
            Ok(())
        }
        read(
            "database_url_file",
            &self.database_url_file,
            &mut self.database_url,
        )?;
        read(
            "master_key_file",
            &self.master_key_file,
            &mut self.master_key,
        )?;
        if let Some(smtp) = &mut self.smtp {
            read(
                "smtp.password_file",
                &smtp.password_file,
                &mut smtp.password,
            )?;
        }
        let storage = &mut self.storage;
        read(
            "storage.secret_access_key_file",
            &storage.secret_access_key_file,
            &mut storage.secret_access_key,
        )?;
        Ok(())
    }
}
