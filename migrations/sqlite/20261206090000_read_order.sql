-- What `balance`, `due` and `list` read, kept so that each reads a few
-- rows off an index instead of sorting and counting a whole network.

-- How a contact sorts by name: the name shown (a fellow member's display
-- name, else the name typed), lower-cased as the reads sort. Kept by the
-- triggers below on every path that adds a contact, renames one or
-- renames a member.
ALTER TABLE contacts ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
UPDATE contacts SET sort_name = lower(COALESCE(
    (SELECT display_name FROM members m WHERE m.id = contacts.member_id), name));

CREATE TRIGGER contacts_sort_name_on_insert AFTER INSERT ON contacts
BEGIN
    UPDATE contacts SET sort_name = lower(COALESCE(
        (SELECT display_name FROM members WHERE id = NEW.member_id), NEW.name))
    WHERE id = NEW.id;
END;
CREATE TRIGGER contacts_sort_name_on_rename AFTER UPDATE OF name, member_id ON contacts
BEGIN
    UPDATE contacts SET sort_name = lower(COALESCE(
        (SELECT display_name FROM members WHERE id = NEW.member_id), NEW.name))
    WHERE id = NEW.id;
END;
CREATE TRIGGER members_sort_name_on_rename AFTER UPDATE OF display_name ON members
WHEN OLD.display_name IS NOT NEW.display_name
BEGIN
    UPDATE contacts SET sort_name = lower(COALESCE(NEW.display_name, name))
    WHERE member_id = NEW.id;
END;
-- The rename above, and deleting a member (contacts about them cascade).
CREATE INDEX contacts_member ON contacts (member_id) WHERE member_id IS NOT NULL;

-- Who is due, most overdue first then by name: the top comes off the index.
DROP INDEX contacts_owner_due;
CREATE INDEX contacts_owner_due ON contacts (owner_id, due_at, sort_name);
-- The most lopsided balances first, then owing before owed, then by name.
CREATE INDEX contacts_owner_lopsided
    ON contacts (owner_id, abs(given - received) DESC, given - received, sort_name)
    WHERE given + received > 0;
-- `list`: by tier (inner, close, wider), then name, then as added.
CREATE INDEX contacts_owner_listed ON contacts (
    owner_id, CASE tier WHEN 'inner' THEN 0 WHEN 'close' THEN 1 ELSE 2 END, sort_name);

-- Per member: how many contacts, and the favour totals `balance` shows,
-- kept by triggers on contacts so no read sums a whole network.
CREATE TABLE network_totals (
    owner_id      INTEGER PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    -- Contacts in the network.
    people        INTEGER NOT NULL DEFAULT 0,
    -- Contacts with any favour logged, the favours, and how many contacts
    -- did more for the member than the member for them.
    favour_people INTEGER NOT NULL DEFAULT 0,
    given         INTEGER NOT NULL DEFAULT 0,
    received      INTEGER NOT NULL DEFAULT 0,
    owing         INTEGER NOT NULL DEFAULT 0
);
INSERT INTO network_totals (owner_id, people, favour_people, given, received, owing)
SELECT owner_id, count(*), sum(given + received > 0), sum(given), sum(received),
       sum(given < received)
FROM contacts GROUP BY owner_id;

CREATE TRIGGER network_totals_on_insert AFTER INSERT ON contacts
BEGIN
    INSERT INTO network_totals (owner_id, people, favour_people, given, received, owing)
    VALUES (NEW.owner_id, 1, NEW.given + NEW.received > 0, NEW.given, NEW.received,
            NEW.given < NEW.received)
    ON CONFLICT (owner_id) DO UPDATE SET
        people = people + 1,
        favour_people = favour_people + excluded.favour_people,
        given = given + excluded.given,
        received = received + excluded.received,
        owing = owing + excluded.owing;
END;
CREATE TRIGGER network_totals_on_delete AFTER DELETE ON contacts
BEGIN
    UPDATE network_totals SET
        people = people - 1,
        favour_people = favour_people - (OLD.given + OLD.received > 0),
        given = given - OLD.given,
        received = received - OLD.received,
        owing = owing - (OLD.given < OLD.received)
    WHERE owner_id = OLD.owner_id;
END;
CREATE TRIGGER network_totals_on_favour AFTER UPDATE OF given, received ON contacts
WHEN OLD.given <> NEW.given OR OLD.received <> NEW.received
BEGIN
    UPDATE network_totals SET
        favour_people = favour_people - (OLD.given + OLD.received > 0)
                                      + (NEW.given + NEW.received > 0),
        given = given - OLD.given + NEW.given,
        received = received - OLD.received + NEW.received,
        owing = owing - (OLD.given < OLD.received) + (NEW.given < NEW.received)
    WHERE owner_id = NEW.owner_id;
END;
