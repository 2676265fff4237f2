-- What every read of a contact needs, kept on the contact by the store as
-- entries are logged, instead of counted from the entries on each read:
-- favours given and received, and the latest note (by time, then by id).

ALTER TABLE contacts ADD COLUMN given INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN received INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN last_note TEXT;
ALTER TABLE contacts ADD COLUMN last_note_at INTEGER;

UPDATE contacts SET
    given = (SELECT COUNT(*) FROM entries e WHERE e.contact_id = contacts.id AND e.kind = 'gave'),
    received = (SELECT COUNT(*) FROM entries e WHERE e.contact_id = contacts.id AND e.kind = 'got'),
    last_note = (SELECT e.what FROM entries e WHERE e.contact_id = contacts.id AND e.kind = 'note'
                 ORDER BY e.at DESC, e.id DESC LIMIT 1),
    last_note_at = (SELECT e.at FROM entries e WHERE e.contact_id = contacts.id AND e.kind = 'note'
                    ORDER BY e.at DESC, e.id DESC LIMIT 1);

-- Favours in a period (the digest) and history by kind.
CREATE INDEX entries_contact_kind_at ON entries (contact_id, kind, at);
