-- Security limits live in the database, so that every instance on one database counts the same
-- attempts (workflows::limits). One row per key: a keyed hash of the limit's name and what it
-- counts (an address, an account, a client), never the value itself; `tat` is the key's GCRA
-- state in unix ms (domain::limits). A row whose `tat` has passed reads like no row at all.
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY,
    tat INTEGER NOT NULL
);
CREATE INDEX rate_limits_tat ON rate_limits(tat);

-- The clients (keyed hashes of their addresses) an account has signed in from: while many
-- addresses fail on one account, these may still try, so a stranger cannot lock the owner out.
CREATE TABLE known_clients (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    client_key TEXT NOT NULL,
    last_seen  INTEGER NOT NULL,
    PRIMARY KEY (account_id, client_key)
);
CREATE INDEX known_clients_seen ON known_clients(last_seen);

-- Wrong guesses of a code are counted by rate_limits per address, client and pair, across
-- codes; the count per code is gone.
ALTER TABLE account_codes DROP COLUMN attempts_left;

-- A micro-deposit allows a bounded number of wrong amounts in all; then it is void and the
-- holder asks for a new one (md_status 'requested'), which an operator pays. The number paid is
-- bounded too.
ALTER TABLE enterprise_verifications ADD COLUMN md_deposits_sent INTEGER NOT NULL DEFAULT 0;
UPDATE enterprise_verifications SET md_deposits_sent = 1 WHERE md_status IN ('sent', 'confirmed');
