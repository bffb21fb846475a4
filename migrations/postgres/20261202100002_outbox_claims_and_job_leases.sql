-- Several instances on one database: an outbox row is claimed (until a
-- time) before it is sent, so one instance sends it and a crashed
-- instance's claim runs out; a periodic job holds a lease for its period.
-- The same as the SQLite migration 20261202000005.
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT;

CREATE TABLE job_leases (
    job TEXT COLLATE "C" PRIMARY KEY,
    holder TEXT COLLATE "C" NOT NULL,
    until BIGINT NOT NULL
);
