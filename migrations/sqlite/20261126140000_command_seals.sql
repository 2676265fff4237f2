-- A command's delivery is claimed by its first write, in the same
-- transaction (see bot/src/once.rs): `owner` names the attempt that claimed
-- it, so its own later writes go ahead and another delivery's are refused.
-- Rows from before this change have no owner and count as carried out.
ALTER TABLE command_answers ADD COLUMN owner TEXT;
