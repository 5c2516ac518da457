package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Engine is the delivery engine. Deliveries reach it two ways: pushed right
// after their transaction commits (no polling delay), and found by a poll of
// the database for whatever is pending and due (retries, and anything a
// restart or a full queue left behind). The database rows are the truth; the
// engine's memory only decides what to send next.
//
// Each endpoint (webhook or API inbox URL) has its own queue and its own cap
// on attempts at once, so a slow or dead endpoint holds only its own slots.
// Outcomes are written in batches, many per transaction.
type Engine struct {
	Store  chat.Store
	Sender *Sender
	Log    *slog.Logger
	// Now is the engine's clock (attempt times, retry schedule, health).
	// Defaults to time.Now.
	Now func() time.Time
	// Jitter returns a number in [-1, 1] that spreads each retry's wait.
	// Defaults to RandomJitter.
	Jitter func() float64
	// Schedule is the retry schedule. Defaults to DefaultRetrySchedule.
	Schedule RetrySchedule
	// EndpointConcurrency caps one endpoint's attempts at once. Defaults to 16.
	EndpointConcurrency int
	// MaxInFlight caps all attempts at once. Defaults to 1024.
	MaxInFlight int
	// MaxQueued caps the deliveries held in memory; the rest wait in the
	// database. Defaults to 10,000.
	MaxQueued int
	// EndpointQueue caps one healthy endpoint's share of MaxQueued, so a
	// slow endpoint cannot take every place. Defaults to MaxQueued/2. An
	// endpoint whose last attempt failed holds no more than
	// EndpointConcurrency; what it cannot hold is deferred in the database
	// (see deferral) so that it neither fills memory nor the polls.
	EndpointQueue int
	// PollInterval is how often the database is polled for due deliveries.
	// Defaults to 1 second.
	PollInterval time.Duration
	// DisableAfter disables an endpoint whose every attempt has failed for
	// this long. Defaults to 5 days.
	DisableAfter time.Duration
	// ShutdownTimeout bounds the wait for attempts in flight at stop; those
	// still running then are abandoned and stay pending. Defaults to 10 s.
	ShutdownTimeout time.Duration
	// LeaseOwner, when set, names this instance among several sharing one
	// database: the engine then sends only deliveries it holds a lease on
	// (claimed by its polls, or leased to it when its own requests wrote
	// them), renews its leases while it holds them, and writes an outcome
	// only while its lease stands. A dead instance's deliveries go to the
	// others when its leases run out.
	LeaseOwner string
	// LeaseDuration is how long a lease lasts unless renewed. It must be at
	// least three times an attempt's time limit. Defaults to 30 s.
	LeaseDuration time.Duration
	// OnRecorded, when set, is called after each batch of outcomes commits,
	// with the deliveries as recorded (for metrics and tests).
	OnRecorded func([]chat.Delivery)

	once      sync.Once
	mu        sync.Mutex
	endpoints map[chat.Endpoint]*endpointState
	known     map[int64]struct{} // queued, in flight, or awaiting its outcome's commit
	queued    int
	inflight  int
	waiting   map[*endpointState]struct{} // have a queue but no free global slot
	cursor    chat.DeliveryCursor
	more      bool // the last poll filled its page: the backlog goes on
	// seq counts committed outcome batches; recent maps a delivery whose
	// outcome committed while a poll was reading to the batch's seq, so
	// that the poll does not take the stale pending row it may have read.
	seq    uint64
	recent map[int64]uint64
	pollMu sync.Mutex
	// leaseRenewed is when (in real time) the last renewal of this
	// instance's leases began; every lease it holds lasts at least
	// LeaseDuration from then.
	leaseRenewed time.Time
	counts       counters
	stopping     bool
	kick         chan struct{}
	results      chan outcome
	attempts     sync.WaitGroup
	sendCtx      context.Context
	cancelAll    context.CancelFunc
}

// counters count outcomes since the start, for metrics.
type counters struct {
	delivered, retrying, failed, refused, deferred atomic.Int64
}

