// Package postgres opens Parley's database on PostgreSQL: one pool shared by
// any number of Parley instances, with migrations applied under an
// advisory lock so that instances starting together are safe.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/parleyhq/parley/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Options configure the pool.
type Options struct {
	// MaxConns caps the pool. Defaults to 16. Each instance has its own
	// pool: the server's max_connections must cover them all.
	MaxConns int
	// Writers is how many writers commit this instance's writes, each on
	// its own connection while a batch runs (see sqlstore.Store). Defaults
	// to 2: measured on two cores, the best of 1 to 4. It must leave the
	// pool connections for reads.
	Writers int
}

// DefaultWriters is Options.Writers' default.
const DefaultWriters = 2

// IsURL reports whether dbURL names a PostgreSQL database.
func IsURL(dbURL string) bool {
	return strings.HasPrefix(dbURL, "postgres://") || strings.HasPrefix(dbURL, "postgresql://")
}

// Open connects to the database at dbURL, applies pending migrations and
// returns the store.
func Open(ctx context.Context, dbURL string, opt Options) (*sqlstore.Store, error) {
	writers := opt.Writers
	if writers <= 0 {
		writers = DefaultWriters
	}
	if n := maxConns(opt); writers >= n {
		return nil, fmt.Errorf("%d writers need a pool of more than %d connections (the rest serve reads): raise the pool size or lower the writers", writers, n)
	}
	db, err := OpenDB(ctx, dbURL, opt)
	if err != nil {
		return nil, err
	}
	if err := Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return sqlstore.New(sqlstore.Options{Read: db, Write: db, Dialect: Dialect{}, Run: Run(db), Writers: writers})
}

// OpenDB connects without migrating (for tools).
func OpenDB(ctx context.Context, dbURL string, opt Options) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, fmt.Errorf("invalid PostgreSQL URL: %w", redactErr(err))
	}
	db := stdlib.OpenDB(*cfg)
	n := maxConns(opt)
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", Redact(dbURL), redactErr(err))
	}
	return db, nil
}

func maxConns(opt Options) int {
	if opt.MaxConns <= 0 {
		return 16
	}
	return opt.MaxConns
}

// Migrate applies the pending migrations, holding a session advisory lock
// so that one instance migrates while the others wait.
func Migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Redact hides a connection string's password.
func Redact(dbURL string) string {
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// redactErr drops what a parse error quotes of the URL, which may hold the
// password.
func redactErr(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New(pe.Unwrap().Error())
	}
	return err
}

// Dialect is PostgreSQL's sqlstore.Dialect.
type Dialect struct{}

// Rebind turns ? placeholders into $1, $2, ... (the queries hold no ? in
// string literals). Nearly every query is one of a few hundred constant
// strings, rebound for every statement of every request: the answers are
// kept (rebinding took 3.7% of the process's CPU in a profile of
// `parley bench -postgres`; a cache hit, under 0.5%). Queries
// built to a length (IN lists, multi-row inserts) come in many shapes, so
// the cache stops growing at reboundMax and the rest are rebound each time.
func (Dialect) Rebind(q string) string {
	if r, ok := rebound.Load(q); ok {
		return r.(string)
	}
	r := rebind(q)
	if reboundN.Load() < reboundMax {
		if _, loaded := rebound.LoadOrStore(q, r); !loaded {
			reboundN.Add(1)
		}
	}
	return r
}

const reboundMax = 4096

var (
	rebound  sync.Map // query → rebound query
	reboundN atomic.Int64
)

func rebind(q string) string {
	i := strings.IndexByte(q, '?')
	if i < 0 {
		return q
	}
	b := make([]byte, 0, len(q)+16)
	for n := 1; i >= 0; n++ {
		b = append(b, q[:i]...)
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(n), 10)
		q = q[i+1:]
		i = strings.IndexByte(q, '?')
	}
	return string(append(b, q...))
}

func (Dialect) ILike() string { return "ILIKE" }

// LastInsertID is false: PostgreSQL returns ids with RETURNING.
func (Dialect) LastInsertID() bool { return false }

// Embedded is false: every statement is a round trip to the server.
func (Dialect) Embedded() bool { return false }

// NextID takes an id from the sequence of table's identity column, named
// by PostgreSQL's rule for the migrations' tables: pg_get_serial_sequence
// would cost every message create two catalog lookups.
func (Dialect) NextID(table string) string {
	return `nextval('` + table + `_id_seq')`
}

// LockSuffix locks the rows an update reads: several instances write at once.
func (Dialect) LockSuffix() string { return " FOR UPDATE" }

// SkipLocked makes a claim pass over rows another instance is claiming.
func (Dialect) SkipLocked() string { return " FOR UPDATE SKIP LOCKED" }

func (Dialect) UniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}

// Retryable reports a serialization failure or deadlock, which a rerun of
// the transaction resolves.
func (Dialect) Retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// AutovacuumOff reports whether the server runs without autovacuum. Parley
// leaves dead row versions behind at every delivery outcome and message
// (an updated delivery, a conversation's activity), and relies on
// autovacuum to reclaim them and to keep the planner's statistics current;
// without it both tables grow and the plans made for them grow stale
// (BENCHMARKS.md measured what that costs).
func AutovacuumOff(ctx context.Context, db *sql.DB) (bool, error) {
	var on string
	if err := db.QueryRowContext(ctx, `SHOW autovacuum`).Scan(&on); err != nil {
		return false, err
	}
	return on != "on", nil
}
