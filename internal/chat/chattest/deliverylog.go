package chattest

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// The delivery log's reads and writes: one delivery, an endpoint's
// deliveries filtered and paged, attempts, requeueing and endpoint health.

// logEvent writes an event of the scene's account with a name and time.
func (ds *deliveryScene) logEvent(t *testing.T, s chat.Store, name string, sec int) *chat.Event {
	t.Helper()
	ev := &chat.Event{Name: name, AccountID: ds.Account.ID, CreatedAt: at(sec), Payload: []byte(`{"event":"` + name + `"}`)}
	update(t, s, func(tx chat.Tx) error { return tx.InsertEvent(ev) })
	return ev
}

// logDelivery returns an unsaved delivery of ev to an endpoint of the
// scene, created at sec with a status; a finished one completed at done.
func (ds *deliveryScene) logDelivery(ev *chat.Event, ep chat.Endpoint, status string, sec, done int) chat.Delivery {
	d := chat.Delivery{UUID: uniq("00000000-0000-4000-8000"), EventID: ev.ID, EventName: ev.Name, AccountID: ds.Account.ID,
		WebhookID: ep.WebhookID, InboxID: ep.InboxID, URL: "https://old.example/" + uniq("u"), Status: status, Attempts: 1,
		LastStatusCode: 500, LastError: "500 Internal Server Error", CreatedAt: at(sec), UpdatedAt: at(sec)}
	if status == chat.DeliveryPending {
		d.NextAttemptAt = at(sec + 5)
	} else {
		d.CompletedAt = at(done)
	}
	if status == chat.DeliveryDelivered {
		d.LastStatusCode, d.LastError = 200, ""
	}
	return d
}

func (ds *deliveryScene) webhookEP() chat.Endpoint { return chat.Endpoint{WebhookID: ds.Webhook.ID} }
func (ds *deliveryScene) inboxEP() chat.Endpoint   { return chat.Endpoint{InboxID: ds.Inbox.ID} }

func findDelivery(t *testing.T, s chat.Store, accountID, id int64) *chat.Delivery {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Delivery, error) { return tx.FindDelivery(accountID, id) })
}

func testFindDelivery(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	ds := []chat.Delivery{a.webhookDelivery(a.Events[0], chat.DeliveryFailed, 10), a.inboxDelivery(a.Events[1], 11)}
	ds[0].CompletedAt, ds[0].LeaseOwner, ds[0].LeaseUntil = at(20), "instance-1", at(21)
	insertDeliveries(t, s, ds)
	bd := []chat.Delivery{b.webhookDelivery(b.Events[0], chat.DeliveryDelivered, 12)}
	insertDeliveries(t, s, bd)

	check(t, "FindDelivery(every field)", &ds[0], findDelivery(t, s, a.Account.ID, ds[0].ID))
	check(t, "FindDelivery(API inbox target)", &ds[1], findDelivery(t, s, a.Account.ID, ds[1].ID))
	check(t, "FindDelivery(b)", &bd[0], findDelivery(t, s, b.Account.ID, bd[0].ID))
	wantNotFound(t, s, "FindDelivery(another account's)", func(tx chat.Tx) error { _, err := tx.FindDelivery(b.Account.ID, ds[0].ID); return err })
	wantNotFound(t, s, "FindDelivery(missing)", func(tx chat.Tx) error { _, err := tx.FindDelivery(a.Account.ID, bd[0].ID+1000); return err })
}

