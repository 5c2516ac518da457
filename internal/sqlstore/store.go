// Package sqlstore implements chat.Store over database/sql. The SQLite and
// PostgreSQL packages open their databases and hand them to New with their
// Dialect; the queries, written once here, serve both engines.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/parleyhq/parley/internal/chat"
)

// Dialect holds what differs between database engines.
type Dialect interface {
	// Rebind turns a query written with ? placeholders into the engine's form.
	Rebind(query string) string
	// ILike is the case-insensitive LIKE operator.
	ILike() string
	// LockSuffix is appended to row lookups made for an update ("FOR UPDATE"
	// where concurrent writers exist, "" where writes are serialised).
	LockSuffix() string
	// UniqueViolation reports whether err broke a unique index, and which
	// (as "table.column" or the index name).
	UniqueViolation(err error) (string, bool)
	// LastInsertID reports whether an INSERT's result carries the new row's
	// id (otherwise the store asks with RETURNING id).
	LastInsertID() bool
	// Embedded reports an in-process engine, where a statement costs
	// microseconds and no round trip: one statement per row is cheapest
	// there, while a server wants rows batched into one statement.
	Embedded() bool
	// SkipLocked is appended to the read of a claim, so that instances
	// claiming at once take different rows ("" where writes are serialised).
	SkipLocked() string
	// NextID is an expression taking a new id for table from its
	// sequence, or "" where ids are only given by an insert.
	NextID(table string) string
	// Retryable reports an error that running the transaction again
	// resolves (a serialization failure or deadlock).
	Retryable(err error) bool
}

// Options configure a Store.
type Options struct {
	// Read serves View transactions.
	Read *sql.DB
	// Write serves Update transactions: the writer holds one of its
	// connections (without Run).
	Write *sql.DB
	// MaxBatch caps the Updates committed together. Defaults to 128.
	MaxBatch int
	Dialect  Dialect
	// OnClose runs when the store closes, before its databases do.
	OnClose []func()
	// Run, when set, runs transactions instead of database/sql's BeginTx,
	// on a connection the engine drives itself (PostgreSQL pipelines
	// statements there). The writer's transactions then read the rows a
	// conversation write needs in one round trip when it looks the
	// conversation up (see prefetch.go).
	Run RunFunc
	// Writers is how many writers a database server gets (with Run; an
	// embedded database has one). Writes that say which conversation they
	// are for (chat.WritesTo) go to the writer that conversation hashes
	// to, the others to the first. Defaults to 1.
	Writers int
	// IgnoreCancel runs statements without the caller's cancellation. For
	// an embedded database a statement is microseconds of CPU, and watching
	// a context costs the driver a goroutine per statement.
	IgnoreCancel bool
}

// Store is a chat.Store on a SQL database. Every Update goes through a
// writer, which commits the Updates that queue up meanwhile together (see
// batch.go): SQLite has one writer at a time anyway, and on PostgreSQL a
// commit and its round trips cost more than the writes of a request. On
// PostgreSQL a writer's batch runs its statements one after another in one
// server process, so a second writer, taking other conversations, lets the
// server use a second core.
type Store struct {
	opt     Options
	writers []*batchWriter
}

var _ chat.Store = (*Store)(nil)

// New returns a Store over opened databases. Close closes them.
func New(opt Options) (*Store, error) {
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 128
	}
	if opt.Writers <= 0 || opt.Run == nil {
		opt.Writers = 1
	}
	s := &Store{opt: opt}
	for range opt.Writers {
		w, err := newBatchWriter(opt.Write, opt.Run, opt.Dialect.Retryable, opt.MaxBatch, s.newTx)
		if err != nil {
			for _, w := range s.writers {
				w.close()
			}
			return nil, err
		}
		s.writers = append(s.writers, w)
	}
	return s, nil
}

// WriterStats reports the writers' work, added up.
func (s *Store) WriterStats() WriterStats {
	var sum WriterStats
	for _, w := range s.writers {
		w.statsMu.Lock()
		st := w.stats
		w.statsMu.Unlock()
		sum.Writers++
		sum.Batches += st.Batches
		sum.Requests += st.Requests
		sum.Busy += st.Busy
		sum.Commit += st.Commit
		sum.Retries += st.Retries
		sum.Deferred += st.Deferred
	}
	return sum
}

// DB returns the database Updates write to, for migrations and tools.
func (s *Store) DB() *sql.DB { return s.opt.Write }

// ReadDB returns the database Views read from, for tools that read in bulk.
func (s *Store) ReadDB() *sql.DB { return s.opt.Read }

// Close stops the writer and closes the databases.
func (s *Store) Close() error {
	for _, w := range s.writers {
		w.close()
	}
	for _, f := range s.opt.OnClose {
		f()
	}
	err := s.opt.Write.Close()
	if s.opt.Read != s.opt.Write {
		err = errors.Join(err, s.opt.Read.Close())
	}
	return err
}

// View runs fn in a read transaction.
func (s *Store) View(ctx context.Context, fn func(chat.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.opt.Run != nil {
		return s.opt.Run(ctx, false, func(q Querier) error { return fn(s.newTx(ctx, q, false)) })
	}
	bctx := ctx
	if s.opt.IgnoreCancel {
		bctx = context.WithoutCancel(ctx)
	}
	sqlTx, err := s.opt.Read.BeginTx(bctx, nil)
	if err != nil {
		return chat.Internal(fmt.Errorf("begin read: %w", err))
	}
	defer sqlTx.Rollback()
	tx := s.newTx(ctx, sqlQuerier{sqlTx}, false)
	if err := fn(tx); err != nil {
		return err
	}
	return nil
}

// Update runs fn in a write transaction.
func (s *Store) Update(ctx context.Context, fn func(chat.Tx) error) error {
	return s.writerFor(ctx).do(ctx, fn)
}

// writerFor picks the writer of the conversation ctx says the write is for:
// the writes of one conversation then queue in one writer, in the order
// they came, instead of waiting on each other's locks across writers.
func (s *Store) writerFor(ctx context.Context) *batchWriter {
	if len(s.writers) > 1 {
		if key, ok := chat.WritesToOf(ctx); ok {
			h := uint64(key[0])*0x9E3779B97F4A7C15 ^ uint64(key[1])
			return s.writers[h%uint64(len(s.writers))]
		}
	}
	return s.writers[0]
}

// maxTries bounds the runs of an Update that keeps meeting deadlocks or
// serialization failures.
const maxTries = 5

// runGuarded runs fn, turning a panic into an internal error so that one bad
// request cannot take the writer (and every request queued on it) down.
func runGuarded(tx *Tx, fn func(chat.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = chat.Internal(fmt.Errorf("panic in transaction: %v", r))
		}
	}()
	return fn(tx)
}

func (s *Store) newTx(ctx context.Context, q Querier, write bool) *Tx {
	if s.opt.IgnoreCancel {
		ctx = context.WithoutCancel(ctx)
	}
	return &Tx{ctx: ctx, q: q, d: s.opt.Dialect, write: write}
}
