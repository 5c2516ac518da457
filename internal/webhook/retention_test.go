package webhook_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/storetest"
	"github.com/parleyhq/parley/internal/webhook"
)

// retentionStore is a SQLite store holding n finished deliveries (each with
// an event and two attempts) from 40 days before now, and one pending
// delivery as old. It returns the store and the pending delivery.
func retentionStore(t *testing.T, now time.Time, n int) (chat.Store, chat.Delivery) {
	t.Helper()
	s := storetest.Open(t)
	var err error
	old := now.Add(-40 * 24 * time.Hour)
	var pending chat.Delivery
	err = s.Update(t.Context(), func(tx chat.Tx) error {
		for i := 0; i <= n; i++ {
			at := old.Add(time.Duration(i) * time.Second)
			ev := &chat.Event{Name: chat.EventContactCreated, AccountID: 1, CreatedAt: at, Payload: []byte(`{"event":"contact_created"}`)}
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
			d := chat.Delivery{UUID: chat.NewUUID(), EventID: ev.ID, EventName: ev.Name, AccountID: 1, WebhookID: 1,
				URL: "https://hooks.example/x", Status: chat.DeliveryDelivered, Attempts: 2, CreatedAt: at, UpdatedAt: at, CompletedAt: at}
			if i == n { // the last one is still pending, however old
				d.Status, d.NextAttemptAt, d.CompletedAt = chat.DeliveryPending, now.Add(time.Hour), time.Time{}
			}
			ds := []chat.Delivery{d}
			if err := tx.InsertDeliveries(ds); err != nil {
				return err
			}
			for range 2 {
				if err := tx.InsertAttempt(&chat.Attempt{DeliveryID: ds[0].ID, AttemptedAt: at, StatusCode: 500}); err != nil {
					return err
				}
			}
			pending = ds[0]
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return s, pending
}

func TestPruneOnceInChunks(t *testing.T) {
	now := time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	s, pending := retentionStore(t, now, 10)
	p := &webhook.Pruner{Store: s, Now: func() time.Time { return now }, Chunk: 3}
	n, err := p.PruneOnce(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// 10 deliveries, their 10 events and 20 attempts, and the pending
	// delivery's 2 old attempts.
	if n != 42 {
		t.Errorf("PruneOnce deleted %d rows, want 42", n)
	}
	err = s.View(t.Context(), func(tx chat.Tx) error {
		ds, err := tx.ListDeliveries(1, 0, 100)
		if err != nil {
			return err
		}
		if len(ds) != 1 || ds[0].ID != pending.ID {
			t.Errorf("left %d deliveries, want the pending one", len(ds))
		}
		o, err := tx.LoadOutbound(pending.ID)
		if err != nil || len(o.Payload) == 0 {
			t.Errorf("the pending delivery lost its payload: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.PruneOnce(t.Context()); n != 0 || err != nil {
		t.Errorf("PruneOnce again = %d, %v", n, err)
	}

	// Within the retention period nothing goes.
	s2, _ := retentionStore(t, now, 3)
	p2 := &webhook.Pruner{Store: s2, Now: func() time.Time { return now }, Retention: 60 * 24 * time.Hour}
	if n, err := p2.PruneOnce(t.Context()); n != 0 || err != nil {
		t.Errorf("PruneOnce with 60 days of retention = %d, %v", n, err)
	}
}

func TestPrunerRunsUntilStopped(t *testing.T) {
	now := time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	s, _ := retentionStore(t, now, 5)
	p := &webhook.Pruner{Store: s, Now: func() time.Time { return now }, Interval: time.Hour,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []chat.Delivery
		s.View(context.Background(), func(tx chat.Tx) (err error) {
			left, err = tx.ListDeliveries(1, 0, 100)
			return err
		})
		if len(left) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run has not pruned: %d deliveries left", len(left))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}
