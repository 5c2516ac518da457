-- +goose Up
-- Secrets of the installation, shared by every instance on one database.
-- "visitor_token" keys the HMAC that signs the live-chat widget's and the
-- public API's visitor tokens, so any instance can verify a token another
-- one issued, without a table of tokens.
CREATE TABLE installation_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

-- +goose Down
DROP TABLE installation_secrets;
