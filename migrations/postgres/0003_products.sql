-- Product release and the storefront, contact-us consultations, provider suspension.

CREATE TABLE products (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts(id),
    live_revision_id    TEXT,                -- the approved revision buyers see
    working_revision_id TEXT,                -- a draft or a revision in review
    listed              BIGINT NOT NULL DEFAULT 0,
    -- Copied from the live revision for the storefront's search and filter.
    name                TEXT,
    summary             TEXT,
    category            TEXT,
    price_from_fen      BIGINT,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL
);
CREATE INDEX products_account ON products(account_id, created_at);
CREATE INDEX products_storefront ON products(listed, category, updated_at);

CREATE TABLE product_revisions (
    id               TEXT PRIMARY KEY,
    product_id       TEXT NOT NULL REFERENCES products(id),
    number           BIGINT NOT NULL,
    status           TEXT NOT NULL,          -- draft | in_review | approved | rejected | superseded
    data             TEXT NOT NULL,          -- JSON ProductData
    icon_document_id TEXT,
    reasons          TEXT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX product_revisions_product ON product_revisions(product_id, number);

CREATE TABLE provider_suspensions (
    account_id   TEXT PRIMARY KEY REFERENCES accounts(id),
    reason       TEXT NOT NULL,
    suspended_by TEXT NOT NULL,
    suspended_at BIGINT NOT NULL
);

CREATE TABLE consultations (
    id         TEXT PRIMARY KEY,
    reference  TEXT NOT NULL UNIQUE,
    topic      TEXT NOT NULL,
    name       TEXT NOT NULL,
    company    TEXT,
    email      TEXT NOT NULL,
    mobile     TEXT,
    message    TEXT NOT NULL,
    lang       TEXT NOT NULL,
    status     TEXT NOT NULL,              -- open | replied | closed
    reply      TEXT,
    replied_by TEXT,
    replied_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX consultations_queue ON consultations(status, created_at);
