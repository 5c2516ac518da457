// Package storetest opens stores for tests on either database: SQLite in a
// temporary folder, or PostgreSQL in a schema of its own per test (so tests
// run in parallel), on the server PARLEY_TEST_POSTGRES_URL names.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/sqlstore"
)

// EnvPostgres names the variable that turns the PostgreSQL tests on.
const EnvPostgres = "PARLEY_TEST_POSTGRES_URL"

// SkipMessage says how to run the PostgreSQL tests.
const SkipMessage = "PostgreSQL tests skipped: set " + EnvPostgres +
	"=postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run them (each test gets a schema of its own)"

// Backend is a database engine a test runs on.
type Backend string

const (
	SQLite   Backend = "sqlite"
	Postgres Backend = "postgres"
)

// Current is the engine Open uses; a package's TestMain sets it to run the
// package's tests on each engine in turn (see RunAll).
var Current = SQLite

// Backends lists the engines to test on: SQLite, and PostgreSQL when
// PARLEY_TEST_POSTGRES_URL is set.
func Backends() []Backend {
	if os.Getenv(EnvPostgres) == "" {
		return []Backend{SQLite}
	}
	return []Backend{SQLite, Postgres}
}

// RunAll runs a package's tests once per engine, for TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(storetest.RunAll(m)) }
func RunAll(m *testing.M) int {
	code := 0
	for _, b := range Backends() {
		Current = b
		if c := m.Run(); c != 0 {
			code = c
		}
	}
	if os.Getenv(EnvPostgres) == "" && !testing.Short() {
		println(SkipMessage)
	}
	return code
}

// Open opens an empty, migrated store on the Current engine, closed when
// the test ends.
func Open(t testing.TB) *sqlstore.Store {
	t.Helper()
	return OpenOn(t, Current)
}

// OpenOn opens an empty, migrated store on engine b.
func OpenOn(t testing.TB, b Backend) *sqlstore.Store {
	t.Helper()
	var s *sqlstore.Store
	var err error
	if b == Postgres {
		s, err = postgres.Open(context.Background(), PostgresURL(t), postgres.Options{MaxConns: 8})
	} else {
		s, err = sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "parley.db"), sqlite.Options{})
	}
	if err != nil {
		t.Fatalf("open %s store: %v", b, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// URL returns a database URL on engine b for a child process: a SQLite
// file in the test's folder, or a PostgreSQL schema of the test's own.
func URL(t testing.TB, b Backend) string {
	t.Helper()
	if b == Postgres {
		return PostgresURL(t)
	}
	return "sqlite://" + filepath.Join(t.TempDir(), "parley.db")
}

// PostgresURL creates a schema for the test, dropped when it ends, and
// returns a URL whose connections use it. It skips the test when
// PARLEY_TEST_POSTGRES_URL is unset.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		t.Skip(SkipMessage)
	}
	u, drop, err := postgres.TempSchema(context.Background(), base, "parley_test")
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Logf("dropping the test's schema: %v", err)
		}
	})
	return u
}
