-- Leads anonymised before timeline events were typed kept their call notes
-- (the old job blanked a list of kinds written before the call log), and
-- anything written on them afterwards; anonymised leads keep no child
-- either. Blanked here once; the typed job keeps it so from now on.
UPDATE lead_events SET detail = json_remove(detail, '$.note')
WHERE kind = 'call' AND lead_id IN (SELECT id FROM leads WHERE anonymised_at IS NOT NULL);
UPDATE lead_events SET detail = '{"text":""}'
WHERE kind = 'note' AND lead_id IN (SELECT id FROM leads WHERE anonymised_at IS NOT NULL);
UPDATE lead_events SET detail = json_remove(detail, '$.reason')
WHERE kind = 'status_changed' AND lead_id IN (SELECT id FROM leads WHERE anonymised_at IS NOT NULL);
UPDATE lead_events SET detail = json_remove(detail, '$.assessment', '$.organisation')
WHERE kind IN ('created', 'repeat_request')
  AND lead_id IN (SELECT id FROM leads WHERE anonymised_at IS NOT NULL);
UPDATE leads SET zhongkao_year = NULL, school_target = NULL, school_deadline = NULL, school_status = NULL
WHERE anonymised_at IS NOT NULL;
