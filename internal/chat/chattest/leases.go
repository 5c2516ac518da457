package chattest

import (
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// outboundIDs lists the delivery ids of outbounds.
func outboundIDs(obs []chat.Outbound) []int64 {
	var out []int64
	for _, o := range obs {
		out = append(out, o.Delivery.ID)
	}
	return out
}

func claim(t *testing.T, s chat.Store, now int, owner string, until, limit int) []chat.Outbound {
	t.Helper()
	var got []chat.Outbound
	update(t, s, func(tx chat.Tx) (err error) {
		got, err = tx.ClaimOutbound(at(now), owner, at(until), limit)
		return err
	})
	return got
}

func testClaimOutbound(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 30),  // 0
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10),  // 1
		a.webhookDelivery(a.Events[1], chat.DeliveryDelivered, 5), // 2: finished
		a.inboxDelivery(a.Events[1], 20),                          // 3
		a.webhookDelivery(a.Events[1], chat.DeliveryPending, 100), // 4: not due
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 15),  // 5: leased by another
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 16),  // 6: its lease ran out
	}
	ds[5].LeaseOwner, ds[5].LeaseUntil = "other", at(60)
	ds[6].LeaseOwner, ds[6].LeaseUntil = "dead", at(40)
	insertDeliveries(t, s, ds)

	got := claim(t, s, 50, "one", 80, 2)
	check(t, "ClaimOutbound(limit 2), in due order", []int64{ds[1].ID, ds[6].ID}, outboundIDs(got))
	if d := got[1].Delivery; d.LeaseOwner != "one" || !d.LeaseUntil.Equal(at(80)) {
		t.Errorf("claimed delivery leased to %q until %v; want one until %v", d.LeaseOwner, d.LeaseUntil, at(80))
	}
	if got[0].Payload == nil || got[0].Secret != a.Webhook.Secret {
		t.Errorf("claimed delivery comes without what sending needs: payload %q, secret %q", got[0].Payload, got[0].Secret)
	}
	check(t, "ClaimOutbound(the rest)", []int64{ds[3].ID, ds[0].ID}, outboundIDs(claim(t, s, 50, "two", 80, 10)))
	check(t, "ClaimOutbound(nothing left)", []int64(nil), outboundIDs(claim(t, s, 50, "three", 80, 10)))
	check(t, "ClaimOutbound(after the other's lease ran out)", []int64{ds[5].ID}, outboundIDs(claim(t, s, 61, "three", 90, 10)))

	// The dead instance's late outcome is not written: "one" holds the
	// delivery now. "one"'s outcome is, and releases the lease.
	late := ds[6]
	late.Status, late.Attempts, late.NextAttemptAt, late.UpdatedAt, late.CompletedAt = chat.DeliveryFailed, 9, time.Time{}, at(70), at(70)
	update(t, s, func(tx chat.Tx) error { return tx.RecordOutcome(&late) })
	held := got[1].Delivery
	check(t, "delivery after a stale owner's outcome", &held, findDelivery(t, s, a.Account.ID, held.ID))

	done := held
	done.Status, done.Attempts, done.NextAttemptAt, done.LastStatusCode, done.LastError, done.UpdatedAt, done.CompletedAt =
		chat.DeliveryDelivered, 3, time.Time{}, 200, "", at(71), at(71)
	att := &chat.Attempt{DeliveryID: done.ID, AttemptedAt: at(71), Latency: time.Millisecond, StatusCode: 200}
	update(t, s, func(tx chat.Tx) error { return tx.RecordAttempt(&done, att) })
	want := done
	want.LeaseOwner, want.LeaseUntil = "", time.Time{}
	check(t, "delivery after its owner's outcome", &want, findDelivery(t, s, a.Account.ID, done.ID))

	// A stale attempt is neither written nor archived.
	stale := held
	stale.Status, stale.Attempts, stale.UpdatedAt = chat.DeliveryFailed, 4, at(72)
	update(t, s, func(tx chat.Tx) error {
		return tx.RecordAttempt(&stale, &chat.Attempt{DeliveryID: stale.ID, AttemptedAt: at(72), StatusCode: 500})
	})
	check(t, "delivery after a stale attempt", &want, findDelivery(t, s, a.Account.ID, done.ID))
	if n := len(listAttempts(t, s, done.ID)); n != 1 {
		t.Errorf("%d attempts logged after a stale attempt; want 1", n)
	}
}