func testListEndpointDeliveries(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	other := createWebhook(t, s, newWebhook(a.Account.ID, 0))
	msg, contact := a.Events[0], a.Events[1]
	disabled := a.logEvent(t, s, chat.EventWebhookDisabled, 40)
	w, in := a.webhookEP(), a.inboxEP()
	ds := []chat.Delivery{
		a.logDelivery(msg, w, chat.DeliveryDelivered, 10, 11),                               // 0
		a.logDelivery(contact, w, chat.DeliveryFailed, 20, 21),                              // 1
		a.logDelivery(msg, in, chat.DeliveryPending, 25, 0),                                 // 2
		a.logDelivery(msg, w, chat.DeliveryPending, 30, 0),                                  // 3
		a.logDelivery(disabled, w, chat.DeliveryNotice, 40, 40),                             // 4
		a.logDelivery(msg, chat.Endpoint{WebhookID: other.ID}, chat.DeliveryFailed, 45, 46), // 5
		a.logDelivery(msg, w, chat.DeliveryFailed, 50, 51),                                  // 6
	}
	insertDeliveries(t, s, ds)
	insertDeliveries(t, s, []chat.Delivery{b.logDelivery(b.Events[0], b.webhookEP(), chat.DeliveryFailed, 35, 36)})

	list := func(f chat.DeliveryFilter) []chat.Delivery {
		t.Helper()
		if f.AccountID == 0 {
			f.AccountID = a.Account.ID
		}
		if f.Endpoint == (chat.Endpoint{}) {
			f.Endpoint = w
		}
		return get(t, s, func(tx chat.Tx) ([]chat.Delivery, error) { return tx.ListEndpointDeliveries(f) })
	}
	pick := func(is ...int) []chat.Delivery {
		out := []chat.Delivery{}
		for _, i := range is {
			out = append(out, ds[i])
		}
		return out
	}
	check(t, "the webhook's, newest first", pick(6, 4, 3, 1, 0), list(chat.DeliveryFilter{}))
	check(t, "status failed", pick(6, 1), list(chat.DeliveryFilter{Status: chat.DeliveryFailed}))
	check(t, "status notice", pick(4), list(chat.DeliveryFilter{Status: chat.DeliveryNotice}))
	check(t, "event message_created", pick(6, 3, 0), list(chat.DeliveryFilter{Event: chat.EventMessageCreated}))
	check(t, "event webhook_disabled", pick(4), list(chat.DeliveryFilter{Event: chat.EventWebhookDisabled}))
	check(t, "status and event", pick(3), list(chat.DeliveryFilter{Status: chat.DeliveryPending, Event: chat.EventMessageCreated}))
	check(t, "since (inclusive) until (exclusive)", pick(4, 3, 1), list(chat.DeliveryFilter{Since: at(20), Until: at(50)}))
	check(t, "since alone", pick(6, 4), list(chat.DeliveryFilter{Since: at(40)}))
	check(t, "until alone", pick(0), list(chat.DeliveryFilter{Until: at(20)}))
	check(t, "limit", pick(6, 4), list(chat.DeliveryFilter{Limit: 2}))
	check(t, "next page", pick(3, 1), list(chat.DeliveryFilter{BeforeID: ds[4].ID, Limit: 2}))
	check(t, "last page", pick(0), list(chat.DeliveryFilter{BeforeID: ds[1].ID, Limit: 2}))
	check(t, "past the last page", []chat.Delivery(nil), list(chat.DeliveryFilter{BeforeID: ds[0].ID}))
	check(t, "paging with a filter", pick(1), list(chat.DeliveryFilter{Status: chat.DeliveryFailed, BeforeID: ds[6].ID}))
	check(t, "the API inbox's", pick(2), list(chat.DeliveryFilter{Endpoint: in}))
	check(t, "another webhook's", pick(5), list(chat.DeliveryFilter{Endpoint: chat.Endpoint{WebhookID: other.ID}}))
	check(t, "the webhook through another account", []chat.Delivery(nil), list(chat.DeliveryFilter{AccountID: b.Account.ID, Endpoint: w}))
	check(t, "the inbox through another account", []chat.Delivery(nil), list(chat.DeliveryFilter{AccountID: b.Account.ID, Endpoint: in}))
	check(t, "nothing matches", []chat.Delivery(nil), list(chat.DeliveryFilter{Status: chat.DeliveryDelivered, Event: chat.EventContactCreated}))
}

func listAttempts(t *testing.T, s chat.Store, deliveryID int64) []chat.Attempt {
	t.Helper()
	return get(t, s, func(tx chat.Tx) ([]chat.Attempt, error) { return tx.ListAttempts(deliveryID) })
}

