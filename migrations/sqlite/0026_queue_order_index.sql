-- The queue lists oldest first with the id as tie-break (`ORDER BY submitted_at, id`). The
-- indexes it reads ended at submitted_at, so every page sorted its rows again for the id (a
-- temporary B-tree in SQLite's plan); with the id in the index the order comes from the index.
DROP INDEX review_items_queue;
CREATE INDEX review_items_queue ON review_items(status, submitted_at, id);
DROP INDEX review_items_claims;
CREATE INDEX review_items_claims ON review_items(claimed_by, status, submitted_at, id);
