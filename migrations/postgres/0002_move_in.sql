-- The move-in journey: catalog, enterprise verification, documents, partner application,
-- provider information, and the review queue over all of them.

CREATE TABLE catalog_categories (
    slug       TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    retired_at BIGINT
);
CREATE TABLE catalog_service_types (
    slug       TEXT PRIMARY KEY,
    name_zh    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    position   BIGINT NOT NULL,
    retired_at BIGINT
);
INSERT INTO catalog_categories (slug, name_zh, name_en, position) VALUES
    ('basic-software', '基础软件', 'Basic software', 1),
    ('website-building', '建站与推广', 'Website building', 2),
    ('enterprise-software', '企业软件与服务', 'Enterprise software and services', 3),
    ('data-intelligence', '数据智能', 'Data intelligence', 4),
    ('ops-services', '运维服务', 'O&M services', 5),
    ('cloud-security', '云安全', 'Cloud security', 6),
    ('api-market', 'API集市', 'API market', 7),
    ('expert-services', '专家服务', 'Expert services', 8),
    ('iot', '物联网', 'IoT', 9),
    ('blockchain', '区块链', 'Blockchain', 10);
INSERT INTO catalog_service_types (slug, name_zh, name_en, position) VALUES
    ('image', '镜像', 'Image', 1),
    ('saas', '软件服务', 'SaaS', 2),
    ('download', '下载', 'Download', 3),
    ('offline-service', '线下服务', 'Offline service', 4);

-- One row per account: the current draft or submission. Secrets are encrypted (*_enc) and only
-- their masked forms are kept in clear.
CREATE TABLE enterprise_verifications (
    account_id          TEXT PRIMARY KEY REFERENCES accounts(id),
    status              TEXT NOT NULL,          -- draft | in_review | rejected | approved
    data                TEXT NOT NULL,          -- JSON of the non-secret fields
    legal_rep_id_enc    TEXT,
    authorized_id_enc   TEXT,
    account_number_enc  TEXT,
    company_name        TEXT,
    uscc                TEXT,
    reasons             TEXT,                   -- JSON [{field, message}] of the last rejection
    md_status           TEXT NOT NULL DEFAULT 'not_sent',   -- not_sent | sent | confirmed
    md_amount_hash      TEXT,                   -- keyed hash of the deposited amount
    md_attempts_left    BIGINT NOT NULL DEFAULT 5,
    md_frozen_until     BIGINT,
    updated_at          BIGINT NOT NULL
);

-- A credit code belongs to one verified account.
CREATE TABLE verified_credit_codes (
    uscc       TEXT PRIMARY KEY,
    account_id TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    claimed_at BIGINT NOT NULL
);

CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    kind         TEXT NOT NULL,                 -- business_license | authorization_letter | product_icon
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX documents_account ON documents(account_id, kind);

-- The document a draft currently uses, per kind.
CREATE TABLE enterprise_documents (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    kind        TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents(id),
    PRIMARY KEY (account_id, kind)
);

CREATE TABLE partner_applications (
    account_id  TEXT PRIMARY KEY REFERENCES accounts(id),
    status      TEXT NOT NULL,                  -- draft | in_review | rejected | approved
    data        TEXT NOT NULL,                  -- JSON
    reasons     TEXT,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE provider_customer_service (
    account_id        TEXT PRIMARY KEY REFERENCES accounts(id),
    phone             TEXT NOT NULL,
    email             TEXT NOT NULL,
    dongdong_group_id TEXT NOT NULL,
    service_hours     TEXT NOT NULL,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE provider_settlement (
    account_id          TEXT PRIMARY KEY REFERENCES accounts(id),
    account_name        TEXT NOT NULL,
    bank_name           TEXT NOT NULL,
    branch_name         TEXT NOT NULL,
    branch_code         TEXT NOT NULL,
    account_number_enc  TEXT NOT NULL,
    account_last4       TEXT NOT NULL,
    updated_at          BIGINT NOT NULL
);

-- A change to a live provider's settlement account, waiting for review.
CREATE TABLE settlement_pending (
    account_id          TEXT PRIMARY KEY REFERENCES accounts(id),
    review_item_id      TEXT NOT NULL,
    account_name        TEXT NOT NULL,
    bank_name           TEXT NOT NULL,
    branch_name         TEXT NOT NULL,
    branch_code         TEXT NOT NULL,
    account_number_enc  TEXT NOT NULL,
    account_last4       TEXT NOT NULL,
    created_at          BIGINT NOT NULL
);

-- Every submission of every kind; the review queue reads this table.
CREATE TABLE review_items (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,                -- enterprise_verification | partner_application | settlement_change | product
    account_id    TEXT NOT NULL REFERENCES accounts(id),
    company_name  TEXT NOT NULL,
    subject_ref   TEXT NOT NULL,                -- what the item is about (account id, product id, …)
    status        TEXT NOT NULL,                -- pending | approved | rejected | superseded
    version       BIGINT NOT NULL,
    snapshot      TEXT NOT NULL,                -- JSON of the submission as reviewers see it (secrets masked)
    documents     TEXT NOT NULL,                -- JSON [document id]
    reasons       TEXT,
    submitted_at  BIGINT NOT NULL,
    decided_at    BIGINT,
    decided_by    TEXT
);
CREATE INDEX review_items_queue ON review_items(status, submitted_at);
CREATE INDEX review_items_subject ON review_items(kind, subject_ref, submitted_at);
