//! The accept loop: HTTP/1.1 through hyper with the limits `axum::serve` does not set. A client
//! must send its request head within `header_read_timeout_secs` — which in hyper is also how
//! long a kept-alive connection may wait for its next request — so connections that never
//! finish their headers are closed; at most `max_connections` are served at once (the rest wait
//! in the listen queue); and on shutdown in-flight requests finish within a grace period, after
//! which what is left is cut.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::Service;

use crate::config::Config;

/// hyper's own hard limits, above the ones `wire::hygiene` answers in the API's error shape:
/// past these hyper answers 431 with an empty body.
const HARD_MAX_HEADERS: usize = 200;
const HARD_MAX_HEAD_BYTES: usize = 64 * 1024;
/// How long shutdown waits for in-flight requests.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

pub struct ServeLimits {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

impl ServeLimits {
    pub fn from_config(config: &Config) -> ServeLimits {
        ServeLimits {
            header_read_timeout: Duration::from_secs(config.header_read_timeout_secs),
            max_connections: config.max_connections,
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut make_service = app.into_make_service_with_connect_info::<SocketAddr>();
    let mut http = http1::Builder::new();
    // Without a timer hyper's header timeout is silently off (and an explicit one panics).
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true)
        .max_headers(HARD_MAX_HEADERS)
        .max_header_size(HARD_MAX_HEAD_BYTES);
    let graceful = GracefulShutdown::new();
    let (hard_stop, hard_stop_rx) = watch::channel(());
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(service) = make_service.call(peer).await;
        let conn = graceful
            .watch(http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)));
        let mut hard_stop = hard_stop_rx.clone();
        tokio::spawn(async move {
            tokio::select! {
                done = conn => if let Err(e) = done {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                },
                _ = hard_stop.changed() => tracing::debug!(%peer, "connection cut at shutdown"),
            }
            drop(permit);
        });
    }
    // From here new connections are refused.
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("shutdown: grace period over, cutting the connections left");
    }
    drop(hard_stop);
    Ok(())
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
