package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/webhook"
)

// fakeClock is the engine's clock in these tests: time moves only when the
// test says so.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// rig is an engine over a real SQLite store, on a fake clock, that reports
// every recorded outcome on a channel.
type rig struct {
	t        *testing.T
	store    chat.Store
	clock    *fakeClock
	engine   *webhook.Engine
	recorded chan chat.Delivery
	account  *chat.Account
	stop     context.CancelFunc
	done     chan struct{}
}

var t0 = time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)

func newRig(t *testing.T, configure func(e *webhook.Engine)) *rig {
	t.Helper()
	store := storetest.Open(t)
	r := &rig{t: t, store: store, clock: &fakeClock{now: t0}, recorded: make(chan chat.Delivery, 10000), done: make(chan struct{})}
	r.engine = &webhook.Engine{
		Store:        store,
		Sender:       newSender(),
		Now:          r.clock.Now,
		Jitter:       func() float64 { return 0 },
		PollInterval: time.Hour, // the tests poll with Kick
		OnRecorded: func(ds []chat.Delivery) {
			for _, d := range ds {
				r.recorded <- d
			}
		},
	}
	if configure != nil {
		configure(r.engine)
	}
	r.account = &chat.Account{Name: "Rig", Locale: "en", Status: chat.AccountActive, CustomAttributes: chat.EmptyObject,
		Features: chat.EmptyObject, Limits: chat.EmptyObject, CreatedAt: t0, UpdatedAt: t0}
	r.update(func(tx chat.Tx) error { return tx.CreateAccount(r.account) })
	var ctx context.Context
	ctx, r.stop = context.WithCancel(context.Background())
	go func() { r.engine.Run(ctx); close(r.done) }()
	t.Cleanup(func() {
		r.stop()
		<-r.done
	})
	return r
}

func (r *rig) update(fn func(tx chat.Tx) error) {
	r.t.Helper()
	if err := r.store.Update(context.Background(), fn); err != nil {
		r.t.Fatal(err)
	}
}

// webhook registers an account webhook for url.
func (r *rig) webhook(url string) *chat.Webhook {
	r.t.Helper()
	w := &chat.Webhook{AccountID: r.account.ID, URL: url, Subscriptions: []string{chat.EventMessageCreated},
		Secret: chat.SecureToken(24), CreatedAt: t0, UpdatedAt: t0}
	r.update(func(tx chat.Tx) error { return tx.CreateWebhook(w) })
	return w
}

// deliveries writes n events for w, each with a pending delivery due now,
// and asks the engine to look.
func (r *rig) deliveries(w *chat.Webhook, n int) []chat.Delivery {
	r.t.Helper()
	now := r.clock.Now()
	ds := make([]chat.Delivery, 0, n)
	r.update(func(tx chat.Tx) error {
		for i := 0; i < n; i++ {
			ev := &chat.Event{Name: chat.EventMessageCreated, AccountID: r.account.ID, CreatedAt: now,
				Payload: []byte(fmt.Sprintf(`{"event":"message_created","n":%d}`, i))}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			d := chat.Delivery{UUID: chat.NewUUID(), EventID: ev.ID, EventName: ev.Name, AccountID: r.account.ID, WebhookID: w.ID,
				URL: w.URL, Status: chat.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}
			// Inserted where ds holds them: their ids are set by the commit.
			ds = append(ds, d)
			if err := tx.InsertDeliveries(ds[i : i+1]); err != nil {
				return err
			}
		}
		return nil
	})
	r.engine.Kick()
	return ds
}

// next waits for the next recorded outcome.
func (r *rig) next() chat.Delivery {
	r.t.Helper()
	select {
	case d := <-r.recorded:
		return d
	case <-time.After(30 * time.Second):
		r.t.Fatal("no delivery outcome recorded within 30 s")
	}
	return chat.Delivery{}
}

func (r *rig) attempts(id int64) []chat.Attempt {
	r.t.Helper()
	var as []chat.Attempt
	if err := r.store.View(context.Background(), func(tx chat.Tx) (err error) { as, err = tx.ListAttempts(id); return err }); err != nil {
		r.t.Fatal(err)
	}
	return as
}

