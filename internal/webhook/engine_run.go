package webhook

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// maxBatch is how many outcomes one transaction records. The recorder is
// one goroutine, so this caps outcomes/s at maxBatch per commit time: at
// 256, PostgreSQL fan-out stalled near 5k deliveries/s (commits of 20-50 ms
// under load) where 1,024 let it reach 9-17k (BENCHMARKS.md).
const maxBatch = 1024

// pollPage is the most deliveries one poll reads.
const pollPage = 1000

// Run delivers until ctx ends. It then stops taking work, waits up to
// ShutdownTimeout for attempts in flight, records what they returned, and
// returns. Nothing is lost: a delivery whose outcome was not recorded is
// still pending in the database and is sent after the next start.
func (e *Engine) Run(ctx context.Context) {
	e.init()
	recorded := make(chan struct{})
	go func() { e.record(); close(recorded) }()
	stopRenewing := make(chan struct{})
	renewed := make(chan struct{})
	if e.leasing() {
		e.mu.Lock()
		e.leaseRenewed = time.Now()
		e.mu.Unlock()
		go func() { e.renewLeases(stopRenewing); close(renewed) }()
	} else {
		close(renewed)
	}

	e.poll()
	t := time.NewTicker(e.PollInterval)
	defer t.Stop()
loop:
	for {
		select {
		case <-t.C:
			e.poll()
		case <-e.kick:
			e.poll()
		case <-ctx.Done():
			break loop
		}
	}

	e.mu.Lock()
	e.stopping = true
	e.mu.Unlock()
	finished := make(chan struct{})
	go func() { e.attempts.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(e.ShutdownTimeout):
		e.Log.Warn("stopping: abandoning webhook attempts still in flight; they stay pending", "timeout", e.ShutdownTimeout)
		e.cancelAll()
		<-finished
	}
	close(e.results)
	<-recorded
	close(stopRenewing)
	<-renewed
	if e.leasing() {
		e.releaseLeases()
	}
	e.cancelAll()
}

// Poll looks for due deliveries now and queues them before it returns (their
// attempts start in the background).
func (e *Engine) Poll() {
	e.init()
	e.poll()
}

// Stats is a snapshot of the engine's work in memory.
type Stats struct {
	Queued    int // waiting for a free slot
	InFlight  int // attempts under way
	Known     int // queued, in flight, or waiting for their outcome's commit
	Endpoints int // endpoints seen

	// Since the start: attempts that delivered, that failed and will be
	// retried, that failed for good, and deliveries not sent because their
	// endpoint is disabled, and deferrals of a failing endpoint's overflow.
	Delivered, Retrying, Failed, Refused, Deferred int64
}

// Stats reports the engine's work in memory.
func (e *Engine) Stats() Stats {
	e.init()
	e.mu.Lock()
	defer e.mu.Unlock()
	return Stats{Queued: e.queued, InFlight: e.inflight, Known: len(e.known), Endpoints: len(e.endpoints),
		Delivered: e.counts.delivered.Load(), Retrying: e.counts.retrying.Load(), Failed: e.counts.failed.Load(), Refused: e.counts.refused.Load(),
		Deferred: e.counts.deferred.Load()}
}

// poll reads due deliveries into the queues while there is room, resuming
// where the last poll stopped so a large backlog is read a page at a time.
//
// A delivery left out because its endpoint's queue was full must be read
// again once that endpoint has room, so when this poll queued anything the
// next one starts again at the first delivery it left out; the rows between
// are known by then and cost only their reading. Pages that give nothing
// are read past (a slow endpoint's rows must not hide the others') until
// one page has given something; work per poll is bounded.
func (e *Engine) poll() {
	if e.leasing() {
		e.claim()
		return
	}
	e.pollMu.Lock()
	defer e.pollMu.Unlock()
	var rewind *chat.DeliveryCursor
	progressed := false
	defer func() {
		if rewind != nil && progressed {
			e.mu.Lock()
			e.cursor, e.more = *rewind, true
			e.mu.Unlock()
		}
	}()
	for read := 0; read < 4*e.MaxQueued; {
		e.mu.Lock()
		room := e.MaxQueued - e.queued
		cursor, stopping := e.cursor, e.stopping
		// Outcomes committed before this read are in it; only those
		// committed while it reads can make a row it returns stale.
		e.recent = map[int64]uint64{}
		since := e.seq
		e.mu.Unlock()
		if stopping || room < e.MaxQueued/4 {
			if !stopping {
				e.mu.Lock()
				e.more = true // not read yet, maybe; the next low water looks
				e.mu.Unlock()
			}
			return
		}
		limit := min(room, pollPage)
		var due []chat.Outbound
		err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
			due, err = tx.DueOutbound(e.Now().UTC(), cursor, limit)
			return err
		})
		if err != nil {
			e.Log.Error("looking for due webhook deliveries", "error", err)
			return
		}
		read += len(due)
		e.mu.Lock()
		fresh := due[:0:0]
		for _, o := range due {
			if e.recent[o.Delivery.ID] <= since {
				fresh = append(fresh, o)
			}
		}
		before := e.queued
		outs, skipped := e.enqueueLocked(fresh)
		took := e.queued > before || len(outs) > 0
		if skipped >= 0 && rewind == nil {
			at := cursor
			if i := indexOf(due, fresh[skipped].Delivery.ID); i > 0 {
				at = due[i-1].Delivery.Cursor()
			}
			rewind = &at
		}
		more := len(due) == limit
		e.more = more
		if more {
			e.cursor = due[len(due)-1].Delivery.Cursor()
		} else {
			e.cursor = chat.DeliveryCursor{} // the end: next time from the start
		}
		e.mu.Unlock()
		e.send(outs)
		// A page that gave nothing after pages that did means the
		// endpoints with room are served: stop rather than read on.
		if !more || !took && progressed {
			return
		}
		progressed = progressed || took
	}
}