func testListAttempts(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	ds := []chat.Delivery{a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10), a.inboxDelivery(a.Events[1], 11)}
	insertDeliveries(t, s, ds)
	attempts := []*chat.Attempt{
		// Headers are JSON kept byte for byte; the body is bytes, not text.
		{DeliveryID: ds[0].ID, AttemptedAt: at(20), Latency: 1234567 * time.Microsecond, StatusCode: 500, Error: "500 Internal Server Error",
			ResponseHeaders: chat.JSON(`{"Content-Type":"text/plain; charset=utf-8","Retry-After":"5","X-Trace":"a, b \u00e9"}`),
			ResponseBody:    []byte("oops \xff\xfe\x00 not \u00e9 utf-8")},
		// No response at all.
		{DeliveryID: ds[0].ID, AttemptedAt: at(30), Latency: 5 * time.Second, Error: "dial tcp 192.0.2.1:443: i/o timeout"},
		{DeliveryID: ds[1].ID, AttemptedAt: at(35), Latency: time.Millisecond, StatusCode: 204},
		// A success with an empty header object and a body.
		{DeliveryID: ds[0].ID, AttemptedAt: at(40), Latency: 0, StatusCode: 200, ResponseHeaders: chat.JSON(`{}`), ResponseBody: []byte(`{"ok":true}`)},
	}
	update(t, s, func(tx chat.Tx) error {
		for _, at := range attempts {
			if err := tx.InsertAttempt(at); err != nil {
				return err
			}
		}
		return nil
	})
	for i := 1; i < len(attempts); i++ {
		if attempts[i].ID <= attempts[i-1].ID {
			t.Fatalf("InsertAttempt set ids %d then %d; want increasing ids", attempts[i-1].ID, attempts[i].ID)
		}
	}
	check(t, "ListAttempts(webhook delivery), oldest first", []chat.Attempt{*attempts[0], *attempts[1], *attempts[3]}, listAttempts(t, s, ds[0].ID))
	check(t, "ListAttempts(inbox delivery)", []chat.Attempt{*attempts[2]}, listAttempts(t, s, ds[1].ID))
	check(t, "ListAttempts(none)", []chat.Attempt(nil), listAttempts(t, s, ds[1].ID+1000))
	got := listAttempts(t, s, ds[0].ID)[0]
	if string(got.ResponseBody) != string(attempts[0].ResponseBody) || string(got.ResponseHeaders) != string(attempts[0].ResponseHeaders) {
		t.Errorf("attempt read back with body %q and headers %s; want %q and %s", got.ResponseBody, got.ResponseHeaders,
			attempts[0].ResponseBody, attempts[0].ResponseHeaders)
	}
}

// requeued is d as Requeue leaves it: pending, due at t, unleased,
// unfinished, sent to url.
func requeued(d chat.Delivery, t time.Time, url string) chat.Delivery {
	d.Status, d.NextAttemptAt, d.CompletedAt, d.UpdatedAt, d.URL = chat.DeliveryPending, t, time.Time{}, t, url
	d.LeaseOwner, d.LeaseUntil = "", time.Time{}
	d.Requeues++
	return d
}

