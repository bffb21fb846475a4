-- Privacy duties: leads are anonymised after the retention period, and
-- requests to see, withdraw or delete are recorded without the phone in clear.
ALTER TABLE leads ADD COLUMN anonymised_at TEXT;

CREATE TABLE privacy_requests (
    id INTEGER PRIMARY KEY,
    -- An HMAC of the phone: the record survives a deletion without keeping the number.
    phone_hmac TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('view', 'withdraw_marketing', 'delete')),
    leads INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;

CREATE INDEX leads_activity ON leads (last_activity_at);
