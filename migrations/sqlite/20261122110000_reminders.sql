-- Reminders and the weekly digest: each member's delivery settings and
-- schedule, and the durable outbox the scheduler fills and the sender drains.

-- The local delivery window, in minutes after midnight; weekdays unless daily.
ALTER TABLE members ADD COLUMN window_start INTEGER NOT NULL DEFAULT 540;
ALTER TABLE members ADD COLUMN window_end INTEGER NOT NULL DEFAULT 600;
ALTER TABLE members ADD COLUMN window_daily INTEGER NOT NULL DEFAULT 0;
-- A cron line (seconds first) in local time; NULL turns the digest off.
ALTER TABLE members ADD COLUMN digest_cron TEXT DEFAULT '0 0 9 * * Mon';
ALTER TABLE members ADD COLUMN dms INTEGER NOT NULL DEFAULT 1;
-- The next instants to consider; NULL means "schedule from now".
ALTER TABLE members ADD COLUMN next_reminder_at INTEGER;
ALTER TABLE members ADD COLUMN next_digest_at INTEGER;
-- Why direct messages failed for good, until the member is told.
ALTER TABLE members ADD COLUMN dm_failure TEXT;

CREATE INDEX members_next_reminder ON members (next_reminder_at);
CREATE INDEX members_next_digest ON members (next_digest_at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id       INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('reminder', 'digest')),
    -- The member's local date the message is for: one of each kind a day.
    local_date      TEXT    NOT NULL,
    -- Deliver no earlier than this and not after expires_at (the window's end).
    not_before      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'skipped', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A sender's claim: only the holder may settle the row until it lapses.
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    settled_at      INTEGER,
    UNIQUE (member_id, kind, local_date)
);

CREATE INDEX outbox_ready ON outbox (next_attempt_at) WHERE state = 'pending';
