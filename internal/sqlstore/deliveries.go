package sqlstore

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

const deliveryCols = `id, uuid, event_id, event_name, account_id, webhook_id, inbox_id, url, status, attempts, next_attempt_at,
	lease_owner, lease_until, last_status_code, last_error, created_at, updated_at, completed_at, requeues`

func deliveryDest(d *chat.Delivery, code *int64) []any {
	return []any{&d.ID, &d.UUID, &d.EventID, &d.EventName, &d.AccountID, ni{&d.WebhookID}, ni{&d.InboxID}, &d.URL, &d.Status, &d.Attempts,
		nt{&d.NextAttemptAt}, ns{&d.LeaseOwner}, nt{&d.LeaseUntil}, ni{code}, ns{&d.LastError}, nt{&d.CreatedAt}, nt{&d.UpdatedAt}, nt{&d.CompletedAt},
		&d.Requeues}
}

func scanDelivery(r interface{ Scan(...any) error }, d *chat.Delivery) error {
	var code int64
	err := r.Scan(deliveryDest(d, &code)...)
	d.LastStatusCode = int(code)
	return err
}

const deliveryInsert = `INSERT INTO deliveries (uuid, event_id, event_name, account_id, webhook_id, inbox_id, url, status, attempts,
	next_attempt_at, lease_owner, lease_until, last_status_code, last_error, created_at, updated_at, completed_at) VALUES `

const deliveryValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func deliveryArgs(d *chat.Delivery) []any {
	return []any{d.UUID, d.EventID, d.EventName, d.AccountID, nullID(d.WebhookID), nullID(d.InboxID), d.URL, d.Status, d.Attempts,
		ts(d.NextAttemptAt), nullStr(d.LeaseOwner), ts(d.LeaseUntil), nullID(int64(d.LastStatusCode)), nullStr(d.LastError),
		tsNotNull(d.CreatedAt), tsNotNull(d.UpdatedAt), ts(d.CompletedAt)}
}

func (tx *Tx) InsertDeliveries(ds []chat.Delivery) error {
	if tx.d.Embedded() {
		// An embedded engine runs a statement in microseconds: one each.
		for i := range ds {
			id, err := tx.insert(deliveryInsert+deliveryValues, deliveryArgs(&ds[i])...)
			if err != nil {
				return err
			}
			ds[i].ID = id
		}
		return nil
	}
	// A server costs a round trip and a statement's overhead for each:
	// an event's deliveries go in one, their ids returned in row order.
	for len(ds) > 0 {
		n := min(len(ds), 500)
		args := make([]any, 0, 17*n)
		for i := range ds[:n] {
			args = append(args, deliveryArgs(&ds[i])...)
		}
		// Their ids are needed only once the transaction commits: the
		// insert goes with the next statement, and its answer sets them.
		part := ds[:n]
		scan := func(rows Rows) error {
			ids, err := collect(rows, nil, func(r Rows, id *int64) error { return r.Scan(id) })
			if err != nil {
				return err
			}
			if len(ids) != n {
				return chat.Internal(fmt.Errorf("inserted %d deliveries, got %d ids", n, len(ids)))
			}
			for i, id := range ids {
				part[i].ID = id
			}
			return nil
		}
		query := deliveryInsert + deliveryValues + strings.Repeat(", "+deliveryValues, n-1) + ` RETURNING id`
		if err := tx.q.DeferQuery(tx.ctx, scan, tx.d.Rebind(query), args...); err != nil {
			return tx.wrap(err, query)
		}
		ds = ds[n:]
	}
	return nil
}

