-- The school planner (issue 26): what a lead's self-test said of the
-- child, for the queue card, the order of today's follow-ups and the CSV.
-- Only the year, the dates and the status: never the grade or birth month.
-- `school_deadline` is the 补报名 last chance (May 7 of the 中考 year).
ALTER TABLE leads ADD COLUMN zhongkao_year INTEGER;
ALTER TABLE leads ADD COLUMN school_target TEXT;
ALTER TABLE leads ADD COLUMN school_deadline TEXT;
ALTER TABLE leads ADD COLUMN school_status TEXT
    CHECK (school_status IS NULL OR school_status IN
        ('comfortable', 'on_track', 'tight', 'late_route', 'misses', 'done'));
