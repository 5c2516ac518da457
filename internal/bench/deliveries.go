package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/postgres"
)

// DeliveriesConfig configures the end-to-end delivery benchmark.
type DeliveriesConfig struct {
	// Endpoints is how many live webhooks every message goes to. Default 1.
	Endpoints int
	// Dead adds webhooks that never answer (each attempt times out).
	Dead int
	// Clients is the number of concurrent API clients. Default 64.
	Clients int
	// Rate caps message creates per second; 0 means as fast as possible.
	Rate float64
	// Duration is how long to measure, after Warmup. Defaults 10 s and 2 s.
	Duration, Warmup time.Duration
	// Conversations spreads messages over this many. Default 50.
	Conversations int
	Synchronous   string
	// Postgres, when set, runs on PostgreSQL at this URL, in a schema made
	// for the run and dropped after it, with Instances servers (default 1)
	// sharing it; the clients spread their requests over them.
	Postgres  string
	Instances int
	// RawDuration is how long the raw limit is measured. Default 3 s;
	// negative skips it.
	RawDuration time.Duration
	Progress    io.Writer
}

// DeliveriesResult is what the delivery benchmark measured.
type DeliveriesResult struct {
	Database            string  `json:"database"`
	Instances           int     `json:"instances"`
	Endpoints           int     `json:"endpoints"`
	Dead                int     `json:"dead_endpoints"`
	Clients             int     `json:"clients"`
	Rate                float64 `json:"rate_limit"`
	Seconds             float64 `json:"seconds"`
	Events              int64   `json:"events_accepted"`
	EventsPerSecond     float64 `json:"events_accepted_per_second"`
	Deliveries          int64   `json:"deliveries_completed"`
	DeliveriesPerSecond float64 `json:"deliveries_completed_per_second"`
	P50ms               float64 `json:"first_attempt_latency_p50_ms"`
	P90ms               float64 `json:"first_attempt_latency_p90_ms"`
	P99ms               float64 `json:"first_attempt_latency_p99_ms"`
	LatencySamples      int     `json:"latency_samples"`
	RawPerSecond        float64 `json:"raw_signed_posts_per_second"`
	RawShare            float64 `json:"deliveries_as_share_of_raw"`
	PeakRSSMiB          float64 `json:"peak_rss_mib"`
	Errors              int64   `json:"api_errors"`
	// CPU per accepted event during the measured window: this process
	// (server, clients, receivers) and the rest of the machine (with
	// -postgres on the same box, mostly PostgreSQL); -1 when unknown.
	CPUSelfPerEventUs  float64 `json:"cpu_self_per_event_us"`
	CPUOtherPerEventUs float64 `json:"cpu_other_per_event_us"`
}

// RunDeliveries drives message creates through the API of a fresh server
// whose webhooks point at loopback receivers, and measures deliveries end
// to end: accepted by the API, committed, sent, acknowledged.
func RunDeliveries(ctx context.Context, cfg DeliveriesConfig) (*DeliveriesResult, error) {
	if cfg.Endpoints <= 0 {
		cfg.Endpoints = 1
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 64
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Warmup <= 0 {
		cfg.Warmup = 2 * time.Second
	}
	if cfg.Conversations <= 0 {
		cfg.Conversations = 50
	}
	if cfg.RawDuration == 0 {
		cfg.RawDuration = 3 * time.Second
	}
	lat := newLatencySampler()
	var live, dead []*receiver
	for i := 0; i < cfg.Endpoints+cfg.Dead; i++ {
		r, err := startReceiver(i >= cfg.Endpoints, lat)
		if err != nil {
			return nil, err
		}
		defer r.close()
		if r.dead {
			dead = append(dead, r)
		} else {
			live = append(live, r)
		}
	}
	res := &DeliveriesResult{Endpoints: cfg.Endpoints, Dead: cfg.Dead, Clients: cfg.Clients, Rate: cfg.Rate}
	if cfg.RawDuration > 0 {
		raw, err := measureRaw(ctx, live[0], cfg.RawDuration)
		if err != nil {
			return nil, err
		}
		res.RawPerSecond = raw
		live[0].count.Store(0)
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "  raw limit: %.0f signed POSTs/s to one receiver\n", raw)
		}
	}

	res.Database, res.Instances = "sqlite", 1
	opt := serverOptions{Synchronous: cfg.Synchronous}
	if cfg.Postgres != "" {
		u, drop, err := postgres.TempSchema(ctx, cfg.Postgres, "parley_bench")
		if err != nil {
			return nil, err
		}
		defer drop()
		opt.Postgres, res.Database, res.Instances = u, "postgres", max(cfg.Instances, 1)
	}
	var servers []*server
	for i := range res.Instances {
		opt.Instance = fmt.Sprintf("bench-%d", i+1)
		s, err := startServer(ctx, opt)
		if err != nil {
			return nil, err
		}
		defer s.close()
		servers = append(servers, s)
	}
	srv := servers[0]
	convs, err := setupConversations(ctx, srv.svc, cfg.Conversations)
	if err != nil {
		return nil, err
	}
	if err := registerWebhooks(ctx, srv.svc, append(append([]*receiver{}, live...), dead...)); err != nil {
		return nil, err
	}

	var (
		events, errs atomic.Int64
		measuring    atomic.Bool
		wg           sync.WaitGroup
	)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2}}
	// With a rate, message n is due at paceStart + n/rate, whichever client
	// takes it; a client that falls behind sends at once.
	var (
		paced     atomic.Int64
		paceStart = time.Now()
	)
	body := []byte(`{"content":"Your order #4521 has shipped and will arrive on Thursday.","message_type":"outgoing"}`)
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for n := i; runCtx.Err() == nil; n += cfg.Clients {
				if cfg.Rate > 0 {
					due := paceStart.Add(time.Duration(float64(paced.Add(1)) / cfg.Rate * float64(time.Second)))
					if wait := time.Until(due); wait > 0 {
						select {
						case <-time.After(wait):
						case <-runCtx.Done():
							return
						}
					}
				}
				url := fmt.Sprintf("%s/api/v1/accounts/1/conversations/%d/messages", servers[n%len(servers)].base, convs[n%len(convs)])
				id, err := createMessage(runCtx, client, url, body)
				switch {
				case err != nil && runCtx.Err() == nil:
					errs.Add(1)
				case err == nil:
					if sampled(id) {
						lat.answered(id, time.Now())
					}
					if measuring.Load() {
						events.Add(1)
					}
				}
			}
		}(i)
	}

	sleep(ctx, cfg.Warmup)
	if err := steady(ctx, srv.store, cfg.Postgres != ""); err != nil {
		return nil, err
	}
	countLive := func() int64 {
		var n int64
		for _, r := range live {
			n += r.count.Load()
		}
		return n
	}
	startDeliveries := countLive()
	measuring.Store(true)
	lat.on.Store(true)
	start, cpuStart := time.Now(), readCPU()
	ticker := time.NewTicker(time.Second)
	lastE, lastD := int64(0), startDeliveries
	deadline := time.After(cfg.Duration)
