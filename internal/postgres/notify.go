package postgres

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Notifier sends and receives PostgreSQL notifications on one channel, so
// that the instances sharing a database hear of each other's changes (the
// widget's live updates).
type Notifier struct {
	DB      *sql.DB
	URL     string
	Channel string
	Log     *slog.Logger
}

// Send notifies every listener on the channel, this instance's included.
// A payload is at most 8000 bytes.
func (n *Notifier) Send(payload []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := n.DB.ExecContext(ctx, `SELECT pg_notify($1, $2)`, n.Channel, string(payload))
	return err
}

// Listen calls deliver with each notification's payload until ctx ends,
// on a connection of its own, reconnecting after a failure. Notifications
// sent while it reconnects are lost: listening, when not nil, is called
// each time the connection listens again, for the caller to catch up on
// what it may have missed (and, the first time, to know it is listening).
func (n *Notifier) Listen(ctx context.Context, deliver func([]byte), listening func()) {
	for ctx.Err() == nil {
		err := n.listen(ctx, deliver, listening)
		if ctx.Err() != nil {
			return
		}
		n.Log.Warn("listening for notifications from other instances; reconnecting", "channel", n.Channel, "error", redactErr(err))
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (n *Notifier) listen(ctx context.Context, deliver func([]byte), listening func()) error {
	conn, err := pgx.Connect(ctx, n.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{n.Channel}.Sanitize()); err != nil {
		return err
	}
	if listening != nil {
		listening()
	}
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		deliver([]byte(note.Payload))
	}
}
