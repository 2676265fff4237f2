-- Namesakes are different people: two outside contacts of one member may
-- share a name. They are told apart by what else is known about them (a
-- profile link, an email, a company), and an import recognises someone it
-- brought in before by their profile link or email.
DROP INDEX contacts_owner_name;
CREATE INDEX contacts_owner_name ON contacts (owner_id, name_key) WHERE member_id IS NULL;
ALTER TABLE contacts ADD COLUMN email TEXT;
ALTER TABLE contacts ADD COLUMN profile_url TEXT;
