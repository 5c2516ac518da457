package sqlstore

import (
	"database/sql"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

const deliveryCols = `id, uuid, event_id, account_id, webhook_id, inbox_id, url, status, attempts, next_attempt_at,
	last_status_code, last_error, created_at, updated_at`

func scanDelivery(r interface{ Scan(...any) error }, d *chat.Delivery) error {
	var code int64
	err := r.Scan(&d.ID, &d.UUID, &d.EventID, &d.AccountID, ni{&d.WebhookID}, ni{&d.InboxID}, &d.URL, &d.Status, &d.Attempts,
		nt{&d.NextAttemptAt}, ni{&code}, ns{&d.LastError}, nt{&d.CreatedAt}, nt{&d.UpdatedAt})
	d.LastStatusCode = int(code)
	return err
}

func (tx *Tx) InsertDeliveries(ds []chat.Delivery) error {
	for i := range ds {
		d := &ds[i]
		id, err := tx.insert(`INSERT INTO deliveries (uuid, event_id, account_id, webhook_id, inbox_id, url, status, attempts,
			next_attempt_at, last_status_code, last_error, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.UUID, d.EventID, d.AccountID, nullID(d.WebhookID), nullID(d.InboxID), d.URL, d.Status, d.Attempts,
			ts(d.NextAttemptAt), nullID(int64(d.LastStatusCode)), nullStr(d.LastError), tsNotNull(d.CreatedAt), tsNotNull(d.UpdatedAt))
		if err != nil {
			return err
		}
		d.ID = id
	}
	return nil
}

func (tx *Tx) PendingDeliveries(t time.Time, limit int) ([]chat.Delivery, error) {
	rows, err := tx.query(`SELECT `+deliveryCols+` FROM deliveries WHERE status = ? AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`,
		chat.DeliveryPending, tsNotNull(t), limit)
	return collect(rows, err, func(r *sql.Rows, d *chat.Delivery) error { return scanDelivery(r, d) })
}

func (tx *Tx) LoadOutbound(deliveryID int64) (*chat.Outbound, error) {
	var o chat.Outbound
	d := &o.Delivery
	var code int64
	err := tx.get(`SELECT d.id, d.uuid, d.event_id, d.account_id, d.webhook_id, d.inbox_id, d.url, d.status, d.attempts, d.next_attempt_at,
		d.last_status_code, d.last_error, d.created_at, d.updated_at, e.name, e.payload,
		COALESCE(w.secret, a.secret, ''), w.previous_secret, w.previous_secret_expires_at,
		CASE WHEN w.id IS NULL AND a.id IS NULL THEN 1 ELSE 0 END
		FROM deliveries d JOIN events e ON e.id = d.event_id
		LEFT JOIN webhooks w ON w.id = d.webhook_id
		LEFT JOIN inboxes i ON i.id = d.inbox_id AND d.webhook_id IS NULL
		LEFT JOIN channel_api a ON i.channel_type = 'Channel::Api' AND a.id = i.channel_id
		WHERE d.id = ?`, []any{deliveryID},
		&d.ID, &d.UUID, &d.EventID, &d.AccountID, ni{&d.WebhookID}, ni{&d.InboxID}, &d.URL, &d.Status, &d.Attempts, nt{&d.NextAttemptAt},
		ni{&code}, ns{&d.LastError}, nt{&d.CreatedAt}, nt{&d.UpdatedAt}, &o.Event, &o.Payload,
		&o.Secret, ns{&o.PreviousSecret}, nt{&o.PreviousSecretExpiresAt}, &o.TargetGone)
	d.LastStatusCode = int(code)
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (tx *Tx) RecordOutcome(d *chat.Delivery) error {
	_, err := tx.exec(`UPDATE deliveries SET status = ?, attempts = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, updated_at = ? WHERE id = ?`,
		d.Status, d.Attempts, ts(d.NextAttemptAt), nullID(int64(d.LastStatusCode)), nullStr(d.LastError), tsNotNull(d.UpdatedAt), d.ID)
	return err
}

func (tx *Tx) ListDeliveries(accountID, afterID int64, limit int) ([]chat.Delivery, error) {
	rows, err := tx.query(`SELECT `+deliveryCols+` FROM deliveries WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`, accountID, afterID, limit)
	return collect(rows, err, func(r *sql.Rows, d *chat.Delivery) error { return scanDelivery(r, d) })
}