loop:
	for {
		select {
		case <-ticker.C:
			e, d := events.Load(), countLive()
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "  %4.0fs  events %7.0f/s  deliveries %7.0f/s  queued %d\n",
					time.Since(start).Seconds(), float64(e-lastE), float64(d-lastD), queued(servers))
			}
			lastE, lastD = e, d
		case <-deadline:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	ticker.Stop()
	elapsed, cpuEnd := time.Since(start), readCPU()
	measuring.Store(false)
	lat.on.Store(false)
	res.Seconds = elapsed.Seconds()
	res.Events = events.Load()
	res.Deliveries = countLive() - startDeliveries
	res.EventsPerSecond = float64(res.Events) / res.Seconds
	res.DeliveriesPerSecond = float64(res.Deliveries) / res.Seconds
	res.Errors = errs.Load()
	res.CPUSelfPerEventUs, res.CPUOtherPerEventUs = cpuPerEvent(cpuStart, cpuEnd, res.Events)
	cancel()
	wg.Wait()
	lat.mu.Lock()
	samples := append([]time.Duration(nil), lat.samples...)
	lat.mu.Unlock()
	sort.Slice(samples, func(i, j int) bool { return samples[i] < samples[j] })
	res.LatencySamples = len(samples)
	res.P50ms, res.P90ms, res.P99ms = pct(samples, 0.5), pct(samples, 0.9), pct(samples, 0.99)
	if res.RawPerSecond > 0 {
		res.RawShare = res.DeliveriesPerSecond / res.RawPerSecond
	}
	if cfg.RawDuration > 0 {
		// The raw limit again, after the run, to average out drift on a
		// shared machine.
		after, err := measureRaw(ctx, live[0], cfg.RawDuration)
		if err != nil {
			return nil, err
		}
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "  raw limit after the run: %.0f signed POSTs/s\n", after)
		}
		res.RawPerSecond = (res.RawPerSecond + after) / 2
		res.RawShare = res.DeliveriesPerSecond / res.RawPerSecond
	}
	res.PeakRSSMiB = peakRSSMiB()
	if ws := srv.store.WriterStats(); ws.Batches > 0 && cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "  writers: %d, %d batches, %.1f requests each, %.0f µs busy per batch (%.0f µs committing), each busy %.0f%% of the run, %d requests moved to a later batch\n",
			ws.Writers, ws.Batches, float64(ws.Requests)/float64(ws.Batches), float64(ws.Busy.Microseconds())/float64(ws.Batches),
			float64(ws.Commit.Microseconds())/float64(ws.Batches), 100*ws.Busy.Seconds()/float64(ws.Writers)/(res.Seconds+cfg.Warmup.Seconds()), ws.Deferred)
	}
	return res, nil
}

// registerWebhooks subscribes one account webhook per receiver to
// message_created.
func registerWebhooks(ctx context.Context, svc *chat.Service, rs []*receiver) error {
	return svc.Store.Update(ctx, func(tx chat.Tx) error {
		now := time.Now().UTC()
		for _, r := range rs {
			w := &chat.Webhook{AccountID: 1, URL: r.url, Subscriptions: []string{chat.EventMessageCreated},
				Secret: chat.SecureToken(24), CreatedAt: now, UpdatedAt: now}
			if err := tx.CreateWebhook(w); err != nil {
				return err
			}
		}
		return nil
	})
}

// createMessage posts a message and returns its id.
func createMessage(ctx context.Context, client *http.Client, url string, body []byte) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("api_access_token", benchToken)
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var m struct {
		ID int64 `json:"id"`
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, err
	}
	return m.ID, nil
}

// queued sums the deliveries the servers' engines hold in memory.
func queued(servers []*server) int {
	n := 0
	for _, s := range servers {
		n += s.engine.Stats().Queued
	}
	return n
}
