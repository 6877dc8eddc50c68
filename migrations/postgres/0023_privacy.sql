-- Data rights (docs/PRIVACY.md): an account holder closes the account; after
-- `privacy.retention_days` the erasure job removes the personal data. The row stays: it is what
-- the marketplace keeps about a closed provider (who the company was, when it left), and it
-- carries no personal data.
CREATE TABLE account_closures (
    account_id    TEXT PRIMARY KEY REFERENCES accounts(id),
    requested_at  BIGINT NOT NULL,
    erase_after   BIGINT NOT NULL,       -- the erasure job runs on or after this moment
    erased_at     BIGINT,                -- when the personal data was erased
    company_name  TEXT,                   -- the verified company (a legal person), kept for the records
    uscc          TEXT                    -- its Unified Social Credit Code, likewise
);
CREATE INDEX account_closures_due ON account_closures(erased_at, erase_after);