// receiver answers with the statuses given, in order, then 200; every
// request's delivery id goes on got.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	header   http.Header
	got      chan string
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses, got: make(chan string, 10000), header: http.Header{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		rc.mu.Lock()
		status := http.StatusOK
		if len(rc.statuses) > 0 {
			status, rc.statuses = rc.statuses[0], rc.statuses[1:]
		}
		for k, v := range rc.header {
			w.Header()[k] = v
		}
		rc.mu.Unlock()
		rc.got <- req.Header.Get("X-Chatwoot-Delivery")
		w.WriteHeader(status)
		fmt.Fprintf(w, "answered %d", status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func TestRetryScheduleWithFakeClock(t *testing.T) {
	rc := newReceiver(t, 500, 502, 404)
	r := newRig(t, nil)
	w := r.webhook(rc.srv.URL)
	d := r.deliveries(w, 1)[0]

	// Attempt 1 at t0 fails; the retries come 5 s, 5 min and 30 min after
	// each failure, not a moment sooner.
	waits := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute}
	want := []time.Time{t0}
	for i := 0; i < 4; i++ {
		got := r.next()
		if id := <-rc.got; id != d.UUID {
			t.Fatalf("attempt %d sent delivery id %q, want %q (the same on every attempt)", i+1, id, d.UUID)
		}
		if i == 3 {
			if got.Status != chat.DeliveryDelivered || got.Attempts != 4 {
				t.Fatalf("after attempt 4: %s with %d attempts, want delivered with 4", got.Status, got.Attempts)
			}
			break
		}
		due := r.clock.Now().Add(waits[i])
		if got.Status != chat.DeliveryPending || !got.NextAttemptAt.Equal(due) {
			t.Fatalf("after attempt %d: %s, next attempt %v; want pending at %v", i+1, got.Status, got.NextAttemptAt, due)
		}
		r.clock.Advance(waits[i] - time.Millisecond)
		r.engine.Poll()
		if n := r.engine.Stats().Known; n != 0 {
			t.Fatalf("retry %d taken a millisecond before it was due", i+1)
		}
		r.clock.Advance(time.Millisecond)
		want = append(want, r.clock.Now())
		r.engine.Poll()
	}
	as := r.attempts(d.ID)
	if len(as) != 4 {
		t.Fatalf("%d attempts logged, want 4", len(as))
	}
	for i, a := range as {
		if !a.AttemptedAt.Equal(want[i]) {
			t.Errorf("attempt %d at %v, want %v", i+1, a.AttemptedAt, want[i])
		}
		if code := []int{500, 502, 404, 200}[i]; a.StatusCode != code {
			t.Errorf("attempt %d logged status %d, want %d", i+1, a.StatusCode, code)
		}
	}
	if as[0].Error != "500 Internal Server Error" || string(as[0].ResponseBody) != "answered 500" || as[3].Error != "" {
		t.Errorf("attempts logged errors %q / %q and body %q", as[0].Error, as[3].Error, as[0].ResponseBody)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	rc := newReceiver(t, 429, 503, 429)
	rc.header.Set("Retry-After", "120")
	r := newRig(t, nil)
	w := r.webhook(rc.srv.URL)
	r.deliveries(w, 1)

	// 429 with Retry-After: 120 waits 120 s, longer than the schedule's 5 s.
	got := r.next()
	if want := t0.Add(120 * time.Second); !got.NextAttemptAt.Equal(want) {
		t.Fatalf("after 429 Retry-After 120: next attempt %v, want %v", got.NextAttemptAt, want)
	}
	r.clock.Advance(120 * time.Second)
	r.engine.Poll()
	// 503 with Retry-After 120 after the second failure: the schedule's
	// 5 min is longer, so it wins.
	got = r.next()
	if want := r.clock.Now().Add(5 * time.Minute); !got.NextAttemptAt.Equal(want) {
		t.Fatalf("after 503 Retry-After 120 on attempt 2: next attempt %v, want %v (the longer wait)", got.NextAttemptAt, want)
	}
}

func TestEndpointDisabledAfterFiveDaysOfFailure(t *testing.T) {
	rc := newReceiver(t)
	rc.mu.Lock()
	for i := 0; i < 1000; i++ {
		rc.statuses = append(rc.statuses, 500)
	}
	rc.mu.Unlock()
	// No retries: each day's delivery fails for good at once, so exactly
	// one attempt happens per day.
	r := newRig(t, func(e *webhook.Engine) { e.Schedule = webhook.RetrySchedule{} })
	w := r.webhook(rc.srv.URL)

	// A failure every day: the endpoint stays enabled while the unbroken
	// run of failures is shorter than 5 days.
	for day := 0; day <= 5; day++ {
		r.deliveries(w, 1)
		got := r.next()
		<-rc.got
		if got.Status != chat.DeliveryFailed {
			t.Fatalf("day %d: %s", day, got.Status)
		}
		hook := r.findWebhook(w.ID)
		if !hook.Health.FailingSince.Equal(t0) {
			t.Fatalf("day %d: failing since %v, want %v", day, hook.Health.FailingSince, t0)
		}
		if day < 5 && !hook.Health.DisabledAt.IsZero() {
			t.Fatalf("disabled after %d days", day)
		}
		if day == 5 {
			if !hook.Health.DisabledAt.Equal(r.clock.Now()) {
				t.Fatalf("not disabled after 5 days of failures: %+v", hook.Health)
			}
			break
		}
		r.clock.Advance(24 * time.Hour)
	}

	// The delivery log has the webhook_disabled record.
	var log []chat.Delivery
	r.view(func(tx chat.Tx) (err error) {
		log, err = tx.ListEndpointDeliveries(chat.DeliveryFilter{AccountID: r.account.ID, Endpoint: chat.Endpoint{WebhookID: w.ID}, Event: chat.EventWebhookDisabled})
		return err
	})
	if len(log) != 1 || log[0].Status != chat.DeliveryNotice {
		t.Fatalf("delivery log: %+v, want one webhook_disabled notice", log)
	}
	// A new delivery is not sent while disabled: it fails at once.
	r.deliveries(w, 1)
	if got := r.next(); got.Status != chat.DeliveryFailed || got.Attempts != 0 {
		t.Fatalf("delivery to a disabled endpoint: %s after %d attempts, want failed after none", got.Status, got.Attempts)
	}
	select {
	case <-rc.got:
		t.Fatal("a disabled endpoint was sent a delivery")
	default:
	}

	// Enabled again: deliveries flow; a success clears the failure record.
	r.update(func(tx chat.Tx) error {
		return tx.SetHealth(r.account.ID, chat.Endpoint{WebhookID: w.ID}, chat.Health{})
	})
	r.engine.EndpointEnabled(chat.Endpoint{WebhookID: w.ID})
	rc.mu.Lock()
	rc.statuses = nil
	rc.mu.Unlock()
	r.deliveries(w, 1)
	if got := r.next(); got.Status != chat.DeliveryDelivered {
		t.Fatalf("after enabling: %s", got.Status)
	}
}

func (r *rig) view(fn func(tx chat.Tx) error) {
	r.t.Helper()
	if err := r.store.View(context.Background(), fn); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) findWebhook(id int64) *chat.Webhook {
	r.t.Helper()
	var w *chat.Webhook
	r.view(func(tx chat.Tx) (err error) { w, err = tx.FindWebhook(r.account.ID, id); return err })
	return w
}

func newSender() *webhook.Sender {
	return &webhook.Sender{HTTP: webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}), UserAgent: "Parley/test"}
}

