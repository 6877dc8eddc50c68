-- Events for systems outside (issue 13): each written in the transaction of the change it
-- reports. `seq` comes from the single row of `event_head`, moved in that same transaction, so
-- seq order is commit order (SQLite has one writer; PostgreSQL holds the row's lock until commit).
CREATE TABLE event_head (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO event_head (id, seq) VALUES (1, 0);

CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    at          INTEGER NOT NULL,
    provider_id TEXT,
    account_id  TEXT,
    data        TEXT NOT NULL
);
CREATE INDEX events_provider ON events(provider_id, seq);
CREATE INDEX events_at ON events(at);

-- Facts that must produce their event once only, whatever retention later deletes
-- (`moved_in:<account id>`).
CREATE TABLE event_once (
    key TEXT PRIMARY KEY,
    at  INTEGER NOT NULL
);

-- Where events are sent. `provider_id` NULL: an operator's endpoint (every event); else the
-- provider's own. `event_types` is the list wrapped in commas (`,a,b,` or `,*,`) so that both
-- dialects match a type with LIKE. Secrets sealed under the master key
-- (`webhook_endpoints.secret:<id>`); the previous one signs too until `previous_until`.
CREATE TABLE webhook_endpoints (
    id               TEXT PRIMARY KEY,
    provider_id      TEXT,
    created_by       TEXT NOT NULL,
    url              TEXT NOT NULL,
    event_types      TEXT NOT NULL,
    secret_enc       TEXT NOT NULL,
    previous_secret_enc TEXT,
    previous_until   INTEGER,
    enabled          INTEGER NOT NULL DEFAULT 1,
    disabled_reason  TEXT,
    failing_since    INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_provider ON webhook_endpoints(provider_id);

-- One row per (endpoint, event): at least once, never twice by design. `lane` is the provider
-- the event is about ('' for none): deliveries of one lane of one endpoint go out in `seq`
-- order, each only when no earlier one of its lane is still pending. A replay sets a delivered
-- row pending again (`replays` counts them).
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    lane            TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    replays         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER,
    first_pending_at INTEGER NOT NULL,
    last_attempt_at INTEGER,
    last_status_code INTEGER,
    last_latency_ms INTEGER,
    last_error      TEXT,
    last_response_excerpt TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries(endpoint_id, lane, status, seq);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event ON webhook_deliveries(event_id);
