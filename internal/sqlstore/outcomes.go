package sqlstore

import (
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

// RecordOutcomes records a batch of outcomes under RecordOutcome's lease
// rule: for each delivery, its attempt (nil when nothing was sent).
//
// An embedded database runs a statement in microseconds, so each outcome
// gets its own. A database server costs a round trip per statement, which
// capped the engine's recorder (one goroutine, one transaction at a time)
// at a few thousand outcomes a second: there the batch takes one statement
// per kind of write, and none waits for its answer (the writer sends them
// with the next request's statements).
func (tx *Tx) RecordOutcomes(ds []chat.Delivery, as []*chat.Attempt) error {
	if tx.d.Embedded() {
		for i := range ds {
			var err error
			if as[i] != nil {
				err = tx.RecordAttempt(&ds[i], as[i])
			} else {
				err = tx.RecordOutcome(&ds[i])
			}
			if err != nil {
				return err
			}
		}
		return nil
	}
	// Each statement below joins its VALUES list to deliveries by id. A
	// database that was just created, or that grew fast since its last
	// ANALYZE, shows PostgreSQL a small deliveries table: it plans that
	// join as a scan of the whole table, and once a connection has run a
	// statement a few times it keeps that plan until the table's
	// statistics change (autovacuum's next pass, a minute or more away).
	// Meanwhile every outcome batch read the whole table: 5.4 ms for 48
	// outcomes at about 50,000 deliveries, against 0.3 ms for 32 looked up
	// by id (pg_stat_statements during `parley bench -postgres -instances
	// 2`). With sequential scans off the plans are index lookups, whatever
	// the statistics say.
	if len(ds) > 0 {
		if err := tx.later(`SET LOCAL enable_seqscan = off`); err != nil {
			return err
		}
	}
	var archive, attempted, decided []int
	for i := range ds {
		switch {
		case as[i] == nil:
			decided = append(decided, i)
		case ds[i].Attempts > 1:
			archive = append(archive, i)
			fallthrough
		default:
			attempted = append(attempted, i)
		}
	}
	for len(archive) > 0 {
		n := min(len(archive), bulkRows)
		args := make([]any, 0, 2*n)
		for _, i := range archive[:n] {
			args = append(args, ds[i].ID, ds[i].LeaseOwner)
		}
		if err := tx.later(`INSERT INTO delivery_attempts (delivery_id, attempted_at, latency_us, status_code, error, response_headers, response_body)
			SELECT d.id, d.last_attempted_at, d.last_latency_us, d.last_status_code, d.last_error, d.last_response_headers, d.last_response_body
			FROM deliveries d JOIN (VALUES `+rows(n, `(?::bigint, ?::text)`)+`) AS v (id, owner) ON d.id = v.id
			WHERE d.last_attempted_at IS NOT NULL AND COALESCE(d.lease_owner, '') = v.owner`, args...); err != nil {
			return err
		}
		archive = archive[n:]
	}
	for len(attempted) > 0 {
		n := min(len(attempted), bulkRows)
		args := make([]any, 0, 13*n)
		for _, i := range attempted[:n] {
			d, a := &ds[i], as[i]
			var headers any
			if len(a.ResponseHeaders) > 0 {
				headers = string(a.ResponseHeaders)
			}
			args = append(args, d.ID, d.LeaseOwner, d.Status, d.Attempts, ts(d.NextAttemptAt), tsNotNull(a.AttemptedAt), a.Latency.Microseconds(),
				nullID(int64(a.StatusCode)), nullStr(a.Error), headers, a.ResponseBody, tsNotNull(d.UpdatedAt), ts(d.CompletedAt), d.Requeues)
		}
		if err := tx.later(`UPDATE deliveries AS d SET `+bulkDecidedSet+`, attempts = v.attempts,
			lease_owner = NULL, lease_until = NULL, last_attempted_at = v.attempted_at, last_latency_us = v.latency_us,
			last_status_code = v.status_code, last_error = v.error, last_response_headers = v.headers, last_response_body = v.body
			FROM (VALUES `+rows(n, `(?::bigint, ?::text, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::bigint, ?::text, ?::text, ?::bytea, ?::bigint, ?::bigint, ?::bigint)`)+`)
			AS v (id, owner, status, attempts, next_attempt_at, attempted_at, latency_us, status_code, error, headers, body, updated_at, completed_at, requeues)
			WHERE d.id = v.id AND COALESCE(d.lease_owner, '') = v.owner`, args...); err != nil {
			return err
		}
		attempted = attempted[n:]
	}
	for len(decided) > 0 {
		n := min(len(decided), bulkRows)
		args := make([]any, 0, 9*n)
		for _, i := range decided[:n] {
			d := &ds[i]
			args = append(args, d.ID, d.LeaseOwner, d.Status, d.Attempts, ts(d.NextAttemptAt), nullID(int64(d.LastStatusCode)), nullStr(d.LastError),
				tsNotNull(d.UpdatedAt), ts(d.CompletedAt), d.Requeues)
		}
		if err := tx.later(`UPDATE deliveries AS d SET `+bulkDecidedSet+`, attempts = v.attempts,
			lease_owner = NULL, lease_until = NULL, last_status_code = v.status_code, last_error = v.error
			FROM (VALUES `+rows(n, `(?::bigint, ?::text, ?::text, ?::bigint, ?::bigint, ?::bigint, ?::text, ?::bigint, ?::bigint, ?::bigint)`)+`)
			AS v (id, owner, status, attempts, next_attempt_at, status_code, error, updated_at, completed_at, requeues)
			WHERE d.id = v.id AND COALESCE(d.lease_owner, '') = v.owner`, args...); err != nil {
			return err
		}
		decided = decided[n:]
	}
	if len(ds) > 0 {
		// The rest of the writer's transaction plans as configured.
		return tx.later(`SET LOCAL enable_seqscan TO DEFAULT`)
	}
	return nil
}

// bulkRows caps the rows of one bulk statement (14 parameters each, well
// under PostgreSQL's 65,535).
const bulkRows = 1000

// rows repeats one VALUES row n times.
func rows(n int, row string) string {
	return row + strings.Repeat(", "+row, n-1)
}
