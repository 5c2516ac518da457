-- +goose Up
-- How many times a delivery was requeued by hand (redeliver, recover). An
-- attempt's outcome carries the count it started with; when a requeue came
-- meanwhile, the attempt is recorded but the delivery stays due, so that
-- the redelivery asked for during an attempt is not lost.
ALTER TABLE deliveries ADD COLUMN requeues INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE deliveries DROP COLUMN requeues;
