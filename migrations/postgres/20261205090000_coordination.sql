-- Named leases the replicas agree on (a Discord gateway shard is connected
-- by whoever holds its lease). A lease lapses at `until_ms` unless its
-- holder renews it.
CREATE TABLE leases (
    name     TEXT PRIMARY KEY,
    holder   TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

-- Paces every replica draws from (Discord's global limit per bot): the
-- time, in microseconds since the epoch, the next slot is due.
CREATE TABLE paces (
    name   TEXT PRIMARY KEY,
    due_us BIGINT NOT NULL
);
