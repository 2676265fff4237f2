-- Goals and reach. A contact's company is matched by a key (case,
-- punctuation and legal suffixes ignored: kith_bot::domain::company_key),
-- kept beside it on every write; rows written before this migration get
-- theirs when the store opens.
ALTER TABLE contacts ADD COLUMN company_key TEXT;
CREATE INDEX contacts_company_key ON contacts (workspace_id, company_key, owner_id)
    WHERE company_key IS NOT NULL;

-- Whether a member shares their reach (a count of who knows someone at a
-- company, never who): off until they turn it on.
ALTER TABLE members ADD COLUMN reach_shared INTEGER NOT NULL DEFAULT 0;

CREATE TABLE goals (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    what         TEXT    NOT NULL,
    company      TEXT,
    company_key  TEXT,
    -- Space-separated, without '#'.
    tags         TEXT    NOT NULL DEFAULT '',
    state        TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'dropped')),
    created_at   INTEGER NOT NULL,
    closed_at    INTEGER
);
CREATE INDEX goals_member ON goals (member_id, state, created_at);

-- An ask for an introduction at a company: a draft until its button is
-- pressed, then one row per member asked.
CREATE TABLE reach_asks (
    id           INTEGER PRIMARY KEY,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    asker_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    company      TEXT    NOT NULL,
    why          TEXT,
    state        TEXT    NOT NULL DEFAULT 'draft'
                 CHECK (state IN ('draft', 'open', 'helped', 'nobody')),
    created_at   INTEGER NOT NULL,
    asked_at     INTEGER,
    closed_at    INTEGER
);
CREATE INDEX reach_asks_asker ON reach_asks (asker_id, state, asked_at);

CREATE TABLE reach_asked (
    id           INTEGER PRIMARY KEY,
    ask_id       INTEGER NOT NULL REFERENCES reach_asks (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    helper_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    asked_at     INTEGER NOT NULL,
    -- NULL until answered; 1 yes, 0 no.
    answer       INTEGER,
    answered_at  INTEGER,
    -- The helper's answer at the follow-up.
    outcome      INTEGER,
    UNIQUE (ask_id, helper_id)
);
CREATE INDEX reach_asked_helper ON reach_asked (helper_id, asked_at);
