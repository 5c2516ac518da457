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
	newTx    func(context.Context, Querier, bool) *Tx
	cache    *writeCache
	sqlTx    *sql.Tx // the batch's transaction, while one runs
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

func newBatchWriter(db *sql.DB, maxBatch int, newTx func(context.Context, Querier, bool) *Tx) (*batchWriter, error) {
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

// Under load the writer lingers a moment for more requests before it
// commits: a commit writes every page the batch touched to the WAL, so ten
// requests that share one commit cost far less than ten commits. When the
// last batch was a lone request (no load) it commits at once.
const (
	lingerFor   = 500 * time.Microsecond
	lingerUntil = 16 // requests; a batch this big commits without waiting
)

func (w *batchWriter) run() {
	defer close(w.stopped)
	batch := make([]*writeReq, 0, w.maxBatch)
	last := 0
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case r := <-w.reqs:
			batch = append(batch[:0], r)
		case <-w.done:
			w.drain()
			return
		}
		w.take(&batch)
		if last > 1 && len(batch) < lingerUntil {
			linger.Reset(lingerFor)
		wait:
			for len(batch) < lingerUntil {
				select {
				case r := <-w.reqs:
					batch = append(batch, r)
				case <-linger.C:
					break wait
				}
			}
			if !linger.Stop() {
				select {
				case <-linger.C:
				default:
				}
			}
			w.take(&batch)
		}
		last = len(batch)
		w.commit(batch)
	}
}

// take adds what is queued now to the batch, up to its cap.
func (w *batchWriter) take(batch *[]*writeReq) {
	for len(*batch) < w.maxBatch {
		select {
		case r := <-w.reqs:
			*batch = append(*batch, r)
		default:
			return
		}
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
	// First without savepoints: they cost every request a statement or two
	// and a copy of each page it touches that an earlier request of the
	// batch dirtied. Requests rarely fail; when one does, the whole batch
	// rolls back and runs again with a savepoint per request, so that only
	// the failing one loses its writes.
	retry, err := w.attempt(batch, false, &committing)
	if retry {
		_, err = w.attempt(batch, true, &committing)
	}
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

// attempt runs the batch in one transaction. Without savepoints, a failing
// request stops it: everything rolls back and attempt asks for a retry
// (unless the request was alone, when its failure is the answer). A
// returned error fails every request that has none.
func (w *batchWriter) attempt(batch []*writeReq, savepoints bool, committing *time.Duration) (retry bool, err error) {
	ctx := context.Background()
	exec := func(q string) error {
		_, err := w.sqlTx.ExecContext(ctx, q)
		return err
	}
	if w.sqlTx, err = w.conn.BeginTx(ctx, nil); err != nil {
		return false, chat.Internal(fmt.Errorf("begin: %w", err))
	}
	defer func() { w.sqlTx = nil }()
	active := 0
	for _, r := range batch {
		r.err, r.tx = nil, nil
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
		} else {
			active++
		}
	}
	ok := 0
	for _, r := range batch {
		if r.err != nil {
			continue
		}
		if savepoints {
			if err := exec("SAVEPOINT req"); err != nil {
				r.err = chat.Internal(fmt.Errorf("savepoint: %w", err))
				continue
			}
		}
		// Statements run without the request's cancellation. SQLite answers
		// a cancel during a statement with an interrupt, which rolls back
		// the whole transaction: every other request of the batch would
		// fail with it. A request that has started finishes.
		tx := w.newTx(context.WithoutCancel(r.ctx), sqlQuerier{w.sqlTx}, true)
		tx.wc = w.cache
		if err := runGuarded(tx, r.fn); err != nil {
			r.err = err
			w.cache.clear() // it may hold rows of the writes undone below
			if !savepoints {
				w.sqlTx.Rollback()
				return active > 1, nil
			}
			if err := exec("ROLLBACK TO SAVEPOINT req"); err != nil {
				// The transaction is in an unknown state: give up on all.
				w.sqlTx.Rollback()
				return false, chat.Internal(fmt.Errorf("rollback to savepoint: %w", err))
			}
		} else {
			r.tx = tx
			ok++
		}
		if savepoints {
			if err := exec("RELEASE SAVEPOINT req"); err != nil {
				w.sqlTx.Rollback()
				return false, chat.Internal(fmt.Errorf("release savepoint: %w", err))
			}
		}
	}
	if ok == 0 {
		w.sqlTx.Rollback()
		w.cache.clear()
		return false, nil
	}
	commitStart := time.Now()
	err = w.sqlTx.Commit()
	*committing += time.Since(commitStart)
	if err != nil {
		return false, chat.Internal(fmt.Errorf("commit: %w", err))
	}
	return false, nil
}
