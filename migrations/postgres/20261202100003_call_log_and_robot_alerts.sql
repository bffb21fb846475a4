-- The call log and robot alerts (issue 18). The same as the SQLite
-- migration 20261202000006.
ALTER TABLE leads ADD COLUMN call_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN unanswered_calls BIGINT NOT NULL DEFAULT 0;
ALTER TABLE leads ADD COLUMN first_attempt_at TEXT COLLATE "C";
ALTER TABLE leads ADD COLUMN last_call_at TEXT COLLATE "C";
ALTER TABLE leads ADD COLUMN overdue_announced_at TEXT COLLATE "C";
