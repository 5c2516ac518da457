-- +goose Up
-- SQLite's 00004_widget: secrets of the installation, such as the key that
-- signs widget visitors' tokens (shared by every instance on the database).
CREATE TABLE installation_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE installation_secrets;
