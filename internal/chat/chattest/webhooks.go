package chattest

import (
	"slices"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// newWebhook returns a webhook of the account with every field set: an
// inbox, a name, subscriptions out of Chatwoot's order with a duplicate, and
// a previous secret with its expiry.
func newWebhook(accountID, inboxID int64) *chat.Webhook {
	return &chat.Webhook{
		AccountID:               accountID,
		InboxID:                 inboxID,
		Name:                    "CRM sync \u00e9",
		URL:                     "https://hooks.example/" + uniq("w") + "?q=1&r=\u00e9",
		Subscriptions:           []string{chat.EventMessageCreated, chat.EventConversationCreated, chat.EventMessageCreated},
		Secret:                  uniq("secret"),
		PreviousSecret:          uniq("previous"),
		PreviousSecretExpiresAt: at(40),
		CreatedAt:               at(41),
		UpdatedAt:               at(42),
	}
}

// createWebhook writes a webhook and returns it.
func createWebhook(t *testing.T, s chat.Store, w *chat.Webhook) *chat.Webhook {
	t.Helper()
	update(t, s, func(tx chat.Tx) error { return tx.CreateWebhook(w) })
	return w
}

func findWebhook(t *testing.T, s chat.Store, accountID, id int64) *chat.Webhook {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Webhook, error) { return tx.FindWebhook(accountID, id) })
}

func listWebhooks(t *testing.T, s chat.Store, accountID int64) []chat.Webhook {
	t.Helper()
	return get(t, s, func(tx chat.Tx) ([]chat.Webhook, error) { return tx.ListWebhooks(accountID) })
}

func testWebhooks(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	full := createWebhook(t, s, newWebhook(a.Account.ID, a.Inbox.ID))
	// Zero values: no inbox, a NULL name, no previous secret, and
	// Chatwoot's default subscriptions.
	bare := createWebhook(t, s, &chat.Webhook{AccountID: a.Account.ID, URL: "http://hooks.example/" + uniq("bare"),
		Subscriptions: slices.Clone(chat.DefaultSubscriptions), Secret: uniq("secret"), CreatedAt: at(43), UpdatedAt: at(44)})
	if full.ID == 0 || bare.ID <= full.ID {
		t.Fatalf("CreateWebhook set ids %d, %d; want increasing ids", full.ID, bare.ID)
	}
	check(t, "FindWebhook(every field)", full, findWebhook(t, s, a.Account.ID, full.ID))
	check(t, "FindWebhook(zero values)", bare, findWebhook(t, s, a.Account.ID, bare.ID))
	check(t, "ListWebhooks(a)", []chat.Webhook{*full, *bare}, listWebhooks(t, s, a.Account.ID))
	check(t, "ListWebhooks(b)", []chat.Webhook(nil), listWebhooks(t, s, b.Account.ID))
	if got := findWebhook(t, s, a.Account.ID, bare.ID).Subscriptions; !slices.Equal(got, chat.DefaultSubscriptions) {
		t.Errorf("subscriptions %v, want %v in that order", got, chat.DefaultSubscriptions)
	}

	// Every field changes, and back to zero.
	other := newAPIInbox(a.Account.ID, "second")
	update(t, s, func(tx chat.Tx) error { return tx.CreateInbox(other) })
	changed := *full
	changed.InboxID = other.ID
	changed.Name = "Renamed"
	changed.URL = "https://hooks.example/" + uniq("changed")
	changed.Subscriptions = []string{chat.EventConversationTypingOff, chat.EventInboxCreated}
	changed.Secret, changed.PreviousSecret, changed.PreviousSecretExpiresAt = uniq("new"), full.Secret, at(50)
	changed.UpdatedAt = at(51)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&changed) })
	check(t, "FindWebhook(after UpdateWebhook)", &changed, findWebhook(t, s, a.Account.ID, full.ID))
	cleared := changed
	cleared.InboxID, cleared.Name, cleared.PreviousSecret, cleared.PreviousSecretExpiresAt = 0, "", "", time.Time{}
	cleared.Subscriptions = []string{}
	cleared.UpdatedAt = at(52)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&cleared) })
	check(t, "FindWebhook(after clearing)", &cleared, findWebhook(t, s, a.Account.ID, full.ID))
	check(t, "the other webhook after UpdateWebhook", bare, findWebhook(t, s, a.Account.ID, bare.ID))

	// Webhooks are scoped to their account.
	wantNotFound(t, s, "FindWebhook(another account's)", func(tx chat.Tx) error { _, err := tx.FindWebhook(b.Account.ID, full.ID); return err })
	wantNotFound(t, s, "FindWebhook(missing)", func(tx chat.Tx) error { _, err := tx.FindWebhook(a.Account.ID, bare.ID+1000); return err })
	wantDeleteNotFound(t, s, "DeleteWebhook(another account's)", func(tx chat.Tx) error { return tx.DeleteWebhook(b.Account.ID, full.ID) })
	check(t, "webhook after another account's DeleteWebhook", &cleared, findWebhook(t, s, a.Account.ID, full.ID))
	update(t, s, func(tx chat.Tx) error { return tx.DeleteWebhook(a.Account.ID, full.ID) })
	wantNotFound(t, s, "FindWebhook(deleted)", func(tx chat.Tx) error { _, err := tx.FindWebhook(a.Account.ID, full.ID); return err })
	wantDeleteNotFound(t, s, "DeleteWebhook(deleted)", func(tx chat.Tx) error { return tx.DeleteWebhook(a.Account.ID, full.ID) })
	check(t, "ListWebhooks(a) after DeleteWebhook", []chat.Webhook{*bare}, listWebhooks(t, s, a.Account.ID))
}

