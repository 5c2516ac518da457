package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/parleyhq/parley/internal/chat"
)

// Helpers for the webhook tests: a real receiver that verifies what it
// gets, webhook registration through the API, and access to the stored
// event payloads.

// allEvents is every event a webhook can subscribe to (facts §1.3).
var allEvents = []string{
	"conversation_status_changed", "conversation_updated", "conversation_created", "contact_created", "contact_updated",
	"message_created", "message_updated", "webwidget_triggered", "inbox_created", "inbox_updated",
	"conversation_typing_on", "conversation_typing_off",
}

// webhook registers an account webhook through the API and returns its id
// and secret.
func (e *testEnv) webhook(url string, subscriptions []string) (int64, string) {
	e.t.Helper()
	r := e.ok("POST", a1+"/webhooks", map[string]any{"webhook": map[string]any{"url": url, "subscriptions": subscriptions}})
	v := r.JSON(e.t)
	return num(e.t, v, "payload.webhook.id"), str(e.t, v, "payload.webhook.secret")
}

// payloads returns the stored payloads of account 1's events with a name
// after an event id.
func (e *testEnv) payloads(after int64, name string) [][]byte {
	e.t.Helper()
	var out [][]byte
	for _, ev := range e.events(after) {
		if ev.Name == name {
			out = append(out, ev.Payload)
		}
	}
	return out
}

// payload returns the stored payload of the one event with a name after an
// event id, failing unless there is exactly one.
func (e *testEnv) payload(after int64, name string) []byte {
	e.t.Helper()
	ps := e.payloads(after, name)
	if len(ps) != 1 {
		e.t.Fatalf("%d %s events after %d, want 1 (all: %v)", len(ps), name, after, eventNames(e.events(after)))
	}
	return ps[0]
}

// emitDirect records an event as the service records its own (payload
// built and deliveries written in the event's transaction), for events no
// API route raises yet (webwidget_triggered comes with the widget API).
func (e *testEnv) emitDirect(ev chat.Event) {
	e.t.Helper()
	ev.CreatedAt = e.Clock.Now().UTC().Truncate(time.Microsecond)
	sink := e.Svc.Events
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := sink.Prepare(tx, &ev); err != nil {
			return err
		}
		if err := tx.InsertEvent(&ev); err != nil {
			return err
		}
		return sink.Recorded(tx, &ev)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// contactInbox returns the contact inbox of an inbox with a source id.
func (e *testEnv) contactInbox(inboxID int64, sourceID string) *chat.ContactInbox {
	e.t.Helper()
	var ci *chat.ContactInbox
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		ci, err = tx.FindContactInboxBySource(inboxID, sourceID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ci
}

// rawField returns the raw JSON of a top-level key of a payload.
func rawField(t testing.TB, payload []byte, key string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil {
		t.Fatalf("payload is not an object: %v", err)
	}
	v, ok := m[key]
	if !ok {
		t.Fatalf("payload has no %q: %s", key, payload)
	}
	return string(v)
}

// decode decodes a payload as the response helpers do (numbers as json.Number).
func decode(t testing.TB, payload []byte) any {
	t.Helper()
	return (&response{Body: payload}).JSON(t)
}

// received is one request a receiver got, with the result of its checks.
type received struct {
	Path   string
	Header http.Header
	Body   []byte
	Err    error // nil when every check passed
}

// receiver is a real HTTP endpoint for webhook deliveries. It checks every
// request against the contract (method, headers, both signatures, with
// implementations independent of Parley's), answers 200 when they pass and
// 400 otherwise, and hands each request to the test on a channel.
type receiver struct {
	URL  string
	reqs chan received
	mu   sync.Mutex
	// secrets by path, the newest first: all of them must sign each request.
	secrets map[string][]string
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{reqs: make(chan received, 1000), secrets: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// expect sets the secrets that must sign requests to a path, newest first.
func (r *receiver) expect(path string, secrets ...string) {
	r.mu.Lock()
	r.secrets[path] = secrets
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err == nil {
		r.mu.Lock()
		secrets := r.secrets[req.URL.Path]
		r.mu.Unlock()
		err = verifyDelivery(req.Method, req.Header, body, secrets)
	}
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
	}
	r.reqs <- received{Path: req.URL.Path, Header: req.Header.Clone(), Body: body, Err: err}
}

// take waits for n requests, failing after a generous timeout.
func (r *receiver) take(t *testing.T, n int) []received {
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

var (
	uuidV4    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	allDigits = regexp.MustCompile(`^[0-9]+$`)
)

// verifyDelivery checks one delivery request against contract §3. The
// Chatwoot signature is computed here with crypto/hmac; the Standard
// Webhooks one is verified with that scheme's reference library, once per
// secret and per signature, so that during a rotation each of the two
// signatures is shown to verify on its own.
func verifyDelivery(method string, h http.Header, body []byte, secrets []string) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if method != http.MethodPost {
		fail("method %s, want POST", method)
	}
	if got := h.Get("Content-Type"); got != "application/json" {
		fail("Content-Type %q", got)
	}
	if got := h.Get("Accept"); got != "application/json" {
		fail("Accept %q", got)
	}
	if got := h.Get("User-Agent"); !strings.HasPrefix(got, "Parley/") {
		fail("User-Agent %q", got)
	}
	id, ts := h.Get("X-Chatwoot-Delivery"), h.Get("X-Chatwoot-Timestamp")
	if !uuidV4.MatchString(id) {
		fail("X-Chatwoot-Delivery %q is not a lowercase v4 UUID", id)
	}
	if got := h.Get("webhook-id"); got != id {
		fail("webhook-id %q, X-Chatwoot-Delivery %q", got, id)
	}
	if !allDigits.MatchString(ts) {
		fail("X-Chatwoot-Timestamp %q", ts)
	}
	if got := h.Get("webhook-timestamp"); got != ts {
		fail("webhook-timestamp %q, X-Chatwoot-Timestamp %q", got, ts)
	}
	if len(secrets) == 0 {
		fail("the test registered no secret for this path")
		return errors.Join(errs...)
	}
	mac := hmac.New(sha256.New, []byte(secrets[0]))
	mac.Write([]byte(ts + "." + string(body)))
	if want := "sha256=" + hex.EncodeToString(mac.Sum(nil)); h.Get("X-Chatwoot-Signature") != want {
		fail("X-Chatwoot-Signature %q, want %q (newest secret)", h.Get("X-Chatwoot-Signature"), want)
	}
	sigs := strings.Split(h.Get("webhook-signature"), " ")
	if len(sigs) != len(secrets) {
		fail("webhook-signature has %d signatures, want %d: %q", len(sigs), len(secrets), h.Get("webhook-signature"))
	}
	matched := make([]bool, len(sigs))
	for _, secret := range secrets {
		wh, err := standardwebhooks.NewWebhook("whsec_" + base64.StdEncoding.EncodeToString([]byte(secret)))
		if err != nil {
			fail("standard webhooks key: %v", err)
			continue
		}
		if err := wh.Verify(body, h); err != nil {
			fail("webhook-signature does not verify with a secret: %v", err)
		}
		n := 0
		for i, sig := range sigs {
			one := h.Clone()
			one.Set("webhook-signature", sig)
			if wh.Verify(body, one) == nil {
				matched[i] = true
				n++
			}
		}
		if n != 1 {
			fail("%d signatures in webhook-signature verify alone with a secret, want 1", n)
		}
	}
	if slices.Contains(matched, false) {
		fail("a signature in webhook-signature matches no secret: %q", h.Get("webhook-signature"))
	}
	return errors.Join(errs...)
}
