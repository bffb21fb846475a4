-- Operator alerts other than the SMS budget's (the disk-space guard): one a
-- day per kind and level across instances.
CREATE TABLE operator_alerts (
    day TEXT NOT NULL,
    alert TEXT NOT NULL,
    PRIMARY KEY (day, alert)
) STRICT;
