package webhook

import (
	"context"
	"log/slog"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// DefaultRetention is how long delivery logs and payloads are kept.
const DefaultRetention = 30 * 24 * time.Hour

// pruneChunk is the most rows of each kind one pruning transaction deletes,
// so that the database's writer is never held for long.
const pruneChunk = 5000

// Pruner deletes, in the background, what is older than the retention
// period: attempts, finished deliveries (delivered, failed, notices) and
// event payloads no delivery still refers to. A pending delivery and its
// payload are never deleted, however old.
type Pruner struct {
	Store chat.Store
	// Retention is how long things are kept. Defaults to DefaultRetention.
	Retention time.Duration
	// Interval is the time between two passes. Defaults to 1 hour.
	Interval time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
	Log *slog.Logger
	// Chunk is the most rows of each kind one transaction deletes.
	// Defaults to 5,000.
	Chunk int
}

func (p *Pruner) defaults() (retention, interval time.Duration, now func() time.Time, log *slog.Logger, chunk int) {
	retention, interval, now, log, chunk = p.Retention, p.Interval, p.Now, p.Log, p.Chunk
	if retention <= 0 {
		retention = DefaultRetention
	}
	if interval <= 0 {
		interval = time.Hour
	}
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	if chunk <= 0 {
		chunk = pruneChunk
	}
	return
}

// Run prunes at once, then every Interval, until ctx ends.
func (p *Pruner) Run(ctx context.Context) {
	_, interval, _, log, _ := p.defaults()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		start := time.Now()
		n, err := p.PruneOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Error("pruning old webhook deliveries", "deleted", n, "error", err)
		case n > 0:
			log.Info("pruned old webhook deliveries", "deleted", n, "duration", time.Since(start))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PruneOnce deletes everything older than the retention period, one chunk
// per transaction, until a chunk comes back short. It returns how many rows
// it deleted.
func (p *Pruner) PruneOnce(ctx context.Context) (int, error) {
	retention, _, now, _, chunk := p.defaults()
	cut := now().UTC().Add(-retention)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var n int
		err := p.Store.Update(ctx, func(tx chat.Tx) (err error) {
			n, err = tx.Prune(cut, chunk)
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		// Each kind deletes at most chunk rows; a pass under chunk in all
		// deleted every kind's last rows.
		if n < chunk {
			return total, nil
		}
	}
}
