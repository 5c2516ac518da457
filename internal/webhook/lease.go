package webhook

import (
	"context"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// DefaultLeaseDuration is how long an instance's claim on a delivery lasts
// unless renewed: the time a dead instance's work waits before another
// instance takes it.
const DefaultLeaseDuration = 30 * time.Second

// postponeOverflow is how long a claimed delivery that its endpoint has no
// room for waits in the database: long enough that the next claims take
// other endpoints' deliveries first.
const postponeOverflow = time.Second

func (e *Engine) leasing() bool { return e.LeaseOwner != "" }

// LeaseFor returns the lease a delivery written by this instance's own
// request gets, so that the engine sends it at once without another
// instance claiming it meanwhile. The owner is "" when not leasing.
func (e *Engine) LeaseFor(created time.Time) (owner string, until time.Time) {
	e.init()
	if !e.leasing() {
		return "", time.Time{}
	}
	return e.LeaseOwner, created.Add(e.LeaseDuration)
}

// leaseStands reports whether an attempt starting now ends before the
// leases this instance holds run out. A renewal at r leaves every lease
// ending at r + LeaseDuration/2 or later; an attempt lasts at most a third
// of a lease (parley serve checks it); so an attempt may start until r +
// LeaseDuration/6. Renewals come every tenth of a lease, so only a stalled
// renewal (the database unreachable, the process paused) stops attempts.
// It measures real time, whatever the engine's clock says: what counts is
// how long ago the renewal really was.
func (e *Engine) leaseStands() bool {
	if !e.leasing() {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return time.Since(e.leaseRenewed) < e.LeaseDuration/6
}

// renewLeases runs until stop closes, extending every tenth of a lease
// this instance's leases that end within half a lease. Most deliveries
// finish long before, so a renewal touches only the few that wait longer.
func (e *Engine) renewLeases(stop <-chan struct{}) {
	t := time.NewTicker(e.LeaseDuration / 10)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		began, start := time.Now(), e.Now().UTC()
		// Only what the engine still holds keeps its lease: a delivery it
		// let go of without an outcome (an attempt abandoned because the
		// lease might run out, an outcome that failed to commit) is
		// released, for any instance's next claim.
		e.mu.Lock()
		held := make(map[int64]struct{}, len(e.known))
		for id := range e.known {
			held[id] = struct{}{}
		}
		e.mu.Unlock()
		err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
			_, _, err := tx.RenewLeases(e.LeaseOwner, start.Add(e.LeaseDuration/2), start.Add(e.LeaseDuration),
				func(id int64) bool { _, ok := held[id]; return ok })
			return err
		})
		if err != nil {
			e.Log.Error("renewing webhook delivery leases", "error", err)
			continue
		}
		e.mu.Lock()
		e.leaseRenewed = began
		e.mu.Unlock()
	}
}

// releaseLeases gives up this instance's leases at stop, so that the
// others take its pending deliveries at once rather than when the leases
// run out.
func (e *Engine) releaseLeases() {
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.ReleaseLeases(e.LeaseOwner) })
	if err != nil {
		e.Log.Error("releasing webhook delivery leases; other instances take them when they run out", "error", err)
	}
}

// releaseUntakenLocked returns outcomes that give back the leases of the
// deliveries of obs that the queues had no room for: postponed a little,
// so that the next claim (by any instance) takes other deliveries first.
func (e *Engine) releaseUntakenLocked(obs []chat.Outbound) []outcome {
	if !e.leasing() || e.stopping {
		return nil
	}
	var outs []outcome
	now := e.Now().UTC()
	for _, o := range obs {
		if _, ok := e.known[o.Delivery.ID]; ok {
			continue
		}
		st := e.endpointLocked(&o)
		d := o.Delivery
		d.NextAttemptAt, d.UpdatedAt = now.Add(postponeOverflow), now
		e.known[d.ID] = struct{}{}
		outs = append(outs, outcome{delivery: d, endpoint: st})
	}
	return outs
}

// claim fills the queues with deliveries this instance leases, a page at
// a time while they have room.
func (e *Engine) claim() {
	e.pollMu.Lock()
	defer e.pollMu.Unlock()
	for read := 0; read < 4*e.MaxQueued; {
		e.mu.Lock()
		room, stopping := e.MaxQueued-e.queued, e.stopping
		e.mu.Unlock()
		if stopping {
			return
		}
		if room < e.MaxQueued/4 {
			e.mu.Lock()
			e.more = true // the next low water claims
			e.mu.Unlock()
			return
		}
		limit := min(room, pollPage)
		now := e.Now().UTC()
		var due []chat.Outbound
		err := e.Store.Update(context.Background(), func(tx chat.Tx) (err error) {
			due, err = tx.ClaimOutbound(now, e.LeaseOwner, now.Add(e.LeaseDuration), limit)
			return err
		})
		if err != nil {
			e.Log.Error("claiming due webhook deliveries", "error", err)
			return
		}
		read += len(due)
		more := len(due) == limit
		e.mu.Lock()
		outs, _ := e.enqueueLocked(due)
		e.more = more
		e.mu.Unlock()
		e.send(outs)
		if !more {
			return
		}
	}
}
