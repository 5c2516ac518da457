package sqlstore

import (
	"database/sql"

	"github.com/parleyhq/parley/internal/chat"
)

const accountCols = `id, name, locale, domain, support_email, status, custom_attributes, features, limits, created_at, updated_at`

func scanAccount(r interface{ Scan(...any) error }, a *chat.Account) error {
	return r.Scan(&a.ID, &a.Name, &a.Locale, &a.Domain, &a.SupportEmail, &a.Status,
		js{&a.CustomAttributes}, js{&a.Features}, js{&a.Limits}, nt{&a.CreatedAt}, nt{&a.UpdatedAt})
}

func (tx *Tx) CreateAccount(a *chat.Account) error {
	id, err := tx.insert(`INSERT INTO accounts (name, locale, domain, support_email, status, custom_attributes, features, limits, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Name, a.Locale, a.Domain, a.SupportEmail, a.Status, jsonText(a.CustomAttributes), jsonText(a.Features), jsonText(a.Limits),
		tsNotNull(a.CreatedAt), tsNotNull(a.UpdatedAt))
	a.ID = id
	return err
}

func (tx *Tx) FindAccount(id int64) (*chat.Account, error) {
	if tx.wc != nil {
		if a, ok := tx.wc.accounts[id]; ok {
			return cloneAccount(a), nil
		}
	}
	a, err := tx.findAccount(id)
	if err == nil && tx.wc != nil {
		tx.wc.accounts[id] = *cloneAccount(*a)
	}
	return a, err
}

func (tx *Tx) findAccount(id int64) (*chat.Account, error) {
	var a chat.Account
	// Unlocked even in a write transaction: every write of an account's
	// conversations and messages reads the account (for event payloads),
	// and a row lock here would serialise them all on PostgreSQL. Account
	// settings are changed rarely, by administrators, last write winning;
	// display ids are taken with an UPDATE, which locks the row itself.
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+accountCols+` FROM accounts WHERE id = ?`), id)
	if err := scanAccount(row, &a); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find account")
	}
	return &a, nil
}

func (tx *Tx) UpdateAccount(a *chat.Account) error {
	if tx.wc != nil {
		delete(tx.wc.accounts, a.ID)
	}
	_, err := tx.exec(`UPDATE accounts SET name = ?, locale = ?, domain = ?, support_email = ?, status = ?, custom_attributes = ?,
		features = ?, limits = ?, updated_at = ? WHERE id = ?`,
		a.Name, a.Locale, a.Domain, a.SupportEmail, a.Status, jsonText(a.CustomAttributes), jsonText(a.Features), jsonText(a.Limits),
		tsNotNull(a.UpdatedAt), a.ID)
	return err
}

func (tx *Tx) DeleteAccount(id int64) error {
	if tx.wc != nil {
		tx.wc.clear() // the cascade reaches every cached table
	}
	// Events carry no foreign key: they outlive what they describe until
	// delivered. An account's deletion takes them too; the cascade takes
	// the rest.
	if _, err := tx.exec(`DELETE FROM deliveries WHERE account_id = ?`, id); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM events WHERE account_id = ?`, id); err != nil {
		return err
	}
	return tx.deleteOne(`DELETE FROM accounts WHERE id = ?`, id)
}

func (tx *Tx) NextDisplayID(accountID int64) (int64, error) {
	var n int64
	err := tx.get(`UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = ? RETURNING last_display_id`, []any{accountID}, &n)
	return n, err
}

// deleteOne runs a DELETE and reports ENOTFOUND when it removed nothing.
func (tx *Tx) deleteOne(query string, args ...any) error {
	res, err := tx.exec(query, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return chat.NotFound()
	}
	return nil
}
