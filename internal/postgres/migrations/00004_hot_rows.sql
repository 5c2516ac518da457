-- +goose Up
-- An event's payload (2-5 KB of JSON) stays in its row, uncompressed: over
-- the default 2 KB target PostgreSQL would compress every payload with
-- pglz, which cost each event as much CPU as its insert.
ALTER TABLE events SET (toast_tuple_target = 8160);

-- Every message updates its conversation's last_activity_at. With that
-- column in an index, each update writes a new entry in all eight of the
-- table's indexes and leaves a dead row version behind it until the next
-- vacuum (13,000 for 50 conversations in a 10 s benchmark); without it
-- the update is HOT: the new version goes on the same page, no index is
-- touched, and later updates reclaim the page. The list that sorts by
-- last_activity_at counts the account's conversations of that status
-- anyway, so the index could only save it a sort of rows it reads.
DROP INDEX conversations_account_activity_idx;
CREATE INDEX conversations_account_status_idx ON conversations (account_id, status);
ALTER TABLE conversations SET (fillfactor = 90);

-- +goose Down
ALTER TABLE conversations RESET (fillfactor);
DROP INDEX conversations_account_status_idx;
CREATE INDEX conversations_account_activity_idx ON conversations (account_id, status, last_activity_at);
ALTER TABLE events RESET (toast_tuple_target);
