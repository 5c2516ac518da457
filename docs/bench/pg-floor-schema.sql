-- The least a per-event PostgreSQL transaction can do for one message with
-- one webhook delivery, for the floor measured in BENCHMARKS.md:
--   psql -h 127.0.0.1 -U postgres -d test -f docs/bench/pg-floor-schema.sql
--   pgbench -h 127.0.0.1 -U postgres -n -M prepared -c 16 -j 2 -T 10 -f docs/bench/pg-floor.pgbench test
--   psql -h 127.0.0.1 -U postgres -d test -c 'DROP SCHEMA pgb CASCADE'
DROP SCHEMA IF EXISTS pgb CASCADE;
CREATE SCHEMA pgb;
CREATE TABLE pgb.conv (id bigserial PRIMARY KEY, account_id bigint, display_id bigint, status int,
  last_activity_at bigint, updated_at bigint, waiting_since bigint);
CREATE UNIQUE INDEX ON pgb.conv (account_id, display_id);
CREATE INDEX ON pgb.conv (last_activity_at);
CREATE INDEX ON pgb.conv (status);
INSERT INTO pgb.conv (account_id, display_id, status, last_activity_at) SELECT 1, g, 0, 0 FROM generate_series(1, 50) g;
CREATE TABLE pgb.msg (id bigserial PRIMARY KEY, conversation_id bigint, account_id bigint, content text,
  created_at bigint, message_type text);
CREATE INDEX ON pgb.msg (conversation_id, id);
CREATE INDEX ON pgb.msg (account_id, id);
CREATE TABLE pgb.ev (id bigserial PRIMARY KEY, account_id bigint, name text, payload text, created_at bigint);
CREATE TABLE pgb.del (id bigserial PRIMARY KEY, event_id bigint, uuid text, url text, status int,
  next_attempt_at bigint, lease_owner text, lease_until bigint);
CREATE INDEX ON pgb.del (status, next_attempt_at);
CREATE INDEX ON pgb.del (event_id);
