package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlite"
)

const migrateDataHelp = `Usage: parley migrate-data -from sqlite://parley.db -to postgres://...

Copies everything in a SQLite database (accounts, users, inboxes, contacts,
conversations, messages, events, webhooks, deliveries and their attempts) into
an empty PostgreSQL database, keeping every id, in one transaction: the
destination ends with all of it or nothing. Both databases are migrated to
this version first. Stop the servers on the SQLite file while it runs, then
start them with PARLEY_DATABASE_URL set to the PostgreSQL URL.

Flags:
`

func runMigrateData(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("migrate-data", flag.ContinueOnError)
	from := fs.String("from", "", "the SQLite database to copy: a file path or sqlite:// URL")
	to := fs.String("to", env("", "PARLEY_DATABASE_URL"), "the empty PostgreSQL database to copy into: a postgres:// URL (env PARLEY_DATABASE_URL)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), migrateDataHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *from == "" || *to == "" {
		fs.Usage()
		return errors.New("migrate-data needs both -from and -to")
	}
	if !postgres.IsURL(*to) {
		return fmt.Errorf("-to must be a postgres:// URL, not %q", *to)
	}
	path, err := sqlite.Path(*from)
	if err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("-from: no SQLite database at %s", path)
	}
	src, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to, postgres.Options{MaxConns: 2, Writers: 1})
	if err != nil {
		return err
	}
	defer dst.Close()
	fmt.Printf("copying %s into postgres://%s\n", path, postgres.Redact(*to))
	var total int64
	_, err = postgres.Import(ctx, dst.DB(), src.ReadDB(), func(c postgres.TableCount) {
		fmt.Printf("  %-20s %10d rows\n", c.Table, c.Rows)
		total += c.Rows
	})
	if err != nil {
		return fmt.Errorf("nothing was copied: %w", err)
	}
	fmt.Printf("done: %d rows copied\n", total)
	return nil
}
