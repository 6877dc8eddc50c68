-- Background jobs that one instance of several should run at a time (the sweep of unreferenced
-- files; later the daily reminders): an instance holds a job's lease until `until_ms`.
CREATE TABLE job_leases (
    name      TEXT PRIMARY KEY,
    holder    TEXT NOT NULL,
    until_ms  INTEGER NOT NULL,
    last_run_ms INTEGER
);
