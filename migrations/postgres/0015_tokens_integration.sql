-- API tokens for machines, the providers' integration keys, the SaaS integration tests and the
-- callback URL of a SaaS product (issue 13, part B). 0014 is the events and webhooks migration.

-- A token is shown once: `berth_<id>_<secret>`; only the SHA-256 of the whole token is kept.
-- `provider_id` set: a provider's token, for its own data only; NULL: a marketplace-wide token
-- of staff. `scopes` is a JSON array (`events:read`, `providers:read`, `webhooks:write`).
CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    provider_id  TEXT REFERENCES accounts(id),
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    token_hash   TEXT NOT NULL,
    expires_at   BIGINT,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens(account_id, created_at);

-- The key the marketplace signs its calls to a provider's SaaS callbacks with. The marketplace
-- must compute signatures with it, so it is sealed (XChaCha20-Poly1305 under the master key,
-- bound to `integration_keys.key:<provider>:<version>`), not hashed. After a rotation the
-- previous key still signs (beside the new one) until `previous_expires_at`.
CREATE TABLE integration_keys (
    provider_id         TEXT PRIMARY KEY REFERENCES accounts(id),
    version             BIGINT NOT NULL,
    key_enc             TEXT NOT NULL,
    last4               TEXT NOT NULL,
    previous_version    BIGINT,
    previous_key_enc    TEXT,
    previous_expires_at BIGINT,
    created_at          BIGINT NOT NULL
);

-- One run of "Test the integration": the URL and key version tested, the verdict, and each
-- call's request (no secrets), answer and verdict as JSON.
CREATE TABLE integration_tests (
    id           TEXT PRIMARY KEY,
    product_id   TEXT NOT NULL REFERENCES products(id),
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    callback_url TEXT NOT NULL,
    key_version  BIGINT NOT NULL,
    verdict      TEXT NOT NULL,          -- passed | failed
    steps        TEXT NOT NULL,
    started_at   BIGINT NOT NULL,
    finished_at  BIGINT NOT NULL
);
CREATE INDEX integration_tests_product ON integration_tests(product_id, started_at);

-- Where the marketplace calls a `saas` product on purchase, renewal and expiry.
ALTER TABLE products ADD COLUMN callback_url TEXT;
