package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/webhook"
	"github.com/parleyhq/parley/internal/widget"
)

const serveHelp = `Usage: parley serve [flags]

Starts the server. On an empty database it creates account 1 ("Default") and
an administrator, and prints the administrator's access token once.

Every flag can also be set by the environment variable named in its
description; a flag given on the command line wins. Secrets are read from the
environment only, so they stay out of process listings:

  PARLEY_ADMIN_TOKEN      the bootstrap administrator's access token, instead
                          of a random one (kept in step on every start)
  PARLEY_ADMIN_EMAIL      the bootstrap administrator's email
                          (default admin@parley.local)
  PARLEY_PLATFORM_TOKEN   enables the Platform API (/platform/api/v1) with
                          this token; unset, the Platform API answers 401

Flags:
`

type serveConfig struct {
	addr               string
	db                 dbFlags
	logLevel           string
	logFormat          string
	shutdownTimeout    time.Duration
	webhookTimeout     time.Duration
	webhookConcurrency int
	lease              time.Duration
	authTTL            time.Duration
	retention          time.Duration
	allowPrivateNet    bool
	visitors           api.VisitorLimits
	adminToken         string
	adminEmail         string
	platformToken      string
}

func parseServe(args []string) (*serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &serveConfig{
		adminToken:    os.Getenv("PARLEY_ADMIN_TOKEN"),
		adminEmail:    os.Getenv("PARLEY_ADMIN_EMAIL"),
		platformToken: os.Getenv("PARLEY_PLATFORM_TOKEN"),
	}
	fs.StringVar(&c.addr, "addr", env("127.0.0.1:3000", "PARLEY_ADDR"), "listen address (env PARLEY_ADDR)")
	c.db.register(fs)
	fs.StringVar(&c.logLevel, "log-level", env("info", "PARLEY_LOG_LEVEL"), "log level: debug (logs every request), info, warn, error (env PARLEY_LOG_LEVEL)")
	fs.StringVar(&c.logFormat, "log-format", env("text", "PARLEY_LOG_FORMAT"), "log format: text or json (env PARLEY_LOG_FORMAT)")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", envDuration(30*time.Second, "PARLEY_SHUTDOWN_TIMEOUT"),
		"how long Ctrl-C waits for in-flight requests (env PARLEY_SHUTDOWN_TIMEOUT)")
	fs.DurationVar(&c.webhookTimeout, "webhook-timeout", envDuration(5*time.Second, "PARLEY_WEBHOOK_TIMEOUT", "WEBHOOK_TIMEOUT"),
		"time limit of one webhook delivery attempt (env PARLEY_WEBHOOK_TIMEOUT; Chatwoot's WEBHOOK_TIMEOUT, in seconds, is accepted too)")
	fs.BoolVar(&c.allowPrivateNet, "allow-private-network", webhook.PolicyFromEnv(os.Getenv).AllowPrivate,
		"let webhooks reach loopback, private and link-local addresses; metadata, multicast and unspecified ones stay refused (env PARLEY_ALLOW_PRIVATE_NETWORK; Chatwoot's SAFE_FETCH_ALLOW_PRIVATE_NETWORK is accepted too)")
	fs.IntVar(&c.webhookConcurrency, "webhook-concurrency", envInt(16, "PARLEY_WEBHOOK_CONCURRENCY"),
		"deliveries sent at once to any one endpoint (env PARLEY_WEBHOOK_CONCURRENCY)")
	fs.DurationVar(&c.lease, "lease", envDuration(webhook.DefaultLeaseDuration, "PARLEY_LEASE_DURATION"),
		"PostgreSQL: how long an instance's claim on a webhook delivery lasts unless renewed, so how long a dead instance's deliveries wait before the others take them; at least 3 times -webhook-timeout (env PARLEY_LEASE_DURATION)")
	fs.DurationVar(&c.authTTL, "auth-cache", envDuration(chat.DefaultAuthTTL, "PARLEY_AUTH_CACHE"),
		"how long a token's sign-in is remembered before the database is asked again; changes made through Parley apply at once on every instance regardless, this bounds only those it cannot hear of (0s: never remember) (env PARLEY_AUTH_CACHE)")
	fs.IntVar(&c.visitors.PerIP, "widget-rate-ip", envInt(600, "PARLEY_WIDGET_RATE_IP"),
		"requests a minute one client address may make to the widget and public client APIs, in bursts of as many; over it, 429 with Retry-After (env PARLEY_WIDGET_RATE_IP)")
	fs.IntVar(&c.visitors.PerVisitor, "widget-rate-visitor", envInt(120, "PARLEY_WIDGET_RATE_VISITOR"),
		"the same for one visitor (widget token or public API source_id) (env PARLEY_WIDGET_RATE_VISITOR)")
	fs.Int64Var(&c.visitors.MaxBody, "widget-max-body", int64(envInt(64<<10, "PARLEY_WIDGET_MAX_BODY")),
		"largest request body, in bytes, the widget and public client APIs accept; larger is 413 (env PARLEY_WIDGET_MAX_BODY)")
	c.retention = webhook.DefaultRetention
	if v := env("", "PARLEY_RETENTION"); v != "" {
		d, err := parseRetention(v)
		if err != nil {
			fmt.Fprintf(fs.Output(), "parley serve: PARLEY_RETENTION: %v\n", err)
			return nil, errUsage
		}
		c.retention = d
	}
	fs.Var(retentionFlag{&c.retention}, "retention",
		"how long webhook delivery logs (attempts, finished deliveries, payloads) are kept before they are pruned; a `duration` such as 720h or days such as 30d; 0 keeps everything; pending deliveries are never pruned (env PARLEY_RETENTION)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveHelp)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "parley serve: unexpected argument %q\n", fs.Arg(0))
		return nil, errUsage
	}
	return c, nil
}

