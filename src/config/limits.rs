//! Every security limit, with its default (docs/SECURITY.md lists them).

use serde::{Deserialize, Serialize};

use crate::domain::limits::Rate;

/// Every security limit. A rate "N/DURATION" is a bucket of N tokens refilled over DURATION
/// (s, m, h, d): N at once, then one every DURATION/N.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Wrong passwords for one address from one client.
    pub login_failures_per_pair: Rate,
    /// Wrong passwords from one client, whatever the address (spraying).
    pub login_failures_per_client: Rate,
    /// Wrong passwords for one address from all clients; past it, only clients that signed in
    /// to the account within `known_client_days` may try.
    pub login_failures_per_address: Rate,
    pub known_client_days: u32,
    /// Wrong one-time codes (activation, reset, second factor) for one address from one client,
    /// across every code mailed.
    pub code_guesses_per_pair: Rate,
    /// Wrong one-time codes for one address and purpose, from all clients.
    pub code_guesses_per_address: Rate,
    /// Wrong one-time codes from one client, whatever the address.
    pub code_guesses_per_client: Rate,
    /// Codes mailed to one address (activation and reset together).
    pub code_mails_per_address: Rate,
    /// Code requests from one client, whatever the address.
    pub code_mails_per_client: Rate,
    /// Registrations from one client.
    pub registrations_per_client: Rate,
    /// Contact-us messages from one client.
    pub consultations_per_client: Rate,
    /// Acknowledgements of contact-us messages mailed to one address; past it the message is
    /// still received (and its reference shown), only not mailed: nobody is mail-bombed.
    pub consultation_mails_per_address: Rate,
    /// Staff invitations one admin may send.
    pub staff_invitations_per_admin: Rate,
    /// How long an invitation's link works.
    pub staff_invitation_hours: u32,
    /// "Test the integration" runs by one provider (each run makes four calls out).
    pub integration_tests_per_provider: Rate,
    /// Wrong amounts a micro-deposit allows in all; the last one freezes the check for
    /// `deposit_freeze_minutes`, after which the deposit is void and the holder asks for a new one.
    pub deposit_wrong_amounts: u32,
    pub deposit_freeze_minutes: u32,
    /// Micro-deposits an operator may pay for one verification.
    pub deposits_per_verification: u32,
    /// Password hashes computed at once (argon2id takes 19 MiB each); 0 = one per core but one,
    /// leaving a core to answer everything else during a flood of log-ins.
    pub hash_concurrency: usize,
    /// Requests that may wait for a hashing permit; more are answered 503 `busy`.
    pub hash_queue: usize,
    /// How long a request waits for a hashing permit before it is answered 503 `busy`.
    pub hash_wait_ms: u64,
    /// Hashing places (running or waiting) one client may hold at once; more are `busy`.
    pub hash_per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let rate = |s: &str| s.parse().unwrap_or(Rate::new(1, 60_000));
        Limits {
            login_failures_per_pair: rate("5/15m"),
            login_failures_per_client: rate("20/15m"),
            login_failures_per_address: rate("10/1h"),
            known_client_days: 30,
            code_guesses_per_pair: rate("5/15m"),
            code_guesses_per_address: rate("20/1d"),
            code_guesses_per_client: rate("30/1h"),
            code_mails_per_address: rate("5/1h"),
            code_mails_per_client: rate("20/1h"),
            registrations_per_client: rate("20/1h"),
            consultations_per_client: rate("5/10m"),
            consultation_mails_per_address: rate("3/1h"),
            staff_invitations_per_admin: rate("20/1d"),
            staff_invitation_hours: 72,
            integration_tests_per_provider: rate("20/1h"),
            deposit_wrong_amounts: 5,
            deposit_freeze_minutes: 60,
            deposits_per_verification: 3,
            hash_concurrency: 0,
            hash_queue: 8,
            hash_wait_ms: 2_000,
            hash_per_client: 2,
        }
    }
}
