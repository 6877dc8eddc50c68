-- Claiming work and review deadlines (issue 14, items 2 and 3).

-- Who holds a pending item and until when. A claim lapses at `claimed_until` (the rows are
-- not cleaned up: a lapsed claim reads as no claim). A decision clears both.
ALTER TABLE review_items ADD COLUMN claimed_by TEXT REFERENCES accounts(id);
ALTER TABLE review_items ADD COLUMN claimed_until INTEGER;

-- The queue's views: one kind oldest first (also the applicant's place in line), a reviewer's
-- own items, and the decisions of a kind by time (the pace behind the expected date).
CREATE INDEX review_items_kind_queue ON review_items(status, kind, submitted_at, id);
CREATE INDEX review_items_claims ON review_items(claimed_by, status, submitted_at);
CREATE INDEX review_items_decided ON review_items(kind, decided_at);

-- The working-day calendar: days that are not working days although they fall on a weekday
-- (public holidays), entered by admins. Weekends are never working days.
CREATE TABLE review_holidays (
    day         TEXT PRIMARY KEY,   -- YYYY-MM-DD in the marketplace's time zone
    name        TEXT NOT NULL,
    created_by  TEXT NOT NULL REFERENCES accounts(id),
    created_at  INTEGER NOT NULL
);