func indexOf(obs []chat.Outbound, id int64) int {
	for i, o := range obs {
		if o.Delivery.ID == id {
			return i
		}
	}
	return len(obs)
}

// recordLinger is how long the recorder gathers outcomes before writing
// them: nobody waits for an outcome, and one commit of many costs far less
// than many commits (each writes its pages to the WAL).
const recordLinger = 5 * time.Millisecond

// record writes outcomes in batches until the results channel closes.
func (e *Engine) record() {
	for first := range e.results {
		batch := []outcome{first}
		linger := time.NewTimer(recordLinger)
	collect:
		for len(batch) < maxBatch {
			select {
			case o, ok := <-e.results:
				if !ok {
					break collect
				}
				batch = append(batch, o)
			case <-linger.C:
				break collect
			}
		}
		linger.Stop()
		e.commit(batch)
	}
}

func (e *Engine) commit(batch []outcome) {
	ds := make([]chat.Delivery, 0, len(batch))
	as := make([]*chat.Attempt, 0, len(batch))
	for i := range batch {
		if !batch[i].abandoned {
			ds, as = append(ds, batch[i].delivery), append(as, batch[i].attempt)
		}
	}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := tx.RecordOutcomes(ds, as); err != nil {
			return err
		}
		for i := range batch {
			o := &batch[i]
			if o.abandoned {
				continue
			}
			if o.health != nil {
				if err := tx.SetHealth(o.delivery.AccountID, o.endpoint.key, *o.health); err != nil {
					return err
				}
			}
			if o.disabled {
				if err := e.noteDisabled(tx, o); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		// The rows stay as they were (pending, due): the poll sends them
		// again. At least once, never lost.
		e.Log.Error("recording webhook outcomes", "deliveries", len(batch), "error", err)
	}
	e.mu.Lock()
	e.seq++
	for _, o := range batch {
		delete(e.known, o.delivery.ID)
		if !e.leasing() && len(e.recent) < 1<<20 { // claims need no stale-row guard
			e.recent[o.delivery.ID] = e.seq
		}
	}
	e.mu.Unlock()
	if e.OnRecorded != nil && err == nil {
		ds := make([]chat.Delivery, 0, len(batch))
		for _, o := range batch {
			if !o.abandoned {
				ds = append(ds, o.delivery)
			}
		}
		e.OnRecorded(ds)
	}
}

// disabledNotice is the payload of the delivery log's webhook_disabled
// record.
type disabledNotice struct {
	Event        string `json:"event"`
	WebhookID    *int64 `json:"webhook_id"`
	InboxID      *int64 `json:"inbox_id"`
	URL          string `json:"url"`
	FailingSince string `json:"failing_since"`
	DisabledAt   string `json:"disabled_at"`
	LastError    string `json:"last_error"`
}

// noteDisabled records that an endpoint was disabled: an event and, in the
// endpoint's delivery log, a notice that is never sent.
func (e *Engine) noteDisabled(tx chat.Tx, o *outcome) error {
	st, h := o.endpoint, o.health
	n := disabledNotice{Event: chat.EventWebhookDisabled, URL: redactURL(st.url),
		FailingSince: h.FailingSince.UTC().Format(time.RFC3339), DisabledAt: h.DisabledAt.UTC().Format(time.RFC3339), LastError: o.delivery.LastError}
	if st.key.WebhookID != 0 {
		n.WebhookID = &st.key.WebhookID
	} else {
		n.InboxID = &st.key.InboxID
	}
	payload, _ := json.Marshal(n)
	ev := &chat.Event{Name: chat.EventWebhookDisabled, AccountID: st.accountID, InboxID: st.key.InboxID, Payload: payload, CreatedAt: h.DisabledAt}
	if err := tx.InsertEvent(ev); err != nil {
		return err
	}
	return tx.InsertDeliveries([]chat.Delivery{{
		UUID: chat.NewUUID(), EventID: ev.ID, EventName: ev.Name, AccountID: st.accountID, WebhookID: st.key.WebhookID,
		InboxID: st.key.InboxID, URL: st.url, Status: chat.DeliveryNotice, LastError: o.delivery.LastError,
		CreatedAt: h.DisabledAt, UpdatedAt: h.DisabledAt, CompletedAt: h.DisabledAt,
	}})
}

// headersJSON keeps a response's headers for the delivery log, as an object
// of each header's values joined with ", ".
func headersJSON(h http.Header) chat.JSON {
	if len(h) == 0 {
		return nil
	}
	m := make(map[string]string, len(h))
	for k, vs := range h {
		v := ""
		for i, x := range vs {
			if i > 0 {
				v += ", "
			}
			v += x
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}