func testRequeue(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	other := createWebhook(t, s, newWebhook(a.Account.ID, 0))
	msg := a.Events[0]
	disabled := a.logEvent(t, s, chat.EventWebhookDisabled, 90)
	w, in := a.webhookEP(), a.inboxEP()
	ds := []chat.Delivery{
		a.logDelivery(msg, w, chat.DeliveryFailed, 10, 100),                                  // 0: failed since
		a.logDelivery(msg, w, chat.DeliveryFailed, 11, 50),                                   // 1: failed before
		a.logDelivery(msg, w, chat.DeliveryDelivered, 12, 150),                               // 2
		a.logDelivery(disabled, w, chat.DeliveryNotice, 13, 160),                             // 3
		a.logDelivery(msg, in, chat.DeliveryFailed, 14, 120),                                 // 4
		a.logDelivery(msg, chat.Endpoint{WebhookID: other.ID}, chat.DeliveryFailed, 15, 130), // 5
		a.logDelivery(msg, w, chat.DeliveryPending, 16, 0),                                   // 6
	}
	ds[0].Attempts, ds[0].LeaseOwner, ds[0].LeaseUntil = 10, "instance-1", at(200)
	// Leased to an instance that may be attempting it right now: the lease
	// must stand, or another instance could claim it and attempt it at the
	// same time (and the holder's outcome would be thrown away).
	ds[6].LeaseOwner, ds[6].LeaseUntil = "instance-2", at(400)
	insertDeliveries(t, s, ds)
	bd := []chat.Delivery{b.logDelivery(b.Events[0], b.webhookEP(), chat.DeliveryFailed, 17, 140)}
	insertDeliveries(t, s, bd)

	// The webhook's URL changed since: requeued deliveries go to the new one.
	moved := *a.Webhook
	moved.URL, moved.UpdatedAt = "https://fixed.example/"+uniq("hook"), at(250)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&moved) })

	requeue := func(accountID int64, ep chat.Endpoint, id int64, since time.Time, now int) int {
		t.Helper()
		var n int
		if id != 0 {
			update(t, s, func(tx chat.Tx) (err error) {
				n, err = tx.Requeue(accountID, ep, id, at(now))
				return err
			})
			return n
		}
		// A page of one at a time: the pages must cover every match once.
		for after := int64(0); ; {
			var got int
			var last int64
			update(t, s, func(tx chat.Tx) (err error) {
				got, last, err = tx.RequeueFailed(accountID, ep, since, after, 1, at(now))
				return err
			})
			if got == 0 {
				return n
			}
			if last <= after {
				t.Fatalf("RequeueFailed(after %d) returned last id %d", after, last)
			}
			n, after = n+got, last
		}
	}
	want := func(what string, d chat.Delivery) {
		t.Helper()
		check(t, what, &d, findDelivery(t, s, d.AccountID, d.ID))
	}

	// Everything failed since a time: only the endpoint's failed ones
	// finished at or after it; notices, deliveries and other endpoints
	// stay as they are.
	if n := requeue(a.Account.ID, w, 0, at(100), 300); n != 1 {
		t.Errorf("Requeue(failed since) = %d, want 1", n)
	}
	want("the failed one, requeued (same uuid and attempts)", requeued(ds[0], at(300), moved.URL))
	for i, d := range ds[1:] {
		want("untouched by Requeue(failed since) "+string(rune('1'+i)), d)
	}
	want("another account's", bd[0])
	if n := requeue(a.Account.ID, w, 0, at(50), 310); n != 1 {
		t.Errorf("Requeue(failed since earlier) = %d, want 1 (the other is pending now)", n)
	}
	want("failed before, requeued by an earlier since", requeued(ds[1], at(310), moved.URL))

	// One by id, whatever its status but notice.
	if n := requeue(a.Account.ID, w, ds[2].ID, time.Time{}, 320); n != 1 {
		t.Errorf("Requeue(delivered one) = %d, want 1", n)
	}
	want("a delivered one, requeued", requeued(ds[2], at(320), moved.URL))
	if n := requeue(a.Account.ID, w, ds[6].ID, time.Time{}, 330); n != 1 {
		t.Errorf("Requeue(pending one) = %d, want 1", n)
	}
	due := requeued(ds[6], at(330), moved.URL)
	due.LeaseOwner, due.LeaseUntil = ds[6].LeaseOwner, ds[6].LeaseUntil
	want("a pending one, due now, its live lease kept", due)
	if n := requeue(a.Account.ID, w, ds[3].ID, time.Time{}, 340); n != 0 {
		t.Errorf("Requeue(notice) = %d, want 0", n)
	}
	want("the notice", ds[3])
	// By id, only the endpoint's and the account's.
	if n := requeue(a.Account.ID, w, ds[4].ID, time.Time{}, 350); n != 0 {
		t.Errorf("Requeue(another endpoint's id) = %d, want 0", n)
	}
	if n := requeue(a.Account.ID, b.webhookEP(), bd[0].ID, time.Time{}, 350); n != 0 {
		t.Errorf("Requeue(another account's webhook) = %d, want 0", n)
	}
	want("another account's, after Requeue through account a", bd[0])

	// The API inbox target: its own failed ones, to its webhook_url.
	if n := requeue(a.Account.ID, in, 0, at(0), 360); n != 1 {
		t.Errorf("Requeue(inbox, failed since) = %d, want 1", n)
	}
	want("the inbox's failed one, requeued", requeued(ds[4], at(360), a.Inbox.API.WebhookURL))
	want("another webhook's", ds[5])
	if n := requeue(b.Account.ID, in, 0, at(0), 370); n != 0 {
		t.Errorf("Requeue(inbox through another account) = %d, want 0", n)
	}
}

