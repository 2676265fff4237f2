-- One sender per workspace at a time across replicas: a claim leases the
-- workspaces of the rows it takes (renewed with them, freed when they are
-- settled or given back, lapsing if the replica dies), so the platform's
-- limits per channel and per workspace (Slack: one message a second per
-- channel, method tiers per team) are kept by one process's limiter.
ALTER TABLE workspaces ADD COLUMN send_owner TEXT;
ALTER TABLE workspaces ADD COLUMN send_until BIGINT;

CREATE INDEX workspaces_send_owner ON workspaces (send_owner) WHERE send_owner IS NOT NULL;
