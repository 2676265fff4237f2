-- What only guards against a repeat is forgotten once no repeat can come
-- (see `kith_bot::jobs::Retention`): these let the hourly clean-up find the
-- old rows without reading every row.
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);
CREATE INDEX command_answers_started_at ON command_answers (started_at);
CREATE INDEX delivery_memos_created_at ON delivery_memos (created_at);
CREATE INDEX jobs_finished_at ON jobs (finished_at) WHERE state <> 'pending';
