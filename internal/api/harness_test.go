package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/sqlstore"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/webhook"
)

const (
	adminToken    = "admin-token-for-tests"
	platformToken = "platform-token-for-tests"
)

// testEnv is a real Parley API server on a loopback port over a SQLite file
// in a temporary folder, with account 1 and its administrator bootstrapped.
type testEnv struct {
	t      testing.TB
	Engine *webhook.Engine
	URL    string
	Store  *sqlstore.Store
	Svc    *chat.Service
	Clock  *testClock
	server *httptest.Server
}

// testClock is a settable clock; it advances one millisecond per reading so
// that successive writes get distinct times.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Millisecond)
	return c.now
}

// Peek returns the time without advancing it: the delivery engine reads
// the clock on its own schedule, and must not move the times the API
// writes.
func (c *testClock) Peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// visitorLimits are the widget limits of every test server: high enough
// that no test but the one about limits meets them.
var visitorLimits = api.VisitorLimits{PerIP: 100000, PerVisitor: 100000}

// envOption sets up the delivery engine before it starts.
type envOption func(*webhook.Engine)

// withSchedule gives the engine a retry schedule (an empty one fails a
// delivery at its first failure).
func withSchedule(s webhook.RetrySchedule) envOption {
	return func(e *webhook.Engine) { e.Schedule = s }
}

func newEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	ctx := context.Background()
	store := storetest.Open(t)
	clock := &testClock{now: time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)}
	svc := &chat.Service{Store: store, Now: clock.Now}
	// Deliveries are sent for real, to whatever webhooks a test registers.
	engine := &webhook.Engine{Store: store, Sender: &webhook.Sender{HTTP: webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}), UserAgent: "Parley/test"},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: clock.Peek}
	if storetest.Current == storetest.Postgres {
		// As parley serve runs on PostgreSQL: deliveries are leased.
		engine.LeaseOwner = "test-instance"
	}
	for _, o := range opts {
		o(engine)
	}
	svc.Events = &webhook.Sink{Notify: engine.Notify, Engine: engine}
	dctx, stopDispatcher := context.WithCancel(context.Background())
	dispatched := make(chan struct{})
	go func() { engine.Run(dctx); close(dispatched) }()
	if _, _, err := svc.Bootstrap(ctx, adminToken, ""); err != nil {
		t.Fatal(err)
	}
	handler := api.New(api.Config{Service: svc, PlatformToken: platformToken, Version: "test", Visitors: visitorLimits})
	srv := httptest.NewServer(handler)
	e := &testEnv{t: t, URL: srv.URL, Store: store, Svc: svc, Clock: clock, server: srv, Engine: engine}
	t.Cleanup(func() {
		handler.CloseStreams()
		srv.Close()
		stopDispatcher()
		<-dispatched
	})
	return e
}

// response is an HTTP response read in full.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a generic value (numbers as json.Number).
func (r *response) JSON(t testing.TB) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
	return v
}

// Obj decodes the body as a JSON object.
func (r *response) Obj(t testing.TB) map[string]any {
	t.Helper()
	m, ok := r.JSON(t).(map[string]any)
	if !ok {
		t.Fatalf("response is not a JSON object: %s", r.Body)
	}
	return m
}

// do sends a request with token in api_access_token ("" sends none). body
// may be nil, a string (sent as is) or a value encoded as JSON.
func (e *testEnv) do(method, path, token string, body any) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("api_access_token", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// must sends a request and fails the test unless it answers want.
func (e *testEnv) must(want int, method, path, token string, body any) *response {
	e.t.Helper()
	r := e.do(method, path, token, body)
	if r.Status != want {
		e.t.Fatalf("%s %s: status %d, want %d\n%s", method, path, r.Status, want, r.Body)
	}
	return r
}

// expectError checks status and the exact error body.
func (e *testEnv) expectError(r *response, status int, body string) {
	e.t.Helper()
	if r.Status != status || strings.TrimSpace(string(r.Body)) != body {
		e.t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, status, body)
	}
}

// path walks a decoded JSON value: "payload.contact.id", "payload.0.name".
func path(t testing.TB, v any, p string) any {
	t.Helper()
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				t.Fatalf("no key %q in %v (path %s)", k, x, p)
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				t.Fatalf("bad index %q in array of %d (path %s)", k, len(x), p)
			}
			v = x[i]
		default:
			t.Fatalf("cannot walk %q into %T (path %s)", k, v, p)
		}
	}
	return v
}

// num returns a JSON number at a path as int64.
func num(t testing.TB, v any, p string) int64 {
	t.Helper()
	n, ok := path(t, v, p).(json.Number)
	if !ok {
		t.Fatalf("%s is %T, not a number", p, path(t, v, p))
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%s = %s is not an integer", p, n)
	}
	return i
}

// str returns a JSON string at a path.
func str(t testing.TB, v any, p string) string {
	t.Helper()
	s, ok := path(t, v, p).(string)
	if !ok {
		t.Fatalf("%s is %T (%v), not a string", p, path(t, v, p), path(t, v, p))
	}
	return s
}

// keys returns the keys of the JSON object in body at a path, in order.
func keys(t testing.TB, body []byte, p string) []string {
	t.Helper()
	raw := json.RawMessage(body)
	if p != "" {
		for _, k := range strings.Split(p, ".") {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(raw, &m); err != nil {
				var a []json.RawMessage
				if err2 := json.Unmarshal(raw, &a); err2 != nil {
					t.Fatalf("cannot walk %q: %v", k, err)
				}
				var i int
				fmt.Sscan(k, &i)
				raw = a[i]
				continue
			}
			raw = m[k]
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("%s is not an object", p)
	}
	var out []string
	for dec.More() {
		tok, _ := dec.Token()
		out = append(out, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return out
}
