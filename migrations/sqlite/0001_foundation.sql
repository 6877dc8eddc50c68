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
    created_at    INTEGER NOT NULL,
    activated_at  INTEGER
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,        -- SHA-256 of the token; the token itself is never stored
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);

CREATE TABLE account_codes (
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose       TEXT NOT NULL,          -- activation | password_reset
    code_hash     TEXT NOT NULL,          -- HMAC of the code under the master key
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    attempts_left INTEGER NOT NULL,
    PRIMARY KEY (account_id, purpose)
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,        -- the template name, e.g. activation_code
    recipient       TEXT NOT NULL,
    payload         TEXT NOT NULL,        -- the rendered message, encrypted (it can carry codes)
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    sent_at         INTEGER,
    failed_at       INTEGER
);
CREATE INDEX outbox_due ON outbox(sent_at, failed_at, next_attempt_at);

CREATE TABLE audit_events (
    seq        INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    actor      TEXT NOT NULL,             -- account id, or "system" / "anonymous"
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    detail     TEXT NOT NULL,             -- JSON object, never secrets
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);

-- The head of the chain: one row, locked by every append so that appends are serialised.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;

CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,           -- SHA-256 of the credentials and the key
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    response     TEXT NOT NULL,           -- encrypted response body
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (scope)
);