func (tx *Tx) PendingDeliveries(t time.Time, limit int) ([]chat.Delivery, error) {
	// The literal status matches the partial due index.
	rows, err := tx.query(`SELECT `+deliveryCols+` FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		tsNotNull(t), limit)
	return collect(rows, err, func(r Rows, d *chat.Delivery) error { return scanDelivery(r, d) })
}

// outboundSelect reads a delivery with its payload and the secrets and
// health of its target, whichever kind it is.
const outboundSelect = `SELECT d.id, d.uuid, d.event_id, d.event_name, d.account_id, d.webhook_id, d.inbox_id, d.url, d.status, d.attempts,
	d.next_attempt_at, d.lease_owner, d.lease_until, d.last_status_code, d.last_error, d.created_at, d.updated_at, d.completed_at,
	d.requeues, e.payload, COALESCE(w.secret, a.secret, ''), w.previous_secret, w.previous_secret_expires_at,
	(w.id IS NULL AND a.id IS NULL),
	COALESCE(w.failing_since, a.failing_since), COALESCE(w.disabled_at, a.disabled_at)
	FROM deliveries d JOIN events e ON e.id = d.event_id
	LEFT JOIN webhooks w ON w.id = d.webhook_id
	LEFT JOIN inboxes i ON i.id = d.inbox_id AND d.webhook_id IS NULL
	LEFT JOIN channel_api a ON i.channel_type = 'Channel::Api' AND a.id = i.channel_id`

func scanOutbound(r interface{ Scan(...any) error }, o *chat.Outbound) error {
	var code int64
	dest := append(deliveryDest(&o.Delivery, &code), &o.Payload, &o.Secret, ns{&o.PreviousSecret}, nt{&o.PreviousSecretExpiresAt},
		&o.TargetGone, nt{&o.Health.FailingSince}, nt{&o.Health.DisabledAt})
	err := r.Scan(dest...)
	o.Delivery.LastStatusCode = int(code)
	o.Event = o.Delivery.EventName
	return err
}

func (tx *Tx) LoadOutbound(deliveryID int64) (*chat.Outbound, error) {
	var o chat.Outbound
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(outboundSelect+` WHERE d.id = ?`), deliveryID)
	if err := scanOutbound(row, &o); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "load outbound")
	}
	return &o, nil
}

func (tx *Tx) DueOutbound(now time.Time, after chat.DeliveryCursor, limit int) ([]chat.Outbound, error) {
	at := ts0(after.NextAttemptAt)
	rows, err := tx.query(outboundSelect+` WHERE d.status = 'pending' AND d.next_attempt_at <= ?
		AND (d.next_attempt_at > ? OR (d.next_attempt_at = ? AND d.id > ?))
		ORDER BY d.next_attempt_at, d.id LIMIT ?`,
		tsNotNull(now), at, at, after.ID, limit)
	return collect(rows, err, func(r Rows, o *chat.Outbound) error { return scanOutbound(r, o) })
}

// RecordOutcome and RecordAttempt write only while the delivery's lease is
// still d.LeaseOwner's (NULL matching ""), and release it: an instance
// whose lease ran out and was taken over must not overwrite the outcome of
// the instance that holds it now.
func (tx *Tx) RecordOutcome(d *chat.Delivery) error {
	decided, args := decidedSet(d)
	_, err := tx.exec(`UPDATE deliveries SET `+decided+`,
		attempts = ?, lease_owner = NULL, lease_until = NULL, last_status_code = ?, last_error = ? WHERE id = ? AND COALESCE(lease_owner, '') = ?`,
		append(args, d.Attempts, nullID(int64(d.LastStatusCode)), nullStr(d.LastError), d.ID, d.LeaseOwner)...)
	return err
}

// ClaimOutbound leases up to limit pending deliveries due at or before now
// that no live lease holds, to owner until until, and returns them with
// what sending them needs. Instances claiming at once skip each other's
// rows rather than wait for them.
func (tx *Tx) ClaimOutbound(now time.Time, owner string, until time.Time, limit int) ([]chat.Outbound, error) {
	rows, err := tx.query(`UPDATE deliveries SET lease_owner = ?, lease_until = ? WHERE id IN (
		SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
		ORDER BY next_attempt_at, id LIMIT ?`+tx.d.SkipLocked()+`) RETURNING id`,
		owner, tsNotNull(until), tsNotNull(now), tsNotNull(now), limit)
	ids, err := collect(rows, err, func(r Rows, id *int64) error { return r.Scan(id) })
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err = tx.query(outboundSelect+` WHERE d.id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY d.next_attempt_at, d.id`, args...)
	return collect(rows, err, func(r Rows, o *chat.Outbound) error { return scanOutbound(r, o) })
}

// RenewLeases moves to until the end of owner's leases on pending
// deliveries that end before endingBefore and that held says the owner
// still holds, and releases the rest of those.
func (tx *Tx) RenewLeases(owner string, endingBefore, until time.Time, held func(id int64) bool) (renewed, released int, err error) {
	rows, err := tx.query(`SELECT id FROM deliveries WHERE lease_owner = ? AND status = 'pending' AND lease_until < ?`,
		owner, tsNotNull(endingBefore))
	ids, err := collect(rows, err, func(r Rows, id *int64) error { return r.Scan(id) })
	if err != nil {
		return 0, 0, err
	}
	var keep, drop []any
	for _, id := range ids {
		if held(id) {
			keep = append(keep, id)
		} else {
			drop = append(drop, id)
		}
	}
	// The owner guard leaves alone a lease whose outcome was recorded
	// meanwhile.
	if renewed, err = tx.updateByIDs(`UPDATE deliveries SET lease_until = ? WHERE lease_owner = ? AND id IN `,
		[]any{tsNotNull(until), owner}, keep); err != nil {
		return 0, 0, err
	}
	released, err = tx.updateByIDs(`UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ? AND id IN `,
		[]any{owner}, drop)
	return renewed, released, err
}

// updateByIDs runs an UPDATE ending in "id IN " over ids, in pages.
func (tx *Tx) updateByIDs(query string, args, ids []any) (int, error) {
	n := 0
	for len(ids) > 0 {
		page := ids[:min(len(ids), 500)]
		ids = ids[len(page):]
		res, err := tx.exec(query+`(?`+strings.Repeat(", ?", len(page)-1)+`)`, append(append([]any{}, args...), page...)...)
		if err != nil {
			return 0, err
		}
		k, _ := res.RowsAffected()
		n += int(k)
	}
	return n, nil
}

// ReleaseLeases gives up owner's leases, so that other instances need not
// wait for them to run out.
func (tx *Tx) ReleaseLeases(owner string) error {
	_, err := tx.exec(`UPDATE deliveries SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = ?`, owner)
	return err
}

func (tx *Tx) InsertAttempt(a *chat.Attempt) error {
	var headers any
	if len(a.ResponseHeaders) > 0 {
		headers = string(a.ResponseHeaders)
	}
	id, err := tx.insert(`INSERT INTO delivery_attempts (delivery_id, attempted_at, latency_us, status_code, error, response_headers, response_body)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.DeliveryID, tsNotNull(a.AttemptedAt), a.Latency.Microseconds(), nullID(int64(a.StatusCode)), nullStr(a.Error), headers, a.ResponseBody)
	a.ID = id
	return err
}

