package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/sqlstore"
)

// errUsage reports a flag error already printed by the flag package.
var errUsage = errors.New("usage")

// env returns the first set environment variable of names, or def.
func env(def string, names ...string) string {
	for _, n := range names {
		if v, ok := os.LookupEnv(n); ok && v != "" {
			return v
		}
	}
	return def
}

func envDuration(def time.Duration, names ...string) time.Duration {
	v := env("", names...)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		// Plain numbers are seconds, as Chatwoot's WEBHOOK_TIMEOUT is.
		var secs float64
		if _, err := fmt.Sscanf(v, "%g", &secs); err == nil && secs > 0 {
			return time.Duration(secs * float64(time.Second))
		}
		return def
	}
	return d
}

func envInt(def int, names ...string) int {
	var n int
	if _, err := fmt.Sscanf(env("", names...), "%d", &n); err != nil {
		return def
	}
	return n
}

// dbFlags are the database settings every command that opens the database
// shares.
type dbFlags struct {
	url         string
	synchronous string
	maxConns    int
	writers     int
}

func (f *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.url, "db", env("parley.db", "PARLEY_DATABASE_URL"),
		"database: a SQLite file path or sqlite:// URL, or a postgres:// URL (env PARLEY_DATABASE_URL)")
	fs.IntVar(&f.maxConns, "db-max-conns", envInt(16, "PARLEY_DB_MAX_CONNS"),
		"PostgreSQL: connections this instance's pool opens at most; every instance has its own pool (env PARLEY_DB_MAX_CONNS)")
	fs.IntVar(&f.writers, "db-writers", envInt(postgres.DefaultWriters, "PARLEY_DB_WRITERS"),
		"PostgreSQL: writers committing this instance's writes side by side, each taking its share of the conversations; fewer than -db-max-conns (env PARLEY_DB_WRITERS)")
	fs.StringVar(&f.synchronous, "sqlite-synchronous", env("NORMAL", "PARLEY_SQLITE_SYNCHRONOUS"),
		"SQLite durability: NORMAL survives a killed process, FULL also survives power loss, slower (env PARLEY_SQLITE_SYNCHRONOUS)")
}

// open opens the configured database and applies migrations.
func (f *dbFlags) open(ctx context.Context) (*sqlstore.Store, error) {
	if f.postgres() {
		if f.writers < 1 {
			return nil, fmt.Errorf("-db-writers must be at least 1, not %d", f.writers)
		}
		return postgres.Open(ctx, f.url, postgres.Options{MaxConns: f.maxConns, Writers: f.writers})
	}
	path, err := sqlite.Path(f.url)
	if err != nil {
		return nil, err
	}
	return sqlite.Open(ctx, path, sqlite.Options{Synchronous: f.synchronous})
}

// display is the database for logs and messages, without a password.
func (f *dbFlags) display() string {
	if f.postgres() {
		return "postgres://" + postgres.Redact(f.url)
	}
	return f.url
}

// postgres reports whether the database is PostgreSQL.
func (f *dbFlags) postgres() bool { return postgres.IsURL(f.url) }

// newLogger returns the process logger. Logs go to stderr.
func newLogger(level, format string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("invalid log level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: l}
	switch format {
	case "text", "":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("invalid log format %q: want text or json", format)
}

// instanceName names this process among the instances sharing a database:
// host, process id and a random part, so that a restarted process never
// takes over the leases of its previous life.
func instanceName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), chat.SecureToken(8))
}
