package sqlstore

import (
	"github.com/parleyhq/parley/internal/chat"
)

func (tx *Tx) InsertEvent(ev *chat.Event) error {
	const cols = `account_id, inbox_id, name, conversation_id, message_id, contact_id, payload, created_at`
	args := []any{ev.AccountID, nullID(ev.InboxID), ev.Name, nullID(ev.ConversationID), nullID(ev.MessageID), nullID(ev.ContactID), ev.Payload, tsNotNull(ev.CreatedAt)}
	if id := tx.reservedID(ev.ConversationID, false); id != 0 {
		ev.ID = id
		return tx.later(`INSERT INTO events (id, `+cols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{id}, args...)...)
	}
	id, err := tx.insert(`INSERT INTO events (`+cols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, args...)
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
