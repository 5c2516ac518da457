package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// checkpointer copies the WAL back into the database file from its own
// connection, so that the writer goroutine never does (SQLite's automatic
// checkpoint runs inside a commit). PASSIVE checkpoints wait for no one:
// readers and the writer go on meanwhile.
type checkpointer struct {
	db     *sql.DB
	cancel context.CancelFunc
	done   chan struct{}
}

// checkpointEvery is how often the checkpointer runs.
const checkpointEvery = time.Second

func startCheckpointer(dsn string) (*checkpointer, error) {
	db, err := openDB(dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithCancel(context.Background())
	c := &checkpointer{db: db, cancel: cancel, done: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var busy, logFrames, done int
		err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
		if err != nil && ctx.Err() == nil {
			slog.Warn("SQLite checkpoint failed", "error", err)
		}
	}
}

// stop ends the checkpointer after a last full checkpoint, so a stopped
// server leaves a small WAL behind.
func (c *checkpointer) stop() {
	c.cancel()
	<-c.done
	c.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	c.db.Close()
}
