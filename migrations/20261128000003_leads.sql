-- Callback requests and everything that protects them.
-- Counters and the outbox use unix seconds (cheap window arithmetic);
-- lead records use ISO 8601 UTC text (readable, and date() works on it).

-- ALTCHA challenges already used: each solves one request only.
CREATE TABLE captcha_uses (
    challenge TEXT PRIMARY KEY,
    used_at INTEGER NOT NULL
) STRICT;

-- Every SMS send attempt, counted before the provider is called.
CREATE TABLE sms_sends (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    ip TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'sent', 'failed'))
) STRICT;
CREATE INDEX sms_sends_phone ON sms_sends (phone, sent_at);
CREATE INDEX sms_sends_ip ON sms_sends (ip, sent_at);
CREATE INDEX sms_sends_time ON sms_sends (sent_at);

-- Codes are stored as an HMAC, never in clear.
CREATE TABLE verification_codes (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    code_hmac TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    wrong_entries INTEGER NOT NULL DEFAULT 0,
    used_at INTEGER
) STRICT;
CREATE INDEX verification_codes_phone ON verification_codes (phone, created_at);

CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
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
    last_activity_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX leads_phone ON leads (phone, created_at);
CREATE INDEX leads_created ON leads (created_at);

-- One consent record per submission: what the visitor agreed to, when, from where.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    notice_version TEXT NOT NULL,
    consent INTEGER NOT NULL CHECK (consent IN (0, 1)),
    marketing INTEGER NOT NULL CHECK (marketing IN (0, 1)),
    share_sensitive INTEGER NOT NULL CHECK (share_sensitive IN (0, 1)),
    ip TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX consents_lead ON consents (lead_id);

-- The timeline and the audit of a lead.
CREATE TABLE lead_events (
    id INTEGER PRIMARY KEY,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail)),
    actor TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

-- Each accepted submission: idempotency and the submission limits.
CREATE TABLE lead_submissions (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT UNIQUE,
    lead_id INTEGER NOT NULL REFERENCES leads (id),
    phone TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX lead_submissions_phone ON lead_submissions (phone, created_at);
CREATE INDEX lead_submissions_ip ON lead_submissions (ip, created_at);

-- Email to send, retried with backoff until the SMTP server takes it.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error TEXT,
    sent_at INTEGER,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);
