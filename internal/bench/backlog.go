package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/webhook"
)

// BacklogConfig configures the backlog benchmark.
type BacklogConfig struct {
	// Deliveries is the backlog's size. Default 1,000,000.
	Deliveries int
	// Endpoints share the backlog. Default 10.
	Endpoints int
	// Postgres, when set, runs on PostgreSQL at this URL, in a schema made
	// for the run and dropped after it.
	Postgres string
	Progress io.Writer
}

// BacklogResult is what the backlog benchmark measured.
type BacklogResult struct {
	Database         string    `json:"database"`
	Deliveries       int       `json:"deliveries"`
	Endpoints        int       `json:"endpoints"`
	FillSeconds      float64   `json:"fill_seconds"`
	DrainSeconds     float64   `json:"drain_seconds"`
	PerSecond        float64   `json:"deliveries_per_second"`
	SlowestSecond    float64   `json:"slowest_second_per_second"`
	FastestSecond    float64   `json:"fastest_second_per_second"`
	PeakRSSMiB       float64   `json:"peak_rss_mib"`
	PerSecondSamples []float64 `json:"per_second"`
}

// RunBacklog writes a backlog of due deliveries straight into the database,
// then starts the delivery engine and measures how it drains: the rate each
// second (it should stay steady, as the engine reads the backlog a page at a
// time) and the process's peak memory.
func RunBacklog(ctx context.Context, cfg BacklogConfig) (*BacklogResult, error) {
	if cfg.Deliveries <= 0 {
		cfg.Deliveries = 1_000_000
	}
	if cfg.Endpoints <= 0 {
		cfg.Endpoints = 10
	}
	var live []*receiver
	for i := 0; i < cfg.Endpoints; i++ {
		r, err := startReceiver(false, nil)
		if err != nil {
			return nil, err
		}
		defer r.close()
		live = append(live, r)
	}
	opt := serverOptions{NoEngine: true}
	if cfg.Postgres != "" {
		u, drop, err := postgres.TempSchema(ctx, cfg.Postgres, "parley_bench")
		if err != nil {
			return nil, err
		}
		defer drop()
		opt.Postgres, opt.Instance = u, "bench-backlog"
	}
	srv, err := startServer(ctx, opt)
	if err != nil {
		return nil, err
	}
	defer srv.close()
	if err := registerWebhooks(ctx, srv.svc, live); err != nil {
		return nil, err
	}
	var hooks []chat.Webhook
	if err := srv.store.View(ctx, func(tx chat.Tx) (err error) { hooks, err = tx.ListWebhooks(1); return err }); err != nil {
		return nil, err
	}

	res := &BacklogResult{Database: "sqlite", Deliveries: cfg.Deliveries, Endpoints: cfg.Endpoints}
	if cfg.Postgres != "" {
		res.Database = "postgres"
	}
	fillStart := time.Now()
	const perTx = 5000
	now := time.Now().UTC()
	for done := 0; done < cfg.Deliveries; done += perTx {
		err := srv.store.Update(ctx, func(tx chat.Tx) error {
			// Events are shared by many deliveries: the backlog's size is in
			// deliveries, and a payload per delivery would only fill the disk.
			ev := &chat.Event{Name: chat.EventMessageCreated, AccountID: 1, Payload: samplePayload, CreatedAt: now}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			ds := make([]chat.Delivery, 0, perTx)
			for i := 0; i < perTx && done+i < cfg.Deliveries; i++ {
				h := hooks[(done+i)%len(hooks)]
				ds = append(ds, chat.Delivery{UUID: chat.NewUUID(), EventID: ev.ID, EventName: ev.Name, AccountID: 1, WebhookID: h.ID,
					URL: h.URL, Status: chat.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
			}
			return tx.InsertDeliveries(ds)
		})
		if err != nil {
			return nil, err
		}
		if cfg.Progress != nil && (done/perTx)%40 == 0 {
			fmt.Fprintf(cfg.Progress, "  filling: %d of %d\n", done, cfg.Deliveries)
		}
	}
	res.FillSeconds = time.Since(fillStart).Seconds()

	engine := &webhook.Engine{Store: srv.store, Sender: benchSender(), Log: srv.quietLog(), LeaseOwner: opt.Instance}
	ectx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	start := time.Now()
	go func() { engine.Run(ectx); close(done) }()
	defer func() { stop(); <-done }()
	count := func() int64 {
		var n int64
		for _, r := range live {
			n += r.count.Load()
		}
		return n
	}
	last, peak := int64(0), 0.0
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for last < int64(cfg.Deliveries) {
		select {
		case <-t.C:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		n := count()
		rate := float64(n - last)
		res.PerSecondSamples = append(res.PerSecondSamples, rate)
		peak = max(peak, currentRSSMiB())
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "  %4.0fs  %8d delivered  %7.0f/s  RSS %4.0f MiB\n", time.Since(start).Seconds(), n, rate, currentRSSMiB())
		}
		last = n
	}
	res.DrainSeconds = time.Since(start).Seconds()
	res.PerSecond = float64(cfg.Deliveries) / res.DrainSeconds
	// The first and last seconds are partial; judge steadiness on the rest.
	if s := res.PerSecondSamples; len(s) > 2 {
		res.SlowestSecond, res.FastestSecond = s[1], s[1]
		for _, v := range s[1 : len(s)-1] {
			res.SlowestSecond, res.FastestSecond = min(res.SlowestSecond, v), max(res.FastestSecond, v)
		}
	}
	res.PeakRSSMiB = max(peak, peakRSSMiB())
	return res, nil
}
