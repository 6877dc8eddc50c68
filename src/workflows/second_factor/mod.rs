//! The second factor: enrolling a TOTP app (with one-time recovery codes), the second step of a
//! log-in, a fresh check before a sensitive action (step-up), turning it off (providers), and the
//! admin's reset from the command line. Staff must have one: a staff session without it can only
//! enrol. Wrong codes are limited like every code (`limits`), per account and client.
//!
//! `enrol.rs` sets a factor up and takes it away; `check.rs` judges codes.

mod check;
mod enrol;

pub use check::{complete_login, fresh_or_step_up, is_fresh, open_challenge, step_up};
pub use enrol::{
    begin_enrolment, confirm_enrolment, disable, is_enrolled, pending_enrolment,
    recovery_codes_left, reset, Enrolment,
};
