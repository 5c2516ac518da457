package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Tables are Parley's tables in an order that copies every row after the
// rows it refers to.
var Tables = []string{
	"accounts", "users", "account_users", "channel_api", "channel_web_widgets", "inboxes",
	"contacts", "contact_inboxes", "conversations", "messages", "events",
	"webhooks", "deliveries", "delivery_attempts", "installation_secrets",
}

// TableCount is how many rows Import copied into one table.
type TableCount struct {
	Table string
	Rows  int64
}

// Import copies every row of Parley's tables from src (another Parley
// database, migrated to the same version) into dst, an empty PostgreSQL
// database, in one transaction: dst ends with all of it or none. Ids are
// kept, and the id sequences moved past them.
func Import(ctx context.Context, dst, src *sql.DB, progress func(TableCount)) ([]TableCount, error) {
	conn, err := dst.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var counts []TableCount
	err = conn.Raw(func(driverConn any) error {
		pg := driverConn.(*stdlib.Conn).Conn()
		var n int64
		if err := pg.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
			return fmt.Errorf("reading the destination: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("the destination already holds %d accounts: migrate-data copies into an empty database only", n)
		}
		tx, err := pg.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(ctx)
		for _, table := range Tables {
			c, err := copyTable(ctx, tx, src, table)
			if err != nil {
				return fmt.Errorf("copying %s: %w", table, err)
			}
			counts = append(counts, c)
			if progress != nil {
				progress(c)
			}
			if table == "installation_secrets" {
				continue // keyed by name: no id sequence
			}
			if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM %s`,
				table, table)); err != nil {
				return fmt.Errorf("moving the id sequence of %s: %w", table, err)
			}
		}
		return tx.Commit(ctx)
	})
	return counts, err
}

// copyTable streams one table with COPY, converting each value to its
// destination column's type (SQLite keeps flags as integers).
func copyTable(ctx context.Context, tx pgx.Tx, src *sql.DB, table string) (TableCount, error) {
	types := map[string]string{}
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return TableCount{}, err
	}
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			return TableCount{}, err
		}
		types[name] = typ
	}
	if err := rows.Err(); err != nil {
		return TableCount{}, err
	}
	srows, err := src.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY 1`)
	if err != nil {
		return TableCount{}, err
	}
	defer srows.Close()
	cols, err := srows.Columns()
	if err != nil {
		return TableCount{}, err
	}
	for _, c := range cols {
		if types[c] == "" {
			return TableCount{}, fmt.Errorf("column %s.%s is not in the destination: are both databases at the same Parley version?", table, c)
		}
	}
	rs := &rowSource{rows: srows, cols: cols, types: types, vals: make([]any, len(cols))}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, rs)
	if err == nil {
		err = rs.err
	}
	return TableCount{Table: table, Rows: n}, err
}

// rowSource feeds COPY from a database/sql result.
type rowSource struct {
	rows  *sql.Rows
	cols  []string
	types map[string]string
	vals  []any
	err   error
}

func (r *rowSource) Next() bool {
	if !r.rows.Next() {
		r.err = r.rows.Err()
		return false
	}
	ptrs := make([]any, len(r.vals))
	for i := range r.vals {
		ptrs[i] = &r.vals[i]
	}
	if err := r.rows.Scan(ptrs...); err != nil {
		r.err = err
		return false
	}
	for i, v := range r.vals {
		r.vals[i] = convert(v, r.types[r.cols[i]])
	}
	return true
}

func (r *rowSource) Values() ([]any, error) { return r.vals, r.err }
func (r *rowSource) Err() error             { return r.err }

// convert makes a source value fit a PostgreSQL column type.
func convert(v any, typ string) any {
	switch x := v.(type) {
	case int64:
		if typ == "boolean" {
			return x != 0
		}
	case []byte:
		if typ != "bytea" {
			return string(x)
		}
	case string:
		if typ == "bytea" {
			return []byte(x)
		}
	}
	return v
}