func testWebhookURLUnique(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	first := createWebhook(t, s, newWebhook(a.Account.ID, 0))
	second := createWebhook(t, s, newWebhook(a.Account.ID, 0))

	dup := newWebhook(a.Account.ID, a.Inbox.ID)
	dup.URL = first.URL
	wantConflict(t, "CreateWebhook(same url, same account)", tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateWebhook(dup) }),
		"url", "Url has already been taken")
	moved := *second
	moved.URL = first.URL
	wantConflict(t, "UpdateWebhook(to another's url)", tryUpdate(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&moved) }),
		"url", "Url has already been taken")
	check(t, "ListWebhooks after conflicts", []chat.Webhook{*first, *second}, listWebhooks(t, s, a.Account.ID))

	// The same url in another account, and a url differing only in case.
	elsewhere := newWebhook(b.Account.ID, 0)
	elsewhere.URL = first.URL
	createWebhook(t, s, elsewhere)
	check(t, "webhook with the same url in another account", elsewhere, findWebhook(t, s, b.Account.ID, elsewhere.ID))
	upper := newWebhook(a.Account.ID, 0)
	upper.URL = first.URL + "/X"
	lower := newWebhook(a.Account.ID, 0)
	lower.URL = first.URL + "/x"
	createWebhook(t, s, upper)
	createWebhook(t, s, lower)
	// A webhook may keep its own url.
	same := *first
	same.Name = "Same URL"
	update(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&same) })
	check(t, "webhook updated with its own url", &same, findWebhook(t, s, a.Account.ID, first.ID))
}

// deliveryScene is an account with a webhook, its API inbox (whose channel
// secret signs inbox deliveries) and two events with payloads.
type deliveryScene struct {
	*scene
	Webhook *chat.Webhook
	Events  []*chat.Event
}

