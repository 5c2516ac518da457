package sqlstore

import (
	"database/sql"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

const contactCols = `id, account_id, name, email, phone_number, identifier, avatar_url, additional_attributes,
	custom_attributes, blocked, last_activity_at, created_at, updated_at`

func scanContact(r interface{ Scan(...any) error }, c *chat.Contact) error {
	return r.Scan(&c.ID, &c.AccountID, &c.Name, ns{&c.Email}, ns{&c.PhoneNumber}, ns{&c.Identifier}, &c.AvatarURL,
		js{&c.AdditionalAttributes}, js{&c.CustomAttributes}, &c.Blocked, nt{&c.LastActivityAt}, nt{&c.CreatedAt}, nt{&c.UpdatedAt})
}

func (tx *Tx) CreateContact(c *chat.Contact) error {
	err := tx.createContact(c)
	if err == nil && tx.wc != nil {
		tx.wc.putContact(c)
	}
	return err
}

func (tx *Tx) createContact(c *chat.Contact) error {
	id, err := tx.insert(`INSERT INTO contacts (account_id, name, email, phone_number, identifier, avatar_url, additional_attributes,
		custom_attributes, blocked, last_activity_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.Name, nullStr(c.Email), nullStr(c.PhoneNumber), nullStr(c.Identifier), c.AvatarURL, jsonText(c.AdditionalAttributes),
		jsonText(c.CustomAttributes), c.Blocked, ts(c.LastActivityAt), tsNotNull(c.CreatedAt), tsNotNull(c.UpdatedAt))
	c.ID = id
	return err
}

func (tx *Tx) findContact(where string, args ...any) (*chat.Contact, error) {
	var c chat.Contact
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+contactCols+` FROM contacts WHERE `+where+tx.forUpdate()), args...)
	if err := scanContact(row, &c); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find contact")
	}
	return &c, nil
}

func (tx *Tx) FindContact(accountID, id int64) (*chat.Contact, error) {
	if tx.wc != nil {
		if c, ok := tx.wc.contacts[id]; ok {
			if c.AccountID != accountID {
				return nil, chat.NotFound()
			}
			return cloneContact(c), nil
		}
	}
	c, err := tx.findContact(`account_id = ? AND id = ?`, accountID, id)
	if err == nil && tx.wc != nil {
		tx.wc.putContact(c)
	}
	return c, err
}

func (tx *Tx) FindContactBy(accountID int64, column, value string) (*chat.Contact, error) {
	switch column {
	case "email":
		return tx.findContact(`account_id = ? AND lower(email) = ?`, accountID, strings.ToLower(value))
	case "identifier":
		return tx.findContact(`account_id = ? AND identifier = ?`, accountID, value)
	case "phone_number":
		return tx.findContact(`account_id = ? AND phone_number = ? ORDER BY id LIMIT 1`, accountID, value)
	}
	return nil, chat.Internal(errUnknownColumn(column))
}

type errUnknownColumn string

func (e errUnknownColumn) Error() string { return "unknown contact column " + string(e) }

// contactSorts maps the sort parameter to an ORDER BY clause.
var contactSorts = map[string]string{
	"name":              "lower(name) ASC, id ASC",
	"-name":             "lower(name) DESC, id DESC",
	"email":             "email ASC NULLS LAST, id ASC",
	"-email":            "email DESC NULLS LAST, id DESC",
	"phone_number":      "phone_number ASC NULLS LAST, id ASC",
	"-phone_number":     "phone_number DESC NULLS LAST, id DESC",
	"last_activity_at":  "last_activity_at ASC NULLS LAST, id ASC",
	"-last_activity_at": "last_activity_at DESC NULLS LAST, id DESC",
	"created_at":        "created_at ASC, id ASC",
	"-created_at":       "created_at DESC, id DESC",
}

// ContactSortKeys lists the accepted sort parameters.
func ContactSortKeys() []string {
	keys := make([]string, 0, len(contactSorts))
	for k := range contactSorts {
		keys = append(keys, k)
	}
	return keys
}

func (tx *Tx) ListContacts(f chat.ContactFilter) ([]chat.Contact, int, error) {
	where := `account_id = ?`
	args := []any{f.AccountID}
	if q := strings.TrimSpace(f.Query); q != "" {
		like := "%" + escapeLike(q) + "%"
		op := tx.d.ILike()
		where += ` AND (name ` + op + ` ? ESCAPE '\' OR email ` + op + ` ? ESCAPE '\' OR phone_number ` + op + ` ? ESCAPE '\' OR identifier ` + op + ` ? ESCAPE '\')`
		args = append(args, like, like, like, like)
	}
	if f.Resolved {
		where += ` AND (COALESCE(email, '') <> '' OR COALESCE(phone_number, '') <> '' OR COALESCE(identifier, '') <> '')`
	}
	var total int
	if err := tx.get(`SELECT count(*) FROM contacts WHERE `+where, args, &total); err != nil {
		return nil, 0, err
	}
	order, ok := contactSorts[f.Sort]
	if !ok {
		order = "id ASC"
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 15
	}
	rows, err := tx.query(`SELECT `+contactCols+` FROM contacts WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, f.Offset)...)
	list, err := collect(rows, err, func(r Rows, c *chat.Contact) error { return scanContact(r, c) })
	return list, total, err
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (tx *Tx) UpdateContact(c *chat.Contact) error {
	err := tx.updateContact(c)
	if tx.wc != nil {
		if err == nil {
			tx.wc.putContact(c)
		} else {
			delete(tx.wc.contacts, c.ID)
		}
	}
	return err
}

func (tx *Tx) updateContact(c *chat.Contact) error {
	_, err := tx.exec(`UPDATE contacts SET name = ?, email = ?, phone_number = ?, identifier = ?, avatar_url = ?, additional_attributes = ?,
		custom_attributes = ?, blocked = ?, last_activity_at = ?, updated_at = ? WHERE id = ?`,
		c.Name, nullStr(c.Email), nullStr(c.PhoneNumber), nullStr(c.Identifier), c.AvatarURL, jsonText(c.AdditionalAttributes),
		jsonText(c.CustomAttributes), c.Blocked, ts(c.LastActivityAt), tsNotNull(c.UpdatedAt), c.ID)
	return err
}

func (tx *Tx) DeleteContact(accountID, id int64) error {
	if tx.wc != nil {
		tx.wc.forgetBusy() // the cascade takes conversations and contact inboxes
	}
	return tx.deleteOne(`DELETE FROM contacts WHERE account_id = ? AND id = ?`, accountID, id)
}

const contactInboxCols = `id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at`

func scanContactInbox(r interface{ Scan(...any) error }, ci *chat.ContactInbox) error {
	return r.Scan(&ci.ID, &ci.ContactID, &ci.InboxID, &ci.SourceID, &ci.HMACVerified, &ci.PubsubToken, nt{&ci.CreatedAt}, nt{&ci.UpdatedAt})
}

func (tx *Tx) CreateContactInbox(ci *chat.ContactInbox) error {
	err := tx.createContactInbox(ci)
	if err == nil && tx.wc != nil {
		tx.wc.putContactInbox(ci)
	}
	return err
}

func (tx *Tx) createContactInbox(ci *chat.ContactInbox) error {
	id, err := tx.insert(`INSERT INTO contact_inboxes (contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ci.ContactID, ci.InboxID, ci.SourceID, ci.HMACVerified, ci.PubsubToken, tsNotNull(ci.CreatedAt), tsNotNull(ci.UpdatedAt))
	ci.ID = id
	return err
}

func (tx *Tx) findContactInbox(where string, args ...any) (*chat.ContactInbox, error) {
	var ci chat.ContactInbox
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+contactInboxCols+` FROM contact_inboxes WHERE `+where), args...)
	if err := scanContactInbox(row, &ci); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find contact inbox")
	}
	return &ci, nil
}