func (tx *Tx) ListAttempts(deliveryID int64) ([]chat.Attempt, error) {
	// The archived attempts, then the latest from the delivery's row.
	rows, err := tx.query(`SELECT id, attempted_at, latency_us, status_code, error, response_headers, response_body, 0
		FROM delivery_attempts WHERE delivery_id = ?
		UNION ALL
		SELECT 0, last_attempted_at, last_latency_us, last_status_code, last_error, last_response_headers, last_response_body, 1
		FROM deliveries WHERE id = ? AND last_attempted_at IS NOT NULL
		ORDER BY 8, 1`, deliveryID, deliveryID)
	return collect(rows, err, func(r Rows, a *chat.Attempt) error {
		var latency, code, latest int64
		var headers string
		err := r.Scan(&a.ID, nt{&a.AttemptedAt}, &latency, ni{&code}, ns{&a.Error}, ns{&headers}, &a.ResponseBody, &latest)
		a.DeliveryID, a.Latency, a.StatusCode = deliveryID, time.Duration(latency)*time.Microsecond, int(code)
		if headers != "" {
			a.ResponseHeaders = chat.JSON(headers)
		}
		return err
	})
}

func (tx *Tx) SetHealth(accountID int64, ep chat.Endpoint, h chat.Health) error {
	if ep.WebhookID != 0 {
		tx.forgetWebhooks(accountID)
		_, err := tx.exec(`UPDATE webhooks SET failing_since = ?, disabled_at = ? WHERE account_id = ? AND id = ?`,
			ts(h.FailingSince), ts(h.DisabledAt), accountID, ep.WebhookID)
		return err
	}
	if tx.wc != nil {
		delete(tx.wc.inboxes, ep.InboxID)
	}
	_, err := tx.exec(`UPDATE channel_api SET failing_since = ?, disabled_at = ?
		WHERE id = (SELECT channel_id FROM inboxes WHERE account_id = ? AND id = ? AND channel_type = 'Channel::Api')`,
		ts(h.FailingSince), ts(h.DisabledAt), accountID, ep.InboxID)
	return err
}

func (tx *Tx) ListDeliveries(accountID, afterID int64, limit int) ([]chat.Delivery, error) {
	rows, err := tx.query(`SELECT `+deliveryCols+` FROM deliveries WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`, accountID, afterID, limit)
	return collect(rows, err, func(r Rows, d *chat.Delivery) error { return scanDelivery(r, d) })
}

func (tx *Tx) FindDelivery(accountID, id int64) (*chat.Delivery, error) {
	var d chat.Delivery
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+deliveryCols+` FROM deliveries WHERE account_id = ? AND id = ?`), accountID, id)
	if err := scanDelivery(row, &d); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find delivery")
	}
	return &d, nil
}

