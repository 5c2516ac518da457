package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"time"

	"github.com/parleyhq/parley/internal/bench"
	"github.com/parleyhq/parley/internal/postgres"
)

const benchHelp = `Usage: parley bench [<benchmark>] [flags]

Measures Parley on this machine. Each benchmark starts a server on a
temporary SQLite database (removed afterwards) in this process, or with
-postgres URL on PostgreSQL (deliveries: one or more instances), and drives it
through the real HTTP API with concurrent clients; the load generator and
the webhook receivers share the CPUs with the server, as they would on one
small box.

Benchmarks (deliveries when none is named):
  api          message creates per second through POST
               /api/v1/accounts/1/conversations/{id}/messages (each a
               committed transaction with its event)
  deliveries   the same load with webhooks subscribed: events accepted/s,
               deliveries completed/s end to end, first-attempt latency from
               the API's answer to the receiver, peak memory, CPU per event
               (this process, and the rest of the machine: with -postgres
               on the same box, the database), and the raw limit (signed
               POSTs/s from a Go client to the same receiver)
  backlog      a backlog of due deliveries in the database, drained by the
               engine: deliveries/s over time and peak memory

Run 'parley bench <benchmark> -h' for its flags.
`

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-' && args[0] != "-h" && args[0] != "-help" && args[0] != "--help") {
		return benchDeliveries(ctx, args)
	}
	switch args[0] {
	case "api":
		return benchAPI(ctx, args[1:])
	case "deliveries":
		return benchDeliveries(ctx, args[1:])
	case "backlog":
		return benchBacklog(ctx, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Print(benchHelp)
		return nil
	}
	fmt.Fprintf(os.Stderr, "parley bench: unknown benchmark %q\n\n%s", args[0], benchHelp)
	return errUsage
}

