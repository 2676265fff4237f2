-- Named leases the processes using this database agree on (a Discord
-- gateway shard is connected by whoever holds its lease). A lease lapses
-- at `until_ms` unless its holder renews it.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms INTEGER NOT NULL
);
