-- Known-device cookies are signed with the advisor's epoch, which a
-- password reset or a disable bumps: a browser that signed in before no
-- longer counts as known after either (issue 27; the cookie lived 90 days).
ALTER TABLE advisors ADD COLUMN device_epoch INTEGER NOT NULL DEFAULT 0;