func testExtendReleaseLeases(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10),
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 11),
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 12),
	}
	insertDeliveries(t, s, ds)
	claim(t, s, 20, "one", 50, 1)
	claim(t, s, 20, "one", 70, 1)
	claim(t, s, 20, "two", 50, 1)
	// Only the leases ending before 60 are moved, and only those the owner
	// still holds.
	var renewed, released int
	held := map[int64]bool{ds[0].ID: true, ds[1].ID: true, ds[2].ID: true}
	update(t, s, func(tx chat.Tx) (err error) {
		renewed, released, err = tx.RenewLeases("one", at(60), at(90), func(id int64) bool { return held[id] })
		return err
	})
	if renewed != 1 || released != 0 {
		t.Errorf("RenewLeases = %d renewed, %d released; want 1, 0", renewed, released)
	}
	for i, until := range []int{90, 70, 50} {
		if got := findDelivery(t, s, a.Account.ID, ds[i].ID).LeaseUntil; !got.Equal(at(until)) {
			t.Errorf("delivery %d leased until %v, want %v", i, got, at(until))
		}
	}
	// A lease the owner no longer holds (its attempt was abandoned) is
	// given up rather than renewed: another owner claims the delivery.
	held[ds[0].ID] = false
	update(t, s, func(tx chat.Tx) (err error) {
		renewed, released, err = tx.RenewLeases("one", at(95), at(120), func(id int64) bool { return held[id] })
		return err
	})
	if renewed != 1 || released != 1 {
		t.Errorf("RenewLeases = %d renewed, %d released; want 1, 1", renewed, released)
	}
	if got := findDelivery(t, s, a.Account.ID, ds[1].ID).LeaseUntil; !got.Equal(at(120)) {
		t.Errorf("held delivery leased until %v, want %v", got, at(120))
	}
	check(t, "ClaimOutbound after a lease was given up", []int64{ds[0].ID}, outboundIDs(claim(t, s, 21, "four", 60, 10)))
	// Released, "one"'s deliveries are free at once; "two"'s stay held.
	update(t, s, func(tx chat.Tx) error { return tx.ReleaseLeases("one") })
	check(t, "ClaimOutbound after ReleaseLeases", []int64{ds[1].ID}, outboundIDs(claim(t, s, 21, "three", 60, 10)))
}

// testConcurrentClaims: owners claiming at once each get different
// deliveries, and together all of them.
func testConcurrentClaims(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	const n = 200
	ds := make([]chat.Delivery, n)
	for i := range ds {
		ds[i] = a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10)
	}
	insertDeliveries(t, s, ds)
	type result struct {
		ids []int64
		err error
	}
	results := make(chan result)
	for w := range 4 {
		go func() {
			var r result
			for {
				var got []chat.Outbound
				err := s.Update(t.Context(), func(tx chat.Tx) (err error) {
					got, err = tx.ClaimOutbound(at(20), string(rune('a'+w)), at(60), 7)
					return err
				})
				if err != nil || len(got) == 0 {
					r.err = err
					break
				}
				r.ids = append(r.ids, outboundIDs(got)...)
			}
			results <- r
		}()
	}
	seen := map[int64]int{}
	for range 4 {
		r := <-results
		if r.err != nil {
			t.Errorf("ClaimOutbound: %v", r.err)
		}
		for _, id := range r.ids {
			seen[id]++
		}
	}
	for _, d := range ds {
		if seen[d.ID] != 1 {
			t.Errorf("delivery %d claimed %d times; want once", d.ID, seen[d.ID])
		}
	}
}

// testRecordOutcomes: the bulk form writes what RecordAttempt and
// RecordOutcome write one by one, archives a retried delivery's previous
// attempt, and skips a delivery whose lease another owner holds.
func testRecordOutcomes(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "a")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10), // 0: delivered at its first attempt
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 11), // 1: retried: its earlier attempt is archived
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 12), // 2: deferred without an attempt
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 13), // 3: held by another owner
	}
	insertDeliveries(t, s, ds)
	claimed := claim(t, s, 20, "one", 60, 3)
	claim(t, s, 20, "other", 60, 1)
	first := &chat.Attempt{DeliveryID: ds[1].ID, AttemptedAt: at(21), Latency: 2 * time.Millisecond, StatusCode: 503,
		ResponseHeaders: chat.JSON(`{"Retry-After":"1"}`), ResponseBody: []byte("busy")}
	d1 := claimed[1].Delivery
	d1.Attempts, d1.LastStatusCode, d1.LastError, d1.NextAttemptAt, d1.UpdatedAt = 1, 503, "503 Service Unavailable", at(25), at(21)
	update(t, s, func(tx chat.Tx) error { return tx.RecordAttempt(&d1, first) })
	d1.LeaseOwner = "one"
	claim(t, s, 30, "one", 60, 1) // d1 is due again: "one" claims it

	out := []chat.Delivery{claimed[0].Delivery, d1, claimed[2].Delivery, ds[3]}
	out[0].Status, out[0].Attempts, out[0].LastStatusCode, out[0].LastError, out[0].NextAttemptAt, out[0].UpdatedAt, out[0].CompletedAt =
		chat.DeliveryDelivered, 1, 200, "", time.Time{}, at(31), at(31)
	out[1].Status, out[1].Attempts, out[1].LastStatusCode, out[1].LastError, out[1].NextAttemptAt, out[1].UpdatedAt, out[1].CompletedAt =
		chat.DeliveryDelivered, 2, 204, "", time.Time{}, at(32), at(32)
	out[2].NextAttemptAt, out[2].UpdatedAt = at(90), at(33)
	out[3].Status, out[3].Attempts, out[3].UpdatedAt, out[3].LeaseOwner = chat.DeliveryFailed, 7, at(34), "one" // stale
	attempts := []*chat.Attempt{
		{DeliveryID: ds[0].ID, AttemptedAt: at(31), Latency: time.Millisecond, StatusCode: 200, ResponseBody: []byte("ok")},
		{DeliveryID: ds[1].ID, AttemptedAt: at(32), Latency: time.Millisecond, StatusCode: 204},
		nil,
		{DeliveryID: ds[3].ID, AttemptedAt: at(34), StatusCode: 500},
	}
	update(t, s, func(tx chat.Tx) error { return tx.RecordOutcomes(out, attempts) })

	for i := range 3 {
		want := out[i]
		want.LeaseOwner, want.LeaseUntil = "", time.Time{}
		check(t, "delivery after RecordOutcomes "+string(rune('0'+i)), &want, findDelivery(t, s, a.Account.ID, ds[i].ID))
	}
	held := ds[3]
	held.LeaseOwner, held.LeaseUntil = "other", at(60)
	check(t, "another owner's delivery after RecordOutcomes", &held, findDelivery(t, s, a.Account.ID, ds[3].ID))
	got := listAttempts(t, s, ds[1].ID)
	if len(got) != 2 || got[0].StatusCode != 503 || string(got[0].ResponseBody) != "busy" || got[1].StatusCode != 204 {
		t.Errorf("the retried delivery's attempts after RecordOutcomes: %+v; want the 503 archived, then the 204", got)
	}
	if got := listAttempts(t, s, ds[0].ID); len(got) != 1 || string(got[0].ResponseBody) != "ok" {
		t.Errorf("the delivered one's attempts: %+v", got)
	}
	if got := listAttempts(t, s, ds[3].ID); len(got) != 0 {
		t.Errorf("the stale outcome logged attempts: %+v", got)
	}
}

