-- What a platform adapter keeps about a delivery by its key, so a retry
-- after a crash continues it: e.g. the Discord thread a conversation was
-- started in, so the message goes to that thread (where its nonce drops
-- a second copy) rather than to a new one.
CREATE TABLE delivery_memos (
    platform     TEXT    NOT NULL,
    delivery_key TEXT    NOT NULL,
    value        TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (platform, delivery_key)
);
