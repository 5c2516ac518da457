package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/webhook"
)

// The delivery log API, end to end: real receivers, the real delivery
// engine on the test clock.

// reply is what a hookReceiver answers.
type reply struct {
	status int
	header map[string]string
	body   string
}

// hookReceiver answers deliveries as scripted: the queued replies first,
// then the fallback. It hands every request to the test.
type hookReceiver struct {
	URL      string
	mu       sync.Mutex
	script   []reply
	fallback reply
	reqs     chan received
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{reqs: make(chan received, 1000), fallback: reply{status: 200, body: `{"ok":true}`}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		rep := r.fallback
		if len(r.script) > 0 {
			rep, r.script = r.script[0], r.script[1:]
		}
		r.mu.Unlock()
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
		r.reqs <- received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body}
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// then queues replies for the next requests.
func (r *hookReceiver) then(rs ...reply) {
	r.mu.Lock()
	r.script = append(r.script, rs...)
	r.mu.Unlock()
}

// answer sets the reply once the queued ones are used up.
func (r *hookReceiver) answer(rep reply) {
	r.mu.Lock()
	r.fallback = rep
	r.mu.Unlock()
}

func (r *hookReceiver) take(t *testing.T, n int) []received {
	t.Helper()
	out := make([]received, 0, n)
	timeout := time.After(15 * time.Second)
	for len(out) < n {
		select {
		case q := <-r.reqs:
			out = append(out, q)
		case <-timeout:
			t.Fatalf("received %d requests, want %d", len(out), n)
		}
	}
	return out
}

// none checks that nothing more arrives for a while.
func (r *hookReceiver) none(t *testing.T) {
	t.Helper()
	select {
	case q := <-r.reqs:
		t.Fatalf("unexpected delivery %s to %s: %s", q.Header.Get("X-Chatwoot-Delivery"), q.Path, q.Body)
	case <-time.After(300 * time.Millisecond):
	}
}

var (
	fail500   = reply{status: 500, body: "down"}
	isoMillis = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

func hookLog(id int64) string      { return fmt.Sprintf("%s/webhooks/%d", a1, id) }
func inboxHookLog(id int64) string { return fmt.Sprintf("%s/inboxes/%d/webhook", a1, id) }

// deliveries lists a log's deliveries (newest first) with a query string.
func (e *testEnv) deliveries(base, query string) []any {
	e.t.Helper()
	return list(e.t, e.ok("GET", base+"/deliveries"+query, nil).JSON(e.t), "payload.deliveries")
}

// waitLog polls a log until cond holds for its list answer.
func (e *testEnv) waitLog(base, query string, what string, cond func(v any) bool) any {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := e.ok("GET", base+"/deliveries"+query, nil).JSON(e.t)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("waiting for %s: gave up; last answer %v", what, v)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitStatus waits until a delivery has a status and a number of attempts
// and returns its detail.
func (e *testEnv) waitStatus(base string, id int64, status string, attempts int) *response {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.ok("GET", fmt.Sprintf("%s/deliveries/%d", base, id), nil)
		v := r.JSON(e.t)
		if str(e.t, v, "status") == status && len(list(e.t, v, "attempts")) == attempts {
			return r
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("delivery %d: want %s with %d attempts, got %s", id, status, attempts, r.Body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// byUUID returns the id of the log entry with a delivery id.
func byUUID(t *testing.T, items []any, uuid string) int64 {
	t.Helper()
	for i := range items {
		if str(t, items[i], "delivery_id") == uuid {
			return num(t, items[i], "id")
		}
	}
	t.Fatalf("no delivery %s in the log", uuid)
	return 0
}

// rawKey returns the raw bytes of a top-level key of a JSON object.
func rawKey(t *testing.T, body []byte, key string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("not an object: %v\n%s", err, body)
	}
	return m[key]
}

// later moves the test clock on and has the engine look for due work; it
// returns the new time.
func (e *testEnv) later(d time.Duration) time.Time {
	t := e.Clock.Peek().Add(d)
	e.Clock.Set(t)
	e.Engine.Kick()
	return t
}

var deliveryItemKeys = []string{"id", "delivery_id", "event", "status", "attempts", "next_attempt_at", "last_status_code",
	"last_error", "created_at", "completed_at"}

// TestDeliveryLogAttempts follows one delivery through a failed attempt
// and a retry, then redelivers it: the detail shows the payload exactly as
// the receiver got it and every attempt with what the receiver answered.
func TestDeliveryLogAttempts(t *testing.T) {
	e := newEnv(t)
	rcv := newHookReceiver(t)
	rcv.then(reply{status: 500, header: map[string]string{"X-Debug": "first try", "Content-Type": "text/plain"}, body: "try again later"})
	hook, _ := e.webhook(rcv.URL+"/hook", []string{"contact_created", "contact_updated"})
	base := hookLog(hook)

	contact := e.contact(map[string]any{"name": "Ann <b>&</b> \u00e9"})
	first := rcv.take(t, 1)[0]
	uuid := first.Header.Get("X-Chatwoot-Delivery")
	id := byUUID(t, e.deliveries(base, ""), uuid)
	r := e.waitStatus(base, id, "pending", 1)
	v := r.JSON(t)
	wantKeys(t, r.Body, "", "id", "delivery_id", "event", "status", "next_attempt_at", "last_status_code", "last_error",
		"created_at", "completed_at", "payload", "attempts")
	if str(t, v, "event") != "contact_created" || num(t, v, "last_status_code") != 500 || str(t, v, "last_error") != "500 Internal Server Error" ||
		!isoMillis.MatchString(str(t, v, "next_attempt_at")) || path(t, v, "completed_at") != nil {
		t.Errorf("after a failed attempt: %s", r.Body)
	}

	// The retry is due 5 s (±20%) later on the engine's clock.
	e.later(time.Minute)
	second := rcv.take(t, 1)[0]
	if second.Header.Get("X-Chatwoot-Delivery") != uuid || !bytes.Equal(second.Body, first.Body) {
		t.Fatalf("the retry is not the same delivery: %s %s", second.Header.Get("X-Chatwoot-Delivery"), second.Body)
	}
	r = e.waitStatus(base, id, "delivered", 2)
	v = r.JSON(t)
	if got := rawKey(t, r.Body, "payload"); !bytes.Equal(got, first.Body) {
		t.Errorf("payload in the log is not what was sent:\n got %s\nsent %s", got, first.Body)
	}
	if str(t, v, "delivery_id") != uuid || num(t, v, "id") != id || num(t, v, "last_status_code") != 200 || path(t, v, "last_error") != nil ||
		!isoMillis.MatchString(str(t, v, "completed_at")) || !isoMillis.MatchString(str(t, v, "created_at")) || path(t, v, "next_attempt_at") != nil {
		t.Errorf("delivered: %s", r.Body)
	}
	wantKeys(t, r.Body, "attempts.0", "attempted_at", "status_code", "latency_ms", "response_headers", "response_body",
		"response_body_base64", "error")
	wantTypes(t, v, "attempts.0", map[string]string{"attempted_at": "string", "status_code": "number", "latency_ms": "number",
		"response_headers": "object", "response_body": "string", "response_body_base64": "bool", "error": "string"})
	a0, a1v := path(t, v, "attempts.0"), path(t, v, "attempts.1")
	if num(t, a0, "status_code") != 500 || str(t, a0, "response_headers.X-Debug") != "first try" ||
		str(t, a0, "response_headers.Content-Type") != "text/plain" || str(t, a0, "response_body") != "try again later" ||
		path(t, a0, "response_body_base64") != false || str(t, a0, "error") != "500 Internal Server Error" ||
		!isoMillis.MatchString(str(t, a0, "attempted_at")) {
		t.Errorf("first attempt: %v", a0)
	}
	if lat, _ := path(t, a0, "latency_ms").(json.Number).Float64(); lat < 0 || lat > 10000 {
		t.Errorf("latency_ms = %v", lat)
	}
	if num(t, a1v, "status_code") != 200 || str(t, a1v, "response_body") != `{"ok":true}` || path(t, a1v, "error") != nil ||
		str(t, a1v, "attempted_at") <= str(t, a0, "attempted_at") {
		t.Errorf("second attempt: %v", a1v)
	}

	// A body that is not text comes as base64, flagged.
	rcv.then(reply{status: 503, body: "\xff\xfe\x00binary"})
	e.ok("PATCH", fmt.Sprintf("%s/contacts/%d", a1, contact), map[string]any{"name": "Ann Lee"})
	upd := rcv.take(t, 1)[0]
	updID := byUUID(t, e.deliveries(base, ""), upd.Header.Get("X-Chatwoot-Delivery"))
	v = e.waitStatus(base, updID, "pending", 1).JSON(t)
	if str(t, v, "attempts.0.response_body") != base64.StdEncoding.EncodeToString([]byte("\xff\xfe\x00binary")) ||
		path(t, v, "attempts.0.response_body_base64") != true || num(t, v, "attempts.0.status_code") != 503 {
		t.Errorf("binary body: %v", path(t, v, "attempts.0"))
	}
	e.later(time.Minute)
	rcv.take(t, 1)
	e.waitStatus(base, updID, "delivered", 2)

	// Redeliver: pending and due now, the same delivery id, the same bytes.
	r = e.ok("POST", fmt.Sprintf("%s/deliveries/%d/redeliver", base, id), nil)
	wantKeys(t, r.Body, "", deliveryItemKeys...)
	v = r.JSON(t)
	if str(t, v, "status") != "pending" || str(t, v, "delivery_id") != uuid || num(t, v, "attempts") != 2 ||
		!isoMillis.MatchString(str(t, v, "next_attempt_at")) || path(t, v, "completed_at") != nil {
		t.Errorf("redeliver answered %s", r.Body)
	}
	again := rcv.take(t, 1)[0]
	if again.Header.Get("X-Chatwoot-Delivery") != uuid || again.Header.Get("webhook-id") != uuid || !bytes.Equal(again.Body, first.Body) {
		t.Errorf("redelivered %s with body %s", again.Header.Get("X-Chatwoot-Delivery"), again.Body)
	}
	e.waitStatus(base, id, "delivered", 3)
	rcv.none(t)
}

// storedDelivery writes an event and its delivery to an endpoint straight
// to the store, as the engine leaves them; for logs that would take long
// to make through the engine.
func (e *testEnv) storedDelivery(accountID int64, ep chat.Endpoint, event, status string, at time.Time) chat.Delivery {
	e.t.Helper()
	ev := &chat.Event{Name: event, AccountID: accountID, CreatedAt: at, Payload: []byte(fmt.Sprintf(`{"event":%q, "at" : %q}`, event, at))}
	d := chat.Delivery{UUID: chat.NewUUID(), EventName: event, AccountID: accountID, WebhookID: ep.WebhookID, InboxID: ep.InboxID,
		URL: "https://old.example/hook", Status: status, Attempts: 1, LastStatusCode: 500, LastError: "500 Internal Server Error",
		CreatedAt: at, UpdatedAt: at, CompletedAt: at.Add(time.Second)}
	switch status {
	case chat.DeliveryDelivered:
		d.LastStatusCode, d.LastError = 200, ""
	case chat.DeliveryNotice:
		d.Attempts, d.LastStatusCode, d.CompletedAt = 0, 0, at
	case chat.DeliveryPending:
		d.NextAttemptAt, d.CompletedAt = at.Add(365*24*time.Hour), time.Time{}
	}
	var ds []chat.Delivery
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		d.EventID = ev.ID
		ds = []chat.Delivery{d}
		return tx.InsertDeliveries(ds) // sets the id by the commit
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds[0]
}

// apiInboxURL creates an API inbox of account 1 whose webhook_url is url,
// straight in the store, and returns its id.
func (e *testEnv) apiInboxURL(name, url string) int64 {
	e.t.Helper()
	id := e.apiInbox(name)
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		in, err := tx.FindInbox(1, id)
		if err != nil {
			return err
		}
		in.API.WebhookURL = url
		return tx.UpdateInbox(in)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func ids(t *testing.T, items []any) []int64 {
	t.Helper()
	out := []int64{}
	for _, it := range items {
		out = append(out, num(t, it, "id"))
	}
	return out
}

// TestDeliveryLogListFilterPage lists a log with each filter and pages
// through it.
func TestDeliveryLogListFilterPage(t *testing.T) {
	e := newEnv(t)
	rcv := newHookReceiver(t)
	hook, _ := e.webhook(rcv.URL+"/hook", []string{"webwidget_triggered"})
	base := hookLog(hook)
	ep := chat.Endpoint{WebhookID: hook}
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var ds []chat.Delivery
	for i, x := range []struct{ event, status string }{
		{"contact_created", "delivered"}, {"contact_updated", "failed"}, {"message_created", "delivered"},
		{"contact_updated", "delivered"}, {"webhook_disabled", "notice"}, {"message_created", "failed"}, {"contact_updated", "pending"},
	} {
		ds = append(ds, e.storedDelivery(1, ep, x.event, x.status, t0.Add(time.Duration(i)*time.Hour)))
	}
	// Another endpoint's and another account's stay out.
	e.storedDelivery(1, chat.Endpoint{InboxID: e.apiInbox("Elsewhere")}, "message_created", "failed", t0)
	other, _ := e.otherAccount()
	e.storedDelivery(other, ep, "message_created", "failed", t0)

	want := func(is ...int) []int64 {
		out := []int64{}
		for _, i := range is {
			out = append(out, ds[i].ID)
		}
		return out
	}
	r := e.ok("GET", base+"/deliveries", nil)
	wantKeys(t, r.Body, "", "payload", "meta")
	wantKeys(t, r.Body, "payload", "endpoint", "deliveries")
	wantKeys(t, r.Body, "payload.endpoint", "url", "failing_since", "disabled_at")
	wantKeys(t, r.Body, "payload.deliveries.0", deliveryItemKeys...)
	wantKeys(t, r.Body, "meta", "next_before")
	v := r.JSON(t)
	if str(t, v, "payload.endpoint.url") != rcv.URL+"/hook" || path(t, v, "payload.endpoint.failing_since") != nil ||
		path(t, v, "payload.endpoint.disabled_at") != nil || path(t, v, "meta.next_before") != nil {
		t.Errorf("list envelope: %s", r.Body)
	}
	if got := ids(t, list(t, v, "payload.deliveries")); !slices.Equal(got, want(6, 5, 4, 3, 2, 1, 0)) {
		t.Errorf("all: %v", got)
	}
	item := path(t, v, "payload.deliveries.1") // ds[5], failed
	if str(t, item, "delivery_id") != ds[5].UUID || str(t, item, "event") != "message_created" || str(t, item, "status") != "failed" ||
		num(t, item, "attempts") != 1 || num(t, item, "last_status_code") != 500 || str(t, item, "created_at") != iso(ds[5].CreatedAt) ||
		str(t, item, "completed_at") != iso(ds[5].CompletedAt) || path(t, item, "next_attempt_at") != nil {
		t.Errorf("item: %v", item)
	}
	if str(t, v, "payload.deliveries.0.next_attempt_at") != iso(ds[6].NextAttemptAt) {
		t.Errorf("pending item: %v", path(t, v, "payload.deliveries.0"))
	}

	// The detail shows the stored payload byte for byte (spacing and all),
	// even where encoding/json would rewrite it.
	var stored []byte
	err := e.Store.View(context.Background(), func(tx chat.Tx) error {
		o, err := tx.LoadOutbound(ds[0].ID)
		if err == nil {
			stored = o.Payload
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	dr := e.ok("GET", fmt.Sprintf("%s/deliveries/%d", base, ds[0].ID), nil)
	if got := rawKey(t, dr.Body, "payload"); !bytes.Equal(got, stored) || !bytes.Contains(stored, []byte(`, "at" : `)) {
		t.Errorf("detail payload %s, stored %s", got, stored)
	}
	if len(list(t, dr.JSON(t), "attempts")) != 0 {
		t.Errorf("a delivery without attempts: %s", dr.Body)
	}

	ts := func(i int) string { return url.QueryEscape(iso(ds[i].CreatedAt)) }
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"?status=failed", want(5, 1)},
		{"?status=notice", want(4)},
		{"?status=pending", want(6)},
		{"?event=contact_updated", want(6, 3, 1)},
		{"?event=webhook_disabled", want(4)},
		{"?event=contact_updated&status=delivered", want(3)},
		{"?since=" + ts(2), want(6, 5, 4, 3, 2)},
		{"?until=" + ts(2), want(1, 0)},
		{"?since=" + ts(1) + "&until=" + ts(4), want(3, 2, 1)},
		{fmt.Sprintf("?since=%d&until=%d", ds[1].CreatedAt.Unix(), ds[4].CreatedAt.Unix()), want(3, 2, 1)},
		{"?status=&event=", want(6, 5, 4, 3, 2, 1, 0)}, // empty is absent
		{fmt.Sprintf("?before=%d", ds[2].ID), want(1, 0)},
		{"?status=delivered&limit=500", want(3, 2, 0)}, // limit is capped, not refused
	} {
		if got := ids(t, e.deliveries(base, c.query)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// Pages of 3 cover the log exactly once.
	var seen []int64
	before := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		v := e.ok("GET", base+"/deliveries?limit=3"+before, nil).JSON(t)
		page := ids(t, list(t, v, "payload.deliveries"))
		seen = append(seen, page...)
		next := path(t, v, "meta.next_before")
		if next == nil {
			if len(page) == 0 || len(page) > 3 {
				t.Errorf("last page has %d entries", len(page))
			}
			break
		}
		if len(page) != 3 || num(t, v, "meta.next_before") != page[2] {
			t.Fatalf("page %v with next_before %v", page, next)
		}
		before = fmt.Sprintf("&before=%d", page[2])
	}
	if !slices.Equal(seen, want(6, 5, 4, 3, 2, 1, 0)) {
		t.Errorf("pages gave %v", seen)
	}
	// A page that ends exactly at the last entry has no next page.
	v = e.ok("GET", base+"/deliveries?limit=7", nil).JSON(t)
	if path(t, v, "meta.next_before") != nil || len(list(t, v, "payload.deliveries")) != 7 {
		t.Errorf("full page: next_before %v", path(t, v, "meta.next_before"))
	}
	// 50 by default.
	for i := 0; i < 50; i++ {
		e.storedDelivery(1, ep, "contact_created", "delivered", t0.Add(time.Duration(10+i)*time.Hour))
	}
	v = e.ok("GET", base+"/deliveries", nil).JSON(t)
	if len(list(t, v, "payload.deliveries")) != 50 || path(t, v, "meta.next_before") == nil {
		t.Errorf("default page: %d entries, next_before %v", len(list(t, v, "payload.deliveries")), path(t, v, "meta.next_before"))
	}

	// Filters Parley cannot apply are refused in Chatwoot's 422 envelope.
	for _, c := range []struct{ query, body string }{
		{"?status=sent", `{"message":"Status is not included in the list (pending, delivered, failed, notice)","attributes":["status"]}`},
		{"?event=message_sent", `{"message":"Event is not included in the list of event names","attributes":["event"]}`},
		{"?since=yesterday", `{"message":"Since must be a time","attributes":["since"]}`},
		{"?until=2026-13-45", `{"message":"Until must be a time","attributes":["until"]}`},
		{"?since=" + ts(3) + "&until=" + ts(1), `{"message":"Until must be after since","attributes":["until"]}`},
		{"?limit=0", `{"message":"Limit must be between 1 and 100","attributes":["limit"]}`},
		{"?limit=many", `{"message":"Limit must be an integer","attributes":["limit"]}`},
		{"?before=-3", `{"message":"Before must be a delivery id","attributes":["before"]}`},
		{"?status=sent&event=nope", `{"message":"Status is not included in the list (pending, delivered, failed, notice), Event is not included in the list of event names","attributes":["status","event"]}`},
	} {
		e.expectError(e.do("GET", base+"/deliveries"+c.query, adminToken, nil), 422, c.body)
	}
}

// TestDeliveryLogRecoverAndEnable fails deliveries for good, recovers
// those since a time, lets the engine disable the endpoint after 5 days of
// failures, and re-enables it with a recovery in one call.
func TestDeliveryLogRecoverAndEnable(t *testing.T) {
	e := newEnv(t, withSchedule(webhook.RetrySchedule{})) // the first failure is final
	// Two per transaction: the enable below recovers three, in two pages.
	e.Svc.RecoverPage = 2
	rcv := newHookReceiver(t)
	rcv.answer(fail500)
	hook, _ := e.webhook(rcv.URL+"/hook", []string{"contact_created"})
	base := hookLog(hook)

	sent := func(name string) (string, int64) {
		t.Helper()
		e.contact(map[string]any{"name": name})
		q := rcv.take(t, 1)[0]
		id := byUUID(t, e.deliveries(base, ""), q.Header.Get("X-Chatwoot-Delivery"))
		e.waitStatus(base, id, "failed", 1)
		return q.Header.Get("X-Chatwoot-Delivery"), id
	}
	_, a := sent("A")
	since := e.later(time.Hour)
	uuidB, b := sent("B")

	// Recover needs a time, not in the future.
	e.expectError(e.do("POST", base+"/recover", adminToken, nil), 422, `{"message":"Since can't be blank","attributes":["since"]}`)
	e.expectError(e.do("POST", base+"/recover", adminToken, map[string]any{"since": "soon"}), 422, `{"message":"Since must be a time","attributes":["since"]}`)
	e.expectError(e.do("POST", base+"/recover", adminToken, map[string]any{"since": iso(since.Add(24 * time.Hour))}), 422,
		`{"message":"Since must not be in the future","attributes":["since"]}`)

	rcv.answer(reply{status: 204})
	r := e.ok("POST", base+"/recover", map[string]any{"since": iso(since)})
	if string(r.Body) != `{"payload":{"recovered":1}}` {
		t.Errorf("recover answered %s", r.Body)
	}
	if q := rcv.take(t, 1)[0]; q.Header.Get("X-Chatwoot-Delivery") != uuidB {
		t.Errorf("recover sent %s, want B's %s", q.Header.Get("X-Chatwoot-Delivery"), uuidB)
	}
	e.waitStatus(base, b, "delivered", 2)
	e.waitStatus(base, a, "failed", 1) // failed before since: left alone
	rcv.none(t)
	// Unix seconds work too; nothing failed since.
	r = e.ok("POST", base+"/recover", map[string]any{"since": since.Unix()})
	if string(r.Body) != `{"payload":{"recovered":0}}` {
		t.Errorf("recover (nothing to do) answered %s", r.Body)
	}

	// Five days of failures disable the endpoint, with a notice in its log.
	rcv.answer(fail500)
	beforeC := e.later(24 * time.Hour)
	uuidC, _ := sent("C")
	e.later(5*24*time.Hour + time.Minute)
	uuidD, d := sent("D")
	v := e.waitLog(base, "?status=notice", "the webhook_disabled notice", func(v any) bool { return len(list(t, v, "payload.deliveries")) == 1 })
	notice := path(t, v, "payload.deliveries.0")
	if str(t, notice, "event") != "webhook_disabled" || str(t, notice, "status") != "notice" || num(t, notice, "attempts") != 0 {
		t.Errorf("notice: %v", notice)
	}
	if !isoMillis.MatchString(str(t, v, "payload.endpoint.failing_since")) || !isoMillis.MatchString(str(t, v, "payload.endpoint.disabled_at")) {
		t.Errorf("endpoint of a disabled webhook: %v", path(t, v, "payload.endpoint"))
	}
	nr := e.ok("GET", fmt.Sprintf("%s/deliveries/%d", base, num(t, notice, "id")), nil)
	nv := nr.JSON(t)
	if str(t, nv, "payload.event") != "webhook_disabled" || num(t, nv, "payload.webhook_id") != hook || len(list(t, nv, "attempts")) != 0 {
		t.Errorf("notice detail: %s", nr.Body)
	}
	e.expectError(e.do("POST", fmt.Sprintf("%s/deliveries/%d/redeliver", base, num(t, notice, "id")), adminToken, nil), 422,
		`{"message":"Status notice: a notice is a log entry and cannot be redelivered","attributes":["status"]}`)
	disabledErr := `{"message":"Endpoint is disabled after failing for too long: enable it (with recover_since to send what it missed)","attributes":["endpoint"]}`
	e.expectError(e.do("POST", fmt.Sprintf("%s/deliveries/%d/redeliver", base, d), adminToken, nil), 422, disabledErr)
	e.expectError(e.do("POST", base+"/recover", adminToken, map[string]any{"since": iso(beforeC)}), 422, disabledErr)

	// While disabled, new deliveries fail at once, unsent.
	e.contact(map[string]any{"name": "E"})
	v = e.waitLog(base, "?status=failed", "E, failed unsent", func(v any) bool { return len(list(t, v, "payload.deliveries")) == 4 })
	uuidE := str(t, v, "payload.deliveries.0.delivery_id")
	if num(t, v, "payload.deliveries.0.attempts") != 0 {
		t.Errorf("a delivery to a disabled endpoint was attempted: %v", path(t, v, "payload.deliveries.0"))
	}
	rcv.none(t)

	// One call re-enables it and recovers what failed since a time.
	rcv.answer(reply{status: 200})
	r = e.ok("POST", base+"/enable", map[string]any{"recover_since": iso(beforeC)})
	wantKeys(t, r.Body, "payload", "endpoint", "recovered")
	v = r.JSON(t)
	if num(t, v, "payload.recovered") != 3 || path(t, v, "payload.endpoint.failing_since") != nil ||
		path(t, v, "payload.endpoint.disabled_at") != nil || str(t, v, "payload.endpoint.url") != rcv.URL+"/hook" {
		t.Errorf("enable answered %s", r.Body)
	}
	var got []string
	for _, q := range rcv.take(t, 3) {
		got = append(got, q.Header.Get("X-Chatwoot-Delivery"))
	}
	sort.Strings(got)
	wantUUIDs := []string{uuidC, uuidD, uuidE}
	sort.Strings(wantUUIDs)
	if !slices.Equal(got, wantUUIDs) {
		t.Errorf("enable recovered %v, want C, D and E %v", got, wantUUIDs)
	}
	rcv.none(t) // A stays failed
	e.waitLog(base, "?status=delivered", "C, D and E delivered", func(v any) bool { return len(list(t, v, "payload.deliveries")) == 4 })
	v = e.ok("GET", base+"/deliveries", nil).JSON(t)
	if path(t, v, "payload.endpoint.failing_since") != nil || path(t, v, "payload.endpoint.disabled_at") != nil {
		t.Errorf("health after enable: %v", path(t, v, "payload.endpoint"))
	}
	// New events flow again.
	e.contact(map[string]any{"name": "F"})
	rcv.take(t, 1)

	// Enable without a body just clears the health.
	r = e.ok("POST", base+"/enable", nil)
	if num(t, r.JSON(t), "payload.recovered") != 0 {
		t.Errorf("enable without recover_since: %s", r.Body)
	}
	e.expectError(e.do("POST", base+"/enable", adminToken, map[string]any{"recover_since": iso(e.Clock.Peek().Add(time.Hour))}), 422,
		`{"message":"Recover since must not be in the future","attributes":["recover_since"]}`)

	// The Chatwoot webhook JSON keeps its shape: health lives in the log.
	wantKeys(t, e.ok("GET", a1+"/webhooks", nil).Body, "payload.webhooks.0", "id", "name", "url", "account_id", "subscriptions", "secret",
		"standard_webhooks_secret")
}

// TestDeliveryLogAPIInbox runs the log's operations on an API inbox's
// webhook_url.
func TestDeliveryLogAPIInbox(t *testing.T) {
	e := newEnv(t, withSchedule(webhook.RetrySchedule{}))
	rcv := newHookReceiver(t)
	rcv.answer(fail500)
	in := e.ok("POST", a1+"/inboxes", map[string]any{"name": "API", "channel": map[string]any{"type": "api", "webhook_url": rcv.URL + "/inbox"}}).JSON(t)
	inbox := num(t, in, "id")
	base := inboxHookLog(inbox)
	start := e.Clock.Peek()

	contact, source := e.visitor(inbox, map[string]any{"name": "Ann"})
	id := num(t, e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": contact, "source_id": source}).JSON(t), "id")
	e.incoming(id, "Hello")
	reqs := rcv.take(t, 2) // conversation_created, message_created
	v := e.waitLog(base, "?status=failed", "two failures", func(v any) bool { return len(list(t, v, "payload.deliveries")) == 2 })
	if str(t, v, "payload.endpoint.url") != rcv.URL+"/inbox" {
		t.Errorf("endpoint: %v", path(t, v, "payload.endpoint"))
	}
	items := list(t, v, "payload.deliveries")
	if str(t, items[0], "event") != "message_created" || str(t, items[1], "event") != "conversation_created" {
		t.Errorf("inbox log: %v", items)
	}
	if got := ids(t, e.deliveries(base, "?event=message_created")); len(got) != 1 || got[0] != num(t, items[0], "id") {
		t.Errorf("filtered by event: %v", got)
	}
	for _, q := range reqs {
		did := byUUID(t, items, q.Header.Get("X-Chatwoot-Delivery"))
		r := e.ok("GET", fmt.Sprintf("%s/deliveries/%d", base, did), nil)
		if !bytes.Equal(rawKey(t, r.Body, "payload"), q.Body) || num(t, r.JSON(t), "attempts.0.status_code") != 500 {
			t.Errorf("inbox delivery detail: %s", r.Body)
		}
	}

	// Redeliver one, recover the other.
	rcv.answer(reply{status: 200})
	msgID, convID := num(t, items[0], "id"), num(t, items[1], "id")
	e.ok("POST", fmt.Sprintf("%s/deliveries/%d/redeliver", base, msgID), nil)
	if q := rcv.take(t, 1)[0]; q.Header.Get("X-Chatwoot-Delivery") != str(t, items[0], "delivery_id") || q.Path != "/inbox" {
		t.Errorf("redelivered %s to %s", q.Header.Get("X-Chatwoot-Delivery"), q.Path)
	}
	e.waitStatus(base, msgID, "delivered", 2)
	if r := e.ok("POST", base+"/recover", map[string]any{"since": iso(start)}); string(r.Body) != `{"payload":{"recovered":1}}` {
		t.Errorf("recover answered %s", r.Body)
	}
	rcv.take(t, 1)
	e.waitStatus(base, convID, "delivered", 2)

	// Disabled (as the engine leaves it after 5 days), then enabled with a
	// recovery of what it missed.
	disabledAt := e.Clock.Peek()
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		return tx.SetHealth(1, chat.Endpoint{InboxID: inbox}, chat.Health{FailingSince: disabledAt.Add(-5 * 24 * time.Hour), DisabledAt: disabledAt})
	})
	if err != nil {
		t.Fatal(err)
	}
	v = e.ok("GET", base+"/deliveries", nil).JSON(t)
	if str(t, v, "payload.endpoint.disabled_at") != iso(disabledAt) {
		t.Errorf("disabled endpoint: %v", path(t, v, "payload.endpoint"))
	}
	e.incoming(id, "Anyone there?")
	v = e.waitLog(base, "?status=failed", "a refused delivery", func(v any) bool { return len(list(t, v, "payload.deliveries")) == 1 })
	missed := str(t, v, "payload.deliveries.0.delivery_id")
	rcv.none(t)
	r := e.ok("POST", base+"/enable", map[string]any{"recover_since": disabledAt.Unix()})
	if num(t, r.JSON(t), "payload.recovered") != 1 || path(t, r.JSON(t), "payload.endpoint.disabled_at") != nil {
		t.Errorf("enable answered %s", r.Body)
	}
	if q := rcv.take(t, 1)[0]; q.Header.Get("X-Chatwoot-Delivery") != missed {
		t.Errorf("enable recovered %s, want %s", q.Header.Get("X-Chatwoot-Delivery"), missed)
	}

	// Only API inboxes have a webhook_url to log.
	widget := e.webInbox("Widget")
	for _, p := range []string{"/deliveries", "/deliveries/1"} {
		e.expectError(e.do("GET", inboxHookLog(widget)+p, adminToken, nil), 404, errNotFound)
	}
	e.expectError(e.do("POST", inboxHookLog(widget)+"/enable", adminToken, nil), 404, errNotFound)
	// An inbox's delivery is not a webhook's, nor another inbox's.
	hook, _ := e.webhook(rcv.URL+"/hook", []string{"webwidget_triggered"})
	e.expectError(e.do("GET", fmt.Sprintf("%s/deliveries/%d", hookLog(hook), msgID), adminToken, nil), 404, errNotFound)
	e.expectError(e.do("GET", fmt.Sprintf("%s/deliveries/%d", inboxHookLog(e.apiInbox("Other")), msgID), adminToken, nil), 404, errNotFound)
}

// TestDeliveryLogAuth: administrators of the account only, and only its
// own endpoints and deliveries.
func TestDeliveryLogAuth(t *testing.T) {
	e := newEnv(t)
	rcv := newHookReceiver(t)
	hook, _ := e.webhook(rcv.URL+"/hook", []string{"webwidget_triggered"})
	hook2, _ := e.webhook(rcv.URL+"/hook2", []string{"webwidget_triggered"})
	inbox := e.apiInbox("API")
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	own := e.storedDelivery(1, chat.Endpoint{WebhookID: hook}, "contact_created", "failed", t0)
	ownInbox := e.storedDelivery(1, chat.Endpoint{InboxID: inbox}, "message_created", "failed", t0)
	other, otherToken := e.otherAccount()
	otherHook := num(t, e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", other), otherToken,
		map[string]any{"url": rcv.URL + "/other", "subscriptions": []string{"webwidget_triggered"}}).JSON(t), "payload.webhook.id")
	otherInbox := e.apiInboxIn(other, "Theirs")
	theirs := e.storedDelivery(other, chat.Endpoint{WebhookID: otherHook}, "contact_created", "failed", t0)
	theirsInbox := e.storedDelivery(other, chat.Endpoint{InboxID: otherInbox}, "message_created", "failed", t0)
	_, agentToken := e.agent("jane", chat.RoleAgent)
	_, outsiderToken := e.outsider()

	routes := func(base string, delivery int64) []authCase {
		d := fmt.Sprintf("%s/deliveries/%d", base, delivery)
		return []authCase{
			{method: "GET", path: base + "/deliveries"},
			{method: "GET", path: d},
			{method: "POST", path: d + "/redeliver"},
			{method: "POST", path: base + "/recover", body: map[string]any{"since": iso(t0)}},
			{method: "POST", path: base + "/enable"},
		}
	}
	var cases []authCase
	for _, c := range append(routes(hookLog(hook), own.ID), routes(inboxHookLog(inbox), ownInbox.ID)...) {
		for _, tc := range []struct {
			token, want string
		}{{"", errNoToken}, {"wrong-token", errNoToken}, {agentToken, errNotAdmin}, {outsiderToken, errNotMember}} {
			c.token, c.status, c.want = tc.token, 401, tc.want
			cases = append(cases, c)
		}
	}
	// Not found: another account's endpoints and deliveries, another
	// endpoint's delivery, unknown and malformed ids.
	var notFound []authCase
	notFound = append(notFound, routes(hookLog(otherHook), theirs.ID)...)
	notFound = append(notFound, routes(inboxHookLog(otherInbox), theirsInbox.ID)...)
	notFound = append(notFound, routes(hookLog(99999), own.ID)...)
	notFound = append(notFound, routes(inboxHookLog(99999), ownInbox.ID)...)
	notFound = append(notFound, routes(a1+"/webhooks/abc", own.ID)...)
	for _, base := range []string{hookLog(hook), hookLog(hook2)} {
		for _, id := range []string{fmt.Sprint(theirs.ID), fmt.Sprint(ownInbox.ID), "99999", "abc", "0"} {
			notFound = append(notFound, authCase{method: "GET", path: base + "/deliveries/" + id},
				authCase{method: "POST", path: base + "/deliveries/" + id + "/redeliver"})
		}
	}
	notFound = append(notFound, authCase{method: "GET", path: fmt.Sprintf("%s/deliveries/%d", hookLog(hook2), own.ID)},
		authCase{method: "GET", path: fmt.Sprintf("%s/deliveries/%d", inboxHookLog(inbox), own.ID)},
		// The endpoint is looked up before the parameters are read.
		authCase{method: "GET", path: hookLog(99999) + "/deliveries?status=bogus"},
		authCase{method: "POST", path: hookLog(99999) + "/recover", body: map[string]any{"since": "garbage"}},
		authCase{method: "POST", path: hookLog(99999) + "/enable", body: map[string]any{"recover_since": "garbage"}})
	for _, c := range notFound {
		c.token, c.status, c.want = adminToken, 404, errNotFound
		cases = append(cases, c)
	}
	e.expectRefusals(cases)

	// Nothing was requeued by the refused calls.
	for _, d := range []chat.Delivery{own, ownInbox, theirs, theirsInbox} {
		err := e.Store.View(context.Background(), func(tx chat.Tx) error {
			got, err := tx.FindDelivery(d.AccountID, d.ID)
			if err == nil && got.Status != "failed" {
				t.Errorf("delivery %d is %s after refused calls", d.ID, got.Status)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRedeliverDuringAnAttempt: redelivering a delivery while an attempt of
// it is under way waits for that attempt, then sends it again, even when
// the attempt fails for good: the redelivery asked for is not lost, and
// the two attempts never overlap.
func TestRedeliverDuringAnAttempt(t *testing.T) {
	e := newEnv(t, withSchedule(webhook.RetrySchedule{})) // the first failure is final
	release := make(chan struct{})
	var (
		mu       sync.Mutex
		inFlight int
		overlap  bool
		calls    int
	)
	got := make(chan string, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		first := calls == 1
		inFlight++
		overlap = overlap || inFlight > 1
		mu.Unlock()
		defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		got <- r.Header.Get("X-Chatwoot-Delivery")
		if first {
			<-release // hangs until the redeliver below has been asked for
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	hook, _ := e.webhook(srv.URL+"/hook", []string{"contact_created"})
	base := hookLog(hook)
	e.contact(map[string]any{"name": "A"})
	var uuid string
	select {
	case uuid = <-got:
	case <-time.After(15 * time.Second):
		t.Fatal("no first attempt")
	}
	id := byUUID(t, e.deliveries(base, ""), uuid)
	e.ok("POST", fmt.Sprintf("%s/deliveries/%d/redeliver", base, id), nil)
	close(release)
	select {
	case again := <-got:
		if again != uuid {
			t.Errorf("sent %s again, want %s", again, uuid)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the redelivery asked for during the attempt never came: the failed attempt's outcome undid it")
	}
	e.waitStatus(base, id, "delivered", 2)
	mu.Lock()
	defer mu.Unlock()
	if overlap {
		t.Error("the redelivery was sent while the first attempt was still under way")
	}
}
