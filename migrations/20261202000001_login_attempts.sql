-- Login throttling, learned from an outside probe. Every attempt is reserved
-- as a failure row in the transaction that checks the gate, before the
-- password is hashed, and a right password deletes it again; so concurrent
-- attempts cannot buy extra guesses. The account bucket is split by whether
-- the browser presented a valid known-device cookie for the account, so a
-- stranger's failures never delay the advisor's own browser.
ALTER TABLE login_failures ADD COLUMN known_device INTEGER NOT NULL DEFAULT 0 CHECK (known_device IN (0, 1));
CREATE INDEX login_failures_bucket ON login_failures (username, known_device, at);
