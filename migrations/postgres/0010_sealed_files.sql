-- Stored files are encrypted (blobs.rs). Files uploaded by earlier versions are plaintext until
-- `berth migrate` (or the next start) seals them and sets `sealed`; new rows are sealed at once.
ALTER TABLE documents ADD COLUMN sealed BIGINT NOT NULL DEFAULT 0;
