//! The embedded migrations of both dialects, applied in order.

use std::borrow::Cow;

use sqlx::migrate::{Migration, MigrationType, Migrator};

use super::{Db, Dialect, Result};

macro_rules! migrations {
    ($dir:literal: $( $version:literal $file:literal ),* $(,)?) => {
        &[ $( ($version, $file, include_str!(concat!("../../migrations/", $dir, "/", $file, ".sql"))) ),* ]
    };
}

// The two folders carry the same numbers with the same meaning.
const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = migrations!("sqlite": 1 "0001_foundation", 2 "0002_move_in", 3 "0003_products", 4 "0004_audit_head_trigger", 5 "0005_product_terms", 6 "0006_storefront_generation", 7 "0007_security_limits", 8 "0008_second_factor", 9 "0009_code_requester", 10 "0010_sealed_files", 11 "0011_job_leases", 12 "0012_storefront_changes", 13 "0013_console", 14 "0014_events", 15 "0015_tokens_integration", 16 "0016_staff_roles_rules", 17 "0017_review_claims_calendar", 18 "0018_reasons_appeals_report", 19 "0019_webhook_attempts", 20 "0020_agreements", 21 "0021_document_validity", 22 "0022_category_deposits", 23 "0023_privacy", 24 "0024_agreement_summary_en", 25 "0025_revision_callback", 26 "0026_queue_order_index", 27 "0027_withdrawn_invitations");
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = migrations!("postgres": 1 "0001_foundation", 2 "0002_move_in", 3 "0003_products", 4 "0004_audit_head_trigger", 5 "0005_product_terms", 6 "0006_storefront_generation", 7 "0007_security_limits", 8 "0008_second_factor", 9 "0009_code_requester", 10 "0010_sealed_files", 11 "0011_job_leases", 12 "0012_storefront_changes", 13 "0013_console", 14 "0014_events", 15 "0015_tokens_integration", 16 "0016_staff_roles_rules", 17 "0017_review_claims_calendar", 18 "0018_reasons_appeals_report", 19 "0019_webhook_attempts", 20 "0020_agreements", 21 "0021_document_validity", 22 "0022_category_deposits", 23 "0023_privacy", 24 "0024_agreement_summary_en", 25 "0025_revision_callback", 26 "0026_queue_order_index", 27 "0027_withdrawn_invitations");

impl Db {
    /// Applies the migrations that are not applied yet.
    pub async fn migrate(&self) -> Result<()> {
        let list = match self.dialect {
            Dialect::Sqlite => SQLITE_MIGRATIONS,
            Dialect::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations: Vec<Migration> = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    Cow::Borrowed(*sql),
                    false,
                )
            })
            .collect();
        let migrator = Migrator {
            migrations: Cow::Owned(migrations),
            ignore_missing: false,
            locking: true,
            no_tx: false,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }
}
