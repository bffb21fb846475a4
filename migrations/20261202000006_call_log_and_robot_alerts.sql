-- The call log (issue 18): every call attempt is a `call` event in
-- lead_events; the lead keeps the counts the lists and the overdue rule
-- need. `unanswered_calls` counts unanswered attempts since the last
-- answered one (a lead with three moves to its own queue section).
-- `overdue_announced_at` marks a lead whose overdue alert is in the outbox,
-- so each overdue lead is announced once across instances.
ALTER TABLE leads ADD COLUMN call_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN unanswered_calls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN first_attempt_at TEXT;
ALTER TABLE leads ADD COLUMN last_call_at TEXT;
ALTER TABLE leads ADD COLUMN overdue_announced_at TEXT;
