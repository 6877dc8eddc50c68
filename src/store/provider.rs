//! Provider information: customer service, the settlement account, and a pending change to it.

use sqlx::any::AnyRow;
use sqlx::{Any, Executor, Row};

use super::{Conn, Db, Durability, Result, Tx};
use crate::domain::audit::NewEvent;
use crate::domain::events::Event;
use crate::domain::provider::CustomerService;

pub async fn customer_service<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<CustomerService>> {
    let row = sqlx::query(
        "SELECT phone, email, dongdong_group_id, service_hours FROM provider_customer_service WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.map(|r| {
        Ok(CustomerService {
            phone: r.try_get("phone")?,
            email: r.try_get("email")?,
            dongdong_group_id: r.try_get("dongdong_group_id")?,
            service_hours: r.try_get("service_hours")?,
        })
    })
    .transpose()
}

const PUT_CUSTOMER_SERVICE: &str =
    "INSERT INTO provider_customer_service (account_id, phone, email, \
    dongdong_group_id, service_hours, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
    ON CONFLICT (account_id) DO UPDATE SET phone = $2, email = $3, dongdong_group_id = $4, \
    service_hours = $5, updated_at = $6";

/// Saves the customer-service details with their audit event and their outside event, in one
/// write that reads nothing first (see `Db::write_with_event`), on `held` when given.
pub async fn save_customer_service(
    db: &Db,
    held: Option<Conn>,
    account_id: &str,
    cs: &CustomerService,
    now: i64,
    event: &NewEvent,
    outgoing: &Event,
) -> Result<i64> {
    let (id, cs) = (account_id.to_string(), cs.clone());
    db.write_with_event(
        held,
        Durability::Relaxed,
        account_id,
        PUT_CUSTOMER_SERVICE,
        move |q| {
            q.bind(id.clone())
                .bind(cs.phone.clone())
                .bind(cs.email.clone())
                .bind(cs.dongdong_group_id.clone())
                .bind(cs.service_hours.clone())
                .bind(now)
        },
        event,
        Some(outgoing),
    )
    .await
}

/// Saves the customer-service details in `tx` (when the workflow has more to do in it).
pub async fn put_customer_service(
    tx: &mut Tx,
    account_id: &str,
    cs: &CustomerService,
    now: i64,
) -> Result<()> {
    sqlx::query(PUT_CUSTOMER_SERVICE)
        .bind(account_id)
        .bind(cs.phone.clone())
        .bind(cs.email.clone())
        .bind(cs.dongdong_group_id.clone())
        .bind(cs.service_hours.clone())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A settlement account as stored: the number encrypted, its last four digits in clear.
#[derive(Debug, Clone)]
pub struct SettlementRow {
    pub account_name: String,
    pub bank_name: String,
    pub branch_name: String,
    pub branch_code: String,
    pub account_number_enc: String,
    pub account_last4: String,
    /// For a pending change: its review item and when it was asked for.
    pub review_item_id: Option<String>,
    pub at: i64,
}

fn settlement_from_row(r: &AnyRow, pending: bool) -> Result<SettlementRow> {
    Ok(SettlementRow {
        account_name: r.try_get("account_name")?,
        bank_name: r.try_get("bank_name")?,
        branch_name: r.try_get("branch_name")?,
        branch_code: r.try_get("branch_code")?,
        account_number_enc: r.try_get("account_number_enc")?,
        account_last4: r.try_get("account_last4")?,
        review_item_id: if pending {
            r.try_get("review_item_id")?
        } else {
            None
        },
        at: r.try_get("at")?,
    })
}

pub async fn settlement<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<SettlementRow>> {
    let row = sqlx::query(
        "SELECT account_name, bank_name, branch_name, branch_code, account_number_enc, account_last4, \
         updated_at AS at FROM provider_settlement WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.as_ref()
        .map(|r| settlement_from_row(r, false))
        .transpose()
}

pub async fn put_settlement(tx: &mut Tx, account_id: &str, s: &SettlementRow) -> Result<()> {
    sqlx::query(
        "INSERT INTO provider_settlement (account_id, account_name, bank_name, branch_name, branch_code, \
         account_number_enc, account_last4, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET account_name = $2, bank_name = $3, branch_name = $4, \
         branch_code = $5, account_number_enc = $6, account_last4 = $7, updated_at = $8",
    )
    .bind(account_id)
    .bind(&s.account_name)
    .bind(&s.bank_name)
    .bind(&s.branch_name)
    .bind(&s.branch_code)
    .bind(&s.account_number_enc)
    .bind(&s.account_last4)
    .bind(s.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn pending_settlement<'e, E: Executor<'e, Database = Any>>(
    ex: E,
    account_id: &str,
) -> Result<Option<SettlementRow>> {
    let row = sqlx::query(
        "SELECT account_name, bank_name, branch_name, branch_code, account_number_enc, account_last4, \
         review_item_id, created_at AS at FROM settlement_pending WHERE account_id = $1",
    )
    .bind(account_id)
    .fetch_optional(ex)
    .await?;
    row.as_ref()
        .map(|r| settlement_from_row(r, true))
        .transpose()
}

pub async fn put_pending_settlement(
    tx: &mut Tx,
    account_id: &str,
    s: &SettlementRow,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO settlement_pending (account_id, review_item_id, account_name, bank_name, branch_name, \
         branch_code, account_number_enc, account_last4, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (account_id) DO UPDATE SET review_item_id = $2, account_name = $3, bank_name = $4, \
         branch_name = $5, branch_code = $6, account_number_enc = $7, account_last4 = $8, created_at = $9",
    )
    .bind(account_id)
    .bind(&s.review_item_id)
    .bind(&s.account_name)
    .bind(&s.bank_name)
    .bind(&s.branch_name)
    .bind(&s.branch_code)
    .bind(&s.account_number_enc)
    .bind(&s.account_last4)
    .bind(s.at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn delete_pending_settlement(tx: &mut Tx, account_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM settlement_pending WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
