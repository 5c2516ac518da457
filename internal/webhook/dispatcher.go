package webhook

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Dispatcher sends deliveries after their transaction commits, with a pool
// of workers, and records each outcome. The delivery rows are the truth: a
// sweep picks up whatever is pending and due (deliveries the queue dropped,
// or left unfinished by a stop), so nothing committed is forgotten.
type Dispatcher struct {
	Store  chat.Store
	Sender *Sender
	Log    *slog.Logger
	// Workers is how many deliveries are sent at once. Defaults to 16.
	Workers int
	// Sweep is how often pending deliveries are looked for. Defaults to 5 s.
	Sweep time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time

	queue    chan int64
	mu       sync.Mutex
	inflight map[int64]bool
	once     sync.Once
}

func (d *Dispatcher) init() {
	d.once.Do(func() {
		if d.Workers <= 0 {
			d.Workers = 16
		}
		if d.Sweep <= 0 {
			d.Sweep = 5 * time.Second
		}
		if d.Now == nil {
			d.Now = time.Now
		}
		if d.Log == nil {
			d.Log = slog.Default()
		}
		d.queue = make(chan int64, 4096)
		d.inflight = map[int64]bool{}
	})
}

// Notify queues committed deliveries for sending. It never blocks: when the
// queue is full the sweep finds them instead.
func (d *Dispatcher) Notify(ids []int64) {
	d.init()
	for _, id := range ids {
		if !d.claim(id) {
			continue
		}
		select {
		case d.queue <- id:
		default:
			d.release(id)
		}
	}
}

// claim marks a delivery as being handled, so the sweep and a notification
// never send it twice at once.
func (d *Dispatcher) claim(id int64) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight[id] {
		return false
	}
	d.inflight[id] = true
	return true
}

func (d *Dispatcher) release(id int64) {
	d.mu.Lock()
	delete(d.inflight, id)
	d.mu.Unlock()
}

// Run sends deliveries until ctx ends, then waits for attempts in flight.
func (d *Dispatcher) Run(ctx context.Context) {
	d.init()
	var wg sync.WaitGroup
	for i := 0; i < d.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case id := <-d.queue:
					d.deliver(ctx, id)
					d.release(id)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	d.sweep(ctx)
	t := time.NewTicker(d.Sweep)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			d.sweep(ctx)
		case <-ctx.Done():
			wg.Wait()
			return
		}
	}
}

// sweep queues pending deliveries that are due.
func (d *Dispatcher) sweep(ctx context.Context) {
	var due []chat.Delivery
	err := d.Store.View(ctx, func(tx chat.Tx) (err error) {
		due, err = tx.PendingDeliveries(d.Now(), cap(d.queue))
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Error("looking for pending deliveries", "error", err)
		}
		return
	}
	ids := make([]int64, len(due))
	for i := range due {
		ids[i] = due[i].ID
	}
	d.Notify(ids)
}

var errTargetGone = errors.New("the webhook or inbox was deleted")

// deliver makes one attempt and records the outcome. Retries come with the
// delivery engine; for now a failed attempt marks the delivery failed.
func (d *Dispatcher) deliver(ctx context.Context, id int64) {
	var o *chat.Outbound
	err := d.Store.View(ctx, func(tx chat.Tx) (err error) {
		o, err = tx.LoadOutbound(id)
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			d.Log.Error("loading delivery", "delivery", id, "error", err)
		}
		return
	}
	if o.Delivery.Status != chat.DeliveryPending {
		return
	}
	var res Result
	if o.TargetGone {
		// Never post unsigned for a target that no longer exists.
		res = Result{Err: errTargetGone}
	} else {
		res = d.Sender.Send(ctx, o)
	}
	if ctx.Err() != nil && !res.OK() {
		// Stopping: leave the delivery pending for the next start.
		return
	}
	dl := o.Delivery
	dl.Attempts++
	dl.LastStatusCode = res.StatusCode
	dl.UpdatedAt = d.Now().UTC()
	dl.NextAttemptAt = time.Time{}
	if res.OK() {
		dl.Status, dl.LastError = chat.DeliveryDelivered, ""
	} else {
		dl.Status, dl.LastError = chat.DeliveryFailed, res.Err.Error()
		d.Log.Warn("webhook delivery failed", "delivery", dl.UUID, "event", o.Event, "url", redactURL(dl.URL), "error", res.Err)
	}
	err = d.Store.Update(context.WithoutCancel(ctx), func(tx chat.Tx) error { return tx.RecordOutcome(&dl) })
	if err != nil {
		d.Log.Error("recording delivery outcome", "delivery", dl.UUID, "error", err)
	}
}
