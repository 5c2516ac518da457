package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Tx is a chat.Tx on a SQL transaction.
type Tx struct {
	ctx         context.Context
	q           Querier
	d           Dialect
	write       bool
	afterCommit []func()
	// wc is the writer's cache in Updates; nil in Views.
	wc *writeCache
	// prefetch asks conversation lookups to read the rows that go with
	// the conversation in the same round trip, into wc; keys is what the
	// writer knows of conversations' ids then.
	prefetch bool
	keys     *conversationKeys
}

var _ chat.Tx = (*Tx)(nil)

// AfterCommit registers fn to run after commit.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	res, err := tx.q.ExecContext(tx.ctx, tx.d.Rebind(query), args...)
	if err != nil {
		return nil, tx.wrap(err, query)
	}
	return res, nil
}

// later runs a write whose result is not needed, letting a pipelining
// querier send it with the next statement.
func (tx *Tx) later(query string, args ...any) error {
	if err := tx.q.Defer(tx.ctx, tx.d.Rebind(query), args...); err != nil {
		return tx.wrap(err, query)
	}
	return nil
}

func (tx *Tx) query(query string, args ...any) (Rows, error) {
	rows, err := tx.q.QueryContext(tx.ctx, tx.d.Rebind(query), args...)
	if err != nil {
		return nil, tx.wrap(err, query)
	}
	return rows, nil
}

// get scans one row; ENOTFOUND when there is none.
func (tx *Tx) get(query string, args []any, dest ...any) error {
	err := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(query), args...).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return chat.NotFound()
	}
	if err != nil {
		return tx.wrap(err, query)
	}
	return nil
}

// insert runs an INSERT ... RETURNING id.
func (tx *Tx) insert(query string, args ...any) (int64, error) {
	if tx.d.LastInsertID() {
		// Cheaper than a RETURNING row where the engine reports the id.
		res, err := tx.exec(query, args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	var id int64
	err := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(query+" RETURNING id"), args...).Scan(&id)
	if err != nil {
		return 0, tx.wrap(err, query)
	}
	return id, nil
}

// forUpdate returns the lock suffix for lookups made in a write transaction.
func (tx *Tx) forUpdate() string {
	if tx.write {
		return tx.d.LockSuffix()
	}
	return ""
}

// uniqueErrors turns broken unique indexes into the validation errors
// Chatwoot gives for them. Keys are what the engines name in the error.
var uniqueErrors = map[string]*chat.Error{
	"users.email":                          chat.Invalid([]string{"email"}, "Email has already been taken"),
	"users_email_key":                      chat.Invalid([]string{"email"}, "Email has already been taken"),
	"contacts.email":                       chat.Invalid([]string{"email"}, "Email has already been taken"),
	"contacts_account_email_key":           chat.Invalid([]string{"email"}, "Email has already been taken"),
	"contacts.identifier":                  chat.Invalid([]string{"identifier"}, "Identifier has already been taken"),
	"contacts_account_identifier_key":      chat.Invalid([]string{"identifier"}, "Identifier has already been taken"),
	"contact_inboxes.source_id":            chat.Invalid([]string{"source_id"}, "Source has already been taken"),
	"contact_inboxes_inbox_source_key":     chat.Invalid([]string{"source_id"}, "Source has already been taken"),
	"account_users.user_id":                chat.Invalid([]string{"user_id"}, "User has already been taken"),
	"account_users_account_user_key":       chat.Invalid([]string{"user_id"}, "User has already been taken"),
	"conversations.display_id":             chat.Invalid([]string{"display_id"}, "Display has already been taken"),
	"conversations_account_display_id_key": chat.Invalid([]string{"display_id"}, "Display has already been taken"),
	"webhooks.url":                         chat.Invalid([]string{"url"}, "Url has already been taken"),
	"webhooks_account_url_key":             chat.Invalid([]string{"url"}, "Url has already been taken"),
}

func (tx *Tx) wrap(err error, query string) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if key, ok := tx.d.UniqueViolation(err); ok {
		for k, e := range uniqueErrors {
			if strings.Contains(key, k) {
				return &chat.Error{Code: chat.ECONFLICT, Message: e.Message, Attributes: e.Attributes, Err: err}
			}
		}
		return &chat.Error{Code: chat.ECONFLICT, Message: "Record has already been taken", Err: err}
	}
	return chat.Internal(fmt.Errorf("%w (query: %.80s)", err, strings.TrimSpace(query)))
}

// Conversions between domain values and columns. Times are integer
// microseconds; zero times, zero ids and empty optional strings are NULL.

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func tsNotNull(t time.Time) int64 { return t.UnixMicro() }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullStrPtr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func jsonText(j chat.JSON) string {
	if len(j) == 0 {
		return "{}"
	}
	return string(j)
}

// nt scans a nullable time.
type nt struct{ t *time.Time }

func (n nt) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.t = time.Time{}
	case int64:
		*n.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// ni scans a nullable id.
type ni struct{ p *int64 }

func (n ni) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = 0
	case int64:
		*n.p = v
	default:
		return fmt.Errorf("id column: unexpected %T", src)
	}
	return nil
}

// ns scans a nullable string.
type ns struct{ p *string }

func (n ns) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = ""
	case string:
		*n.p = v
	case []byte:
		*n.p = string(v)
	default:
		return fmt.Errorf("text column: unexpected %T", src)
	}
	return nil
}

// nsp scans a nullable string into a *string.
type nsp struct{ p **string }

func (n nsp) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = nil
	case string:
		*n.p = &v
	case []byte:
		s := string(v)
		*n.p = &s
	default:
		return fmt.Errorf("text column: unexpected %T", src)
	}
	return nil
}

// js scans a JSON text column.
type js struct{ p *chat.JSON }

func (n js) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.p = chat.EmptyObject
	case string:
		*n.p = chat.JSON(v)
	case []byte:
		*n.p = append(chat.JSON(nil), v...)
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return nil
}

// collect scans every row with scan.
func collect[T any](rows Rows, err error, scan func(Rows, *T) error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, chat.Internal(err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, chat.Internal(err)
	}
	return out, nil
}
