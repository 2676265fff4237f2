-- The ledger: workspaces, their members, and each member's private network.
-- Times are UTC seconds since the epoch. Every network row carries the
-- workspace and owner it belongs to, so every query can be scoped by both.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    platform    TEXT    NOT NULL CHECK (platform IN ('console', 'slack', 'discord')),
    external_id TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (platform, external_id)
);

CREATE TABLE members (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    external_id  TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    tz           TEXT    NOT NULL DEFAULT 'UTC',
    welcomed     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    UNIQUE (workspace_id, external_id)
);

CREATE TABLE contacts (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    owner_id        INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    -- Set when the contact is a fellow member of the workspace.
    member_id       INTEGER REFERENCES members (id) ON DELETE CASCADE,
    -- The name as typed (outside people) or as first seen (members).
    name            TEXT    NOT NULL,
    -- Lower-case, single-spaced name: how outside people are looked up.
    name_key        TEXT    NOT NULL,
    company         TEXT,
    tier            TEXT    NOT NULL CHECK (tier IN ('inner', 'close', 'wider')),
    cadence_days    INTEGER CHECK (cadence_days > 0),
    snoozed_until   INTEGER,
    added_at        INTEGER NOT NULL,
    -- The latest touch, favour or note; kept with each entry logged.
    last_contact_at INTEGER,
    -- When they are next due a check-in (the core's rule, kept by the store
    -- on every change), so the scheduler finds due contacts by index.
    due_at          INTEGER NOT NULL
);

CREATE UNIQUE INDEX contacts_owner_member ON contacts (owner_id, member_id) WHERE member_id IS NOT NULL;
CREATE UNIQUE INDEX contacts_owner_name ON contacts (owner_id, name_key) WHERE member_id IS NULL;
CREATE INDEX contacts_scope ON contacts (workspace_id, owner_id);
CREATE INDEX contacts_owner_due ON contacts (owner_id, due_at);

CREATE TABLE contact_tags (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    tag        TEXT    NOT NULL,
    PRIMARY KEY (contact_id, tag)
);

-- Touches, favours (gave/got) and notes.
CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL CHECK (kind IN ('touch', 'gave', 'got', 'note')),
    what       TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    logged_at  INTEGER NOT NULL
);

CREATE INDEX entries_contact_at ON entries (contact_id, at);