// blocker is a receiver whose requests wait until released, counting how
// many wait at once.
type blocker struct {
	mu      sync.Mutex
	waiting int
	most    int
	release chan struct{}
	arrived chan string
	srv     *httptest.Server
}

func newBlocker(t *testing.T) *blocker {
	b := &blocker{release: make(chan struct{}), arrived: make(chan string, 10000)}
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b.mu.Lock()
		b.waiting++
		b.most = max(b.most, b.waiting)
		b.mu.Unlock()
		b.arrived <- req.Header.Get("X-Chatwoot-Delivery")
		<-b.release
		b.mu.Lock()
		b.waiting--
		b.mu.Unlock()
	}))
	t.Cleanup(func() {
		b.open()
		b.srv.Close()
	})
	return b
}

func (b *blocker) open() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.release:
	default:
		close(b.release)
	}
}

func TestDeadEndpointDelaysNoOther(t *testing.T) {
	dead, live := newBlocker(t), newReceiver(t)
	r := newRig(t, func(e *webhook.Engine) { e.EndpointConcurrency = 4 })
	dw, lw := r.webhook(dead.srv.URL), r.webhook(live.srv.URL)
	// The dead endpoint's deliveries come first in the queue.
	r.deliveries(dw, 50)
	r.deliveries(lw, 50)

	for i := 0; i < 50; i++ {
		if got := r.next(); got.WebhookID != lw.ID || got.Status != chat.DeliveryDelivered {
			t.Fatalf("outcome %d: %+v, want a delivery to the live endpoint", i, got)
		}
	}
	for i := 0; i < 4; i++ {
		<-dead.arrived
	}
	dead.mu.Lock()
	waiting, most := dead.waiting, dead.most
	dead.mu.Unlock()
	if waiting != 4 || most != 4 {
		t.Fatalf("the dead endpoint holds %d attempts (at most %d), want its cap of 4", waiting, most)
	}
	if s := r.engine.Stats(); s.InFlight != 4 || s.Queued != 46 {
		t.Fatalf("engine %+v, want 4 in flight and 46 queued for the dead endpoint", s)
	}
	dead.open()
	for i := 0; i < 50; i++ {
		if got := r.next(); got.WebhookID != dw.ID {
			t.Fatalf("unexpected outcome %+v", got)
		}
	}
}

