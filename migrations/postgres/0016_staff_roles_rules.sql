-- Issue 14: staff roles, invitations, last sign-in, automatic-approval rules.

-- Roles split: `operator` becomes reviewer + finance; an admin, who could do everything before,
-- becomes admin + reviewer + finance so that nobody loses access (admins may drop roles later).
UPDATE accounts SET roles = REPLACE(roles, 'operator', 'reviewer,finance')
    WHERE roles LIKE '%operator%';
UPDATE accounts SET roles = REPLACE(roles, 'admin', 'reviewer,finance,admin')
    WHERE roles LIKE '%admin%' AND roles NOT LIKE '%reviewer%';

ALTER TABLE accounts ADD COLUMN last_sign_in_at BIGINT;

-- An admin's invitation of a colleague: the mailed token is stored only as its SHA-256.
CREATE TABLE staff_invitations (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL,
    roles        TEXT NOT NULL,                 -- comma-separated staff roles
    token_hash   TEXT NOT NULL UNIQUE,
    invited_by   TEXT NOT NULL REFERENCES accounts(id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    accepted_at  BIGINT,
    account_id   TEXT                           -- the account the invitation made
);
CREATE INDEX staff_invitations_email ON staff_invitations(email);

-- Automatic-approval rules, from the fixed list in `domain::auto_rules`; off until an admin
-- turns one on. `params` is JSON (thresholds, the sampled share).
CREATE TABLE review_rules (
    code        TEXT PRIMARY KEY,
    enabled     BIGINT NOT NULL,
    params      TEXT NOT NULL,
    updated_by  TEXT,
    updated_at  BIGINT
);

-- An item a rule approved names the rule; a sampled one waits for a human second look.
ALTER TABLE review_items ADD COLUMN auto_rule TEXT;
ALTER TABLE review_items ADD COLUMN second_look BIGINT NOT NULL DEFAULT 0;  -- 0 none | 1 waiting | 2 done
CREATE INDEX review_items_second_look ON review_items(second_look, decided_at);
