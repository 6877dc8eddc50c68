//! The client of a request as the security limits count it: the connecting address, or the
//! address a trusted proxy forwarded for (`trusted_proxies`; see `domain::client`).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use crate::domain::client::Client;
use crate::http::state::AppState;

pub struct ClientAddr(pub Client);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_of(parts, state)))
    }
}

pub fn client_of(parts: &Parts, state: &AppState) -> Client {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(Ipv4Addr::UNSPECIFIED.into(), |c| c.0.ip());
    let forwarded: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
    Client::resolve(peer, forwarded.as_deref(), &state.trusted_proxies)
}
