// Package sqlite opens Parley's embedded database: a SQLite file in WAL mode
// with one writer connection (group commit) and a pool of readers.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parleyhq/parley/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure the database.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "NORMAL" (the default)
	// loses nothing when the process dies but may lose the last commits on
	// power loss; "FULL" syncs every commit to disk and survives power loss
	// at a cost in write speed.
	Synchronous string
	// ReadConns caps the reader pool. Defaults to twice the CPUs, at least 4.
	ReadConns int
}

// Path returns the file path a database URL names. It accepts a plain path,
// sqlite://path, sqlite:///absolute/path and file:path.
func Path(dbURL string) (string, error) {
	switch {
	case strings.HasPrefix(dbURL, "sqlite://"):
		p := strings.TrimPrefix(dbURL, "sqlite://")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		p, err := url.PathUnescape(p)
		if err != nil || p == "" {
			return "", fmt.Errorf("invalid SQLite URL %q: want sqlite://path/to/file.db", dbURL)
		}
		return p, nil
	case strings.HasPrefix(dbURL, "file:"):
		p := strings.TrimPrefix(dbURL, "file:")
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		return p, nil
	case strings.Contains(dbURL, "://"):
		return "", fmt.Errorf("not a SQLite database URL: %q", dbURL)
	case dbURL == "":
		return "", errors.New("empty database path")
	}
	return dbURL, nil
}

// Open opens (creating if needed) the database at path, applies pending
// migrations and returns the store.
func Open(ctx context.Context, path string, opt Options) (*sqlstore.Store, error) {
	sync := strings.ToUpper(opt.Synchronous)
	switch sync {
	case "":
		sync = "NORMAL"
	case "NORMAL", "FULL", "EXTRA", "OFF":
	default:
		return nil, fmt.Errorf("invalid SQLite synchronous setting %q: want NORMAL or FULL", opt.Synchronous)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)"
	// The writer never checkpoints: copying the WAL back into the database
	// would stall every write behind it. A checkpointer connection does it
	// in the background, on another core.
	write, err := openDB(base + "&_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)&_pragma=synchronous(" + sync + ")")
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := Migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	read, err := openDB(base + "&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, err
	}
	n := opt.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	read.SetConnMaxLifetime(0)
	cp, err := startCheckpointer(base)
	if err != nil {
		write.Close()
		read.Close()
		return nil, err
	}
	return sqlstore.New(sqlstore.Options{Read: read, Write: write, IgnoreCancel: true, Dialect: Dialect{},
		OnClose: []func(){cp.stop}})
}

func openDB(dsn string) (*sql.DB, error) {
	c, err := newCachingConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// Migrate applies the pending migrations.
func Migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Dialect is SQLite's sqlstore.Dialect.
type Dialect struct{}

func (Dialect) Rebind(q string) string { return q }

// ILike: SQLite's LIKE is already case-insensitive for ASCII.
func (Dialect) ILike() string { return "LIKE" }

// LastInsertID: SQLite reports the rowid of an INSERT.
func (Dialect) LastInsertID() bool { return true }

// Embedded: SQLite runs in the process.
func (Dialect) Embedded() bool { return true }

// SkipLocked is empty: there is one writer.
func (Dialect) SkipLocked() string { return "" }

// NextID is "": SQLite has no sequences, and its inserts cost no round trip.
func (Dialect) NextID(string) string { return "" }

// Retryable is false: the single writer never deadlocks.
func (Dialect) Retryable(error) bool { return false }

// LockSuffix is empty: the single writer connection serialises all writes.
func (Dialect) LockSuffix() string { return "" }

func (Dialect) UniqueViolation(err error) (string, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
		return e.Error(), true
	}
	return "", false
}