// printJSON writes v indented to stdout.
func printJSON(v any) {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func benchAPI(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench api", flag.ContinueOnError)
	clients := fs.Int("clients", 32, "concurrent HTTP clients")
	duration := fs.Duration("duration", 10*time.Second, "how long to measure (after a 1 s warm-up)")
	convs := fs.Int("conversations", 50, "conversations the messages are spread over")
	sync := fs.String("sqlite-synchronous", "NORMAL", "SQLite synchronous setting: NORMAL or FULL")
	pg := fs.String("postgres", "", "run on PostgreSQL at this postgres:// URL instead of SQLite, in a schema made for the run and dropped after it (PARLEY_DB_MAX_CONNS and PARLEY_DB_WRITERS apply, as for serve)")
	asJSON := fs.Bool("json", false, "print the result as JSON (no progress lines)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	cfg := bench.APIConfig{Clients: *clients, Duration: *duration, Conversations: *convs, Synchronous: *sync, Postgres: *pg}
	if !*asJSON {
		cfg.Progress = os.Stderr
		db := "SQLite synchronous=" + *sync
		if *pg != "" {
			db = "PostgreSQL " + postgres.Redact(*pg)
		}
		fmt.Fprintf(os.Stderr, "parley bench api: %d clients, %d conversations, %s, GOMAXPROCS=%d, %s\n",
			cfg.Clients, cfg.Conversations, cfg.Duration, runtime.GOMAXPROCS(0), db)
	}
	res, err := bench.RunAPI(ctx, cfg)
	if res != nil {
		if *asJSON {
			printJSON(res)
		} else {
			table([][2]string{
				{"message creates per second", fmt.Sprintf("%.0f", res.PerSecond)},
				{"requests", fmt.Sprint(res.Requests)},
				{"errors", fmt.Sprint(res.Errors)},
				{"latency p50 (ms)", fmt.Sprintf("%.2f", res.P50ms)},
				{"latency p90 (ms)", fmt.Sprintf("%.2f", res.P90ms)},
				{"latency p99 (ms)", fmt.Sprintf("%.2f", res.P99ms)},
				{"events recorded (whole run)", fmt.Sprint(res.Events)},
			})
		}
	}
	return err
}

func benchDeliveries(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench deliveries", flag.ContinueOnError)
	var cfg bench.DeliveriesConfig
	fs.IntVar(&cfg.Endpoints, "endpoints", 1, "live webhooks every message is delivered to")
	fs.IntVar(&cfg.Dead, "dead", 0, "extra webhooks that never answer (every attempt times out)")
	fs.IntVar(&cfg.Clients, "clients", 64, "concurrent API clients")
	fs.Float64Var(&cfg.Rate, "rate", 0, "message creates per second to offer (0: as fast as the server takes them)")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to measure (after a 2 s warm-up)")
	fs.DurationVar(&cfg.RawDuration, "raw-duration", 3*time.Second, "how long to measure the raw limit first (negative: skip)")
	fs.IntVar(&cfg.Conversations, "conversations", 50, "conversations the messages are spread over")
	fs.StringVar(&cfg.Synchronous, "sqlite-synchronous", "NORMAL", "SQLite synchronous setting: NORMAL or FULL")
	fs.StringVar(&cfg.Postgres, "postgres", "", "run on PostgreSQL at this postgres:// URL instead of SQLite, in a schema made for the run and dropped after it (PARLEY_DB_MAX_CONNS and PARLEY_DB_WRITERS apply, as for serve)")
	fs.IntVar(&cfg.Instances, "instances", 1, "with -postgres: servers sharing the database (each its own pool and engine, leasing deliveries); the clients spread over them")
	asJSON := fs.Bool("json", false, "print the result as JSON (no progress lines)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the measured run to this file")
	traceFile := fs.String("trace", "", "write an execution trace of the run to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *traceFile != "" {
		f, err := os.Create(*traceFile)
		if err != nil {
			return err
		}
		if err := trace.Start(f); err != nil {
			return err
		}
		defer func() { trace.Stop(); f.Close() }()
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if !*asJSON {
		cfg.Progress = os.Stderr
		db := "SQLite synchronous=" + cfg.Synchronous
		if cfg.Postgres != "" {
			db = fmt.Sprintf("PostgreSQL %s, %d instance(s)", postgres.Redact(cfg.Postgres), max(cfg.Instances, 1))
		}
		fmt.Fprintf(os.Stderr, "parley bench deliveries: %d live endpoints, %d dead, %d clients, rate %s, %s, GOMAXPROCS=%d, %s\n",
			cfg.Endpoints, cfg.Dead, cfg.Clients, rateText(cfg.Rate), cfg.Duration, runtime.GOMAXPROCS(0), db)
		if cfg.Postgres != "" {
			warnAutovacuum(ctx, cfg.Postgres)
		}
	}
	res, err := bench.RunDeliveries(ctx, cfg)
	if res != nil {
		if *asJSON {
			printJSON(res)
		} else {
			table([][2]string{
				{"events accepted per second", fmt.Sprintf("%.0f", res.EventsPerSecond)},
				{"deliveries completed per second", fmt.Sprintf("%.0f", res.DeliveriesPerSecond)},
				{"raw limit (signed POSTs/s)", fmt.Sprintf("%.0f", res.RawPerSecond)},
				{"deliveries as share of raw", fmt.Sprintf("%.0f%%", 100*res.RawShare)},
				{"first-attempt latency p50 (ms)", fmt.Sprintf("%.2f", res.P50ms)},
				{"first-attempt latency p90 (ms)", fmt.Sprintf("%.2f", res.P90ms)},
				{"first-attempt latency p99 (ms)", fmt.Sprintf("%.2f", res.P99ms)},
				{"latency samples", fmt.Sprint(res.LatencySamples)},
				{"peak RSS (MiB)", fmt.Sprintf("%.0f", res.PeakRSSMiB)},
				{"CPU per event, this process (µs)", fmt.Sprintf("%.0f", res.CPUSelfPerEventUs)},
				{"CPU per event, rest of machine (µs)", cpuText(res.CPUOtherPerEventUs)},
				{"API errors", fmt.Sprint(res.Errors)},
			})
		}
	}
	return err
}

func cpuText(us float64) string {
	if us < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%.0f", us)
}

func rateText(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%.0f/s", r)
}

func table(rows [][2]string) {
	fmt.Printf("\n%-36s %12s\n", "measure", "value")
	for _, r := range rows {
		fmt.Printf("%-36s %12s\n", r[0], r[1])
	}
}

func benchBacklog(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench backlog", flag.ContinueOnError)
	var cfg bench.BacklogConfig
	fs.IntVar(&cfg.Deliveries, "deliveries", 1_000_000, "due deliveries in the backlog")
	fs.IntVar(&cfg.Endpoints, "endpoints", 10, "endpoints the backlog is spread over")
	fs.StringVar(&cfg.Postgres, "postgres", "", "run on PostgreSQL at this postgres:// URL instead of SQLite, in a schema made for the run and dropped after it (PARLEY_DB_MAX_CONNS and PARLEY_DB_WRITERS apply, as for serve)")
	asJSON := fs.Bool("json", false, "print the result as JSON (no progress lines)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if *profile != "" {
		stop, err := startProfile(*profile)
		if err != nil {
			return err
		}
		defer stop()
	}
	if !*asJSON {
		cfg.Progress = os.Stderr
		db := "SQLite"
		if cfg.Postgres != "" {
			db = "PostgreSQL " + postgres.Redact(cfg.Postgres)
		}
		fmt.Fprintf(os.Stderr, "parley bench backlog: %d deliveries over %d endpoints, GOMAXPROCS=%d, %s\n", cfg.Deliveries, cfg.Endpoints, runtime.GOMAXPROCS(0), db)
	}
	res, err := bench.RunBacklog(ctx, cfg)
	if res != nil {
		if *asJSON {
			printJSON(res)
		} else {
			table([][2]string{
				{"backlog (deliveries)", fmt.Sprint(res.Deliveries)},
				{"time to write the backlog (s)", fmt.Sprintf("%.1f", res.FillSeconds)},
				{"time to drain it (s)", fmt.Sprintf("%.1f", res.DrainSeconds)},
				{"deliveries per second", fmt.Sprintf("%.0f", res.PerSecond)},
				{"slowest / fastest second", fmt.Sprintf("%.0f / %.0f", res.SlowestSecond, res.FastestSecond)},
				{"peak RSS (MiB)", fmt.Sprintf("%.0f", res.PeakRSSMiB)},
			})
		}
	}
	return err
}

// startProfile writes a CPU profile until the returned function is called.
func startProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// warnAutovacuum says so when the server runs without autovacuum: the
// catalog rows each run's schema leaves behind then pile up, and with them
// PostgreSQL's CPU per event (BENCHMARKS.md).
func warnAutovacuum(ctx context.Context, url string) {
	db, err := postgres.OpenDB(ctx, url, postgres.Options{MaxConns: 1})
	if err != nil {
		return // the benchmark itself reports what is wrong
	}
	defer db.Close()
	if off, err := postgres.AutovacuumOff(ctx, db); err == nil && off {
		fmt.Fprintln(os.Stderr, "  note: autovacuum is off on this server: dead rows (the catalog rows of every run's schema among them) pile up, and figures drift down until a VACUUM")
	}
}
