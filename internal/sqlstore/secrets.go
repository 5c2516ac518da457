package sqlstore

import (
	"database/sql"
	"errors"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Secret returns the installation secret called name. The first caller
// stores fresh; ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) lets
// instances starting together agree on one value.
func (tx *Tx) Secret(name, fresh string, now time.Time) (string, error) {
	if _, err := tx.exec(`INSERT INTO installation_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, fresh, tsNotNull(now)); err != nil {
		return "", err
	}
	var v string
	if err := tx.get(`SELECT value FROM installation_secrets WHERE name = ?`, []any{name}, &v); err != nil {
		return "", err
	}
	return v, nil
}

// FindInboxByWebsiteToken finds the web widget inbox of a website token.
func (tx *Tx) FindInboxByWebsiteToken(token string) (*chat.Inbox, error) {
	return tx.findInboxWhere(`w.website_token = ?`, token)
}

// FindInboxByIdentifier finds the API inbox of a public inbox identifier.
func (tx *Tx) FindInboxByIdentifier(identifier string) (*chat.Inbox, error) {
	return tx.findInboxWhere(`a.identifier = ?`, identifier)
}

func (tx *Tx) findInboxWhere(where string, arg any) (*chat.Inbox, error) {
	var in chat.Inbox
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+inboxCols+inboxFrom+` WHERE `+where), arg)
	if err := scanInbox(row, &in); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find inbox")
	}
	return &in, nil
}

// MoveContactInbox gives a contact inbox, its conversations and the
// messages its contact sent in them to another contact of the same account
// (the widget's identify merge).
func (tx *Tx) MoveContactInbox(ciID, toContactID int64) error {
	if tx.wc != nil {
		tx.wc.forgetBusy() // rows of several conversations change at once
	}
	var from int64
	if err := tx.get(`SELECT contact_id FROM contact_inboxes WHERE id = ?`, []any{ciID}, &from); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE messages SET sender_id = ? WHERE sender_type = 'Contact' AND sender_id = ?
		AND conversation_id IN (SELECT id FROM conversations WHERE contact_inbox_id = ?)`, toContactID, from, ciID); err != nil {
		return err
	}
	if _, err := tx.exec(`UPDATE conversations SET contact_id = ? WHERE contact_inbox_id = ?`, toContactID, ciID); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE contact_inboxes SET contact_id = ? WHERE id = ?`, toContactID, ciID)
	return err
}
