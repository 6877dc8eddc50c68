-- The micro-deposit's amount, encrypted (XChaCha20-Poly1305 under the master key, bound to
-- `enterprise_verifications.md_amount_enc:<account id>`), and when it was paid, so that the
-- operator who pays it can read it again until the company confirms it. Only staff read it; the
-- keyed hash `md_amount_hash` is still what the company's entry is compared with.
ALTER TABLE enterprise_verifications ADD COLUMN md_amount_enc TEXT;
ALTER TABLE enterprise_verifications ADD COLUMN md_sent_at INTEGER;

-- The console's audit page filters by who, what and about what, newest first.
CREATE INDEX audit_events_actor ON audit_events(actor, seq);
CREATE INDEX audit_events_action ON audit_events(action, seq);
CREATE INDEX audit_events_subject ON audit_events(subject, seq);
