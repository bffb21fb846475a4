-- Lead and lead-event ids are never reused (SECURITY.md, learned from an
-- outside probe). Without AUTOINCREMENT, SQLite hands out max(id) + 1, so
-- after a privacy deletion of the newest lead the next visitor got its id,
-- and an old email link or a queued notification opened their lead.
--
-- SQLite cannot add AUTOINCREMENT to a table, so `leads` and `lead_events`
-- are rebuilt with the same columns (in the same order), types, defaults,
-- CHECKs, STRICT and indexes, and their rows copied with their ids.
--
-- sqlx runs this in one transaction with foreign keys on, where
-- `PRAGMA foreign_keys` cannot change. Deferring the checks to the commit
-- instead lets `DROP TABLE leads` leave the rows of `consents`,
-- `lead_events` and `lead_submissions` (which reference leads (id)) without
-- a parent for a moment: inserting the copied leads gives every child row
-- its parent back, and the commit fails if any were lost. The children
-- keep their `REFERENCES leads (id)` text, which names the new table.
PRAGMA defer_foreign_keys = ON;

CREATE TEMP TABLE leads_copy AS SELECT * FROM leads;
DROP TABLE leads;
CREATE TABLE leads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    phone TEXT NOT NULL,
    interest TEXT NOT NULL,
    organisation TEXT,
    source TEXT NOT NULL,
    assessment_token TEXT,
    -- The attached self-test as the visitor saw it (sensitive answers only
    -- when the visitor chose to share them).
    assessment_snapshot TEXT CHECK (assessment_snapshot IS NULL OR json_valid(assessment_snapshot)),
    total INTEGER,
    status TEXT NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'following', 'signed', 'invalid')),
    advisor_id INTEGER,
    next_follow_up TEXT,
    consent_version TEXT NOT NULL,
    consent_at TEXT NOT NULL,
    marketing INTEGER NOT NULL CHECK (marketing IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    first_contacted_at TEXT,
    last_activity_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    anonymised_at TEXT
) STRICT;
INSERT INTO leads (id, name, phone, interest, organisation, source, assessment_token,
    assessment_snapshot, total, status, advisor_id, next_follow_up, consent_version,
    consent_at, marketing, created_at, first_contacted_at, last_activity_at, anonymised_at)
SELECT id, name, phone, interest, organisation, source, assessment_token,
    assessment_snapshot, total, status, advisor_id, next_follow_up, consent_version,
    consent_at, marketing, created_at, first_contacted_at, last_activity_at, anonymised_at
FROM temp.leads_copy ORDER BY id;
DROP TABLE temp.leads_copy;
CREATE INDEX leads_phone ON leads (phone, created_at);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_status ON leads (status, created_at);
CREATE INDEX leads_advisor ON leads (advisor_id, created_at);
CREATE INDEX leads_activity ON leads (last_activity_at);

CREATE TEMP TABLE lead_events_copy AS SELECT * FROM lead_events;
DROP TABLE lead_events;
-- The timeline and the audit of a lead.
CREATE TABLE lead_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    actor TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
INSERT INTO lead_events (id, lead_id, kind, detail, actor, created_at)
SELECT id, lead_id, kind, detail, actor, created_at FROM temp.lead_events_copy ORDER BY id;
DROP TABLE temp.lead_events_copy;
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

-- The next ids start above every id that may still be out there: the
-- highest left, and the highest lead id a queued or sent notification
-- names (a deleted newest lead left only that trace). The copy above
-- already set both counters to the highest id copied; this raises them.
DELETE FROM sqlite_sequence WHERE name IN ('leads', 'lead_events');
INSERT INTO sqlite_sequence (name, seq)
SELECT 'leads', max(
    coalesce((SELECT max(id) FROM leads), 0),
    coalesce((SELECT max(CAST(json_extract(payload, '$.lead_id') AS INTEGER)) FROM outbox
              WHERE json_type(payload, '$.lead_id') = 'integer'), 0));
INSERT INTO sqlite_sequence (name, seq)
SELECT 'lead_events', coalesce((SELECT max(id) FROM lead_events), 0);
