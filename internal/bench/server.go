package bench

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlite"
	"github.com/parleyhq/parley/internal/sqlstore"
	"github.com/parleyhq/parley/internal/webhook"
)

// benchToken is the administrator token of a benchmark server.
const benchToken = "bench-admin-token"

// server is a Parley server on a temporary SQLite database, with its
// delivery engine, as `parley serve` runs it.
type server struct {
	log    *slog.Logger
	base   string
	store  *sqlstore.Store
	svc    *chat.Service
	engine *webhook.Engine
	close  func()
}

type serverOptions struct {
	Synchronous string
	// Postgres, when set, is the URL of the PostgreSQL schema to run on
	// instead of a temporary SQLite file; Instance names this server among
	// others on the same schema (its lease owner).
	Postgres, Instance string
	// Engine settings; zero values take the engine's defaults.
	EndpointConcurrency int
	MaxQueued           int
	// NoEngine leaves deliveries in the database unsent.
	NoEngine bool
}

func startServer(ctx context.Context, opt serverOptions) (*server, error) {
	store, closeStore, err := open(ctx, opt.Postgres, opt.Synchronous)
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &chat.Service{Store: store}
	s := &server{store: store, svc: svc, log: quiet}
	stopEngine := func() {}
	engineDone := make(chan struct{})
	if !opt.NoEngine {
		s.engine = &webhook.Engine{Store: store, Sender: benchSender(), Log: quiet,
			EndpointConcurrency: opt.EndpointConcurrency, MaxQueued: opt.MaxQueued, ShutdownTimeout: time.Second}
		if opt.Postgres != "" {
			s.engine.LeaseOwner = opt.Instance // as parley serve on PostgreSQL
		}
		svc.Events = &webhook.Sink{Notify: s.engine.Notify, Engine: s.engine}
		ectx, cancel := context.WithCancel(context.Background())
		stopEngine = cancel
		go func() { s.engine.Run(ectx); close(engineDone) }()
	} else {
		svc.Events = &webhook.Sink{}
		close(engineDone)
	}
	fail := func(err error) (*server, error) {
		stopEngine()
		<-engineDone
		closeStore()
		return nil, err
	}
	if _, _, err := svc.Bootstrap(ctx, benchToken, ""); err != nil {
		return fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	srv := &http.Server{Handler: api.New(api.Config{Service: svc, Logger: quiet}), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	s.base = "http://" + ln.Addr().String()
	s.close = func() {
		srv.Close()
		stopEngine()
		<-engineDone
		closeStore()
	}
	return s, nil
}

// benchSender posts to the benchmark's loopback receivers.
func benchSender() *webhook.Sender {
	return &webhook.Sender{
		HTTP:      webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}),
		UserAgent: "Parley/bench",
	}
}

func (s *server) quietLog() *slog.Logger { return s.log }

// envCount reads a PostgreSQL setting under test as serve does (the pool
// size, PARLEY_DB_MAX_CONNS; the writers, PARLEY_DB_WRITERS); 0, the
// default, when unset.
func envCount(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// openStore opens a store for a benchmark that needs no server of its own:
// in a schema made for the run on PostgreSQL when pgURL is set, otherwise
// in a temporary SQLite file. done closes it and removes what it made.
func openStore(ctx context.Context, pgURL, synchronous string) (store *sqlstore.Store, done func(), err error) {
	if pgURL == "" {
		return open(ctx, "", synchronous)
	}
	u, drop, err := postgres.TempSchema(ctx, pgURL, "parley_bench")
	if err != nil {
		return nil, nil, err
	}
	store, closeStore, err := open(ctx, u, "")
	if err != nil {
		drop()
		return nil, nil, err
	}
	return store, func() { closeStore(); drop() }, nil
}

// open opens the store at schemaURL on PostgreSQL, or a temporary SQLite
// file when it is empty; done closes it (and removes the file).
func open(ctx context.Context, schemaURL, synchronous string) (store *sqlstore.Store, done func(), err error) {
	if schemaURL != "" {
		if store, err = postgres.Open(ctx, schemaURL, postgres.Options{MaxConns: envCount("PARLEY_DB_MAX_CONNS"), Writers: envCount("PARLEY_DB_WRITERS")}); err != nil {
			return nil, nil, err
		}
		return store, func() { store.Close() }, nil
	}
	dir, err := os.MkdirTemp("", "parley-bench-")
	if err != nil {
		return nil, nil, err
	}
	if store, err = sqlite.Open(ctx, filepath.Join(dir, "bench.db"), sqlite.Options{Synchronous: synchronous}); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return store, func() { store.Close(); os.RemoveAll(dir) }, nil
}

// steady brings a PostgreSQL store's statistics up to date, as autovacuum
// does within a minute of a table's growth, and with them the plans each
// connection has cached: a benchmark measures its first seconds on tables
// that were empty moments before, and the plans PostgreSQL made for them
// then (a whole-table scan looks cheapest on a nearly empty table) would
// otherwise last the whole run, a state a server leaves in its first
// minute. A SQLite store is left as it is.
func steady(ctx context.Context, store *sqlstore.Store, onPostgres bool) error {
	if !onPostgres {
		return nil
	}
	_, err := store.DB().ExecContext(ctx, `ANALYZE accounts, inboxes, contacts, contact_inboxes, conversations, messages, events, deliveries, delivery_attempts, webhooks`)
	return err
}
