-- +goose Up
-- Columns the Chatwoot admin APIs show: a user's pubsub token, who invited a
-- member, and an account's feature flags and limits (Platform API).

ALTER TABLE users ADD COLUMN pubsub_token TEXT NOT NULL DEFAULT '';
-- Users from before this migration get a random token; Parley writes a
-- 24-character base58 one for every new user.
UPDATE users SET pubsub_token = lower(hex(randomblob(12))) WHERE pubsub_token = '';
CREATE UNIQUE INDEX users_pubsub_token_key ON users (pubsub_token);

ALTER TABLE account_users ADD COLUMN inviter_id INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- features holds the enabled flags as {"name": true}; limits is free-form.
ALTER TABLE accounts ADD COLUMN features TEXT NOT NULL DEFAULT '{}';
ALTER TABLE accounts ADD COLUMN limits TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE accounts DROP COLUMN limits;
ALTER TABLE accounts DROP COLUMN features;
ALTER TABLE account_users DROP COLUMN inviter_id;
DROP INDEX users_pubsub_token_key;
ALTER TABLE users DROP COLUMN pubsub_token;
