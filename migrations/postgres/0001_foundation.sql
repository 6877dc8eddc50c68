-- Accounts, sessions, one-time codes, the outbox and the append-only audit log.
-- Ids are TEXT (UUIDv7), times are INTEGER unix milliseconds.

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    mobile        TEXT,
    status        TEXT NOT NULL,          -- pending_activation | active | disabled
    roles         TEXT NOT NULL,          -- comma-separated: provider, operator, admin
    lang          TEXT NOT NULL,          -- zh-CN | en
    created_at    BIGINT NOT NULL,
    activated_at  BIGINT
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,        -- SHA-256 of the token; the token itself is never stored
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE account_codes (
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,          -- activation | password_reset
    code_hash     TEXT NOT NULL,          -- HMAC of the code under the master key
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    attempts_left BIGINT NOT NULL,
    PRIMARY KEY (account_id, purpose)
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,        -- the template name, e.g. activation_code
    recipient       TEXT NOT NULL,
    payload         TEXT NOT NULL,        -- the rendered message, encrypted (it can carry codes)
    created_at      BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         BIGINT,
    failed_at       BIGINT
);
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);

CREATE TABLE audit_events (
    seq        BIGINT PRIMARY KEY,
    at         BIGINT NOT NULL,
    actor      TEXT NOT NULL,             -- account id, or "system" / "anonymous"
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,             -- JSON object, never secrets
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- The head of the chain: one row, locked by every append so that appends are serialised.
CREATE TABLE audit_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       BIGINT NOT NULL,
    response     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope)
);