type endpointState struct {
	key       chat.Endpoint
	accountID int64
	url       string
	queue     []chat.Outbound
	active    int
	overflow  bool // deliveries were left in the database for want of room
	health    chat.Health
}

// outcome is what an attempt (or a refusal to attempt) leaves to record.
type outcome struct {
	delivery  chat.Delivery
	attempt   *chat.Attempt // nil when nothing was sent
	endpoint  *endpointState
	health    *chat.Health // the endpoint's new health, when it changed
	disabled  bool         // this outcome disabled the endpoint
	abandoned bool         // stopped mid-attempt: leave the row as it is
}

var errDisabled = errors.New("the endpoint is disabled after failing for too long; enable it to resume deliveries")

func (e *Engine) init() {
	e.once.Do(func() {
		if e.Now == nil {
			e.Now = time.Now
		}
		if e.Jitter == nil {
			e.Jitter = RandomJitter
		}
		if e.Schedule == nil {
			e.Schedule = DefaultRetrySchedule
		}
		if e.EndpointConcurrency <= 0 {
			e.EndpointConcurrency = 16
		}
		if e.MaxInFlight <= 0 {
			e.MaxInFlight = 1024
		}
		if e.MaxQueued <= 0 {
			e.MaxQueued = 10000
		}
		if e.EndpointQueue <= 0 {
			e.EndpointQueue = e.MaxQueued / 2
		}
		if e.PollInterval <= 0 {
			e.PollInterval = time.Second
		}
		if e.LeaseDuration <= 0 {
			e.LeaseDuration = DefaultLeaseDuration
		}
		if e.DisableAfter <= 0 {
			e.DisableAfter = 5 * 24 * time.Hour
		}
		if e.ShutdownTimeout <= 0 {
			e.ShutdownTimeout = 10 * time.Second
		}
		if e.Log == nil {
			e.Log = slog.Default()
		}
		e.endpoints = map[chat.Endpoint]*endpointState{}
		e.known = map[int64]struct{}{}
		e.recent = map[int64]uint64{}
		e.waiting = map[*endpointState]struct{}{}
		e.kick = make(chan struct{}, 1)
		e.results = make(chan outcome, 4096)
		e.sendCtx, e.cancelAll = context.WithCancel(context.Background())
	})
}

// Notify takes deliveries just committed. It never blocks; what does not
// fit in memory is left for the poll.
func (e *Engine) Notify(obs []chat.Outbound) {
	e.init()
	e.mu.Lock()
	refused, _ := e.enqueueLocked(obs)
	e.mu.Unlock()
	e.send(refused)
}

// send hands outcomes to the recorder. Never call it holding e.mu: the
// recorder takes the lock after each commit, and a full channel would
// deadlock.
func (e *Engine) send(outs []outcome) {
	for _, o := range outs {
		e.results <- o
	}
}

// Kick asks for a poll of the database now rather than at the next tick.
func (e *Engine) Kick() {
	e.init()
	select {
	case e.kick <- struct{}{}:
	default:
	}
}

// EndpointEnabled forgets an endpoint's failure record after an
// administrator re-enabled it, and looks for its deliveries at once.
func (e *Engine) EndpointEnabled(ep chat.Endpoint) {
	e.init()
	e.mu.Lock()
	if st := e.endpoints[ep]; st != nil {
		st.health = chat.Health{}
	}
	e.mu.Unlock()
	e.Kick()
}