// testRequeueFailedPages checks that RequeueFailed takes a page at a time
// in id order, so that a recovery in many transactions sees each failed
// delivery once, and reports the last id it took.
func testRequeueFailedPages(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "pages")
	w := a.webhookEP()
	var ds []chat.Delivery
	for i := 0; i < 5; i++ {
		ds = append(ds, a.logDelivery(a.Events[0], w, chat.DeliveryFailed, 10+i, 100+i))
	}
	ds = append(ds, a.logDelivery(a.Events[0], w, chat.DeliveryDelivered, 20, 120)) // not failed: never taken
	insertDeliveries(t, s, ds)
	page := func(after int64, limit int) (int, int64) {
		t.Helper()
		var n int
		var last int64
		update(t, s, func(tx chat.Tx) (err error) {
			n, last, err = tx.RequeueFailed(a.Account.ID, w, at(0), after, limit, at(300))
			return err
		})
		return n, last
	}
	n, last := page(0, 2)
	check(t, "first page (count, last id)", [2]int64{2, ds[1].ID}, [2]int64{int64(n), last})
	n, last = page(last, 2)
	check(t, "second page (count, last id)", [2]int64{2, ds[3].ID}, [2]int64{int64(n), last})
	n, last = page(last, 2)
	check(t, "last page (count, last id)", [2]int64{1, ds[4].ID}, [2]int64{int64(n), last})
	n, _ = page(last, 2)
	check(t, "after the last page", 0, n)
	for _, d := range ds[:5] {
		check(t, "status after the pages", chat.DeliveryPending, findDelivery(t, s, a.Account.ID, d.ID).Status)
	}
	check(t, "the delivered one", chat.DeliveryDelivered, findDelivery(t, s, a.Account.ID, ds[5].ID).Status)
}

func testSetHealth(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	widget := newWidgetInbox(a.Account.ID, "widget")
	update(t, s, func(tx chat.Tx) error { return tx.CreateInbox(widget) })
	set := func(accountID int64, ep chat.Endpoint, h chat.Health) {
		t.Helper()
		update(t, s, func(tx chat.Tx) error { return tx.SetHealth(accountID, ep, h) })
	}
	inboxHealth := func(sc *deliveryScene) chat.Health {
		t.Helper()
		return get(t, s, func(tx chat.Tx) (*chat.Inbox, error) { return tx.FindInbox(sc.Account.ID, sc.Inbox.ID) }).API.Health
	}
	failing := chat.Health{FailingSince: at(10)}
	disabled := chat.Health{FailingSince: at(10), DisabledAt: at(20)}

	set(a.Account.ID, a.webhookEP(), failing)
	check(t, "webhook health (failing)", failing, findWebhook(t, s, a.Account.ID, a.Webhook.ID).Health)
	set(a.Account.ID, a.webhookEP(), disabled)
	check(t, "webhook health (disabled)", disabled, findWebhook(t, s, a.Account.ID, a.Webhook.ID).Health)
	check(t, "webhook health in ListWebhooks", disabled, listWebhooks(t, s, a.Account.ID)[0].Health)
	check(t, "the inbox, untouched by the webhook's", chat.Health{}, inboxHealth(a))

	set(a.Account.ID, a.inboxEP(), failing)
	check(t, "API inbox health (failing)", failing, inboxHealth(a))
	set(a.Account.ID, a.inboxEP(), disabled)
	check(t, "API inbox health (disabled)", disabled, inboxHealth(a))
	check(t, "the webhook, untouched by the inbox's", disabled, findWebhook(t, s, a.Account.ID, a.Webhook.ID).Health)

	// The health reaches what the engine loads to send.
	ds := []chat.Delivery{a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10), a.inboxDelivery(a.Events[1], 11)}
	insertDeliveries(t, s, ds)
	for _, d := range ds {
		got := get(t, s, func(tx chat.Tx) (*chat.Outbound, error) { return tx.LoadOutbound(d.ID) })
		check(t, "LoadOutbound health", disabled, got.Health)
	}

	// Only the account's own endpoints; a web widget inbox has none.
	set(b.Account.ID, a.webhookEP(), chat.Health{})
	set(b.Account.ID, a.inboxEP(), chat.Health{})
	set(a.Account.ID, chat.Endpoint{InboxID: widget.ID}, failing)
	check(t, "webhook after another account's SetHealth", disabled, findWebhook(t, s, a.Account.ID, a.Webhook.ID).Health)
	check(t, "inbox after another account's SetHealth", disabled, inboxHealth(a))
	check(t, "b's webhook", chat.Health{}, findWebhook(t, s, b.Account.ID, b.Webhook.ID).Health)
	check(t, "b's inbox", chat.Health{}, inboxHealth(b))

	// Enabling clears both times.
	set(a.Account.ID, a.webhookEP(), chat.Health{})
	set(a.Account.ID, a.inboxEP(), chat.Health{})
	check(t, "webhook health cleared", chat.Health{}, findWebhook(t, s, a.Account.ID, a.Webhook.ID).Health)
	check(t, "API inbox health cleared", chat.Health{}, inboxHealth(a))
}
