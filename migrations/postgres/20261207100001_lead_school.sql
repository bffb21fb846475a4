-- The school planner (issue 26); the same columns as the SQLite migration.
ALTER TABLE leads ADD COLUMN zhongkao_year BIGINT;
ALTER TABLE leads ADD COLUMN school_target TEXT COLLATE "C";
ALTER TABLE leads ADD COLUMN school_deadline TEXT COLLATE "C";
ALTER TABLE leads ADD COLUMN school_status TEXT COLLATE "C"
    CHECK (school_status IS NULL OR school_status IN
        ('comfortable', 'on_track', 'tight', 'late_route', 'misses', 'done'));