// enqueueLocked queues deliveries and returns the outcomes of those it
// will not send now: refused (their endpoint is disabled) or deferred (their
// endpoint is failing and has all it can hold), and, when leasing, the
// releases of those it had no room for. skipped is the index of the first
// delivery left in the database because its healthy endpoint's queue was
// full, or -1.
func (e *Engine) enqueueLocked(obs []chat.Outbound) (outs []outcome, skipped int) {
	skipped = -1
	if e.stopping {
		return nil, skipped
	}
	touched := map[*endpointState]struct{}{}
	for i, o := range obs {
		if _, ok := e.known[o.Delivery.ID]; ok {
			continue
		}
		if e.queued >= e.MaxQueued {
			if skipped < 0 {
				skipped = i
			}
			continue
		}
		st := e.endpointLocked(&o)
		switch {
		case !st.health.DisabledAt.IsZero():
			outs = append(outs, e.refusal(st, o))
		case len(st.queue) < e.endpointRoom(st):
			st.queue = append(st.queue, o)
			e.queued++
			touched[st] = struct{}{}
		case !st.health.FailingSince.IsZero():
			outs = append(outs, e.deferral(st, o))
		default:
			st.overflow = true
			if skipped < 0 {
				skipped = i
			}
			continue
		}
		e.known[o.Delivery.ID] = struct{}{}
	}
	for st := range touched {
		e.pumpLocked(st)
	}
	// A leased delivery left out must not stay leased to this instance
	// until the lease runs out.
	return append(outs, e.releaseUntakenLocked(obs)...), skipped
}

// endpointLocked returns the state of o's endpoint, made on first sight.
func (e *Engine) endpointLocked(o *chat.Outbound) *endpointState {
	key := o.Delivery.Endpoint()
	st := e.endpoints[key]
	if st == nil {
		st = &endpointState{key: key, accountID: o.Delivery.AccountID, url: o.Delivery.URL, health: o.Health}
		e.endpoints[key] = st
	}
	return st
}

// endpointRoom is how many deliveries an endpoint may hold in memory.
func (e *Engine) endpointRoom(st *endpointState) int {
	if !st.health.FailingSince.IsZero() {
		return e.EndpointConcurrency
	}
	return e.EndpointQueue
}

// Deferral waits of a failing endpoint's overflow: as long as it has been
// failing, within these bounds, so a long outage costs few rewrites.
const (
	minDeferral = 5 * time.Second
	maxDeferral = 5 * time.Minute
)

// deferral moves a delivery that a failing endpoint has no room for to a
// later time, without counting an attempt. Left due, it would be read by
// every poll while the outage lasts; held in memory, a dead endpoint would
// fill the engine and delay every other endpoint.
func (e *Engine) deferral(st *endpointState, o chat.Outbound) outcome {
	d := o.Delivery
	now := e.Now().UTC()
	wait := min(max(now.Sub(st.health.FailingSince), minDeferral), maxDeferral)
	wait += time.Duration(float64(wait) * JitterFraction * clamp(e.Jitter()))
	d.NextAttemptAt, d.UpdatedAt = now.Add(wait), now
	e.counts.deferred.Add(1)
	return outcome{delivery: d, endpoint: st}
}

// refusal fails a delivery of a disabled endpoint without sending it; a
// recovery after re-enabling sends it.
func (e *Engine) refusal(st *endpointState, o chat.Outbound) outcome {
	e.counts.refused.Add(1)
	d := o.Delivery
	now := e.Now().UTC()
	d.Status, d.LastError, d.NextAttemptAt, d.UpdatedAt, d.CompletedAt = chat.DeliveryFailed, errDisabled.Error(), time.Time{}, now, now
	return outcome{delivery: d, endpoint: st}
}

// pumpLocked starts attempts of an endpoint while it and the engine have
// room.
func (e *Engine) pumpLocked(st *endpointState) {
	for len(st.queue) > 0 && st.active < e.EndpointConcurrency && !e.stopping {
		if e.inflight >= e.MaxInFlight {
			e.waiting[st] = struct{}{}
			return
		}
		o := st.queue[0]
		st.queue[0] = chat.Outbound{}
		st.queue = st.queue[1:]
		st.active++
		e.inflight++
		e.queued--
		e.attempts.Add(1)
		go e.attempt(st, o)
	}
	if len(st.queue) == 0 {
		st.queue = nil // let a drained queue's array go
	}
}

