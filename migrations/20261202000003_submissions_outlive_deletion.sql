-- A privacy deletion keeps the submission counters (SECURITY.md, learned
-- from an outside probe): deleting one's requests must not reset the
-- per-phone and per-IP submission limits. The rows of a deleted lead stay,
-- detached from it (lead_id NULL) and without their idempotency key, until
-- the retention job purges counters after HUJIFEN_COUNTER_RETENTION_DAYS.
-- A key always names its lead (the replay lookup reads lead_id).
--
-- SQLite cannot drop NOT NULL, so the table is rebuilt with its rows, ids,
-- indexes and the unique key. Nothing references lead_submissions.
CREATE TEMP TABLE lead_submissions_copy AS SELECT * FROM lead_submissions;
DROP TABLE lead_submissions;
-- Each accepted submission: idempotency and the submission limits.
CREATE TABLE lead_submissions (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    -- NULL once the visitor deleted the lead: the row only counts.
    lead_id INTEGER REFERENCES leads (id),
    phone TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK (lead_id IS NOT NULL OR idempotency_key IS NULL)
) STRICT;
INSERT INTO lead_submissions (id, idempotency_key, lead_id, phone, ip, created_at)
SELECT id, idempotency_key, lead_id, phone, ip, created_at
FROM temp.lead_submissions_copy ORDER BY id;
DROP TABLE temp.lead_submissions_copy;
CREATE INDEX lead_submissions_phone ON lead_submissions (phone, created_at);
CREATE INDEX lead_submissions_ip ON lead_submissions (ip, created_at);
CREATE INDEX lead_submissions_lead ON lead_submissions (lead_id);