func newDeliveryScene(t *testing.T, s chat.Store, name string) *deliveryScene {
	t.Helper()
	ds := &deliveryScene{scene: newScene(t, s, name)}
	ds.Webhook = createWebhook(t, s, newWebhook(ds.Account.ID, 0))
	ds.Events = []*chat.Event{
		// Payloads are bytes: spacing, key order and escapes stay.
		{Name: chat.EventMessageCreated, AccountID: ds.Account.ID, InboxID: ds.Inbox.ID, CreatedAt: at(1),
			Payload: []byte(`{"event":"message_created", "id" : 1,"content":"\u003cb\u003e \u00e9\u4e16","n":1.50}`)},
		{Name: chat.EventContactCreated, AccountID: ds.Account.ID, CreatedAt: at(2), Payload: []byte("{\n  \"event\": \"contact_created\"\n}")},
	}
	update(t, s, func(tx chat.Tx) error {
		for _, ev := range ds.Events {
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	return ds
}

// webhookDelivery returns an unsaved delivery of an event to the scene's
// webhook with every field set.
func (ds *deliveryScene) webhookDelivery(ev *chat.Event, status string, next int) chat.Delivery {
	return chat.Delivery{
		UUID:           uniq("00000000-0000-4000-8000"),
		EventID:        ev.ID,
		EventName:      ev.Name,
		AccountID:      ds.Account.ID,
		WebhookID:      ds.Webhook.ID,
		URL:            ds.Webhook.URL,
		Status:         status,
		Attempts:       2,
		NextAttemptAt:  at(next),
		LastStatusCode: 503,
		LastError:      "503 Service Unavailable",
		CreatedAt:      at(3),
		UpdatedAt:      at(4),
	}
}

// inboxDelivery returns an unsaved, never attempted delivery of an event to
// the scene's API inbox webhook_url.
func (ds *deliveryScene) inboxDelivery(ev *chat.Event, next int) chat.Delivery {
	return chat.Delivery{
		UUID:          uniq("00000000-0000-4000-8000"),
		EventID:       ev.ID,
		EventName:     ev.Name,
		AccountID:     ds.Account.ID,
		InboxID:       ds.Inbox.ID,
		URL:           ds.Inbox.API.WebhookURL,
		Status:        chat.DeliveryPending,
		NextAttemptAt: at(next),
		CreatedAt:     at(5),
		UpdatedAt:     at(5),
	}
}

func insertDeliveries(t *testing.T, s chat.Store, ds []chat.Delivery) {
	t.Helper()
	update(t, s, func(tx chat.Tx) error { return tx.InsertDeliveries(ds) })
}

func listDeliveries(t *testing.T, s chat.Store, accountID, after int64, limit int) []chat.Delivery {
	t.Helper()
	return get(t, s, func(tx chat.Tx) ([]chat.Delivery, error) { return tx.ListDeliveries(accountID, after, limit) })
}

func testDeliveries(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10),
		a.inboxDelivery(a.Events[0], 11),
		a.webhookDelivery(a.Events[1], chat.DeliveryFailed, 12),
	}
	ds[2].NextAttemptAt = time.Time{} // NULL
	insertDeliveries(t, s, ds)
	if ds[0].ID == 0 || ds[1].ID <= ds[0].ID || ds[2].ID <= ds[1].ID {
		t.Fatalf("InsertDeliveries set ids %d, %d, %d; want increasing ids", ds[0].ID, ds[1].ID, ds[2].ID)
	}
	bd := []chat.Delivery{b.webhookDelivery(b.Events[0], chat.DeliveryDelivered, 13)}
	insertDeliveries(t, s, bd)
	insertDeliveries(t, s, nil) // nothing to write is not an error

	check(t, "ListDeliveries(a)", ds, listDeliveries(t, s, a.Account.ID, 0, 10))
	check(t, "ListDeliveries(a, after the first)", ds[1:], listDeliveries(t, s, a.Account.ID, ds[0].ID, 10))
	check(t, "ListDeliveries(a, limit 2)", ds[:2], listDeliveries(t, s, a.Account.ID, 0, 2))
	check(t, "ListDeliveries(a, after the last)", []chat.Delivery(nil), listDeliveries(t, s, a.Account.ID, ds[2].ID, 10))
	check(t, "ListDeliveries(b)", bd, listDeliveries(t, s, b.Account.ID, 0, 10))
}

func testPendingDeliveries(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	ev := a.Events[0]
	// Written out of due order; only pending ones count, in every account.
	ds := []chat.Delivery{
		a.webhookDelivery(ev, chat.DeliveryPending, 30),          // 0
		a.inboxDelivery(ev, 10),                                  // 1
		a.webhookDelivery(ev, chat.DeliveryDelivered, 5),         // 2
		a.webhookDelivery(ev, chat.DeliveryFailed, 5),            // 3
		a.webhookDelivery(ev, chat.DeliveryPending, 20),          // 4
		b.webhookDelivery(b.Events[0], chat.DeliveryPending, 15), // 5
		a.webhookDelivery(ev, chat.DeliveryPending, 40),          // 6
	}
	insertDeliveries(t, s, ds)
	pending := func(sec, limit int) []chat.Delivery {
		t.Helper()
		return get(t, s, func(tx chat.Tx) ([]chat.Delivery, error) { return tx.PendingDeliveries(at(sec), limit) })
	}
	check(t, "PendingDeliveries(30)", []chat.Delivery{ds[1], ds[5], ds[4], ds[0]}, pending(30, 10)) // due at t counts
	check(t, "PendingDeliveries(29)", []chat.Delivery{ds[1], ds[5], ds[4]}, pending(29, 10))
	check(t, "PendingDeliveries(30, limit 2)", []chat.Delivery{ds[1], ds[5]}, pending(30, 2))
	check(t, "PendingDeliveries(100)", []chat.Delivery{ds[1], ds[5], ds[4], ds[0], ds[6]}, pending(100, 10))
	check(t, "PendingDeliveries(9)", []chat.Delivery(nil), pending(9, 10))

	// An outcome moves a delivery out of (or back into) the pending set.
	done := ds[1]
	done.Status, done.Attempts, done.NextAttemptAt, done.LastStatusCode, done.LastError, done.UpdatedAt =
		chat.DeliveryDelivered, 1, time.Time{}, 204, "", at(60)
	retry := ds[6]
	retry.NextAttemptAt = at(8)
	update(t, s, func(tx chat.Tx) error {
		if err := tx.RecordOutcome(&done); err != nil {
			return err
		}
		return tx.RecordOutcome(&retry)
	})
	check(t, "PendingDeliveries(30) after outcomes", []chat.Delivery{retry, ds[5], ds[4], ds[0]}, pending(30, 10))
}

func testRecordOutcome(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	ds := []chat.Delivery{a.inboxDelivery(a.Events[0], 10), a.webhookDelivery(a.Events[1], chat.DeliveryPending, 11)}
	insertDeliveries(t, s, ds)

	// A failed attempt with a retry due, then a final failure, then a
	// success that clears the error: every outcome column is written.
	d := ds[0]
	for i, o := range []struct {
		status string
		next   int
		code   int
		err    string
	}{
		{chat.DeliveryPending, 20, 500, "500 Internal Server Error"},
		{chat.DeliveryPending, 30, 0, "dial tcp 192.0.2.1:443: connect: connection refused"},
		{chat.DeliveryFailed, -1, 429, "429 Too Many Requests"},
		{chat.DeliveryDelivered, -1, 200, ""},
	} {
		d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.UpdatedAt = o.status, i+1, o.code, o.err, at(100+i)
		d.NextAttemptAt = time.Time{}
		if o.next >= 0 {
			d.NextAttemptAt = at(o.next)
		}
		update(t, s, func(tx chat.Tx) error { return tx.RecordOutcome(&d) })
		check(t, "ListDeliveries after RecordOutcome "+o.status, []chat.Delivery{d, ds[1]}, listDeliveries(t, s, a.Account.ID, 0, 10))
	}
}

func testLoadOutbound(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10),
		a.inboxDelivery(a.Events[1], 11),
		b.inboxDelivery(b.Events[0], 12),
	}
	insertDeliveries(t, s, ds)
	load := func(id int64) *chat.Outbound {
		t.Helper()
		return get(t, s, func(tx chat.Tx) (*chat.Outbound, error) { return tx.LoadOutbound(id) })
	}
	w := a.Webhook
	check(t, "LoadOutbound(webhook target)", &chat.Outbound{Delivery: ds[0], Event: a.Events[0].Name, Payload: a.Events[0].Payload,
		Secret: w.Secret, PreviousSecret: w.PreviousSecret, PreviousSecretExpiresAt: w.PreviousSecretExpiresAt}, load(ds[0].ID))
	check(t, "LoadOutbound(API inbox target)", &chat.Outbound{Delivery: ds[1], Event: a.Events[1].Name, Payload: a.Events[1].Payload,
		Secret: a.Inbox.API.Secret}, load(ds[1].ID))
	check(t, "LoadOutbound(API inbox target, another account)", &chat.Outbound{Delivery: ds[2], Event: b.Events[0].Name,
		Payload: b.Events[0].Payload, Secret: b.Inbox.API.Secret}, load(ds[2].ID))

	// Secrets are read at load time, so a rotation applies to retries.
	rotated := *w
	rotated.Secret, rotated.PreviousSecret, rotated.PreviousSecretExpiresAt, rotated.UpdatedAt = uniq("rotated"), w.Secret, at(90), at(91)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateWebhook(&rotated) })
	got := load(ds[0].ID)
	if got.Secret != rotated.Secret || got.PreviousSecret != w.Secret || !got.PreviousSecretExpiresAt.Equal(at(90)) {
		t.Errorf("LoadOutbound after a rotation: secret %q, previous %q until %v; want %q, %q until %v",
			got.Secret, got.PreviousSecret, got.PreviousSecretExpiresAt, rotated.Secret, w.Secret, at(90))
	}

	wantNotFound(t, s, "LoadOutbound(missing)", func(tx chat.Tx) error { _, err := tx.LoadOutbound(ds[2].ID + 1000); return err })

	// A deleted target leaves its deliveries with nothing to sign for.
	update(t, s, func(tx chat.Tx) error { return tx.DeleteWebhook(a.Account.ID, w.ID) })
	update(t, s, func(tx chat.Tx) error { return tx.DeleteInbox(b.Account.ID, b.Inbox.ID) })
	for _, d := range []chat.Delivery{ds[0], ds[2]} {
		if got := load(d.ID); !got.TargetGone || got.Secret != "" {
			t.Errorf("LoadOutbound after its target was deleted: TargetGone %v, secret %q; want true and none", got.TargetGone, got.Secret)
		}
	}
	if load(ds[1].ID).TargetGone {
		t.Error("LoadOutbound: TargetGone for a target that still exists")
	}
}

