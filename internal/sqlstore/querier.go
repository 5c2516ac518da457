package sqlstore

import (
	"context"
	"database/sql"
)

// Querier is what a Tx runs statements on: a database/sql transaction, or
// an engine's own connection that can send several statements in one round
// trip (see Options.Run).
type Querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) Row
	// Defer runs a statement whose result nobody reads. A pipelining
	// querier holds it and sends it with the next statement (or the
	// commit), reporting its failure there.
	Defer(ctx context.Context, query string, args ...any) error
	// DeferQuery runs a statement whose rows are needed only after the
	// transaction commits (the ids of new rows). A pipelining querier
	// sends it with the next statement and hands its rows to scan then,
	// before the commit returns.
	DeferQuery(ctx context.Context, scan func(Rows) error, query string, args ...any) error
	// Batch runs statements in order, handing each one's rows to its Scan,
	// in as few round trips as the engine allows.
	Batch(ctx context.Context, stmts []Stmt) error
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Close() error
	Err() error
}

// Row is a single-row result; Scan reports sql.ErrNoRows when there is none.
type Row interface {
	Scan(dest ...any) error
}

// Stmt is one statement of a Batch.
type Stmt struct {
	Query string
	Args  []any
	Scan  func(Rows) error
}

// RunFunc runs fn in one transaction on a connection of the engine's
// choosing and commits when fn returns nil (write) or ends it (read).
type RunFunc func(ctx context.Context, write bool, fn func(Querier) error) error

// sqlQuerier is a Querier on a database/sql transaction: one round trip a
// statement.
type sqlQuerier struct{ tx *sql.Tx }

func (q sqlQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return q.tx.ExecContext(ctx, query, args...)
}

func (q sqlQuerier) QueryContext(ctx context.Context, query string, args ...any) (Rows, error) {
	return q.tx.QueryContext(ctx, query, args...)
}

func (q sqlQuerier) QueryRowContext(ctx context.Context, query string, args ...any) Row {
	return q.tx.QueryRowContext(ctx, query, args...)
}

func (q sqlQuerier) Defer(ctx context.Context, query string, args ...any) error {
	_, err := q.tx.ExecContext(ctx, query, args...)
	return err
}

func (q sqlQuerier) DeferQuery(ctx context.Context, scan func(Rows) error, query string, args ...any) error {
	return q.Batch(ctx, []Stmt{{Query: query, Args: args, Scan: scan}})
}

func (q sqlQuerier) Batch(ctx context.Context, stmts []Stmt) error {
	for _, st := range stmts {
		rows, err := q.tx.QueryContext(ctx, st.Query, st.Args...)
		if err != nil {
			return err
		}
		err = st.Scan(rows)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
