package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
)

// TempSchema creates a schema with a random name prefix_xxxxxxxxxxxx in
// the database at baseURL, for a test or benchmark that wants a database
// of its own on a shared server. It returns a URL whose connections use the
// schema, and a function that drops it with everything in it.
func TempSchema(ctx context.Context, baseURL, prefix string) (string, func() error, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		return "", nil, fmt.Errorf("invalid PostgreSQL URL %s", Redact(baseURL))
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if err := execOnce(ctx, baseURL, `CREATE SCHEMA `+schema); err != nil {
		return "", nil, fmt.Errorf("create schema on %s: %w", Redact(baseURL), redactErr(err))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func() error { return execOnce(context.Background(), baseURL, `DROP SCHEMA `+schema+` CASCADE`) }
	return u.String(), drop, nil
}

// execOnce runs one statement on a connection of its own (postgres.go's
// stdlib import registers the "pgx" driver).
func execOnce(ctx context.Context, dbURL, stmt string) error {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}
