-- The PostgreSQL schema (issue 17): the same tables, columns, keys,
-- indexes and constraints as the SQLite migrations in migrations/*.sql
-- leave after the last of them (20261202000004_network_limits.sql), in one
-- file because a PostgreSQL database starts from this final state. A change
-- to the SQLite schema needs its twin here; tests/api/schema.rs compares
-- the two.
--
-- Translation rules:
-- * Integers the code reads as i64 are BIGINT (sqlx decodes i64 only from
--   INT8). Unix seconds stay BIGINT.
-- * 0/1 flags the code reads and binds as bool are BOOLEAN; the CHECK
--   (x IN (0, 1)) of SQLite is the type itself. SQL text that writes them
--   as 1/0 literals has to say TRUE/FALSE on PostgreSQL.
-- * INTEGER PRIMARY KEY becomes an identity column, ALWAYS generated: the
--   code never inserts an id, so PostgreSQL refuses one (a copy of old rows
--   says OVERRIDING SYSTEM VALUE and then moves the sequence on with
--   setval). Sequences never hand an id out twice, which is what SQLite's
--   AUTOINCREMENT on leads and lead_events is for (SECURITY.md).
-- * Every TEXT column compares bytewise like SQLite's BINARY collation
--   (COLLATE "C"): the ISO 8601 timestamps, dates, phones and tokens are
--   compared with < and >= and sorted, and must order as they do there.
-- * Text timestamps are ISO 8601 UTC with milliseconds, exactly the text of
--   SQLite's strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), e.g.
--   2026-12-02T16:20:01.123Z. statement_timestamp() rather than now():
--   SQLite's 'now' is fixed per statement, not per transaction, and a
--   group-commit transaction writes hundreds of rows, one statement each.
-- * CHECK (json_valid(x)) becomes CHECK (x::json IS NOT NULL): text that is
--   not JSON fails the cast, so the row is refused (with SQLSTATE 22P02
--   rather than 23514). NULL still passes, as in SQLite.
-- * STRICT has no equivalent: PostgreSQL columns are always typed.
-- * Foreign keys say no ON DELETE action in SQLite, so none here either
--   (NO ACTION, checked per statement like SQLite's immediate checks).

-- SQLite's COLLATE NOCASE on advisor usernames: equality, the UNIQUE key
-- (and ON CONFLICT (username)) ignore case. citext would not do it: sqlx
-- binds a Rust string as text, and citext = text compares as text, case
-- sensitively. A nondeterministic ICU collation works with text parameters.
-- It folds case beyond ASCII (SQLite's NOCASE folds A-Z only), which only
-- makes more usernames collide, and it sorts in ICU order, not bytewise.
CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);

-- Self-test results, stored under an unguessable token so a result can be
-- reopened and shared. `result` is the assessment exactly as the visitor saw
-- it, so a later change of rules or reference wage never rewrites history.
CREATE TABLE assessments (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token TEXT COLLATE "C" NOT NULL UNIQUE CHECK (length(token) = 32),
    rule_set TEXT COLLATE "C" NOT NULL,
    answers TEXT COLLATE "C" NOT NULL CHECK (answers::json IS NOT NULL),
    result TEXT COLLATE "C" NOT NULL CHECK (result::json IS NOT NULL),
    total BIGINT NOT NULL,
    reaches_standard BOOLEAN NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);
CREATE INDEX assessments_created_at ON assessments (created_at);

-- View counts per page, written in batches by the in-memory counter.
CREATE TABLE page_views (
    path TEXT COLLATE "C" PRIMARY KEY,
    views BIGINT NOT NULL DEFAULT 0 CHECK (views >= 0),
    updated_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

-- Callback requests and everything that protects them. Counters and the
-- outbox use unix seconds; lead records use ISO 8601 UTC text.

-- ALTCHA challenges already used: each solves one request only.
CREATE TABLE captcha_uses (
    challenge TEXT COLLATE "C" PRIMARY KEY,
    used_at BIGINT NOT NULL
);

-- Every SMS send attempt, counted before the provider is called. `network`
-- is the client's /24 (IPv4) or /48 (IPv6).
CREATE TABLE sms_sends (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT COLLATE "C" NOT NULL,
    ip TEXT COLLATE "C" NOT NULL,
    sent_at BIGINT NOT NULL,
    outcome TEXT COLLATE "C" NOT NULL DEFAULT 'pending'
        CHECK (outcome IN ('pending', 'sent', 'failed')),
    network TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX sms_sends_phone ON sms_sends (phone, sent_at);
CREATE INDEX sms_sends_ip ON sms_sends (ip, sent_at);
CREATE INDEX sms_sends_time ON sms_sends (sent_at);
CREATE INDEX sms_sends_network ON sms_sends (network, sent_at);

-- Codes are stored as an HMAC, never in clear.
CREATE TABLE verification_codes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT COLLATE "C" NOT NULL,
    code_hmac TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    wrong_entries BIGINT NOT NULL DEFAULT 0,
    used_at BIGINT
);
CREATE INDEX verification_codes_phone ON verification_codes (phone, created_at);

-- advisor_id has no foreign key, as in SQLite.
CREATE TABLE leads (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT COLLATE "C" NOT NULL,
    phone TEXT COLLATE "C" NOT NULL,
    interest TEXT COLLATE "C" NOT NULL,
    organisation TEXT COLLATE "C",
    source TEXT COLLATE "C" NOT NULL,
    assessment_token TEXT COLLATE "C",
    -- The attached self-test as the visitor saw it (sensitive answers only
    -- when the visitor chose to share them).
    assessment_snapshot TEXT COLLATE "C"
        CHECK (assessment_snapshot IS NULL OR assessment_snapshot::json IS NOT NULL),
    total BIGINT,
    status TEXT COLLATE "C" NOT NULL DEFAULT 'new'
        CHECK (status IN ('new', 'contacted', 'following', 'signed', 'invalid')),
    advisor_id BIGINT,
    -- A date, YYYY-MM-DD.
    next_follow_up TEXT COLLATE "C",
    consent_version TEXT COLLATE "C" NOT NULL,
    consent_at TEXT COLLATE "C" NOT NULL,
    marketing BOOLEAN NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    first_contacted_at TEXT COLLATE "C",
    last_activity_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    anonymised_at TEXT COLLATE "C"
);
CREATE INDEX leads_phone ON leads (phone, created_at);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_status ON leads (status, created_at);
CREATE INDEX leads_advisor ON leads (advisor_id, created_at);
CREATE INDEX leads_activity ON leads (last_activity_at);

-- One consent record per submission: what the visitor agreed to, when, from where.
CREATE TABLE consents (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    notice_version TEXT COLLATE "C" NOT NULL,
    consent BOOLEAN NOT NULL,
    marketing BOOLEAN NOT NULL,
    share_sensitive BOOLEAN NOT NULL,
    ip TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);
CREATE INDEX consents_lead ON consents (lead_id);

-- The timeline and the audit of a lead.
CREATE TABLE lead_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    kind TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (detail::json IS NOT NULL),
    actor TEXT COLLATE "C",
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

-- Each accepted submission: idempotency and the submission limits. The
-- rows of a deleted lead stay, detached from it (lead_id NULL) and without
-- their idempotency key, until the retention job purges counters.
CREATE TABLE lead_submissions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key TEXT COLLATE "C" UNIQUE,
    lead_id BIGINT REFERENCES leads (id),
    phone TEXT COLLATE "C" NOT NULL,
    ip TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    -- A key always names its lead (the replay lookup reads lead_id).
    CHECK (lead_id IS NOT NULL OR idempotency_key IS NULL)
);
CREATE INDEX lead_submissions_phone ON lead_submissions (phone, created_at);
CREATE INDEX lead_submissions_ip ON lead_submissions (ip, created_at);
CREATE INDEX lead_submissions_lead ON lead_submissions (lead_id);

-- Email to send, retried with backoff until the SMTP server takes it.
CREATE TABLE outbox (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT COLLATE "C" NOT NULL,
    payload TEXT COLLATE "C" NOT NULL CHECK (payload::json IS NOT NULL),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT COLLATE "C",
    sent_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

-- The advisors' workspace: accounts, server-side sessions, login throttling,
-- and an audit of admin actions that are not about one lead.
CREATE TABLE advisors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT COLLATE nocase NOT NULL UNIQUE,
    display_name TEXT COLLATE "C" NOT NULL,
    email TEXT COLLATE "C",
    role TEXT COLLATE "C" NOT NULL CHECK (role IN ('admin', 'advisor')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

-- Only a hash of the session id is stored: a copy of the database opens no session.
CREATE TABLE sessions (
    id_hash TEXT COLLATE "C" PRIMARY KEY,
    advisor_id BIGINT NOT NULL REFERENCES advisors (id),
    csrf_token TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX sessions_advisor ON sessions (advisor_id);

-- Every login attempt is reserved as a failure row before the password is
-- hashed; the account bucket is split by `known_device`.
CREATE TABLE login_failures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username TEXT COLLATE nocase NOT NULL,
    ip TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL,
    known_device BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX login_failures_username ON login_failures (username, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
CREATE INDEX login_failures_bucket ON login_failures (username, known_device, at);

CREATE TABLE admin_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    advisor_id BIGINT REFERENCES advisors (id),
    kind TEXT COLLATE "C" NOT NULL,
    detail TEXT COLLATE "C" NOT NULL DEFAULT '{}' CHECK (detail::json IS NOT NULL),
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

-- Requests to see, withdraw or delete, recorded without the phone in clear.
CREATE TABLE privacy_requests (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- An HMAC of the phone: the record survives a deletion without keeping the number.
    phone_hmac TEXT COLLATE "C" NOT NULL,
    action TEXT COLLATE "C" NOT NULL CHECK (action IN ('view', 'withdraw_marketing', 'delete')),
    leads BIGINT NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
        DEFAULT to_char(statement_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
);

-- Wrong code entries by phone and client (unix seconds, like the other
-- counters).
CREATE TABLE wrong_code_entries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    phone TEXT COLLATE "C" NOT NULL,
    client TEXT COLLATE "C" NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX wrong_code_entries_phone ON wrong_code_entries (phone, at);
CREATE INDEX wrong_code_entries_pair ON wrong_code_entries (phone, client, at);

-- One operator alert per day and budget level. `day` is the unix day
-- number as text, as the code binds it.
CREATE TABLE sms_budget_alerts (
    day TEXT COLLATE "C" NOT NULL,
    level TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (day, level)
);
