-- Delivery attempts whose outcome is unknown. A sender sets `sending_since`
-- (when the first such attempt began) just before it hands a row to the
-- platform, and clears it when the outcome is known. A sender that takes
-- over a row with it set (the previous owner died, or its call timed out)
-- first asks the platform whether the message went out.
ALTER TABLE outbox ADD COLUMN sending_since INTEGER;
ALTER TABLE notices ADD COLUMN sending_since INTEGER;

-- Leases are renewed while held; these find a claim's rows quickly.
CREATE INDEX outbox_lease ON outbox (lease_owner) WHERE lease_owner IS NOT NULL;
CREATE INDEX notices_lease ON notices (lease_owner) WHERE lease_owner IS NOT NULL;
