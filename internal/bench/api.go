// Package bench measures Parley: it starts a server on a temporary database
// and drives it through its real HTTP API, as a user's program would.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/chat"
)

// APIConfig configures the API benchmark.
type APIConfig struct {
	// Clients is the number of concurrent HTTP clients. Defaults to 32.
	Clients int
	// Duration is how long to measure. Defaults to 10 seconds.
	Duration time.Duration
	// Warmup runs before measuring. Defaults to 1 second.
	Warmup time.Duration
	// Conversations spreads messages over this many conversations.
	// Defaults to 50.
	Conversations int
	// Synchronous is the SQLite synchronous setting ("" means the default).
	Synchronous string
	// Postgres, when set, runs on PostgreSQL at this URL, in a schema made
	// for the run and dropped after it.
	Postgres string
	// Progress, when set, receives a line every second.
	Progress io.Writer
}

// APIResult is what the API benchmark measured.
type APIResult struct {
	Database      string  `json:"database"`
	Clients       int     `json:"clients"`
	Conversations int     `json:"conversations"`
	Seconds       float64 `json:"seconds"`
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	PerSecond     float64 `json:"message_creates_per_second"`
	P50ms         float64 `json:"latency_p50_ms"`
	P90ms         float64 `json:"latency_p90_ms"`
	P99ms         float64 `json:"latency_p99_ms"`
	Events        int64   `json:"events_recorded"`
	GoMaxProcs    int     `json:"gomaxprocs"`
	Synchronous   string  `json:"sqlite_synchronous,omitempty"`
}

// RunAPI starts a Parley server on a fresh SQLite file (or a fresh
// PostgreSQL schema) and measures message
// creates per second through POST .../conversations/{id}/messages with
// concurrent clients. Every request is a committed transaction that also
// records its message_created event.
func RunAPI(ctx context.Context, cfg APIConfig) (*APIResult, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 32
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Warmup < 0 {
		cfg.Warmup = 0
	} else if cfg.Warmup == 0 {
		cfg.Warmup = time.Second
	}
	if cfg.Conversations <= 0 {
		cfg.Conversations = 50
	}
	store, done, err := openStore(ctx, cfg.Postgres, cfg.Synchronous)
	if err != nil {
		return nil, err
	}
	defer done()
	svc := &chat.Service{Store: store}
	const token = "bench-admin-token"
	if _, _, err := svc.Bootstrap(ctx, token, ""); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := &http.Server{Handler: api.New(api.Config{Service: svc, Logger: quiet}), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2, MaxConnsPerHost: cfg.Clients * 2}}
	convs, err := setupConversations(ctx, svc, cfg.Conversations)
	if err != nil {
		return nil, err
	}

	var (
		measuring atomic.Bool
		requests  atomic.Int64
		errs      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, 1<<16)
		firstErr  error
	)
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	body := []byte(`{"content":"Benchmark message: is my order on its way?","message_type":"outgoing"}`)
	for i := 0; i < cfg.Clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var local []time.Duration
			for n := i; runCtx.Err() == nil; n += cfg.Clients {
				url := fmt.Sprintf("%s/api/v1/accounts/1/conversations/%d/messages", base, convs[n%len(convs)])
				start := time.Now()
				err := post(runCtx, client, url, token, body)
				if !measuring.Load() {
					continue
				}
				if err != nil {
					if runCtx.Err() != nil {
						break
					}
					errs.Add(1)
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				requests.Add(1)
				local = append(local, time.Since(start))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}(i)
	}
	sleep(ctx, cfg.Warmup)
	if err := steady(ctx, store, cfg.Postgres != ""); err != nil {
		cancel()
		wg.Wait()
		return nil, err
	}
	measuring.Store(true)
	start := time.Now()
	ticker := time.NewTicker(time.Second)
	last := int64(0)
	deadline := time.After(cfg.Duration)
loop:
	for {
		select {
		case <-ticker.C:
			n := requests.Load()
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "  %4.0fs  %8d message creates  %7.0f/s  errors %d\n",
					time.Since(start).Seconds(), n, float64(n-last), errs.Load())
			}
			last = n
		case <-deadline:
			break loop
		case <-ctx.Done():
			break loop
		}
	}
	measuring.Store(false)
	elapsed := time.Since(start)
	n := requests.Load()
	cancel()
	wg.Wait()
	ticker.Stop()

	res := &APIResult{
		Clients: cfg.Clients, Conversations: cfg.Conversations, Seconds: elapsed.Seconds(),
		Requests: n, Errors: errs.Load(), PerSecond: float64(n) / elapsed.Seconds(),
		GoMaxProcs: runtime.GOMAXPROCS(0), Database: "sqlite", Synchronous: orDefault(cfg.Synchronous, "NORMAL"),
	}
	if cfg.Postgres != "" {
		res.Database, res.Synchronous = "postgres", ""
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	res.P50ms, res.P90ms, res.P99ms = pct(latencies, 0.50), pct(latencies, 0.90), pct(latencies, 0.99)
	err = store.View(ctx, func(tx chat.Tx) error {
		evs, err := tx.ListEvents(1, 0, 1<<30)
		res.Events = int64(len(evs))
		return err
	})
	if err != nil {
		return nil, err
	}
	if res.Errors > 0 && firstErr != nil {
		return res, fmt.Errorf("%d requests failed; first: %w", res.Errors, firstErr)
	}
	return res, nil
}

func setupConversations(ctx context.Context, svc *chat.Service, n int) ([]int64, error) {
	var (
		admin *chat.User
		inbox = &chat.Inbox{AccountID: 1, Name: "Benchmark", Timezone: "UTC", SenderNameType: chat.SenderNameFriendly,
			AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true,
			API: &chat.APIChannel{Identifier: chat.SecureToken(24), HMACToken: chat.SecureToken(24), Secret: chat.SecureToken(24), AdditionalAttributes: chat.EmptyObject}}
	)
	now := time.Now().UTC()
	inbox.CreatedAt, inbox.UpdatedAt, inbox.API.CreatedAt, inbox.API.UpdatedAt = now, now, now, now
	err := svc.Store.Update(ctx, func(tx chat.Tx) (err error) {
		if admin, err = tx.FindUser(1); err != nil {
			return err
		}
		return tx.CreateInbox(inbox)
	})
	if err != nil {
		return nil, err
	}
	actor := &chat.Actor{User: admin, AccountID: 1, Role: chat.RoleAdministrator}
	var ids []int64
	for i := 0; i < n; i++ {
		name, email := fmt.Sprintf("Customer %d", i), fmt.Sprintf("customer%d@example.com", i)
		c, err := svc.CreateContact(ctx, actor, chat.ContactInput{Name: &name, Email: &email}, inbox.ID, "")
		if err != nil {
			return nil, err
		}
		hello := "Hello, where is my order?"
		d, err := svc.CreateConversation(ctx, actor, chat.ConversationInput{InboxID: inbox.ID, ContactID: c.Contact.ID,
			Message: &chat.MessageInput{Content: &hello, MessageType: chat.MessageIncoming}})
		if err != nil {
			return nil, err
		}
		ids = append(ids, d.Conversation.DisplayID)
	}
	return ids, nil
}

func post(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("api_access_token", token)
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	if !json.Valid(b) {
		return fmt.Errorf("response is not JSON")
	}
	return nil
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i]) / float64(time.Millisecond)
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
