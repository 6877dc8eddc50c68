//! What every handler can reach: the workflows' context, the configuration and the metrics.

use std::sync::Arc;

use crate::config::Config;
use crate::http::cookies::Cookies;
use crate::http::metrics::Metrics;
use crate::workflows::Ctx;

/// Everything a handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub ctx: Arc<Ctx>,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// `config.trusted_proxies`, parsed once.
    pub trusted_proxies: Arc<Vec<ipnet::IpNet>>,
}

impl AppState {
    /// The cookies' names and attributes for this deployment.
    pub fn cookies(&self) -> Cookies {
        Cookies::new(self.config.secure_cookies())
    }
}
