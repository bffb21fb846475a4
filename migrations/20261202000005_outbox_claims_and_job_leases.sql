-- Several instances on one database: an outbox row is claimed (until a
-- time) before it is sent, so one instance sends it and a crashed
-- instance's claim runs out; a periodic job holds a lease for its period.
ALTER TABLE outbox ADD COLUMN claimed_until INTEGER;

CREATE TABLE job_leases (
    job TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until INTEGER NOT NULL
) STRICT;
