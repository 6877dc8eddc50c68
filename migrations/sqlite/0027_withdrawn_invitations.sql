-- A staff invitation withdrawn (a newer one to the same address replaced it, or the admin who
-- sent it was deactivated or lost the admin role) leaves its token's SHA-256 here, so that the
-- link can say it was withdrawn instead of "not valid". Nothing else: no address, no inviter.
CREATE TABLE staff_invitations_withdrawn (
    token_hash    TEXT PRIMARY KEY,
    expires_at    INTEGER NOT NULL,
    withdrawn_at  INTEGER NOT NULL
);