// testOutcomeAfterRequeue: a delivery requeued by hand while an attempt was
// under way keeps the requeue. The attempt's outcome is recorded (the
// attempt count, what the receiver answered, the lease let go) but the
// delivery stays pending and due when it was requeued, through every way
// an outcome is written.
func testOutcomeAfterRequeue(t *testing.T, s chat.Store) {
	a := newDeliveryScene(t, s, "requeued")
	ds := []chat.Delivery{
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 10), // RecordAttempt
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 11), // RecordOutcome (no attempt)
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 12), // RecordOutcomes, attempted
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 13), // RecordOutcomes, decided without an attempt
		a.webhookDelivery(a.Events[0], chat.DeliveryPending, 14), // RecordOutcomes, not requeued: applies
	}
	insertDeliveries(t, s, ds)
	taken := claim(t, s, 20, "one", 60, 5) // as the engine takes them, requeues 0
	if len(taken) != 5 {
		t.Fatalf("claimed %d of 5", len(taken))
	}
	for _, o := range taken[:4] { // redelivered by hand while attempted
		update(t, s, func(tx chat.Tx) error {
			_, err := tx.Requeue(a.Account.ID, a.webhookEP(), o.Delivery.ID, at(25))
			return err
		})
	}
	out := make([]chat.Delivery, 5)
	for i, o := range taken {
		d := o.Delivery
		d.Status, d.Attempts, d.LastStatusCode, d.LastError, d.NextAttemptAt, d.UpdatedAt, d.CompletedAt =
			chat.DeliveryFailed, 1, 500, "500 Internal Server Error", time.Time{}, at(30), at(30)
		out[i] = d
	}
	attempt := func(i int) *chat.Attempt {
		return &chat.Attempt{DeliveryID: out[i].ID, AttemptedAt: at(22), Latency: time.Millisecond, StatusCode: 500,
			Error: "500 Internal Server Error", ResponseBody: []byte("down")}
	}
	update(t, s, func(tx chat.Tx) error { return tx.RecordAttempt(&out[0], attempt(0)) })
	update(t, s, func(tx chat.Tx) error { return tx.RecordOutcome(&out[1]) })
	update(t, s, func(tx chat.Tx) error {
		return tx.RecordOutcomes(out[2:], []*chat.Attempt{attempt(2), nil, attempt(4)})
	})

	for i := range 4 {
		got := findDelivery(t, s, a.Account.ID, ds[i].ID)
		want := out[i]
		want.Status, want.NextAttemptAt, want.UpdatedAt, want.CompletedAt = chat.DeliveryPending, at(25), at(25), time.Time{}
		want.LeaseOwner, want.LeaseUntil, want.Requeues = "", time.Time{}, 1
		check(t, "an outcome after a requeue "+string(rune('0'+i)), &want, got)
	}
	applied := out[4]
	applied.LeaseOwner, applied.LeaseUntil = "", time.Time{}
	check(t, "an outcome without a requeue", &applied, findDelivery(t, s, a.Account.ID, ds[4].ID))
	if got := listAttempts(t, s, ds[0].ID); len(got) != 1 || got[0].StatusCode != 500 || string(got[0].ResponseBody) != "down" {
		t.Errorf("the attempt under way at the requeue is not in the log: %+v", got)
	}
}
