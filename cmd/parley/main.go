// Command parley is a Chatwoot-compatible customer-conversation server.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

const usage = `Parley: a Chatwoot-compatible conversation server in one binary.

Usage:
  parley <command> [flags]

Commands:
  serve     start the server (creates and migrates the database)
  migrate   apply database migrations and exit
  migrate-data
            copy a SQLite database's data into an empty PostgreSQL one
  bench     measure the server: deliveries end to end, the API, a backlog
            (see 'parley bench -h')
  version   print the version

Run 'parley <command> -h' for a command's flags.
`

// tuneGC trades memory for CPU where the operator has not chosen: Parley's
// live heap is small (tens of MiB) but under load it allocates hundreds of
// MiB a second, and collecting at every doubling cost about a tenth of the
// CPU (BENCHMARKS.md). A soft memory limit keeps the larger growth factor
// from running away; set much lower (192 MiB was tried) the collector runs
// back to back near it and fan-out throughput halves. GOGC and GOMEMLIMIT
// still win when set.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(320 << 20)
	}
}

func main() {
	tuneGC()
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "serve":
		err = runServe(ctx, args)
	case "migrate":
		err = runMigrate(ctx, args)
	case "migrate-data":
		err = runMigrateData(ctx, args)
	case "bench":
		err = runBench(ctx, args)
	case "version", "-version", "--version":
		fmt.Println("parley", version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "parley: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if err != errUsage {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(1)
	}
}
