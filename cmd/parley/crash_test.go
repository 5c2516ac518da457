package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// collector is a webhook receiver that remembers, for every message it was
// told about, the delivery ids it came with.
type collector struct {
	mu    sync.Mutex
	byMsg map[int64]map[string]int // message id -> delivery id -> times received
	seen  chan struct{}
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var p struct {
		Event string `json:"event"`
		ID    int64  `json:"id"`
	}
	if json.Unmarshal(body, &p) == nil && p.Event == "message_created" {
		c.mu.Lock()
		if c.byMsg[p.ID] == nil {
			c.byMsg[p.ID] = map[string]int{}
		}
		c.byMsg[p.ID][r.Header.Get("X-Chatwoot-Delivery")]++
		c.mu.Unlock()
		select {
		case c.seen <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusOK)
}

// missing returns the acknowledged messages the receiver has not had yet.
func (c *collector) missing(acked map[int64]bool) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for id := range acked {
		if len(c.byMsg[id]) == 0 {
			n++
		}
	}
	return n
}

func postJSON(t *testing.T, url string, body any) (int, []byte) {
	t.Helper()
	return sendJSON(t, "POST", url, "tok", body)
}

// sendJSON sends body as JSON with an access token; a request that gets no
// answer reports status 0.
func sendJSON(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(b))
	req.Header.Set("api_access_token", token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// The crash test: parley serve is killed with SIGKILL in the
// middle of a burst of 5,000 events; after a restart the receiver has
// every event at least once, and a duplicate carries the same delivery id.
func TestCrashLosesNoDelivery(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills a server; skipped with -short")
	}
	rec := &collector{byMsg: map[int64]map[string]int{}, seen: make(chan struct{}, 1)}
	receiver := httptest.NewServer(rec)
	defer receiver.Close()
	db := filepath.Join(t.TempDir(), "parley.db")
	env := []string{"PARLEY_ADMIN_TOKEN=tok", "PARLEY_ALLOW_PRIVATE_NETWORK=true"}
	s := start(t, db, env...)
	a1 := s.base + "/api/v1/accounts/1"
	if code, b := postJSON(t, a1+"/webhooks", map[string]any{"url": receiver.URL + "/hook", "subscriptions": []string{"message_created"}}); code != 200 {
		t.Fatalf("webhook: %d %s", code, b)
	}
	code, b := postJSON(t, a1+"/inboxes", map[string]any{"name": "Crash", "channel": map[string]any{"type": "api"}})
	if code != 200 {
		t.Fatalf("inbox: %d %s", code, b)
	}
	var inbox struct{ ID int64 }
	json.Unmarshal(b, &inbox)
	code, b = postJSON(t, a1+"/contacts", map[string]any{"name": "Crash Test", "email": "crash@example.com", "inbox_id": inbox.ID})
	if code != 200 {
		t.Fatalf("contact: %d %s", code, b)
	}
	var contact struct {
		Payload struct{ Contact struct{ ID int64 } }
	}
	json.Unmarshal(b, &contact)
	var convs []int64
	for i := 0; i < 10; i++ {
		code, b = postJSON(t, a1+"/conversations", map[string]any{"inbox_id": inbox.ID, "contact_id": contact.Payload.Contact.ID})
		if code != 200 {
			t.Fatalf("conversation: %d %s", code, b)
		}
		var c struct{ ID int64 }
		json.Unmarshal(b, &c)
		convs = append(convs, c.ID)
	}

	// The burst: 5,000 message creates from 16 clients; the server dies
	// when half have been acknowledged.
	const total = 5000
	var (
		mu      sync.Mutex
		acked   = map[int64]bool{}
		sent    atomic.Int64
		killed  sync.Once
		clients sync.WaitGroup
	)
	for c := 0; c < 16; c++ {
		clients.Add(1)
		go func(c int) {
			defer clients.Done()
			for {
				n := sent.Add(1)
				if n > total {
					return
				}
				code, b := postJSON(t, fmt.Sprintf("%s/conversations/%d/messages", a1, convs[n%int64(len(convs))]),
					map[string]any{"content": fmt.Sprintf("burst %d", n)})
				if code != 200 {
					continue // the server is gone: this one may or may not have committed
				}
				var m struct{ ID int64 }
				json.Unmarshal(b, &m)
				mu.Lock()
				acked[m.ID] = true
				if len(acked) == total/2 {
					killed.Do(func() { s.cmd.Process.Signal(syscall.SIGKILL) })
				}
				mu.Unlock()
			}
		}(c)
	}
	clients.Wait()
	s.cmd.Wait()
	if len(acked) < total/2 {
		t.Fatalf("only %d messages acknowledged before the kill", len(acked))
	}

	// Restart on the same database: what was committed but not delivered
	// goes out now.
	start(t, db, env...)
	deadline := time.After(60 * time.Second)
	for rec.missing(acked) > 0 {
		select {
		case <-rec.seen:
		case <-time.After(time.Second):
			// A poll may be pending; check again.
		case <-deadline:
			t.Fatalf("%d of %d acknowledged messages never reached the receiver", rec.missing(acked), len(acked))
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	dups := 0
	for id, deliveries := range rec.byMsg {
		if len(deliveries) > 1 {
			t.Errorf("message %d came with %d different delivery ids: %v", id, len(deliveries), deliveries)
		}
		for _, n := range deliveries {
			dups += n - 1
		}
	}
	t.Logf("%d messages acknowledged before the kill, %d received, %d duplicate deliveries (same id)", len(acked), len(rec.byMsg), dups)
}
