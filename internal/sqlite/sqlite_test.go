package sqlite_test

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/chat/chattest"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/sqlstore"
)

// TestStore runs the store conformance suite on a SQLite file opened the
// way Parley opens it: group commit, statement cache, reader pool.
func TestStore(t *testing.T) {
	chattest.Run(t, func(t *testing.T) chat.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}

// TestStoreWithoutGroupCommit runs the suite on sqlstore's other Update
// path, one database transaction per Update, which PostgreSQL will take.
// Running it on SQLite checks that path before a second engine exists.
func TestStoreWithoutGroupCommit(t *testing.T) {
	chattest.Run(t, func(t *testing.T) chat.Store {
		path := (&url.URL{Path: filepath.Join(t.TempDir(), "parley.db")}).EscapedPath()
		dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
		write, err := sql.Open("sqlite", dsn+"&_txlock=immediate&_pragma=journal_mode(WAL)")
		if err != nil {
			t.Fatal(err)
		}
		write.SetMaxOpenConns(1)
		if err := sqlite.Migrate(t.Context(), write); err != nil {
			write.Close()
			t.Fatal(err)
		}
		read, err := sql.Open("sqlite", dsn+"&_pragma=query_only(1)")
		if err != nil {
			write.Close()
			t.Fatal(err)
		}
		s, err := sqlstore.New(sqlstore.Options{Read: read, Write: write, Dialect: sqlite.Dialect{}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
