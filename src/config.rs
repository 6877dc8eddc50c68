//! Configuration: defaults → optional `berth.toml` → `BERTH_*` environment → command-line flags.
//! A bad value stops start-up with a message that names the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, uploaded files, the key file and `.eml` mail live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://<data_dir>/berth.db`.
    pub database_url: Option<String>,
    /// The address `serve` listens on.
    pub listen: SocketAddr,
    /// The address people reach the server at (links in mail; `https://` makes cookies Secure).
    pub public_url: Option<String>,
    /// `text` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// 32-byte key (base64) that encrypts secrets at rest; else `<data_dir>/master.key` is used.
    pub master_key: Option<String>,
    /// The `From:` of every mail.
    pub mail_from: String,
    /// SMTP relay; without it mail is written to `<data_dir>/mail/` as `.eml` files.
    pub smtp: Option<SmtpConfig>,
    /// How long a session lasts after log-in.
    pub session_ttl_hours: u32,
    /// A request that takes longer is answered 408.
    pub request_timeout_secs: u64,
    /// The largest JSON body accepted.
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (local relays only).
    #[serde(default)]
    pub security: SmtpSecurity,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("security", &self.security)
            .finish()
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    #[default]
    Starttls,
    Tls,
    None,
}

fn default_smtp_port() -> u16 {
    587
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./berth-data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            log_format: LogFormat::Text,
            master_key: None,
            mail_from: "Berth <no-reply@berth.localhost>".to_string(),
            smtp: None,
            session_ttl_hours: 24 * 14,
            request_timeout_secs: 30,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// The top-level keys, as `BERTH_<KEY>` variables may set them.
const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "listen",
    "public_url",
    "log_format",
    "master_key",
    "mail_from",
    "smtp",
    "session_ttl_hours",
    "request_timeout_secs",
    "max_body_bytes",
];

/// Values given on the command line; `None` leaves the layer below in force.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads the layers. `file` is read when given (it must exist) or when `berth.toml` exists in
    /// the working directory.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => {
                return Err(ConfigError::Invalid(format!(
                    "config file {} does not exist",
                    path.display()
                )))
            }
            Some(path) => figment = figment.merge(Toml::file_exact(path)),
            None if Path::new("berth.toml").exists() => {
                figment = figment.merge(Toml::file_exact("berth.toml"))
            }
            None => {}
        }
        figment = figment
            .merge(
                // Only the keys Berth has: other BERTH_* variables (BERTH_LOG, test settings)
                // are not configuration.
                Env::prefixed("BERTH_").split("__").filter(|key| {
                    let lower = key.as_str().to_ascii_lowercase();
                    let top = lower.split('.').next().unwrap_or("");
                    KEYS.contains(&top)
                }),
            )
            .merge(Serialized::globals(overrides));
        let config: Config = figment.extract().map_err(describe)?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            if !(url.starts_with("sqlite:")
                || url.starts_with("postgres:")
                || url.starts_with("postgresql:"))
            {
                return Err(ConfigError::Invalid(
                    "database_url: must start with sqlite:// or postgres://".into(),
                ));
            }
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid(
                    "public_url: must start with http:// or https://".into(),
                ));
            }
        }
        if self.session_ttl_hours == 0 {
            return Err(ConfigError::Invalid(
                "session_ttl_hours: must be at least 1".into(),
            ));
        }
        if self.request_timeout_secs == 0 {
            return Err(ConfigError::Invalid(
                "request_timeout_secs: must be at least 1".into(),
            ));
        }
        if self.max_body_bytes < 1024 {
            return Err(ConfigError::Invalid(
                "max_body_bytes: must be at least 1024".into(),
            ));
        }
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(
                "mail_from: not a mailbox such as \"Berth <no-reply@example.com>\"".into(),
            ));
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}/berth.db", self.data_dir.display()),
        }
    }

    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }

    pub fn blob_dir(&self) -> PathBuf {
        self.data_dir.join("files")
    }

    /// Cookies get the `Secure` attribute when the public address is https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}

/// Turns a figment error into one line per problem, each naming the key.
fn describe(err: figment::Error) -> ConfigError {
    let lines: Vec<String> = err
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let source = e
                .metadata
                .as_ref()
                .map(|m| m.name.to_string())
                .unwrap_or_default();
            if key.is_empty() {
                format!("{} ({source})", e.kind)
            } else {
                format!("{key}: {} ({source})", e.kind)
            }
        })
        .collect();
    ConfigError::Invalid(lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file() {
        let c = Config::default();
        assert_eq!(c.database_url(), "sqlite://./berth-data/berth.db");
        assert!(c.check().is_ok());
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("berth.toml");
        std::fs::write(&file, "listen = \"not an address\"\n").expect("write");
        let err = Config::load(Some(&file), Overrides::default()).expect_err("must fail");
        assert!(err.to_string().contains("listen"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("berth.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").expect("write");
        let err = Config::load(Some(&file), Overrides::default()).expect_err("must fail");
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
