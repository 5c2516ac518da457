-- +goose Up
-- Account webhooks (Chatwoot's webhooks table) and the delivery outbox.

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
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX webhooks_account_url_key ON webhooks (account_id, url);

-- One row per event and target, written in the transaction of the event.
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY,
  -- Sent as X-Chatwoot-Delivery and webhook-id; the same on every attempt.
  uuid TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  account_id INTEGER NOT NULL,
  -- The target: an account webhook, or an API inbox's webhook_url.
  webhook_id INTEGER,
  inbox_id INTEGER,
  url TEXT NOT NULL,
  -- pending, delivered or failed
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX deliveries_uuid_key ON deliveries (uuid);
CREATE INDEX deliveries_due_idx ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_webhook_idx ON deliveries (webhook_id, id);
CREATE INDEX deliveries_event_idx ON deliveries (event_id);

-- +goose Down
DROP TABLE deliveries;
DROP TABLE webhooks;
