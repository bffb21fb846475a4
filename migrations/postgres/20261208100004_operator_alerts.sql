-- Operator alerts other than the SMS budget's (the disk-space guard): one a
-- day per kind and level across instances.
CREATE TABLE operator_alerts (
    day TEXT COLLATE "C" NOT NULL,
    alert TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (day, alert)
);
