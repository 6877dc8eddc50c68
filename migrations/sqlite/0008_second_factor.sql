-- A second factor (TOTP, RFC 6238) per account: required for staff, optional for providers.
CREATE TABLE second_factors (
    account_id   TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    secret_enc   TEXT NOT NULL,       -- the shared secret, encrypted (second_factors.secret:<account>)
    confirmed_at INTEGER,             -- NULL while the enrolment waits for its first code
    last_step    INTEGER NOT NULL DEFAULT 0,  -- the newest 30-second step accepted: a code works once
    created_at   INTEGER NOT NULL
);

-- One-time recovery codes, stored as keyed hashes; a used code keeps its row (used_at).
CREATE TABLE recovery_codes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (account_id, code_hash)
);

-- A password that was right, waiting for the second factor: the client holds the challenge
-- token, only its SHA-256 is stored. It lasts five minutes and is used once.
CREATE TABLE login_challenges (
    challenge_hash TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    replaces       TEXT,              -- the hash of a session the client had, ended on success
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL
);
CREATE INDEX login_challenges_expiry ON login_challenges(expires_at);

-- When the session last passed a second factor (at sign-in, enrolment or a step-up); NULL for
-- a session that has not: for staff that is a session that can only enrol.
ALTER TABLE sessions ADD COLUMN second_factor_at INTEGER;