func testDeleteAccountWebhooks(t *testing.T, s chat.Store) {
	a, b := newDeliveryScene(t, s, "a"), newDeliveryScene(t, s, "b")
	ad := []chat.Delivery{a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10), a.inboxDelivery(a.Events[1], 11)}
	bd := []chat.Delivery{b.webhookDelivery(b.Events[0], chat.DeliveryPending, 10), b.inboxDelivery(b.Events[1], 11)}
	insertDeliveries(t, s, ad)
	insertDeliveries(t, s, bd)
	bHooks := listWebhooks(t, s, b.Account.ID)

	update(t, s, func(tx chat.Tx) error { return tx.DeleteAccount(a.Account.ID) })
	acc := a.Account.ID
	check(t, "ListWebhooks(deleted account)", []chat.Webhook(nil), listWebhooks(t, s, acc))
	wantNotFound(t, s, "FindWebhook(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindWebhook(acc, a.Webhook.ID); return err })
	check(t, "ListDeliveries(deleted account)", []chat.Delivery(nil), listDeliveries(t, s, acc, 0, 100))
	for _, d := range ad {
		wantNotFound(t, s, "LoadOutbound(of deleted account)", func(tx chat.Tx) error { _, err := tx.LoadOutbound(d.ID); return err })
	}
	check(t, "pending deliveries after DeleteAccount", []chat.Delivery{bd[0], bd[1]},
		get(t, s, func(tx chat.Tx) ([]chat.Delivery, error) { return tx.PendingDeliveries(at(100), 100) }))
	check(t, "webhooks of another account", bHooks, listWebhooks(t, s, b.Account.ID))
	check(t, "deliveries of another account", bd, listDeliveries(t, s, b.Account.ID, 0, 100))
}
