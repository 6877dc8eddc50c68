-- Every attempt of a webhook delivery, not only the last (issue 13): the delivery log shows
-- each try with its time, answer and latency. Deleted with its endpoint and after the event
-- retention.
CREATE TABLE webhook_attempts (
    delivery_id  TEXT NOT NULL,
    at           INTEGER NOT NULL,
    status_code  INTEGER,
    latency_ms   INTEGER NOT NULL,
    error        TEXT,
    excerpt      TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, at);
CREATE INDEX webhook_attempts_at ON webhook_attempts(at);
