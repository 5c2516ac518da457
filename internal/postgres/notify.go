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
// sent while it reconnects are lost: listeners reload what they show when
// their stream starts again.
func (n *Notifier) Listen(ctx context.Context, deliver func([]byte)) {
	for ctx.Err() == nil {
		err := n.listen(ctx, deliver)
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

func (n *Notifier) listen(ctx context.Context, deliver func([]byte)) error {
	conn, err := pgx.Connect(ctx, n.URL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, `LISTEN `+pgx.Identifier{n.Channel}.Sanitize()); err != nil {
		return err
	}
	for {
		note, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		deliver([]byte(note.Payload))
	}
}
