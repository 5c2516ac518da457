package main

import (
	"database/sql"
	"fmt"
	"io"

	"github.com/parleyhq/parley/internal/sqlstore"
	"github.com/parleyhq/parley/internal/webhook"
)

// writeMetrics writes the server's metrics in Prometheus' text format.
func writeMetrics(w io.Writer, engine *webhook.Engine, store *sqlstore.Store) {
	es, ws := engine.Stats(), store.WriterStats()
	metric := func(name, kind, help string, value any, labels ...string) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
		if len(labels) == 0 {
			fmt.Fprintf(w, "%s %v\n", name, value)
		}
	}
	fmt.Fprint(w, "# HELP parley_webhook_attempts_total Delivery attempts since the start, by outcome.\n# TYPE parley_webhook_attempts_total counter\n")
	for _, o := range []struct {
		outcome string
		n       int64
	}{{"delivered", es.Delivered}, {"retrying", es.Retrying}, {"failed", es.Failed}} {
		fmt.Fprintf(w, "parley_webhook_attempts_total{outcome=%q} %d\n", o.outcome, o.n)
	}
	metric("parley_webhook_refused_total", "counter", "Deliveries not sent because their endpoint is disabled.", es.Refused)
	metric("parley_webhook_deferred_total", "counter", "Deliveries put off because their failing endpoint had no room.", es.Deferred)
	metric("parley_webhook_queued", "gauge", "Deliveries in memory waiting for a free slot.", es.Queued)
	metric("parley_webhook_in_flight", "gauge", "Delivery attempts under way.", es.InFlight)
	metric("parley_webhook_endpoints", "gauge", "Endpoints the engine has seen since the start.", es.Endpoints)
	metric("parley_store_write_batches_total", "counter", "Write transactions (group commits).", ws.Batches)
	metric("parley_store_write_requests_total", "counter", "Write operations committed in them.", ws.Requests)
	metric("parley_store_writers", "gauge", "Writers committing this instance's writes (PARLEY_DB_WRITERS on PostgreSQL, 1 on SQLite).", ws.Writers)
	metric("parley_store_write_busy_seconds_total", "counter", "Time the writers spent running batches, added up (one writer busy all the time adds 1 a second).", ws.Busy.Seconds())
	metric("parley_store_commit_seconds_total", "counter", "Of which committing.", ws.Commit.Seconds())
	metric("parley_store_write_retries_total", "counter", "Write operations run again after a deadlock with another writer (of this instance or another).", ws.Retries)
	metric("parley_store_write_deferrals_total", "counter", "Write operations moved to the writer's next batch because another instance's transaction held their conversation.", ws.Deferred)

	// The connection pools: on PostgreSQL one, whose waits say when
	// -db-max-conns is too small; on SQLite a writer's and the readers'.
	type pool struct {
		name  string
		stats sql.DBStats
	}
	pools := []pool{{"write", store.DB().Stats()}}
	if store.ReadDB() != store.DB() {
		pools = append(pools, pool{"read", store.ReadDB().Stats()})
	}
	for _, m := range []struct {
		name, kind, help string
		value            func(sql.DBStats) any
	}{
		{"parley_db_connections_open", "gauge", "Database connections open.", func(st sql.DBStats) any { return st.OpenConnections }},
		{"parley_db_connections_in_use", "gauge", "Database connections in use.", func(st sql.DBStats) any { return st.InUse }},
		{"parley_db_connection_waits_total", "counter", "Times a request waited for a free database connection.", func(st sql.DBStats) any { return st.WaitCount }},
		{"parley_db_connection_wait_seconds_total", "counter", "Time requests spent waiting for a free database connection.", func(st sql.DBStats) any { return st.WaitDuration.Seconds() }},
	} {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", m.name, m.help, m.name, m.kind)
		for _, p := range pools {
			fmt.Fprintf(w, "%s{pool=%q} %v\n", m.name, p.name, m.value(p.stats))
		}
	}
}
