-- A version's summary of changes in both languages: `summary` holds the Chinese one (or the only
-- one, when a single text was published, as before), `summary_en` the English one when given.
ALTER TABLE agreement_versions ADD COLUMN summary_en TEXT;