func (tx *Tx) FindContactInbox(id int64) (*chat.ContactInbox, error) {
	if tx.wc != nil {
		if ci, ok := tx.wc.contactInbox[id]; ok {
			return &ci, nil
		}
	}
	ci, err := tx.findContactInbox(`id = ?`, id)
	if err == nil && tx.wc != nil {
		tx.wc.putContactInbox(ci)
	}
	return ci, err
}

func (tx *Tx) FindContactInboxBySource(inboxID int64, sourceID string) (*chat.ContactInbox, error) {
	return tx.findContactInbox(`inbox_id = ? AND source_id = ?`, inboxID, sourceID)
}

func (tx *Tx) ListContactInboxes(contactID int64) ([]chat.ContactInbox, error) {
	rows, err := tx.query(`SELECT `+contactInboxCols+` FROM contact_inboxes WHERE contact_id = ? ORDER BY id`, contactID)
	return collect(rows, err, func(r Rows, ci *chat.ContactInbox) error { return scanContactInbox(r, ci) })
}

func (tx *Tx) UpdateContactInbox(ci *chat.ContactInbox) error {
	if tx.wc != nil {
		delete(tx.wc.contactInbox, ci.ID)
	}
	_, err := tx.exec(`UPDATE contact_inboxes SET source_id = ?, hmac_verified = ?, updated_at = ? WHERE id = ?`,
		ci.SourceID, ci.HMACVerified, tsNotNull(ci.UpdatedAt), ci.ID)
	return err
}
