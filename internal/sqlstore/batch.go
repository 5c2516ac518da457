package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// batchWriter is the group commit: one goroutine takes every Update queued
// while the previous batch committed and runs them in one transaction. One
// fsync then covers the whole batch, which is what lets a single-writer
// database keep up with many concurrent requests. On PostgreSQL it also
// saves each request its BEGIN and COMMIT round trips, and its writes go
// with the next request's first statement: measured on two cores, that
// halves the database's CPU per request (BENCHMARKS.md). Instances on one
// PostgreSQL database each have their writer; a deadlock between two of
// them fails one request, which the next batch runs again.
type batchWriter struct {
	conn *sql.Conn
	// runTx, when set, runs each batch instead of conn (a server
	// database: see Options.Run), and the cache lives for one batch only.
	runTx RunFunc
	// retryable tells a failure that a later batch resolves (a deadlock
	// with another instance's transaction); carry holds the requests that
	// failed so, for the next batch.
	retryable func(error) bool
	carry     []*writeReq
	// onlyBusy is set when the last batch moved all its requests to the
	// next (see prefetch).
	onlyBusy bool
	maxBatch int
	newTx    func(context.Context, Querier, bool) *Tx
	cache    *writeCache
	keys     *conversationKeys
	stats    WriterStats
	statsMu  sync.Mutex
	reqs     chan *writeReq
	done     chan struct{}
	stopOnce sync.Once
	stopped  chan struct{}
}

type writeReq struct {
	// tries counts the runs that failed in a way a rerun resolves.
	tries int
	// busySince is when it was first moved to a later batch because
	// another transaction held its conversation (see prefetch).
	busySince time.Time
	ctx       context.Context
	fn        func(chat.Tx) error
	err       error
	tx        *Tx
	done      chan struct{}
}