// endpointWhere selects one endpoint's deliveries.
func endpointWhere(accountID int64, ep chat.Endpoint) (string, []any) {
	if ep.WebhookID != 0 {
		return `account_id = ? AND webhook_id = ?`, []any{accountID, ep.WebhookID}
	}
	return `account_id = ? AND inbox_id = ? AND webhook_id IS NULL`, []any{accountID, ep.InboxID}
}

func (tx *Tx) ListEndpointDeliveries(f chat.DeliveryFilter) ([]chat.Delivery, error) {
	where, args := endpointWhere(f.AccountID, f.Endpoint)
	if f.Status != "" {
		where += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Event != "" {
		where += ` AND event_name = ?`
		args = append(args, f.Event)
	}
	if !f.Since.IsZero() {
		where += ` AND created_at >= ?`
		args = append(args, tsNotNull(f.Since))
	}
	if !f.Until.IsZero() {
		where += ` AND created_at < ?`
		args = append(args, tsNotNull(f.Until))
	}
	if f.BeforeID != 0 {
		where += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	rows, err := tx.query(`SELECT `+deliveryCols+` FROM deliveries WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	return collect(rows, err, func(r Rows, d *chat.Delivery) error { return scanDelivery(r, d) })
}

// endpointURL is a subquery of an endpoint's current URL: the webhook's
// url, or the API inbox's webhook_url (NULL when it has none).
func endpointURL(accountID int64, ep chat.Endpoint) (string, []any) {
	if ep.WebhookID != 0 {
		return `(SELECT url FROM webhooks WHERE account_id = ? AND id = ?)`, []any{accountID, ep.WebhookID}
	}
	return `(SELECT NULLIF(c.webhook_url, '') FROM inboxes i JOIN channel_api c ON c.id = i.channel_id
		WHERE i.account_id = ? AND i.id = ? AND i.channel_type = 'Channel::Api')`, []any{accountID, ep.InboxID}
}

func (tx *Tx) Requeue(accountID int64, ep chat.Endpoint, id int64, t time.Time) (int, error) {
	where, args := endpointWhere(accountID, ep)
	set, setArgs := requeueSet(accountID, ep, t)
	res, err := tx.exec(`UPDATE deliveries SET `+set+` WHERE `+where+` AND id = ? AND status <> ?`,
		append(append(setArgs, args...), id, chat.DeliveryNotice)...)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (tx *Tx) RequeueFailed(accountID int64, ep chat.Endpoint, failedSince time.Time, afterID int64, limit int, t time.Time) (int, int64, error) {
	where, args := endpointWhere(accountID, ep)
	set, setArgs := requeueSet(accountID, ep, t)
	rows, err := tx.query(`UPDATE deliveries SET `+set+` WHERE id IN (SELECT id FROM deliveries WHERE `+where+`
		AND status = ? AND completed_at >= ? AND id > ? ORDER BY id LIMIT ?) RETURNING id`,
		append(append(setArgs, args...), chat.DeliveryFailed, tsNotNull(failedSince), afterID, limit)...)
	ids, err := collect(rows, err, func(r Rows, id *int64) error { return r.Scan(id) })
	if err != nil {
		return 0, 0, err
	}
	var last int64
	for _, id := range ids {
		last = max(last, id)
	}
	return len(ids), last, nil
}

// requeueSet is what requeuing sets, with its arguments.
func requeueSet(accountID int64, ep chat.Endpoint, t time.Time) (string, []any) {
	// Sent again to where the endpoint points now: a recovery after the URL
	// was fixed must not go to the broken one.
	urlQuery, urlArgs := endpointURL(accountID, ep)
	// A live lease stays: its holder may be attempting the delivery right
	// now, and freeing it would let another instance attempt it at the
	// same time. The holder sends it again soon or records its outcome.
	args := []any{chat.DeliveryPending, tsNotNull(t), tsNotNull(t), tsNotNull(t), tsNotNull(t)}
	return `status = ?, next_attempt_at = ?, requeues = requeues + 1,
		lease_owner = CASE WHEN lease_until > ? THEN lease_owner END, lease_until = CASE WHEN lease_until > ? THEN lease_until END,
		completed_at = NULL, updated_at = ?, url = COALESCE(` + urlQuery + `, url)`, append(args, urlArgs...)
}

// Prune deletes what retention lets go, limit rows of each kind at most, so
// that one call holds the writer briefly. A pending delivery is never
// deleted (its completed_at is NULL), nor is any event a delivery still
// refers to: a delivery's payload lives as long as the delivery.
//
// Deliveries and events have no index on time (each index costs every
// event); their ids grow with time, so each scan runs in id order and stops
// at the first row created after the cut. A row written out of time order
// by a few milliseconds waits for the next pass.
func (tx *Tx) Prune(t time.Time, limit int) (int, error) {
	cut := tsNotNull(t)
	total := 0
	for _, q := range []struct {
		sql  string
		args []any
	}{
		// Attempts made before the cut, of any delivery: every attempt of a
		// finished delivery came before it finished.
		{`DELETE FROM delivery_attempts WHERE id IN (SELECT id FROM delivery_attempts WHERE attempted_at < ? LIMIT ?)`,
			[]any{cut, limit}},
		// Deliveries finished before the cut (so created before it);
		// pending ones have no completed_at.
		{`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries
			WHERE id < COALESCE((SELECT id FROM deliveries WHERE created_at >= ? ORDER BY id LIMIT 1), 9223372036854775807)
			AND completed_at < ? AND status <> 'pending' ORDER BY id LIMIT ?)`,
			[]any{cut, cut, limit}},
		// Events (payloads) from before the cut that no delivery needs.
		{`DELETE FROM events WHERE id IN (SELECT e.id FROM events e
			WHERE e.id < COALESCE((SELECT id FROM events WHERE created_at >= ? ORDER BY id LIMIT 1), 9223372036854775807)
			AND e.created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) ORDER BY e.id LIMIT ?)`,
			[]any{cut, cut, limit}},
	} {
		res, err := tx.exec(q.sql, q.args...)
		if err != nil {
			return total, err
		}
		n, _ := res.RowsAffected()
		total += int(n)
	}
	return total, nil
}

// RecordAttempt keeps the latest attempt on the delivery's own row: the
// common case, one attempt that delivers, then costs one UPDATE. A retry
// first moves the previous latest attempt to delivery_attempts.
func (tx *Tx) RecordAttempt(d *chat.Delivery, a *chat.Attempt) error {
	if d.Attempts > 1 {
		if _, err := tx.exec(`INSERT INTO delivery_attempts (delivery_id, attempted_at, latency_us, status_code, error, response_headers, response_body)
			SELECT id, last_attempted_at, last_latency_us, last_status_code, last_error, last_response_headers, last_response_body
			FROM deliveries WHERE id = ? AND last_attempted_at IS NOT NULL AND COALESCE(lease_owner, '') = ?`, d.ID, d.LeaseOwner); err != nil {
			return err
		}
	}
	var headers any
	if len(a.ResponseHeaders) > 0 {
		headers = string(a.ResponseHeaders)
	}
	decided, args := decidedSet(d)
	_, err := tx.exec(`UPDATE deliveries SET `+decided+`, attempts = ?, lease_owner = NULL, lease_until = NULL,
		last_attempted_at = ?, last_latency_us = ?, last_status_code = ?, last_error = ?, last_response_headers = ?, last_response_body = ?
		WHERE id = ? AND COALESCE(lease_owner, '') = ?`,
		append(args, d.Attempts, tsNotNull(a.AttemptedAt), a.Latency.Microseconds(), nullID(int64(a.StatusCode)), nullStr(a.Error), headers, a.ResponseBody,
			d.ID, d.LeaseOwner)...)
	return err
}

// decidedCols are what an outcome decides about its delivery. They apply
// only while the row's requeues still equal the count the attempt started
// from: an attempt under way when the delivery was requeued by hand must
// not undo the requeue (the attempt itself is recorded; the delivery stays
// pending and due).
var decidedCols = []string{"status", "next_attempt_at", "updated_at", "completed_at"}

// decidedSet is the SET clause of decidedCols for one outcome, with its
// arguments.
func decidedSet(d *chat.Delivery) (string, []any) {
	vals := []any{d.Status, ts(d.NextAttemptAt), tsNotNull(d.UpdatedAt), ts(d.CompletedAt)}
	parts := make([]string, len(decidedCols))
	args := make([]any, 0, 2*len(decidedCols))
	for i, col := range decidedCols {
		parts[i] = col + " = CASE WHEN requeues = ? THEN ? ELSE " + col + " END"
		args = append(args, d.Requeues, vals[i])
	}
	return strings.Join(parts, ", "), args
}

// bulkDecidedSet is decidedCols' SET clause for an UPDATE ... FROM (VALUES
// ...) AS v, whose rows carry the columns and requeues.
var bulkDecidedSet = func() string {
	parts := make([]string, len(decidedCols))
	for i, col := range decidedCols {
		parts[i] = col + " = CASE WHEN d.requeues = v.requeues THEN v." + col + " ELSE d." + col + " END"
	}
	return strings.Join(parts, ", ")
}()
