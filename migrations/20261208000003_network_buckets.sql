-- The looser network buckets of SECURITY.md (IPv4 /24, IPv6 /48) for lead
-- submissions and logins too (issue 27: ~1,250 IPv4 addresses or one IPv6
-- /48 kept the login pool busy).
ALTER TABLE lead_submissions ADD COLUMN network TEXT NOT NULL DEFAULT '';
CREATE INDEX lead_submissions_network ON lead_submissions (network, created_at);
ALTER TABLE login_failures ADD COLUMN network TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_network ON login_failures (network, at);
