-- Work that outlives an acknowledgement (an import of a shared file),
-- written before the acknowledgement, in the same transaction that marks
-- its event as seen, and run by a worker that resumes after a crash.
CREATE TABLE jobs (
    id              INTEGER PRIMARY KEY,
    platform        TEXT    NOT NULL,
    -- The event that asked for it: one job per event, however often retried.
    event_id        TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    -- The platform's workspace id (Slack team, Discord guild).
    workspace       TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (platform, event_id)
);

CREATE INDEX jobs_ready ON jobs (next_attempt_at) WHERE state = 'pending';

-- A command's answer by the platform's delivery id (Slack's trigger_id,
-- Discord's interaction id): a command delivered twice runs once, and the
-- second delivery gets the first one's answer.
CREATE TABLE command_answers (
    platform     TEXT    NOT NULL,
    delivery_key TEXT    NOT NULL,
    answer       TEXT,
    started_at   INTEGER NOT NULL,
    answered_at  INTEGER,
    PRIMARY KEY (platform, delivery_key)
);
