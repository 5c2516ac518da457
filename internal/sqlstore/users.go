package sqlstore

import (
	"database/sql"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

const userCols = `id, name, display_name, email, access_token, avatar_url, custom_attributes, pubsub_token, created_at, updated_at`

// userColsOf is userCols for a table alias.
func userColsOf(alias string) string {
	return alias + "." + strings.ReplaceAll(userCols, ", ", ", "+alias+".")
}

func scanUser(r interface{ Scan(...any) error }, u *chat.User) error {
	return r.Scan(userDest(u)...)
}

func userDest(u *chat.User) []any {
	return []any{&u.ID, &u.Name, &u.DisplayName, &u.Email, &u.AccessToken, &u.AvatarURL,
		js{&u.CustomAttributes}, &u.PubsubToken, nt{&u.CreatedAt}, nt{&u.UpdatedAt}}
}

func (tx *Tx) findUser(where string, arg any) (*chat.User, error) {
	var u chat.User
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+userCols+` FROM users WHERE `+where), arg)
	if err := scanUser(row, &u); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find user")
	}
	return &u, nil
}

// CreateUser writes a user. A user without a pubsub token gets one here, so
// that every way of creating users (fixtures and tools included) keeps the
// column unique.
func (tx *Tx) CreateUser(u *chat.User) error {
	if u.PubsubToken == "" {
		u.PubsubToken = chat.SecureToken(24)
	}
	id, err := tx.insert(`INSERT INTO users (name, display_name, email, access_token, avatar_url, custom_attributes, pubsub_token, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Name, u.DisplayName, u.Email, u.AccessToken, u.AvatarURL, jsonText(u.CustomAttributes), u.PubsubToken,
		tsNotNull(u.CreatedAt), tsNotNull(u.UpdatedAt))
	u.ID = id
	return err
}

func (tx *Tx) FindUser(id int64) (*chat.User, error) {
	if tx.wc != nil {
		if u, ok := tx.wc.users[id]; ok {
			return cloneUser(u), nil
		}
	}
	u, err := tx.findUser(`id = ?`, id)
	if err == nil && tx.wc != nil {
		tx.wc.users[id] = *cloneUser(*u)
	}
	return u, err
}

func (tx *Tx) FindUserByToken(token string) (*chat.User, error) {
	return tx.findUser(`access_token = ?`, token)
}

func (tx *Tx) FindUserByEmail(email string) (*chat.User, error) {
	return tx.findUser(`lower(email) = ?`, strings.ToLower(email))
}

func (tx *Tx) UpdateUser(u *chat.User) error {
	if tx.wc != nil {
		delete(tx.wc.users, u.ID)
	}
	_, err := tx.exec(`UPDATE users SET name = ?, display_name = ?, email = ?, access_token = ?, avatar_url = ?, custom_attributes = ?, updated_at = ? WHERE id = ?`,
		u.Name, u.DisplayName, u.Email, u.AccessToken, u.AvatarURL, jsonText(u.CustomAttributes), tsNotNull(u.UpdatedAt), u.ID)
	return err
}

func (tx *Tx) DeleteUser(id int64) error {
	if tx.wc != nil {
		delete(tx.wc.users, id)
		tx.wc.members = map[[2]int64]chat.AccountUser{} // cascaded
		tx.wc.forgetBusy()                              // assignees set to NULL
	}
	return tx.deleteOne(`DELETE FROM users WHERE id = ?`, id)
}

func (tx *Tx) CountUsers() (int, error) {
	var n int
	err := tx.get(`SELECT count(*) FROM users`, nil, &n)
	return n, err
}

const accountUserCols = `id, account_id, user_id, role, availability, auto_offline, inviter_id, created_at, updated_at`

func accountUserDest(m *chat.AccountUser) []any {
	return []any{&m.ID, &m.AccountID, &m.UserID, &m.Role, &m.Availability, &m.AutoOffline, ni{&m.InviterID},
		nt{&m.CreatedAt}, nt{&m.UpdatedAt}}
}

func scanAccountUser(r interface{ Scan(...any) error }, m *chat.AccountUser) error {
	return r.Scan(accountUserDest(m)...)
}

func (tx *Tx) CreateAccountUser(m *chat.AccountUser) error {
	if tx.wc != nil {
		delete(tx.wc.members, [2]int64{m.AccountID, m.UserID})
	}
	id, err := tx.insert(`INSERT INTO account_users (account_id, user_id, role, availability, auto_offline, inviter_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		m.AccountID, m.UserID, m.Role, m.Availability, m.AutoOffline, nullID(m.InviterID), tsNotNull(m.CreatedAt), tsNotNull(m.UpdatedAt))
	m.ID = id
	return err
}

func (tx *Tx) FindAccountUser(accountID, userID int64) (*chat.AccountUser, error) {
	key := [2]int64{accountID, userID}
	if tx.wc != nil {
		if m, ok := tx.wc.members[key]; ok {
			return &m, nil
		}
	}
	m, err := tx.findAccountUser(accountID, userID)
	if err == nil && tx.wc != nil {
		tx.wc.members[key] = *m
	}
	return m, err
}

func (tx *Tx) findAccountUser(accountID, userID int64) (*chat.AccountUser, error) {
	var m chat.AccountUser
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+accountUserCols+` FROM account_users WHERE account_id = ? AND user_id = ?`), accountID, userID)
	if err := scanAccountUser(row, &m); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find account user")
	}
	return &m, nil
}

func (tx *Tx) UpdateAccountUser(m *chat.AccountUser) error {
	if tx.wc != nil {
		delete(tx.wc.members, [2]int64{m.AccountID, m.UserID})
	}
	_, err := tx.exec(`UPDATE account_users SET role = ?, availability = ?, auto_offline = ?, updated_at = ? WHERE id = ?`,
		m.Role, m.Availability, m.AutoOffline, tsNotNull(m.UpdatedAt), m.ID)
	return err
}

// DeleteAccountUser ends a membership and, as Chatwoot's Agents::DestroyJob
// does, unassigns the user's conversations in that account (quietly: no
// events, like its update_all).
func (tx *Tx) DeleteAccountUser(accountID, userID int64) error {
	if tx.wc != nil {
		delete(tx.wc.members, [2]int64{accountID, userID})
		tx.wc.forgetBusy() // its conversations are unassigned below
	}
	if err := tx.deleteOne(`DELETE FROM account_users WHERE account_id = ? AND user_id = ?`, accountID, userID); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE conversations SET assignee_id = NULL WHERE account_id = ? AND assignee_id = ?`, accountID, userID)
	return err
}

func (tx *Tx) ListAgents(accountID int64) ([]chat.Agent, error) {
	rows, err := tx.query(`SELECT `+userColsOf("u")+`, m.id, m.account_id, m.user_id, m.role, m.availability, m.auto_offline,
		m.inviter_id, m.created_at, m.updated_at
		FROM account_users m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? ORDER BY lower(u.name), u.id`, accountID)
	return collect(rows, err, func(r Rows, a *chat.Agent) error {
		return r.Scan(append(userDest(&a.User), accountUserDest(&a.Membership)...)...)
	})
}

func (tx *Tx) ListMemberships(userID int64) ([]chat.AccountUser, error) {
	rows, err := tx.query(`SELECT `+accountUserCols+` FROM account_users WHERE user_id = ? ORDER BY account_id`, userID)
	return collect(rows, err, func(r Rows, m *chat.AccountUser) error { return scanAccountUser(r, m) })
}
