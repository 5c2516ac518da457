package sqlstore

import (
	"github.com/parleyhq/parley/internal/chat"
)

func (tx *Tx) InsertEvent(ev *chat.Event) error {
	id, err := tx.insert(`INSERT INTO events (account_id, inbox_id, name, conversation_id, message_id, contact_id, payload, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.AccountID, nullID(ev.InboxID), ev.Name, nullID(ev.ConversationID), nullID(ev.MessageID), nullID(ev.ContactID), ev.Payload, tsNotNull(ev.CreatedAt))
	ev.ID = id
	return err
}

func (tx *Tx) ListEvents(accountID, afterID int64, limit int) ([]chat.Event, error) {
	rows, err := tx.query(`SELECT id, account_id, inbox_id, name, conversation_id, message_id, contact_id, payload, created_at
		FROM events WHERE account_id = ? AND id > ? ORDER BY id LIMIT ?`, accountID, afterID, limit)
	return collect(rows, err, func(r Rows, ev *chat.Event) error {
		return r.Scan(&ev.ID, &ev.AccountID, ni{&ev.InboxID}, &ev.Name, ni{&ev.ConversationID}, ni{&ev.MessageID}, ni{&ev.ContactID}, &ev.Payload, nt{&ev.CreatedAt})
	})
}