func TestStopFinishesAttemptsInFlight(t *testing.T) {
	b := newBlocker(t)
	r := newRig(t, nil)
	w := r.webhook(b.srv.URL)
	d := r.deliveries(w, 1)[0]
	<-b.arrived
	r.stop() // Ctrl-C while the receiver is still answering
	b.open()
	<-r.done
	var got *chat.Delivery
	r.view(func(tx chat.Tx) (err error) { got, err = tx.FindDelivery(r.account.ID, d.ID); return err })
	if got.Status != chat.DeliveryDelivered || got.Attempts != 1 {
		t.Fatalf("after stopping: %s with %d attempts, want the attempt in flight recorded as delivered", got.Status, got.Attempts)
	}
}

func TestStopAbandonsSlowAttemptsWithoutLosingThem(t *testing.T) {
	b := newBlocker(t)
	r := newRig(t, func(e *webhook.Engine) { e.ShutdownTimeout = 50 * time.Millisecond })
	w := r.webhook(b.srv.URL)
	d := r.deliveries(w, 1)[0]
	<-b.arrived
	r.stop()
	<-r.done // gave up on the attempt after the shutdown timeout
	var got *chat.Delivery
	r.view(func(tx chat.Tx) (err error) { got, err = tx.FindDelivery(r.account.ID, d.ID); return err })
	if got.Status != chat.DeliveryPending || got.Attempts != 0 {
		t.Fatalf("abandoned delivery: %s with %d attempts, want still pending", got.Status, got.Attempts)
	}

	// The next start sends it again, with the same delivery id.
	b.open()
	next := &webhook.Engine{Store: r.store, Sender: newSender(), Now: r.clock.Now, PollInterval: time.Hour,
		OnRecorded: func(ds []chat.Delivery) {
			for _, d := range ds {
				r.recorded <- d
			}
		}}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { next.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	if got := r.next(); got.ID != d.ID || got.Status != chat.DeliveryDelivered {
		t.Fatalf("after restart: %+v", got)
	}
	if id := <-b.arrived; id != d.UUID {
		t.Fatalf("resent with delivery id %q, want %q", id, d.UUID)
	}
}

func TestSlowEndpointHoldsAtMostItsShare(t *testing.T) {
	slow, live := newBlocker(t), newReceiver(t)
	r := newRig(t, func(e *webhook.Engine) { e.EndpointConcurrency = 4; e.MaxQueued = 40 })
	sw, lw := r.webhook(slow.srv.URL), r.webhook(live.srv.URL)
	// More than the engine holds, for an endpoint that never answers, ahead
	// of a live endpoint's.
	r.deliveries(sw, 100)
	r.deliveries(lw, 100)

	for i := 0; i < 100; i++ {
		if got := r.next(); got.WebhookID != lw.ID || got.Status != chat.DeliveryDelivered {
			t.Fatalf("outcome %d: %+v, want a delivery to the live endpoint", i, got)
		}
	}
	if s := r.engine.Stats(); s.InFlight != 4 || s.Queued > 20 {
		t.Fatalf("engine %+v, want the slow endpoint's 4 in flight and at most its share (20) queued", s)
	}
	slow.open()
	seen := map[int64]bool{}
	for len(seen) < 100 {
		got := r.next()
		if got.WebhookID != sw.ID || got.Status != chat.DeliveryDelivered {
			t.Fatalf("unexpected outcome %+v", got)
		}
		seen[got.ID] = true
	}
}

func TestFailingEndpointOverflowIsDeferred(t *testing.T) {
	statuses := make([]int, 1000)
	for i := range statuses {
		statuses[i] = http.StatusInternalServerError
	}
	failing, live := newReceiver(t, statuses...), newReceiver(t)
	r := newRig(t, func(e *webhook.Engine) { e.EndpointConcurrency = 4; e.MaxQueued = 40 })
	fw, lw := r.webhook(failing.srv.URL), r.webhook(live.srv.URL)
	r.deliveries(fw, 100)
	r.deliveries(lw, 100)

	attempted, deferred, delivered := 0, 0, 0
	for attempted+deferred+delivered < 200 {
		got := r.next()
		switch {
		case got.WebhookID == lw.ID && got.Status == chat.DeliveryDelivered:
			delivered++
		case got.WebhookID == fw.ID && got.Attempts == 1:
			// Failed once: the schedule's first retry, 5 s on.
			if got.Status != chat.DeliveryPending || !got.NextAttemptAt.Equal(t0.Add(5*time.Second)) {
				t.Fatalf("failed attempt recorded as %+v, want pending until t0+5s", got)
			}
			attempted++
		case got.WebhookID == fw.ID && got.Attempts == 0:
			// Put off without an attempt: failing since t0, so the
			// shortest deferral.
			if got.Status != chat.DeliveryPending || !got.NextAttemptAt.Equal(t0.Add(5*time.Second)) {
				t.Fatalf("deferred delivery recorded as %+v, want pending until t0+5s", got)
			}
			deferred++
		default:
			t.Fatalf("unexpected outcome %+v", got)
		}
	}
	if deferred == 0 || attempted+deferred != 100 || delivered != 100 {
		t.Fatalf("%d attempted, %d deferred, %d delivered: want the failing endpoint's overflow deferred and the live endpoint served", attempted, deferred, delivered)
	}
	if s := r.engine.Stats(); s.Deferred != int64(deferred) || s.Queued != 0 {
		t.Fatalf("engine %+v, want %d deferred and nothing left in memory", s, deferred)
	}
	// A deferral is not an attempt: the delivery log shows none.
	var ds []chat.Delivery
	r.view(func(tx chat.Tx) (err error) {
		ds, err = tx.ListDeliveries(r.account.ID, 0, 300)
		return err
	})
	for _, d := range ds {
		if as := r.attempts(d.ID); len(as) != d.Attempts {
			t.Fatalf("delivery %d: %d attempts logged, %d counted", d.ID, len(as), d.Attempts)
		}
	}
}
