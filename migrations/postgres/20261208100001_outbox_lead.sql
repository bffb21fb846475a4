-- Messages about a lead name it in a column, so a privacy deletion and the
-- retention job delete them with the lead's data (issue 27: a queued
-- notification outlived the lead it was about).
ALTER TABLE outbox ADD COLUMN lead_id BIGINT;
UPDATE outbox SET lead_id = (payload::jsonb ->> 'lead_id')::bigint
WHERE payload::jsonb ? 'lead_id';
CREATE INDEX outbox_lead ON outbox (lead_id) WHERE lead_id IS NOT NULL;
