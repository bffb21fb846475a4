-- View counts per page, written in batches by the in-memory counter (never
-- one write per request).
CREATE TABLE page_views (
    path TEXT PRIMARY KEY,
    views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
