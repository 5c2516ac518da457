package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/sqlstore"
)

// Run is the store's transaction runner (sqlstore.Options.Run). With the
// server on the same two cores as Parley, a round trip costs more than the
// statement it carries, so the transaction speaks pgx on a pooled
// connection and sends statements together where it can: BEGIN goes with
// the first statement, deferred writes with the one after them, and the
// last deferred writes with COMMIT. Reads open a READ ONLY transaction the
// same way, so that a View can never write, and on one snapshot.
func Run(db *sql.DB) sqlstore.RunFunc {
	return func(ctx context.Context, write bool, fn func(sqlstore.Querier) error) error {
		conn, err := db.Conn(ctx)
		if err != nil {
			return chat.Internal(fmt.Errorf("connection: %w", err))
		}
		defer conn.Close()
		var fnErr error
		err = conn.Raw(func(dc any) error {
			q := &pipe{conn: dc.(*stdlib.Conn).Conn(), write: write}
			if fnErr = fn(q); fnErr != nil || !write {
				return q.end(ctx, "rollback")
			}
			return q.end(ctx, "commit")
		})
		if fnErr != nil {
			return fnErr
		}
		if err != nil {
			return chat.Internal(fmt.Errorf("commit: %w", err))
		}
		return nil
	}
}

// pipe is a sqlstore.Querier on one pgx connection.
type pipe struct {
	conn  *pgx.Conn
	write bool
	// began is set once BEGIN has been queued.
	began   bool
	pending []pendingStmt
}

type pendingStmt struct {
	query string
	args  []any
	scan  func(sqlstore.Rows) error // nil for Defer
}

// batch starts a pgx batch holding BEGIN when due and the deferred writes.
func (p *pipe) batch() *pgx.Batch {
	b := &pgx.Batch{}
	if !p.began {
		if p.write {
			b.Queue("begin")
		} else {
			// One snapshot for the whole read, as SQLite's readers
			// have: under READ COMMITTED each statement would see the
			// commits made since the last (a delivery's row from before
			// its outcome, its attempts from after).
			b.Queue("begin isolation level repeatable read read only")
		}
		p.began = true
	}
	for _, s := range p.pending {
		b.Queue(s.query, s.args...)
	}
	return b
}

// lead reads the results of what batch put before the caller's statements.
func (p *pipe) lead(br pgx.BatchResults, b *pgx.Batch, ours int) error {
	pending := p.pending
	p.pending = nil
	lead := b.Len() - ours
	for i := 0; i < lead; i++ {
		k := i - (lead - len(pending))
		var err error
		if k >= 0 && pending[k].scan != nil {
			err = scanAll(br, pending[k].scan)
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			if k >= 0 {
				return fmt.Errorf("%w (deferred: %.80s)", err, pending[k].query)
			}
			return err
		}
	}
	return nil
}

// scanAll hands the next result of br to scan.
func scanAll(br pgx.BatchResults, scan func(sqlstore.Rows) error) error {
	r, err := br.Query()
	if err != nil {
		if r != nil {
			r.Close()
		}
		return err
	}
	rs := &rows{r: r}
	err = scan(rs)
	if cerr := rs.Close(); err == nil {
		err = cerr
	}
	return err
}

// end commits or rolls back, sending the deferred writes first. When that
// fails midway the transaction is rolled back; a connection that cannot be
// brought back to idle is closed, and the pool drops it.
func (p *pipe) end(ctx context.Context, verb string) error {
	if verb == "rollback" {
		p.pending = nil
		// A rollback must reach the server even when the caller gave up.
		ctx = context.WithoutCancel(ctx)
	}
	if !p.began && len(p.pending) == 0 {
		return nil // nothing ran: there is no transaction
	}
	b := p.batch()
	b.Queue(verb)
	br := p.conn.SendBatch(ctx, b)
	err := p.lead(br, b, 1)
	if err == nil {
		var ct pgconn.CommandTag
		if ct, err = br.Exec(); err == nil && verb == "commit" && ct.String() == "ROLLBACK" {
			// PostgreSQL answers COMMIT of a failed transaction this way.
			err = errors.New("transaction was rolled back")
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil && p.conn.PgConn().TxStatus() != 'I' && !p.conn.IsClosed() {
		if _, rerr := p.conn.Exec(context.WithoutCancel(ctx), "rollback"); rerr != nil {
			p.conn.Close(context.Background())
		}
	}
	if err != nil && (p.conn.IsClosed() || p.conn.PgConn().TxStatus() != 'I') {
		return errors.Join(err, driver.ErrBadConn)
	}
	return err
}

func (p *pipe) Defer(_ context.Context, query string, args ...any) error {
	p.pending = append(p.pending, pendingStmt{query: query, args: args})
	return nil
}

func (p *pipe) DeferQuery(_ context.Context, scan func(sqlstore.Rows) error, query string, args ...any) error {
	p.pending = append(p.pending, pendingStmt{query: query, args: args, scan: scan})
	return nil
}

func (p *pipe) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	b := p.batch()
	b.Queue(query, args...)
	br := p.conn.SendBatch(ctx, b)
	err := p.lead(br, b, 1)
	var n int64
	if err == nil {
		ct, e := br.Exec()
		err, n = e, ct.RowsAffected()
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return result(n), err
}

func (p *pipe) QueryContext(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	b := p.batch()
	b.Queue(query, args...)
	br := p.conn.SendBatch(ctx, b)
	if err := p.lead(br, b, 1); err != nil {
		br.Close()
		return nil, err
	}
	r, err := br.Query()
	if err != nil {
		if r != nil {
			r.Close()
		}
		br.Close()
		return nil, err
	}
	return &rows{r: r, br: br}, nil
}

func (p *pipe) QueryRowContext(ctx context.Context, query string, args ...any) sqlstore.Row {
	r, err := p.QueryContext(ctx, query, args...)
	return row{r, err}
}

func (p *pipe) Batch(ctx context.Context, stmts []sqlstore.Stmt) error {
	b := p.batch()
	for _, s := range stmts {
		b.Queue(s.Query, s.Args...)
	}
	br := p.conn.SendBatch(ctx, b)
	err := p.lead(br, b, len(stmts))
	for i := 0; err == nil && i < len(stmts); i++ {
		err = scanAll(br, stmts[i].Scan)
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

type result int64

func (n result) RowsAffected() (int64, error) { return int64(n), nil }
func (result) LastInsertId() (int64, error) {
	return 0, errors.New("LastInsertId is not supported: use RETURNING")
}

// rows adapts pgx.Rows, closing the batch it came from with it.
type rows struct {
	r  pgx.Rows
	br pgx.BatchResults
}

func (r *rows) Next() bool             { return r.r.Next() }
func (r *rows) Scan(dest ...any) error { return r.r.Scan(dest...) }
func (r *rows) Err() error             { return r.r.Err() }
func (r *rows) Close() error {
	r.r.Close()
	err := r.r.Err()
	if r.br != nil {
		if cerr := r.br.Close(); err == nil {
			err = cerr
		}
		r.br = nil
	}
	return err
}

// row is QueryRow's result, with database/sql's sql.ErrNoRows.
type row struct {
	r   sqlstore.Rows
	err error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.r.Close()
	if !r.r.Next() {
		if err := r.r.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	if err := r.r.Scan(dest...); err != nil {
		return err
	}
	return r.r.Close()
}

// Discard drops the deferred writes not sent yet (the batch writer rolls
// back to a savepoint after a request failed).
func (p *pipe) Discard() { p.pending = nil }
