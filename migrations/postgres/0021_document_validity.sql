-- Document validity (issue 15, item 1). A verification records the business licence's term and
-- the legal representative's ID validity: each the last valid day (YYYY-MM-DD, a calendar day in
-- the marketplace's time zone, China, UTC+8) or long-term. The day and the long-term flag live in
-- the verification's data (JSON); the days are mirrored here for the daily expiry job.
-- Verifications approved before this migration have neither: "not recorded, not expiring",
-- and the provider backend asks for them (a re-verification records them).
ALTER TABLE enterprise_verifications ADD COLUMN license_valid_until TEXT;
ALTER TABLE enterprise_verifications ADD COLUMN id_valid_until TEXT;
CREATE INDEX enterprise_verifications_license_valid ON enterprise_verifications(license_valid_until);
CREATE INDEX enterprise_verifications_id_valid ON enterprise_verifications(id_valid_until);

-- Every expiry reminder mailed, once: the key is the account, the document, the day it expires
-- and the stage (90, 30, 7 days ahead, or expired). The job inserts the row in the transaction
-- that queues the mail, so a repeat run or a second instance never mails twice.
CREATE TABLE expiry_reminders (
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    document     TEXT NOT NULL,                -- business_license | legal_rep_id
    valid_until  TEXT NOT NULL,                -- YYYY-MM-DD
    stage        TEXT NOT NULL,                -- 90 | 30 | 7 | expired
    sent_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, document, valid_until, stage)
);

-- Reasons a reviewer returns a re-verification with (review kind 'reverification').
INSERT INTO review_reasons (code, kind, field, text_zh, text_en, created_at, updated_at) VALUES
  ('reverification_license_unreadable', 'reverification', 'documents.business_license', '营业执照扫描件不清晰，请重新上传清晰完整的扫描件。', 'The business licence scan cannot be read; upload a clear, complete scan.', 0, 0),
  ('reverification_license_term_mismatch', 'reverification', 'license_valid_until', '营业期限与营业执照不符。', 'The licence term does not match the business licence.', 0, 0),
  ('reverification_id_term_mismatch', 'reverification', 'legal_rep.id_valid_until', '法定代表人证件有效期与证件不符。', 'The ID validity does not match the legal representative''s ID.', 0, 0);