// attempt sends one delivery once and hands the outcome to the recorder.
func (e *Engine) attempt(st *endpointState, o chat.Outbound) {
	defer e.attempts.Done()
	started := e.Now().UTC()
	out := outcome{delivery: o.Delivery, endpoint: st}
	var refused []outcome
	if !e.leaseStands() {
		// The lease may run out before the attempt ends, and another
		// instance take the delivery: leave it to whoever holds it next.
		out.abandoned = true
	} else if res := e.Sender.Send(e.sendCtx, &o); e.sendCtx.Err() != nil && !res.OK() {
		out.abandoned = true // stopping: the delivery stays pending for next time
	} else {
		refused = e.settle(&out, started, res)
	}
	e.mu.Lock()
	st.active--
	e.inflight--
	e.pumpLocked(st)
	room := e.MaxQueued - e.queued
	if room >= e.MaxQueued/4 && (e.more || st.overflow) && len(st.queue) < e.endpointRoom(st)/4 || e.more && room > e.MaxQueued*3/4 {
		// This endpoint's queue runs low while the database holds more
		// (unread, or left there for want of room), or all queues do; and
		// a poll would have room to fill.
		e.more, st.overflow = false, false
		select {
		case e.kick <- struct{}{}:
		default:
		}
	}
	for w := range e.waiting {
		if e.inflight >= e.MaxInFlight {
			break
		}
		delete(e.waiting, w)
		e.pumpLocked(w)
	}
	e.mu.Unlock()
	e.send(append([]outcome{out}, refused...))
}

// settle decides a delivery's new state after an attempt, and the
// endpoint's health. When the failure disables the endpoint it returns the
// refusals of the deliveries that were waiting for it.
func (e *Engine) settle(out *outcome, started time.Time, res Result) (refused []outcome) {
	d := &out.delivery
	now := e.Now().UTC()
	d.Attempts++
	d.LastStatusCode = res.StatusCode
	d.UpdatedAt = now
	d.NextAttemptAt = time.Time{}
	out.attempt = &chat.Attempt{DeliveryID: d.ID, AttemptedAt: started, Latency: res.Latency, StatusCode: res.StatusCode,
		ResponseHeaders: headersJSON(res.Header), ResponseBody: res.Body}
	e.mu.Lock()
	defer e.mu.Unlock()
	st := out.endpoint
	if res.OK() {
		e.counts.delivered.Add(1)
		d.Status, d.LastError, d.CompletedAt = chat.DeliveryDelivered, "", now
		if !st.health.FailingSince.IsZero() {
			st.health.FailingSince = time.Time{}
			h := st.health
			out.health = &h
		}
		return nil
	}
	d.LastError = res.Err.Error()
	out.attempt.Error = d.LastError
	retryAfter := ParseRetryAfter(res.Header.Get("Retry-After"), now)
	if next, ok := e.Schedule.Retry(d.Attempts, now, res.StatusCode, retryAfter, e.Jitter()); ok {
		e.counts.retrying.Add(1)
		d.Status, d.NextAttemptAt = chat.DeliveryPending, next
	} else {
		e.counts.failed.Add(1)
		d.Status, d.CompletedAt = chat.DeliveryFailed, now
	}
	changed := false
	if st.health.FailingSince.IsZero() {
		st.health.FailingSince, changed = started, true
	}
	if st.health.DisabledAt.IsZero() && now.Sub(st.health.FailingSince) >= e.DisableAfter {
		st.health.DisabledAt, changed, out.disabled = now, true, true
		e.Log.Warn("webhook endpoint disabled after failing too long", "url", redactURL(st.url),
			"failing_since", st.health.FailingSince, "account", st.accountID)
		// What waits for it now fails; a recovery sends it again.
		for _, o := range st.queue {
			e.queued--
			refused = append(refused, e.refusal(st, o))
		}
		st.queue = nil
	}
	if changed {
		h := st.health
		out.health = &h
	}
	return refused
}
