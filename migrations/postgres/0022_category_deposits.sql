-- Category deposits (保证金, issue 15 item 3). Admins set a deposit per category (fen; 0 = none,
-- which every existing category keeps). A provider owes the largest deposit among the
-- categories its move-in application declares. The ledger holds what finance recorded —
-- payments with their bank reference, deductions with their reason and optional evidence — and
-- the balance is always summed from it, never stored.
ALTER TABLE catalog_categories ADD COLUMN deposit_fen BIGINT NOT NULL DEFAULT 0;

CREATE TABLE guarantee_entries (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts(id),
    kind                 TEXT NOT NULL CHECK (kind IN ('payment', 'deduction')),
    amount_fen           BIGINT NOT NULL CHECK (amount_fen > 0),
    reference            TEXT,                    -- a payment's bank reference
    reason               TEXT,                    -- a deduction's reason
    evidence_document_id TEXT REFERENCES documents(id),
    recorded_by          TEXT NOT NULL REFERENCES accounts(id),
    recorded_at          BIGINT NOT NULL
);
CREATE INDEX guarantee_entries_account ON guarantee_entries(account_id, recorded_at, id);

-- A deduction left the balance below the required amount: it must be topped up by `top_up_by`
-- (the end of the configured number of working days). Gone once the balance is back.
CREATE TABLE guarantee_shortfalls (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    since      BIGINT NOT NULL,
    top_up_by  BIGINT NOT NULL
);
CREATE INDEX guarantee_shortfalls_due ON guarantee_shortfalls(top_up_by);

-- The grace period passed without a top-up: the provider's listings are hidden from the
-- storefront (search and product pages) until the balance is back. Like a suspension, every
-- change is a storefront change of the provider, so every instance's index follows.
CREATE TABLE guarantee_holds (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    hidden_at  BIGINT NOT NULL
);

CREATE TRIGGER guarantee_holds_storefront AFTER INSERT OR DELETE ON guarantee_holds
    FOR EACH ROW EXECUTE FUNCTION storefront_bump();
