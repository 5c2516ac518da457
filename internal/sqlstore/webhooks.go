package sqlstore

import (
	"database/sql"
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

const webhookCols = `id, account_id, inbox_id, name, url, subscriptions, secret, previous_secret, previous_secret_expires_at,
	failing_since, disabled_at, created_at, updated_at`

func scanWebhook(r interface{ Scan(...any) error }, w *chat.Webhook) error {
	var subs string
	if err := r.Scan(&w.ID, &w.AccountID, ni{&w.InboxID}, ns{&w.Name}, &w.URL, &subs, &w.Secret, ns{&w.PreviousSecret},
		nt{&w.PreviousSecretExpiresAt}, nt{&w.Health.FailingSince}, nt{&w.Health.DisabledAt}, nt{&w.CreatedAt}, nt{&w.UpdatedAt}); err != nil {
		return err
	}
	w.Subscriptions = []string{}
	return json.Unmarshal([]byte(subs), &w.Subscriptions)
}

func subscriptionsText(subs []string) string {
	if subs == nil {
		subs = []string{}
	}
	b, _ := json.Marshal(subs)
	return string(b)
}

func (tx *Tx) CreateWebhook(w *chat.Webhook) error {
	tx.forgetWebhooks(w.AccountID)
	id, err := tx.insert(`INSERT INTO webhooks (account_id, inbox_id, name, url, subscriptions, secret, previous_secret,
		previous_secret_expires_at, failing_since, disabled_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.AccountID, nullID(w.InboxID), nullStr(w.Name), w.URL, subscriptionsText(w.Subscriptions), w.Secret, nullStr(w.PreviousSecret),
		ts(w.PreviousSecretExpiresAt), ts(w.Health.FailingSince), ts(w.Health.DisabledAt), tsNotNull(w.CreatedAt), tsNotNull(w.UpdatedAt))
	w.ID = id
	return err
}

func (tx *Tx) FindWebhook(accountID, id int64) (*chat.Webhook, error) {
	var w chat.Webhook
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+webhookCols+` FROM webhooks WHERE account_id = ? AND id = ?`+tx.forUpdate()), accountID, id)
	if err := scanWebhook(row, &w); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find webhook")
	}
	return &w, nil
}

func (tx *Tx) ListWebhooks(accountID int64) ([]chat.Webhook, error) {
	if tx.wc != nil {
		if ws, ok := tx.wc.webhooks[accountID]; ok {
			return cloneWebhooks(ws), nil
		}
	}
	rows, err := tx.query(`SELECT `+webhookCols+` FROM webhooks WHERE account_id = ? ORDER BY id`, accountID)
	ws, err := collect(rows, err, func(r Rows, w *chat.Webhook) error { return scanWebhook(r, w) })
	if err == nil && tx.wc != nil {
		tx.wc.webhooks[accountID] = cloneWebhooks(ws)
	}
	return ws, err
}

func (tx *Tx) forgetWebhooks(accountID int64) {
	if tx.wc != nil {
		delete(tx.wc.webhooks, accountID)
	}
}

// UpdateWebhook writes a webhook's settings; its health has its own writer,
// SetHealth, so that an edit never undoes what the delivery engine
// recorded.
func (tx *Tx) UpdateWebhook(w *chat.Webhook) error {
	tx.forgetWebhooks(w.AccountID)
	_, err := tx.exec(`UPDATE webhooks SET inbox_id = ?, name = ?, url = ?, subscriptions = ?, secret = ?, previous_secret = ?,
		previous_secret_expires_at = ?, updated_at = ? WHERE id = ?`,
		nullID(w.InboxID), nullStr(w.Name), w.URL, subscriptionsText(w.Subscriptions), w.Secret, nullStr(w.PreviousSecret),
		ts(w.PreviousSecretExpiresAt), tsNotNull(w.UpdatedAt), w.ID)
	return err
}

func (tx *Tx) DeleteWebhook(accountID, id int64) error {
	tx.forgetWebhooks(accountID)
	return tx.deleteOne(`DELETE FROM webhooks WHERE account_id = ? AND id = ?`, accountID, id)
}
