package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/parleyhq/parley/internal/bench"
)

const benchHelp = `Usage: parley bench api [flags]

Measures Parley on this machine. It starts a server on a temporary SQLite
database (removed afterwards) in this process, and drives it through the
real HTTP API with concurrent clients, so the load generator shares the CPUs
with the server as it would on a small box.

  api   message creates per second through POST
        /api/v1/accounts/1/conversations/{id}/messages; each is a committed
        transaction that also records its message_created event

Flags:
`

func runBench(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "api" {
		if len(args) > 0 && args[0] != "-h" && args[0] != "-help" && args[0] != "--help" {
			fmt.Fprintf(os.Stderr, "parley bench: unknown benchmark %q\n\n", args[0])
		}
		fmt.Fprint(os.Stderr, benchHelp)
		newBenchFlags().PrintDefaults()
		return errUsage
	}
	fs := newBenchFlags()
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	cfg := bench.APIConfig{
		Clients: *benchClients, Duration: *benchDuration, Conversations: *benchConversations,
		Synchronous: *benchSync,
	}
	if !*benchJSON {
		cfg.Progress = os.Stderr
		fmt.Fprintf(os.Stderr, "parley bench api: %d clients, %d conversations, %s, GOMAXPROCS=%d, SQLite synchronous=%s\n",
			cfg.Clients, cfg.Conversations, cfg.Duration, runtime.GOMAXPROCS(0), *benchSync)
	}
	res, err := bench.RunAPI(ctx, cfg)
	if res != nil {
		if *benchJSON {
			enc := json.NewEncoder(os.Stdout)
			enc.SetIndent("", "  ")
			enc.Encode(res)
		} else {
			fmt.Printf("\n%-34s %12s\n", "measure", "value")
			fmt.Printf("%-34s %12.0f\n", "message creates per second", res.PerSecond)
			fmt.Printf("%-34s %12d\n", "requests (errors)", res.Requests)
			fmt.Printf("%-34s %12d\n", "errors", res.Errors)
			fmt.Printf("%-34s %12.2f\n", "latency p50 (ms)", res.P50ms)
			fmt.Printf("%-34s %12.2f\n", "latency p90 (ms)", res.P90ms)
			fmt.Printf("%-34s %12.2f\n", "latency p99 (ms)", res.P99ms)
			fmt.Printf("%-34s %12d\n", "events recorded (whole run)", res.Events)
		}
	}
	return err
}

var (
	benchClients       *int
	benchDuration      *time.Duration
	benchConversations *int
	benchSync          *string
	benchJSON          *bool
)

func newBenchFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	benchClients = fs.Int("clients", 32, "concurrent HTTP clients")
	benchDuration = fs.Duration("duration", 10*time.Second, "how long to measure (after a 1 s warm-up)")
	benchConversations = fs.Int("conversations", 50, "conversations the messages are spread over")
	benchSync = fs.String("sqlite-synchronous", "NORMAL", "SQLite synchronous setting: NORMAL or FULL")
	benchJSON = fs.Bool("json", false, "print the result as JSON (no progress lines)")
	return fs
}