func runServe(ctx context.Context, args []string) error {
	cfg, err := parseServe(args)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.logLevel, cfg.logFormat)
	if err != nil {
		return err
	}
	store, err := cfg.db.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	svc := &chat.Service{Store: store, AuthTTL: cfg.authTTL}
	if cfg.authTTL == 0 {
		svc.AuthTTL = -1 // remember nothing
	}
	if cfg.webhookTimeout <= 0 {
		cfg.webhookTimeout = 5 * time.Second
	}
	if cfg.db.postgres() && cfg.lease < 3*cfg.webhookTimeout {
		return fmt.Errorf("-lease %v is too short for -webhook-timeout %v: an attempt must end well inside its lease; give at least %v",
			cfg.lease, cfg.webhookTimeout, 3*cfg.webhookTimeout)
	}
	// Deliveries connect only to addresses the network policy allows.
	deliveries := webhook.NewClient(webhook.ClientConfig{Timeout: cfg.webhookTimeout,
		Policy: webhook.Policy{AllowPrivate: cfg.allowPrivateNet}})
	engine := &webhook.Engine{
		Store:               store,
		Sender:              &webhook.Sender{HTTP: deliveries, UserAgent: "Parley/" + version},
		Log:                 log,
		EndpointConcurrency: cfg.webhookConcurrency,
		ShutdownTimeout:     cfg.shutdownTimeout,
	}
	if cfg.db.postgres() {
		// Other instances may share the database: deliveries are leased.
		engine.LeaseOwner, engine.LeaseDuration = instanceName(), cfg.lease
		log.Info("sharing webhook deliveries with any other instance on the database", "instance", engine.LeaseOwner, "lease", cfg.lease)
		if off, err := postgres.AutovacuumOff(ctx, store.DB()); err == nil && off {
			log.Warn("autovacuum is off on the database server: dead rows of deliveries and conversations pile up and query plans go stale; turn it on, or run VACUUM ANALYZE regularly")
		}
	}
	svc.Events = &webhook.Sink{Notify: engine.Notify, Engine: engine}
	ectx, stopEngine := context.WithCancel(context.Background())
	engineDone := make(chan struct{})
	go func() { engine.Run(ectx); close(engineDone) }()
	defer func() {
		// After the HTTP server: requests in flight may still commit events.
		stopEngine()
		<-engineDone
	}()
	if cfg.retention > 0 {
		pruner := &webhook.Pruner{Store: store, Retention: cfg.retention, Log: log}
		pctx, stopPruner := context.WithCancel(context.Background())
		prunerDone := make(chan struct{})
		go func() { pruner.Run(pctx); close(prunerDone) }()
		defer func() { stopPruner(); <-prunerDone }()
	}

	admin, created, err := svc.Bootstrap(ctx, cfg.adminToken, cfg.adminEmail)
	if err != nil {
		return fmt.Errorf("prepare database: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	if created {
		printWelcome(base, admin, cfg.adminToken != "")
	}
	var broker widget.Broker // in-process unless other instances may share the database
	if cfg.db.postgres() {
		lctx, stopListening := context.WithCancel(context.Background())
		defer stopListening()
		notifier := &postgres.Notifier{DB: store.DB(), URL: cfg.db.url, Channel: "parley_widget", Log: log}
		shared := &widget.Shared{Hub: widget.NewHub(), Bus: notifier, Log: log}
		go notifier.Listen(lctx, shared.Deliver, nil)
		broker = shared
		// A revoked token or a removed membership stops working on every
		// instance at once, not when their sign-in caches expire.
		signIns := &postgres.Notifier{DB: store.DB(), URL: cfg.db.url, Channel: "parley_auth", Log: log}
		svc.AuthChanged = func() {
			if err := signIns.Send(nil); err != nil {
				log.Warn("telling other instances of an access change; they apply it within -auth-cache", "error", err)
			}
		}
		// Sign-ins are only remembered while this instance hears of
		// changes: it serves once it listens, and forgets what it
		// remembers whenever it listens again after losing the
		// connection (the news sent meanwhile is lost).
		listening, once := make(chan struct{}), sync.Once{}
		go signIns.Listen(lctx, func([]byte) { svc.ForgetSignIns() }, func() {
			svc.ForgetSignIns()
			once.Do(func() { close(listening) })
		})
		select {
		case <-listening:
		case <-time.After(10 * time.Second):
			log.Warn("not yet listening for access changes made through other instances; they apply here within -auth-cache")
		}
	}
	handler := api.New(api.Config{Service: svc, Logger: log, PlatformToken: cfg.platformToken, Version: version,
		Metrics: func(w io.Writer) { writeMetrics(w, engine, store) }, Visitors: cfg.visitors, Broker: broker})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Widgets' event streams never end by themselves: end them so a
	// graceful shutdown does not wait for them.
	srv.RegisterOnShutdown(handler.CloseStreams)
	log.Info("parley listening", "addr", base, "db", cfg.db.display(), "version", version,
		"platform_api", cfg.platformToken != "")

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", cfg.shutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("shutdown did not finish in time", "error", err)
	}
	log.Info("stopped")
	return nil
}

// printWelcome shows the new administrator's token once, on stdout rather
// than in the logs, so log collectors never store it.
func printWelcome(base string, admin *chat.User, fromEnv bool) {
	token := admin.AccessToken
	if fromEnv {
		token = "$PARLEY_ADMIN_TOKEN"
	}
	fmt.Printf(`
Parley is ready. Created account 1 ("Default") and administrator %s.
Administrator access token (shown once; keep it safe):

    %s

Try it:

    curl -H "api_access_token: %s" %s/api/v1/profile

`, admin.Email, maskIfEnv(admin.AccessToken, fromEnv), token, base)
}

func maskIfEnv(token string, fromEnv bool) string {
	if fromEnv {
		return "(the value of PARLEY_ADMIN_TOKEN)"
	}
	return token
}
