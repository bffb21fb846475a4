-- Self-test results, stored under an unguessable token so a result can be
-- reopened and shared. `result` is the assessment exactly as the visitor saw
-- it, so a later change of rules or reference wage never rewrites history.
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    token TEXT NOT NULL UNIQUE CHECK (length(token) = 32),
    rule_set TEXT NOT NULL,
    answers TEXT NOT NULL CHECK (json_valid(answers)),
    result TEXT NOT NULL CHECK (json_valid(result)),
    total INTEGER NOT NULL,
    reaches_standard INTEGER NOT NULL CHECK (reaches_standard IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX assessments_created_at ON assessments (created_at);
