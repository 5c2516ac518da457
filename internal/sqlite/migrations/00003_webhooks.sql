-- +goose Up
-- Account webhooks (Chatwoot's webhooks table), the delivery outbox and its
-- attempt log.

CREATE TABLE webhooks (
  id INTEGER PRIMARY KEY,
  account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  -- When set, the webhook receives only that inbox's events. No foreign key:
  -- a webhook scoped to a deleted inbox receives nothing rather than
  -- silently widening to the whole account.
  inbox_id INTEGER,
  name TEXT,
  url TEXT NOT NULL,
  subscriptions TEXT NOT NULL,
  secret TEXT NOT NULL,
  -- After a rotation the old secret still signs for a while.
  previous_secret TEXT,
  previous_secret_expires_at INTEGER,
  -- Health: the start of an unbroken run of failures, and when that run
  -- disabled the endpoint.
  failing_since INTEGER,
  disabled_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX webhooks_account_url_key ON webhooks (account_id, url);

-- The same health for API inboxes' webhook_url.
ALTER TABLE channel_api ADD COLUMN failing_since INTEGER;
ALTER TABLE channel_api ADD COLUMN disabled_at INTEGER;

-- One row per event and target, written in the transaction of the event.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  -- Sent as X-Chatwoot-Delivery and webhook-id; the same on every attempt.
  uuid TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  event_name TEXT NOT NULL,
  account_id INTEGER NOT NULL,
  -- The target: an account webhook, or an API inbox's webhook_url.
  webhook_id INTEGER,
  inbox_id INTEGER,
  url TEXT NOT NULL,
  -- pending, delivered, failed, or notice (a log entry such as
  -- webhook_disabled, never sent)
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  -- When a pending delivery is due.
  next_attempt_at INTEGER,
  -- A claim by one instance (several instances on one database).
  lease_owner TEXT,
  lease_until INTEGER,
  -- The latest attempt lives on the row itself (most deliveries have only
  -- one, so this saves a row per delivery); delivery_attempts keeps the
  -- ones before it.
  last_attempted_at INTEGER,
  last_latency_us INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  last_response_headers TEXT,
  last_response_body BLOB,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  completed_at INTEGER
);
-- Deliveries are the hottest table: each index here costs every event.
-- The uuid is random (v4) and never looked up, so it has no index; the log
-- reads by endpoint, the engine by due time, retention by event.
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX deliveries_webhook_idx ON deliveries (webhook_id, id) WHERE webhook_id IS NOT NULL;
CREATE INDEX deliveries_inbox_idx ON deliveries (inbox_id, id) WHERE webhook_id IS NULL;
CREATE INDEX deliveries_event_idx ON deliveries (event_id);

-- Every attempt of every delivery but its latest, with what the receiver
-- answered.
CREATE TABLE delivery_attempts (
  id INTEGER PRIMARY KEY,
  delivery_id INTEGER NOT NULL,
  attempted_at INTEGER NOT NULL,
  latency_us INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_headers TEXT,
  response_body BLOB
);
CREATE INDEX delivery_attempts_delivery_idx ON delivery_attempts (delivery_id, id);
CREATE INDEX delivery_attempts_time_idx ON delivery_attempts (attempted_at);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
ALTER TABLE channel_api DROP COLUMN disabled_at;
ALTER TABLE channel_api DROP COLUMN failing_since;
DROP TABLE webhooks;
