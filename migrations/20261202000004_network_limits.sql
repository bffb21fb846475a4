-- Limits by network (SECURITY.md, learned from an outside probe): an IPv6
-- client is counted by its /64 and a looser bucket covers the /48 (IPv4:
-- the address and its /24), so a network cannot spend the SMS budget by
-- rotating addresses.
ALTER TABLE sms_sends ADD COLUMN network TEXT NOT NULL DEFAULT '';
CREATE INDEX sms_sends_network ON sms_sends (network, sent_at);

-- Wrong code entries by phone and client: a stranger's guesses lock only
-- their own pair, while a higher phone-wide ceiling still stops a spread
-- attack. Unix seconds, like the other counters.
CREATE TABLE wrong_code_entries (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    client TEXT NOT NULL,
    at INTEGER NOT NULL
) STRICT;
CREATE INDEX wrong_code_entries_phone ON wrong_code_entries (phone, at);
CREATE INDEX wrong_code_entries_pair ON wrong_code_entries (phone, client, at);

-- One operator alert per day and budget level.
CREATE TABLE sms_budget_alerts (
    day TEXT NOT NULL,
    level TEXT NOT NULL,
    PRIMARY KEY (day, level)
) STRICT;
