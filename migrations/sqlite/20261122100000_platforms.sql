-- What platform adapters keep: per-workspace bot installations (OAuth) and
-- the inbound event ids already handled (Slack retries, Discord redeliveries).

CREATE TABLE installations (
    workspace_id INTEGER PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    bot_token    TEXT    NOT NULL,
    bot_user_id  TEXT,
    installed_at INTEGER NOT NULL
);

CREATE TABLE seen_events (
    platform TEXT    NOT NULL,
    event_id TEXT    NOT NULL,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (platform, event_id)
);

-- Where a member's time zone came from: the default (UTC), the platform
-- (Slack's users.info), or the member (settings tz), which wins.
ALTER TABLE members ADD COLUMN tz_source TEXT NOT NULL DEFAULT 'default';
