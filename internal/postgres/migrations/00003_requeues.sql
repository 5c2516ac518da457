-- +goose Up
-- SQLite's 00005_requeues: how many times a delivery was requeued by hand,
-- so that an attempt under way when it was does not undo the requeue.
ALTER TABLE deliveries ADD COLUMN requeues INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN requeues;
