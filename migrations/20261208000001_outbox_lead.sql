-- Messages about a lead name it in a column, so a privacy deletion and the
-- retention job delete them with the lead's data (issue 27: a queued
-- notification outlived the lead it was about).
ALTER TABLE outbox ADD COLUMN lead_id INTEGER;
UPDATE outbox SET lead_id = CAST(json_extract(payload, '$.lead_id') AS INTEGER)
WHERE json_extract(payload, '$.lead_id') IS NOT NULL;
CREATE INDEX outbox_lead ON outbox (lead_id) WHERE lead_id IS NOT NULL;
