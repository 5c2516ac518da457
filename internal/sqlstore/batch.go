package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// batchWriter is the group commit: one goroutine owns the write connection,
// takes every Update queued while the previous batch committed, and runs
// them in one transaction, each inside a savepoint. One fsync then covers the
// whole batch, which is what lets a single-writer database keep up with many
// concurrent requests.
type batchWriter struct {
	conn     *sql.Conn
	maxBatch int
	newTx    func(context.Context, querier, bool) *Tx
	cache    *writeCache
	stats    WriterStats
	statsMu  sync.Mutex
	reqs     chan *writeReq
	done     chan struct{}
	stopOnce sync.Once
	stopped  chan struct{}
}

type writeReq struct {
	ctx  context.Context
	fn   func(chat.Tx) error
	err  error
	tx   *Tx
	done chan struct{}
}

func newBatchWriter(db *sql.DB, maxBatch int, newTx func(context.Context, querier, bool) *Tx) (*batchWriter, error) {
	conn, err := db.Conn(context.Background())
	if err != nil {
		return nil, fmt.Errorf("open write connection: %w", err)
	}
	w := &batchWriter{
		conn:     conn,
		maxBatch: maxBatch,
		newTx:    newTx,
		cache:    newWriteCache(),
		reqs:     make(chan *writeReq, 4*maxBatch),
		done:     make(chan struct{}),
		stopped:  make(chan struct{}),
	}
	go w.run()
	return w, nil
}

var errClosed = &chat.Error{Code: chat.EUNAVAILABLE, Message: "The server is shutting down"}

func (w *batchWriter) do(ctx context.Context, fn func(chat.Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan struct{})}
	// Checked first: with room in the queue, the select below could pick
	// the send even after close.
	select {
	case <-w.done:
		return errClosed
	default:
	}
	select {
	case w.reqs <- r:
	case <-w.done:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued the request runs to completion even if ctx ends: the
	// caller must learn whether its change was committed. A request that
	// slipped into the queue as the writer stopped is never taken.
	select {
	case <-r.done:
	case <-w.stopped:
		select {
		case <-r.done:
		default:
			return errClosed
		}
	}
	if r.err != nil {
		return r.err
	}
	// AfterCommit functions run here, on the caller's goroutine, not on the
	// writer's: there a slow one would stall every writer, a panicking one
	// would kill the process, and one that calls Update would wait forever
	// for the writer it is running on.
	for _, f := range r.tx.afterCommit {
		f()
	}
	return nil
}

func (w *batchWriter) close() {
	w.stopOnce.Do(func() { close(w.done) })
	<-w.stopped
	w.conn.Close()
}

func (w *batchWriter) run() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	for {
		select {
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		case <-w.done:
			w.drain()
			return
		}
	collect:
		for len(batch) < w.maxBatch {
			select {
			case r := <-w.reqs:
				batch = append(batch, r)
			default:
				break collect
			}
		}
		w.commit(batch)
	}
}

// drain fails the requests still queued at close.
func (w *batchWriter) drain() {
	for {
		select {
		case r := <-w.reqs:
			r.err = errClosed
			close(r.done)
		default:
			return
		}
	}
}

// WriterStats describes the group-commit writer's work so far.
type WriterStats struct {
	Batches  int64         // transactions committed or rolled back
	Requests int64         // Updates run in them
	Busy     time.Duration // time spent running and committing batches
	Commit   time.Duration // of which committing
}

func (w *batchWriter) commit(batch []*writeReq) {
	started := time.Now()
	var committing time.Duration
	defer func() {
		w.statsMu.Lock()
		w.stats.Batches++
		w.stats.Requests += int64(len(batch))
		w.stats.Busy += time.Since(started)
		w.stats.Commit += committing
		w.statsMu.Unlock()
	}()
	ctx := context.Background()
	finish := func(err error) {
		if err != nil {
			w.cache.clear() // the cache may hold what was rolled back
		}
		for _, r := range batch {
			if r.err == nil && err != nil {
				r.err = err
			}
			close(r.done)
		}
	}
	sqlTx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		finish(chat.Internal(fmt.Errorf("begin: %w", err)))
		return
	}
	ok := 0
	for _, r := range batch {
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
			continue
		}
		if _, err := sqlTx.ExecContext(ctx, "SAVEPOINT req"); err != nil {
			r.err = chat.Internal(fmt.Errorf("savepoint: %w", err))
			continue
		}
		// Statements run without the request's cancellation. SQLite answers
		// a cancel during a statement with an interrupt, which rolls back
		// the whole transaction: every other request of the batch would
		// fail with it. A request that has started finishes.
		tx := w.newTx(context.WithoutCancel(r.ctx), sqlTx, true)
		tx.wc = w.cache
		if err := runGuarded(tx, r.fn); err != nil {
			r.err = err
			w.cache.clear() // it may hold rows of the writes undone below
			if _, rbErr := sqlTx.ExecContext(ctx, "ROLLBACK TO SAVEPOINT req"); rbErr != nil {
				// The transaction is in an unknown state: give up on all.
				sqlTx.Rollback()
				finish(chat.Internal(fmt.Errorf("rollback to savepoint: %w", rbErr)))
				return
			}
		} else {
			r.tx = tx
			ok++
		}
		if _, err := sqlTx.ExecContext(ctx, "RELEASE SAVEPOINT req"); err != nil {
			sqlTx.Rollback()
			finish(chat.Internal(fmt.Errorf("release savepoint: %w", err)))
			return
		}
	}
	if ok == 0 {
		sqlTx.Rollback()
		w.cache.clear()
		finish(nil)
		return
	}
	commitStart := time.Now()
	err = sqlTx.Commit()
	committing = time.Since(commitStart)
	if err != nil {
		finish(chat.Internal(fmt.Errorf("commit: %w", err)))
		return
	}
	finish(nil)
}