func newBatchWriter(db *sql.DB, run RunFunc, retryable func(error) bool, maxBatch int, newTx func(context.Context, Querier, bool) *Tx) (*batchWriter, error) {
	var conn *sql.Conn
	if run == nil {
		var err error
		if conn, err = db.Conn(context.Background()); err != nil {
			return nil, fmt.Errorf("open write connection: %w", err)
		}
	}
	w := &batchWriter{
		conn:      conn,
		runTx:     run,
		retryable: retryable,
		maxBatch:  maxBatch,
		newTx:     newTx,
		cache:     newWriteCache(),
		keys:      newConversationKeys(),
		reqs:      make(chan *writeReq, 4*maxBatch),
		done:      make(chan struct{}),
		stopped:   make(chan struct{}),
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
	if w.conn != nil {
		w.conn.Close()
	}
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
		if len(w.carry) > 0 {
			batch, w.carry = append(batch[:0], w.carry...), nil
			if w.onlyBusy && len(batch) < w.maxBatch {
				// Give the transaction that holds them a moment,
				// rather than ask again at once.
				linger.Reset(lingerFor)
				select {
				case r := <-w.reqs:
					batch = append(batch, r)
				case <-linger.C:
				}
				if !linger.Stop() {
					select {
					case <-linger.C:
					default:
					}
				}
			}
		} else {
			select {
			case r := <-w.reqs:
				batch = append(batch[:0], r)
			case <-w.done:
				w.drain()
				return
			}
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

// WriterStats describes the writer's work so far.
type WriterStats struct {
	Writers  int           // writers these figures add up
	Batches  int64         // transactions committed or rolled back
	Requests int64         // Updates run in them
	Busy     time.Duration // time spent running and committing batches
	Commit   time.Duration // of which committing
	Retries  int64         // requests run again after a deadlock
	Deferred int64         // requests moved to the next batch (see prefetch)
}

func (w *batchWriter) commit(batch []*writeReq) {
	started := time.Now()
	var committing time.Duration
	deferred := 0
	defer func() {
		w.onlyBusy = deferred == len(batch)
		w.statsMu.Lock()
		w.stats.Batches++
		w.stats.Requests += int64(len(batch) - deferred)
		w.stats.Deferred += int64(deferred)
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
		if r.err == errBusy {
			// It never ran: its conversation was held by another
			// transaction, which this batch did not wait for.
			if r.busySince.IsZero() {
				r.busySince = started
			}
			w.carry = append(w.carry, r)
			deferred++
			continue
		}
		if r.err == nil && err != nil {
			r.err = err
		}
		if r.err != nil && w.retryable(r.err) && r.tries < maxTries-1 && r.ctx.Err() == nil {
			// Its writes were undone, and with them the locks it held;
			// the next batch runs it again after this one's commit has
			// let the other transaction through.
			r.tries++
			w.carry = append(w.carry, r)
			w.statsMu.Lock()
			w.stats.Retries++
			w.statsMu.Unlock()
			continue
		}
		close(r.done)
	}
}

// attempt runs the batch in one transaction. Without savepoints, a failing
// request stops it: everything rolls back and attempt asks for a retry
// (unless the request was alone, when its failure is the answer). A
// returned error fails every request that has none.
func (w *batchWriter) attempt(batch []*writeReq, savepoints bool, committing *time.Duration) (retry bool, err error) {
	active := 0
	for _, r := range batch {
		r.err, r.tx = nil, nil
		if r.ctx.Err() != nil {
			r.err = r.ctx.Err()
		} else {
			active++
		}
	}
	if w.runTx != nil {
		// Another instance may have written since the last batch.
		w.cache.clear()
	}
	body := func(q Querier) error {
		if w.runTx != nil {
			if err := w.prefetch(q, batch); err != nil {
				return err
			}
		}
		ok, err := w.runAll(q, batch, savepoints)
		if err != nil {
			return err
		}
		if ok == 0 {
			return errRollback
		}
		if w.runTx != nil && !savepoints {
			// Writes still held by a pipelining querier would report
			// their failure with COMMIT, where it could not be told
			// apart from a failed commit: send them now.
			if _, err := q.ExecContext(context.Background(), "SELECT 1"); err != nil {
				if active == 1 {
					// The lone request's write failed: that is its answer.
					for _, r := range batch {
						if r.tx != nil {
							r.err, r.tx = r.tx.wrap(err, "deferred write"), nil
						}
					}
				}
				return errRetry
			}
		}
		return nil
	}
	err = w.begin(body, committing)
	switch {
	case err == errRetry:
		w.cache.clear()
		return active > 1, nil
	case err == errRollback:
		w.cache.clear()
		return false, nil
	}
	return false, err
}

// prefetch reads and locks, in one round trip, the conversations the
// batch's requests said they write to (chat.WritesTo): each request then
// finds its rows in the cache instead of waiting for its own round trip,
// and batches of several instances lock conversations in the same order.
//
// A conversation that another transaction holds (another instance's
// writer, whose batch commits a few milliseconds later) is not waited for:
// its requests are moved to the next batch (errBusy), and the rest of this
// one goes on. Waiting would hold up every request of the batch, and with
// instances sharing conversations the writers spent most of their time
// waiting for each other's commits. Once a request has been moved for
// maxBusy its conversation is waited for, so that it cannot be passed over
// forever (a long transaction holding it, say).
func (w *batchWriter) prefetch(q Querier, batch []*writeReq) error {
	var keys [][2]int64
	mustWait := map[[2]int64]bool{}
	for _, r := range batch {
		if key, ok := chat.WritesToOf(r.ctx); ok && r.err == nil {
			keys = append(keys, key)
			mustWait[key] = mustWait[key] || !r.busySince.IsZero() && time.Since(r.busySince) >= maxBusy
		}
	}
	if len(keys) == 0 {
		return nil
	}
	tx := w.newTx(context.Background(), q, true)
	tx.wc, tx.prefetch, tx.keys = w.cache, true, w.keys
	busy, err := tx.prefetchConversations(keys, mustWait)
	if err != nil || len(busy) == 0 {
		return err
	}
	for _, r := range batch {
		if key, ok := chat.WritesToOf(r.ctx); ok && r.err == nil && busy[key] {
			r.err = errBusy
		}
	}
	return nil
}

// maxBusy bounds how long a request is moved from batch to batch (see
// prefetch): several times a batch's few milliseconds.
const maxBusy = 50 * time.Millisecond

var (
	// errBusy marks a request moved to the next batch (see prefetch).
	errBusy = errors.New("conversation busy")
	// errRollback ends a batch none of whose requests succeeded.
	errRollback = errors.New("rollback")
	// errRetry ends a batch without savepoints that a request failed.
	errRetry = errors.New("retry with savepoints")
)

// begin runs body in a transaction, committing when it returns nil.
func (w *batchWriter) begin(body func(Querier) error, committing *time.Duration) error {
	ctx := context.Background()
	if w.runTx != nil {
		var ran time.Time
		err := w.runTx(ctx, true, func(q Querier) error {
			err := body(q)
			ran = time.Now()
			return err
		})
		if err == nil {
			*committing += time.Since(ran)
		}
		return err
	}
	sqlTx, err := w.conn.BeginTx(ctx, nil)
	if err != nil {
		return chat.Internal(fmt.Errorf("begin: %w", err))
	}
	if err := body(sqlQuerier{sqlTx}); err != nil {
		sqlTx.Rollback()
		return err
	}
	commitStart := time.Now()
	err = sqlTx.Commit()
	*committing += time.Since(commitStart)
	if err != nil {
		return chat.Internal(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// runAll runs the batch's requests on q and reports how many succeeded.
// Without savepoints the first failure ends it with errRetry.
func (w *batchWriter) runAll(q Querier, batch []*writeReq, savepoints bool) (ok int, err error) {
	ctx := context.Background()
	exec := func(stmt string) error {
		_, err := q.ExecContext(ctx, stmt)
		return err
	}
	for _, r := range batch {
		if r.err != nil {
			continue
		}
		if savepoints {
			if err := exec("SAVEPOINT req"); err != nil {
				return 0, chat.Internal(fmt.Errorf("savepoint: %w", err))
			}
		}
		// Statements run without the request's cancellation. SQLite answers
		// a cancel during a statement with an interrupt, which rolls back
		// the whole transaction: every other request of the batch would
		// fail with it. A request that has started finishes.
		tx := w.newTx(context.WithoutCancel(r.ctx), q, true)
		tx.wc, tx.prefetch, tx.keys = w.cache, w.runTx != nil, w.keys
		err := runGuarded(tx, r.fn)
		if err == nil && savepoints {
			// Sends what a pipelining querier holds of the request's
			// writes, so that their failure is the request's.
			if err = exec("RELEASE SAVEPOINT req"); err != nil {
				err = tx.wrap(err, "deferred write")
			}
		}
		if err == nil {
			r.tx = tx
			ok++
			continue
		}
		r.err = err
		w.cache.clear() // it may hold rows of the writes undone below
		if !savepoints {
			return 0, errRetry
		}
		if d, isPipe := q.(interface{ Discard() }); isPipe {
			d.Discard()
		}
		if err := exec("ROLLBACK TO SAVEPOINT req"); err != nil {
			// The transaction is in an unknown state: give up on all.
			return 0, chat.Internal(fmt.Errorf("rollback to savepoint: %w", err))
		}
		if err := exec("RELEASE SAVEPOINT req"); err != nil {
			return 0, chat.Internal(fmt.Errorf("release savepoint: %w", err))
		}
	}
	return ok, nil
}
