package postgres_test

import (
	"testing"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/chat/chattest"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/storetest"
)

// TestStore runs the store conformance suite on PostgreSQL, each test in a
// schema of its own.
func TestStore(t *testing.T) {
	storetest.PostgresURL(t) // skips, saying how to run, when unset
	chattest.Run(t, func(t *testing.T) chat.Store { return storetest.OpenOn(t, storetest.Postgres) })
}

func TestRebind(t *testing.T) {
	got := postgres.Dialect{}.Rebind(`SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?`)
	want := `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4`
	if got != want {
		t.Errorf("Rebind = %q, want %q", got, want)
	}
}

func TestRedact(t *testing.T) {
	got := postgres.Redact("postgres://parley:s3cret@db.example:5433/chat?sslmode=disable")
	if got != "parley@db.example:5433/chat" {
		t.Errorf("Redact = %q: the password must not show", got)
	}
}
