package chattest

import (
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// pruneScene holds rows on both sides of a retention cut at(1000), written
// in time order (as the service writes them: ids grow with time).
type pruneScene struct {
	*deliveryScene
	Gone, Kept struct {
		Deliveries []chat.Delivery
		Events     []*chat.Event
		Attempts   []*chat.Attempt
	}
	// Attempts of each kept delivery after pruning, by delivery id.
	KeptAttempts map[int64][]chat.Attempt
	// Rows is how many rows pruning deletes.
	Rows int
}

const pruneCut = 1000

func newPruneScene(t *testing.T, s chat.Store) *pruneScene {
	t.Helper()
	// A scene with no events of its own: every event here is accounted for.
	ps := &pruneScene{deliveryScene: &deliveryScene{scene: newScene(t, s, "prune")}, KeptAttempts: map[int64][]chat.Attempt{}}
	ps.Webhook = createWebhook(t, s, newWebhook(ps.Account.ID, 0))
	w, in := ps.webhookEP(), ps.inboxEP()

	e0 := ps.logEvent(t, s, chat.EventMessageCreated, 10)   // old, its delivery delivered long ago: goes
	e1 := ps.logEvent(t, s, chat.EventMessageCreated, 30)   // old, its delivery still pending: stays
	e2 := ps.logEvent(t, s, chat.EventContactCreated, 40)   // old, its delivery failed recently (after a recovery): stays
	e3 := ps.logEvent(t, s, chat.EventContactUpdated, 50)   // old, no delivery: goes
	e5 := ps.logEvent(t, s, chat.EventWebhookDisabled, 60)  // old notice: goes
	e6 := ps.logEvent(t, s, chat.EventMessageUpdated, 70)   // old, one delivery done, one pending: stays
	e4 := ps.logEvent(t, s, chat.EventContactCreated, 1100) // new, no delivery: stays
	e7 := ps.logEvent(t, s, chat.EventMessageCreated, 1200) // new, delivered: stays

	ds := []chat.Delivery{
		ps.logDelivery(e0, w, chat.DeliveryDelivered, 10, 20),       // 0 goes
		ps.logDelivery(e1, in, chat.DeliveryPending, 30, 0),         // 1 stays, however old
		ps.logDelivery(e2, w, chat.DeliveryFailed, 40, 1500),        // 2 stays
		ps.logDelivery(e5, w, chat.DeliveryNotice, 60, 60),          // 3 goes
		ps.logDelivery(e6, w, chat.DeliveryDelivered, 70, 80),       // 4 goes
		ps.logDelivery(e6, in, chat.DeliveryPending, 70, 0),         // 5 stays
		ps.logDelivery(e1, w, chat.DeliveryFailed, 999, pruneCut-1), // 6 goes: finished just before the cut
		ps.logDelivery(e7, w, chat.DeliveryDelivered, 1200, 1210),   // 7 stays
	}
	// A pending delivery is never pruned, even one with a stray
	// completion time.
	ds[1].CompletedAt = at(31)
	insertDeliveries(t, s, ds)

	attempt := func(d chat.Delivery, sec, code int) *chat.Attempt {
		return &chat.Attempt{DeliveryID: d.ID, AttemptedAt: at(sec), StatusCode: code, ResponseBody: []byte("body"),
			ResponseHeaders: chat.JSON(`{"X":"1"}`)}
	}
	attempts := []*chat.Attempt{
		attempt(ds[0], 15, 500), attempt(ds[0], 18, 200), // go with their delivery
		attempt(ds[1], 35, 503),   // old attempt of a pending delivery: goes
		attempt(ds[1], 1300, 503), // recent attempt of it: stays
		attempt(ds[2], 45, 500),   // old: goes
		attempt(ds[2], 1400, 500), // stays
		attempt(ds[4], 75, 200),   // goes
		attempt(ds[6], 999, 500),  // goes
		attempt(ds[7], 1205, 200), // stays
	}
	update(t, s, func(tx chat.Tx) error {
		for _, a := range attempts {
			if err := tx.InsertAttempt(a); err != nil {
				return err
			}
		}
		return nil
	})
	ps.Gone.Deliveries = []chat.Delivery{ds[0], ds[3], ds[4], ds[6]}
	ps.Kept.Deliveries = []chat.Delivery{ds[1], ds[2], ds[5], ds[7]}
	ps.Gone.Events = []*chat.Event{e0, e3, e5}
	ps.Kept.Events = []*chat.Event{e1, e2, e6, e4, e7}
	ps.Gone.Attempts = []*chat.Attempt{attempts[0], attempts[1], attempts[2], attempts[4], attempts[6], attempts[7]}
	ps.KeptAttempts[ds[1].ID] = []chat.Attempt{*attempts[3]}
	ps.KeptAttempts[ds[2].ID] = []chat.Attempt{*attempts[5]}
	ps.KeptAttempts[ds[5].ID] = nil
	ps.KeptAttempts[ds[7].ID] = []chat.Attempt{*attempts[8]}
	ps.Rows = len(ps.Gone.Deliveries) + len(ps.Gone.Events) + len(ps.Gone.Attempts)
	return ps
}

// checkPruned checks what is left after pruning at the cut.
func (ps *pruneScene) checkPruned(t *testing.T, s chat.Store) {
	t.Helper()
	for _, d := range ps.Gone.Deliveries {
		wantNotFound(t, s, "FindDelivery(pruned "+d.Status+")", func(tx chat.Tx) error { _, err := tx.FindDelivery(d.AccountID, d.ID); return err })
		check(t, "attempts of a pruned delivery", []chat.Attempt(nil), listAttempts(t, s, d.ID))
	}
	for _, d := range ps.Kept.Deliveries {
		check(t, "kept "+d.Status+" delivery", &d, findDelivery(t, s, d.AccountID, d.ID))
		check(t, "attempts of a kept delivery", ps.KeptAttempts[d.ID], listAttempts(t, s, d.ID))
		// Its payload is still there to send or show.
		o := get(t, s, func(tx chat.Tx) (*chat.Outbound, error) { return tx.LoadOutbound(d.ID) })
		if string(o.Payload) == "" {
			t.Errorf("delivery %d lost its payload", d.ID)
		}
	}
	var want []chat.Event
	for _, ev := range ps.Kept.Events {
		want = append(want, *ev)
	}
	check(t, "events kept", want, get(t, s, func(tx chat.Tx) ([]chat.Event, error) { return tx.ListEvents(ps.Account.ID, 0, 100) }))
}

func prune(t *testing.T, s chat.Store, limit int) int {
	t.Helper()
	var n int
	update(t, s, func(tx chat.Tx) (err error) {
		n, err = tx.Prune(at(pruneCut), limit)
		return err
	})
	return n
}

func testPrune(t *testing.T, s chat.Store) {
	ps := newPruneScene(t, s)
	if n := prune(t, s, 1000); n != ps.Rows {
		t.Errorf("Prune = %d rows, want %d", n, ps.Rows)
	}
	ps.checkPruned(t, s)
	if n := prune(t, s, 1000); n != 0 {
		t.Errorf("Prune again = %d rows, want 0", n)
	}
	ps.checkPruned(t, s)
}

// testPruneChunks prunes a few rows at a time, as the background pruner
// does, until a call deletes fewer than its limit.
func testPruneChunks(t *testing.T, s chat.Store) {
	ps := newPruneScene(t, s)
	const limit = 2
	total, calls := 0, 0
	for {
		n := prune(t, s, limit)
		if n > 3*limit {
			t.Fatalf("Prune(limit %d) deleted %d rows: more than %d of each kind", limit, n, limit)
		}
		total += n
		if calls++; n < limit {
			break
		}
		if calls > ps.Rows {
			t.Fatalf("Prune(limit %d) still deleting after %d calls", limit, calls)
		}
	}
	if total != ps.Rows || calls < 2 {
		t.Errorf("Prune in chunks deleted %d rows in %d calls, want %d rows in several", total, calls, ps.Rows)
	}
	ps.checkPruned(t, s)
}
