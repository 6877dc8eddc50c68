//! Configuration: defaults → optional `berth.toml` → `BERTH_*` environment → command-line flags.
//! A bad value stops start-up with a message that names the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

mod deposits;
mod events;
mod limits;
mod privacy;
mod review;
mod secrets;
mod smtp;
mod storage;
mod tokens;
mod webhooks;

pub use deposits::DepositsConfig;
pub use events::EventsConfig;
pub use limits::Limits;
pub use privacy::PrivacyConfig;
pub use review::{ReviewConfig, TargetDays};
pub use smtp::{SmtpConfig, SmtpSecurity};
pub use storage::{StorageConfig, StorageLocation};
pub use tokens::TokensConfig;
pub use webhooks::WebhooksConfig;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the SQLite database, uploaded files, the key file and `.eml` mail live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; defaults to `sqlite://<data_dir>/berth.db`.
    pub database_url: Option<String>,
    /// A file holding `database_url` (it may carry a password), as systemd credentials and
    /// container secrets provide it.
    pub database_url_file: Option<PathBuf>,
    /// The address `serve` listens on.
    pub listen: SocketAddr,
    /// The address people reach the server at (links in mail; `https://` makes cookies Secure).
    pub public_url: Option<String>,
    /// `text` (default) or `json` log lines.
    pub log_format: LogFormat,
    /// The time zone pages and mail show times in (an IANA name).
    pub timezone: String,
    /// 32-byte key (base64) that encrypts secrets at rest; else `<data_dir>/master.key` is used.
    pub master_key: Option<String>,
    /// A file holding `master_key`.
    pub master_key_file: Option<PathBuf>,
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
    /// A client must send its request headers within this time; it is also how long a
    /// kept-alive connection may wait for its next request (behind a load balancer, keep the
    /// balancer's idle timeout below it).
    pub header_read_timeout_secs: u64,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// On SIGTERM `/readyz` turns 503 at once; new requests are still served for this long
    /// (so that a load balancer notices and stops sending), then in-flight requests finish and
    /// the process exits. Behind a balancer, set it above the balancer's health-check interval.
    pub shutdown_grace_secs: u64,
    /// Proxies (addresses or CIDR blocks) whose `X-Forwarded-For` names the client. Without
    /// them every request counts as coming from the address that connected.
    pub trusted_proxies: Vec<String>,
    /// A bearer token that opens `/metrics` from anywhere; without it `/metrics` answers only
    /// loopback clients that came through no proxy.
    pub metrics_token: Option<String>,
    /// The event feed (retention).
    pub events: EventsConfig,
    /// The security limits (see docs/SECURITY.md).
    pub limits: Limits,
    /// Data rights: how long a closed account's personal data is kept (docs/PRIVACY.md).
    pub privacy: PrivacyConfig,
    /// Where uploaded files are stored: local files, or an S3-compatible bucket.
    pub storage: StorageConfig,
    /// Which addresses webhooks and SaaS callbacks may reach (see src/outbound.rs).
    pub webhooks: WebhooksConfig,
    /// API tokens for machines: their default and longest lifetime.
    pub tokens: TokensConfig,
    /// The review queue: how long a claim lasts, the target of each kind in working days.
    pub review: ReviewConfig,
    /// Category deposits: the grace period after a deduction, in working days.
    pub deposits: DepositsConfig,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./berth-data"),
            database_url: None,
            database_url_file: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            log_format: LogFormat::Text,
            timezone: "Asia/Shanghai".into(),
            master_key: None,
            master_key_file: None,
            mail_from: "Berth <no-reply@berth.localhost>".to_string(),
            smtp: None,
            session_ttl_hours: 24 * 14,
            request_timeout_secs: 30,
            max_body_bytes: 1024 * 1024,
            header_read_timeout_secs: 10,
            max_connections: 1024,
            shutdown_grace_secs: 0,
            trusted_proxies: Vec::new(),
            metrics_token: None,
            events: EventsConfig::default(),
            limits: Limits::default(),
            privacy: PrivacyConfig::default(),
            storage: StorageConfig::default(),
            webhooks: WebhooksConfig::default(),
            tokens: TokensConfig::default(),
            review: ReviewConfig::default(),
            deposits: DepositsConfig::default(),
        }
    }
}

