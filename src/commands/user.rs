//! `berth user`: staff accounts from the operator's shell.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::{bail, Context};
use berth::app;
use berth::config::Config;
use berth::domain::account::parse_staff_roles;
use berth::workflows::accounts::{self, UserAdded};

pub async fn add(config: &Config, email: String, role: Vec<String>) -> anyhow::Result<ExitCode> {
    let role = match parse_staff_roles(role.iter().map(String::as_str)) {
        Ok(r) if !r.is_empty() => r,
        Ok(_) => {
            eprintln!("berth: --role: give reviewer, finance or admin");
            return Ok(ExitCode::from(2));
        }
        Err(name) => {
            eprintln!(
                "berth: --role: {name} is not a staff role (reviewer, finance, admin, operator)"
            );
            return Ok(ExitCode::from(2));
        }
    };
    let (db, key) = app::open(config).await?;
    let ctx = app::context(config, db, key)?;
    let names = role.names().join(", ");
    let email = email.trim().to_lowercase();
    let password = if !accounts::has_account(&ctx, &email).await? {
        Some(read_password()?)
    } else {
        None
    };
    match accounts::add_user(&ctx, &email, password.as_deref().map(|p| p.as_str()), &role).await {
        Ok(UserAdded::Created { id }) => {
            eprintln!("Created a staff account {email} ({id}) with the roles {names}.")
        }
        Ok(UserAdded::RoleGranted { id }) => {
            eprintln!("Granted {names} to {email} ({id}).")
        }
        Ok(UserAdded::AlreadyHeld { .. }) => {
            eprintln!("{email} already has the roles {names}.")
        }
        Err(berth::workflows::Error::Validation(fields)) => {
            for f in fields {
                let params: Vec<(&str, &str)> =
                    f.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
                eprintln!(
                    "berth: {}: {}",
                    f.field,
                    berth::i18n::tf(berth::i18n::Lang::En, &format!("field.{}", f.code), &params)
                );
            }
            return Ok(ExitCode::from(2));
        }
        Err(e) => bail!("user add failed: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn reset_2fa(config: &Config, email: String) -> anyhow::Result<ExitCode> {
    let (db, key) = app::open(config).await?;
    let ctx = app::context(config, db, key)?;
    match berth::workflows::second_factor::reset(&ctx, &email).await {
        Ok(true) => eprintln!(
            "The second factor of {email} was removed and its sessions ended; the next log-in sets up a new one."
        ),
        Ok(false) => eprintln!(
            "{email} had no second factor; its sessions were ended anyway."
        ),
        Err(berth::workflows::Error::NotFound) => {
            eprintln!("berth: no account has the address {email}");
            return Ok(ExitCode::from(2));
        }
        Err(berth::workflows::Error::Validation(_)) => {
            eprintln!("berth: {email} is not an e-mail address");
            return Ok(ExitCode::from(2));
        }
        Err(e) => bail!("reset-2fa failed: {e}"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the password from stdin: without echo on a terminal, else the first line.
fn read_password() -> anyhow::Result<zeroize::Zeroizing<String>> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password (10–128 characters): ")
            .context("cannot read the password")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    Ok(zeroize::Zeroizing::new(password))
}
