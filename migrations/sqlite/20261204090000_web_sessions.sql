-- The member's private web page: one-time links (15 minutes, once) and the
-- sessions they open (7 days). Only a SHA-256 of each token is kept, so a
-- copy of the database opens nothing. Deleting a member (forget me) or a
-- workspace (uninstall) deletes their links and sessions with them.

CREATE TABLE web_links (
    hash         TEXT    PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);

CREATE INDEX web_links_member ON web_links (member_id);

CREATE TABLE web_sessions (
    hash         TEXT    PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    csrf         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);

CREATE INDEX web_sessions_member ON web_sessions (member_id);