/// The top-level keys, as `BERTH_<KEY>` variables may set them.
const KEYS: &[&str] = &[
    "data_dir",
    "database_url",
    "database_url_file",
    "listen",
    "public_url",
    "log_format",
    "timezone",
    "master_key",
    "master_key_file",
    "mail_from",
    "smtp",
    "session_ttl_hours",
    "request_timeout_secs",
    "max_body_bytes",
    "header_read_timeout_secs",
    "max_connections",
    "shutdown_grace_secs",
    "trusted_proxies",
    "metrics_token",
    "events",
    "limits",
    "privacy",
    "storage",
    "webhooks",
    "tokens",
    "review",
    "deposits",
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
        let mut config: Config = figment.extract().map_err(describe)?;
        config.read_secret_files()?;
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
        for (key, value) in [
            ("header_read_timeout_secs", self.header_read_timeout_secs),
            ("max_connections", self.max_connections as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{key}: must be at least 1")));
            }
        }
        self.trusted_proxy_nets()?;
        if self.metrics_token.as_deref().is_some_and(|t| t.len() < 16) {
            return Err(ConfigError::Invalid(
                "metrics_token: must be at least 16 characters".into(),
            ));
        }
        let l = &self.limits;
        for (key, value) in [
            ("limits.deposit_wrong_amounts", l.deposit_wrong_amounts),
            (
                "limits.deposits_per_verification",
                l.deposits_per_verification,
            ),
            ("limits.known_client_days", l.known_client_days),
            ("events.retention_days", self.events.retention_days),
            ("privacy.retention_days", self.privacy.retention_days),
            ("privacy.exports_per_day", self.privacy.exports_per_day),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{key}: must be at least 1")));
            }
        }
        let w = &self.webhooks;
        for (key, value) in [
            ("webhooks.poll_ms", w.poll_ms),
            ("webhooks.retry_base_secs", w.retry_base_secs),
            ("webhooks.retry_cap_secs", w.retry_cap_secs),
            ("webhooks.give_up_after_secs", w.give_up_after_secs),
            ("webhooks.disable_after_secs", w.disable_after_secs),
            ("webhooks.concurrency", w.concurrency as u64),
        ] {
            if value == 0 {
                return Err(ConfigError::Invalid(format!("{key}: must be at least 1")));
            }
        }
        if self.tokens.max_days == 0 || self.tokens.default_days == 0 {
            return Err(ConfigError::Invalid(
                "tokens.max_days, tokens.default_days: must be at least 1".into(),
            ));
        }
        if self.tokens.default_days > self.tokens.max_days {
            return Err(ConfigError::Invalid(
                "tokens.default_days: must not be more than tokens.max_days".into(),
            ));
        }
        self.review.check().map_err(ConfigError::Invalid)?;
        self.deposits.check().map_err(ConfigError::Invalid)?;
        self.storage_location()?;
        crate::display::Zone::named(&self.timezone)
            .map_err(|e| ConfigError::Invalid(format!("timezone: {e}")))?;
        if self.mail_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::Invalid(
                "mail_from: not a mailbox such as \"Berth <no-reply@example.com>\"".into(),
            ));
        }
        Ok(())
    }

    /// The trusted proxies as networks (a bare address is a /32 or /128).
    pub fn trusted_proxy_nets(&self) -> Result<Vec<IpNet>, ConfigError> {
        self.trusted_proxies
            .iter()
            .map(|s| {
                let s = s.trim();
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<std::net::IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        ConfigError::Invalid(format!(
                            "trusted_proxies: {s:?} is not an address or a CIDR block"
                        ))
                    })
            })
            .collect()
    }

    /// How many password hashes run at once.
    pub fn hash_concurrency(&self) -> usize {
        match self.limits.hash_concurrency {
            0 => std::thread::available_parallelism()
                .map_or(1, |n| n.get().saturating_sub(1))
                .max(1),
            n => n,
        }
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
    use crate::domain::limits::Rate;

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
    fn limits_read_as_rates_and_bad_ones_name_their_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("berth.toml");
        std::fs::write(
            &file,
            "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\n[limits]\nlogin_failures_per_pair = \"3/10m\"\n",
        )
        .expect("write");
        let c = Config::load(Some(&file), Overrides::default()).expect("loads");
        assert_eq!(c.limits.login_failures_per_pair, Rate::new(3, 600_000));
        assert_eq!(c.limits.code_mails_per_address, Rate::new(5, 3_600_000));
        assert_eq!(c.trusted_proxy_nets().expect("nets").len(), 2);

        std::fs::write(&file, "[limits]\nlogin_failures_per_pair = \"often\"\n").expect("write");
        let err = Config::load(Some(&file), Overrides::default()).expect_err("must fail");
        assert!(
            err.to_string().contains("limits.login_failures_per_pair"),
            "{err}"
        );
        std::fs::write(&file, "trusted_proxies = [\"not-a-net\"]\n").expect("write");
        let err = Config::load(Some(&file), Overrides::default()).expect_err("must fail");
        assert!(err.to_string().contains("trusted_proxies"), "{err}");
    }

    #[test]
    fn an_unknown_key_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("berth.toml");
        std::fs::write(&file, "lisen = \"127.0.0.1:1\"\n").expect("write");
        let err = Config::load(Some(&file), Overrides::default()).expect_err("must fail");
        assert!(err.to_string().contains("lisen"), "{err}");
    }

    fn load_toml(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("berth.toml");
        std::fs::write(&file, text).expect("write");
        Config::load(Some(&file), Overrides::default())
    }

    #[test]
    fn storage_urls_choose_the_store_and_bad_ones_name_their_key() {
        let c = load_toml("").expect("defaults");
        assert_eq!(
            c.storage_location().expect("files"),
            StorageLocation::Files(PathBuf::from("./berth-data/files"))
        );
        let c = load_toml(
            "[storage]\nurl = \"s3://berth-files/prod/docs/\"\nendpoint = \"http://10.0.0.5:9000\"\nallow_http = true\naccess_key_id = \"k\"\nsecret_access_key = \"s\"\n",
        )
        .expect("s3");
        assert_eq!(
            c.storage_location().expect("s3"),
            StorageLocation::S3 {
                bucket: "berth-files".into(),
                prefix: "prod/docs".into()
            }
        );
        assert!(
            !format!("{:?}", c.storage).contains("\"s\""),
            "secret in Debug"
        );
        for (text, key) in [
            ("[storage]\nurl = \"ftp://x\"\n", "storage.url"),
            ("[storage]\nurl = \"s3://A_B\"\n", "storage.url"),
            (
                "[storage]\nurl = \"s3://bucket\"\nendpoint = \"http://h:9000\"\n",
                "storage.endpoint",
            ),
            (
                "[storage]\nurl = \"s3://bucket\"\naccess_key_id = \"k\"\n",
                "storage.secret_access_key",
            ),
            ("[storage]\nbucket = \"x\"\n", "bucket"),
        ] {
            let err = load_toml(text).expect_err(text);
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
    }

    #[test]
    fn secrets_can_come_from_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("s3-secret");
        std::fs::write(&secret, "very-secret\n").expect("write");
        let c = load_toml(&format!(
            "[storage]\nurl = \"s3://bucket\"\naccess_key_id = \"k\"\nsecret_access_key_file = \"{}\"\n",
            secret.display()
        ))
        .expect("loads");
        assert_eq!(c.storage.secret_access_key.as_deref(), Some("very-secret"));
        let err = load_toml(&format!(
            "master_key = \"x\"\nmaster_key_file = \"{}\"\n",
            secret.display()
        ))
        .expect_err("both");
        assert!(err.to_string().contains("master_key_file"), "{err}");
        let err = load_toml("database_url_file = \"/nonexistent/berth-db-url\"\n")
            .expect_err("missing file");
        assert!(err.to_string().contains("database_url_file"), "{err}");
    }
}
