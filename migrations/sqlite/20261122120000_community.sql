-- Community: the organisers' settings, double opt-in introductions, the
-- resource library (searchable with FTS5), coffee pairing, and the
-- notices these send, carried by a durable outbox like reminders.

-- Channels are the platform's ids; a NULL channel is "not set".
ALTER TABLE workspaces ADD COLUMN resources_channel TEXT;
ALTER TABLE workspaces ADD COLUMN intros_channel TEXT;
ALTER TABLE workspaces ADD COLUMN followup_days INTEGER NOT NULL DEFAULT 14 CHECK (followup_days > 0);
ALTER TABLE workspaces ADD COLUMN pairing_channel TEXT;
ALTER TABLE workspaces ADD COLUMN pairing_every_days INTEGER CHECK (pairing_every_days > 0);
ALTER TABLE workspaces ADD COLUMN pairing_next_round_at INTEGER;

CREATE INDEX workspaces_pairing_due ON workspaces (pairing_next_round_at)
    WHERE pairing_channel IS NOT NULL;

CREATE TABLE intros (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    introducer_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    a_id          INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    b_id          INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    why           TEXT    NOT NULL,
    -- NULL until answered; 1 yes, 0 no.
    a_answer      INTEGER,
    b_answer      INTEGER,
    state         TEXT    NOT NULL DEFAULT 'asked'
                  CHECK (state IN ('asked', 'connected', 'declined', 'lapsed')),
    asked_at      INTEGER NOT NULL,
    closed_at     INTEGER,
    -- The introducer's answer at the follow-up.
    outcome       INTEGER,
    CHECK (a_id <> b_id AND introducer_id <> a_id AND introducer_id <> b_id)
);

CREATE INDEX intros_introducer ON intros (introducer_id, asked_at);
CREATE INDEX intros_a ON intros (a_id);
CREATE INDEX intros_b ON intros (b_id);

CREATE TABLE resources (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    -- Set for a link sent privately to one member; NULL for the library.
    to_member_id INTEGER REFERENCES members (id) ON DELETE CASCADE,
    url          TEXT    NOT NULL,
    -- What identifies the page (no tracking parameters, fragment, www).
    url_key      TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    why          TEXT,
    -- Space-separated, without '#'.
    tags         TEXT    NOT NULL DEFAULT '',
    shared_at    INTEGER NOT NULL
);

CREATE UNIQUE INDEX resources_library_url ON resources (workspace_id, url_key)
    WHERE to_member_id IS NULL;
CREATE INDEX resources_workspace ON resources (workspace_id, shared_at);

-- Full-text search over the library's titles, reasons and tags.
CREATE VIRTUAL TABLE resources_fts USING fts5 (
    title, why, tags,
    content = 'resources', content_rowid = 'id',
    tokenize = 'porter unicode61'
);

CREATE TRIGGER resources_fts_insert AFTER INSERT ON resources BEGIN
    INSERT INTO resources_fts (rowid, title, why, tags)
    VALUES (new.id, new.title, COALESCE(new.why, ''), new.tags);
END;

CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN
    INSERT INTO resources_fts (resources_fts, rowid, title, why, tags)
    VALUES ('delete', old.id, old.title, COALESCE(old.why, ''), old.tags);
END;

CREATE TABLE pairing_members (
    member_id    INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    joined_at    INTEGER NOT NULL,
    paused_until INTEGER
);

CREATE INDEX pairing_members_workspace ON pairing_members (workspace_id);

CREATE TABLE pairing_rounds (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,
    made_at      INTEGER NOT NULL,
    UNIQUE (workspace_id, number)
);

CREATE TABLE pairs (
    id       INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES pairing_rounds (id) ON DELETE CASCADE,
    met_at   INTEGER
);

CREATE TABLE pair_members (
    pair_id   INTEGER NOT NULL REFERENCES pairs (id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (pair_id, member_id)
);

CREATE INDEX pair_members_member ON pair_members (member_id);

-- Messages community events send, composed when sent. One per (kind,
-- subject, recipient): queuing the same one again changes nothing.
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    -- The introduction, resource, round number or pair it is about.
    subject         INTEGER NOT NULL,
    -- The member it is for; 0 for a channel post or a conversation.
    member_id       INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'sent', 'failed', 'skipped', 'expired')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    settled_at      INTEGER,
    UNIQUE (workspace_id, kind, subject, member_id)
);

CREATE INDEX notices_ready ON notices (next_attempt_at) WHERE state = 'pending';
CREATE INDEX notices_member ON notices (member_id);
