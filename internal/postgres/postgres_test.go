package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/chat/chattest"
	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/sqlstore"
	"github.com/parleyhq/parley/internal/storetest"
)

// TestStore runs the store conformance suite on PostgreSQL, each test in a
// schema of its own.
func TestStore(t *testing.T) {
	storetest.PostgresURL(t) // skips, saying how to run, when unset
	chattest.Run(t, func(t *testing.T) chat.Store { return storetest.OpenOn(t, storetest.Postgres) })
}

func TestRebind(t *testing.T) {
	many := strings.TrimSuffix(strings.Repeat("?,", 12), ",")
	for _, c := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c IN (?, ?) LIMIT ?`, `SELECT a FROM t WHERE b = $1 AND c IN ($2, $3) LIMIT $4`},
		{`SELECT 1`, `SELECT 1`},
		{`?`, `$1`},
		{`VALUES (` + many + `)`, `VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`},
	} {
		// The second call is answered from the cache.
		for range 2 {
			if got := (postgres.Dialect{}).Rebind(c.in); got != c.want {
				t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
			}
		}
	}
}

func TestRedact(t *testing.T) {
	got := postgres.Redact("postgres://parley:s3cret@db.example:5433/chat?sslmode=disable")
	if got != "parley@db.example:5433/chat" {
		t.Errorf("Redact = %q: the password must not show", got)
	}
}

// TestPipelineLeavesCleanConnections checks what the pipelining transaction
// runner hands back to the pool after transactions that fail in each way it
// can: an error from the caller, a failing statement, a write failing at
// COMMIT, and a cancelled context. Every connection must come back idle
// (not inside a transaction), and the store must keep working.
func TestPipelineLeavesCleanConnections(t *testing.T) {
	// Named, so that the check below sees only this store's connections
	// (the package's other tests share the database).
	s, err := postgres.Open(t.Context(), storetest.PostgresURL(t)+"&application_name=parley_pipeline_test", postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := t.Context()
	conv := chattest.NewConversation(t, s, "pipe")
	var named int
	if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = 'parley_pipeline_test'`).Scan(&named); err != nil || named == 0 {
		t.Fatalf("the store's connections are not named (%d, %v): the checks below would see none", named, err)
	}
	acct := &chat.Account{ID: conv.AccountID}
	errMine := errors.New("mine")
	cctx, cancel := context.WithCancel(ctx)
	failures := map[string]func() error{
		"caller error": func() error {
			return s.Update(ctx, func(tx chat.Tx) error {
				if _, err := tx.FindAccount(acct.ID); err != nil {
					return err
				}
				return errMine
			})
		},
		"failing statement": func() error {
			return s.Update(ctx, func(tx chat.Tx) error {
				return tx.CreateWebhook(&chat.Webhook{AccountID: 1 << 40, URL: "https://example.com/", Secret: "s"})
			})
		},
		"failing at commit": func() error {
			return s.Update(ctx, func(tx chat.Tx) error {
				c := *conv
				c.AssigneeID = 1 << 40 // no such user
				return tx.UpdateConversation(&c)
			})
		},
		"cancelled": func() error {
			// A request that started runs to its end (its batch may hold
			// others); one cancelled before is never run.
			cancel()
			return s.Update(cctx, func(tx chat.Tx) error {
				_, err := tx.FindAccount(acct.ID)
				return err
			})
		},
	}
	for name, fail := range failures {
		if err := fail(); err == nil {
			t.Errorf("%s: Update succeeded", name)
		}
		if n := s.DB().Stats().InUse; n != 0 {
			t.Errorf("%s: %d connections still in use", name, n)
		}
		var open int
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'parley_pipeline_test' AND state LIKE 'idle in transaction%'`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open != 0 {
			t.Errorf("%s: %d connections left inside a transaction", name, open)
		}
		if err := s.View(ctx, func(tx chat.Tx) error { _, err := tx.FindAccount(acct.ID); return err }); err != nil {
			t.Errorf("%s: the store fails afterwards: %v", name, err)
		}
	}
}

// TestDeadlockIsRetried has two instances' writers lock two conversations
// in opposite orders. PostgreSQL breaks the deadlock by failing one of
// them; its writer runs that request again in its next batch, after its
// own rollback has let the other through, so both writes commit.
func TestDeadlockIsRetried(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	a, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	one, two := chattest.NewConversation(t, a, "one"), chattest.NewConversation(t, a, "two")
	var (
		runs         atomic.Int32
		aHas, bHas   = make(chan struct{}), make(chan struct{})
		aOnce, bOnce sync.Once
	)
	write := func(s chat.Store, first, second *chat.Conversation, once *sync.Once, has, other chan struct{}) error {
		return s.Update(ctx, func(tx chat.Tx) error {
			runs.Add(1)
			c, err := tx.FindConversation(first.AccountID, first.DisplayID)
			if err != nil {
				return err
			}
			// Only the first run waits for the other to hold its lock.
			once.Do(func() { close(has); <-other })
			if _, err := tx.FindConversation(second.AccountID, second.DisplayID); err != nil {
				return err
			}
			c.Priority = "high"
			return tx.UpdateConversation(c)
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- write(a, one, two, &aOnce, aHas, bHas) }()
	go func() { errs <- write(b, two, one, &bOnce, bHas, aHas) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("a write that met a deadlock failed: %v", err)
		}
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("the writes ran %d times, want 3 (one of them twice)", n)
	}
	for _, c := range []*chat.Conversation{one, two} {
		got, err := findConversation(ctx, a, c)
		if err != nil {
			t.Fatal(err)
		}
		if got.Priority != "high" {
			t.Errorf("conversation %d: priority %q after both writes, want high", c.DisplayID, got.Priority)
		}
	}
}

func findConversation(ctx context.Context, s chat.Store, c *chat.Conversation) (got *chat.Conversation, err error) {
	err = s.View(ctx, func(tx chat.Tx) error {
		got, err = tx.FindConversation(c.AccountID, c.DisplayID)
		return err
	})
	return got, err
}

// TestMessageIDsFollowTheConversationLock has two instances add messages
// to one conversation at once, each write numbering its message from a
// counter it keeps on the conversation (read and written under the
// conversation's lock). Ordered by id, the messages must come in counter
// order: the writer takes a message's id after the lock, not before, so
// ids follow the order in which the conversation's writers commit. It runs
// with the writes saying which conversation they are for (chat.WritesTo,
// so that each batch reads its conversations together ahead of its
// requests) and without.
func TestMessageIDsFollowTheConversationLock(t *testing.T) {
	for _, hinted := range []bool{false, true} {
		t.Run(fmt.Sprintf("hinted=%v", hinted), func(t *testing.T) { messageIDsFollowTheLock(t, hinted) })
	}
}

func messageIDsFollowTheLock(t *testing.T, hinted bool) {
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	var stores [2]*sqlstore.Store
	for i := range stores {
		s, err := postgres.Open(ctx, url, postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	conv := chattest.NewConversation(t, stores[0], "ids")
	if hinted {
		ctx = chat.WritesTo(ctx, conv.AccountID, conv.DisplayID)
	}
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				err := stores[i%2].Update(ctx, func(tx chat.Tx) error {
					c, err := tx.FindConversation(conv.AccountID, conv.DisplayID)
					if err != nil {
						return err
					}
					var n struct{ N int }
					json.Unmarshal(c.CustomAttributes, &n)
					n.N++
					c.CustomAttributes, _ = json.Marshal(n)
					if err := tx.UpdateConversation(c); err != nil {
						return err
					}
					now, content := time.Now(), strconv.Itoa(n.N)
					return tx.CreateMessage(&chat.Message{Content: &content, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID,
						MessageType: chat.MessageIncoming, CreatedAt: now, UpdatedAt: now, Status: "sent", ContentType: "text"})
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	rows, err := stores[0].DB().QueryContext(ctx, `SELECT content FROM messages WHERE conversation_id = $1 ORDER BY id`, conv.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := 1
	for rows.Next() {
		var content string
		if err := rows.Scan(&content); err != nil {
			t.Fatal(err)
		}
		if content != strconv.Itoa(want) {
			t.Fatalf("message %d in id order holds %s: ids do not follow the order of the writes", want, content)
		}
		want++
	}
	if want != writers*each+1 {
		t.Fatalf("%d messages, want %d", want-1, writers*each)
	}
}

// TestMessagesUpdateTheirConversationInPlace checks that the update every
// message makes to its conversation (last_activity_at, updated_at) is a HOT
// update: PostgreSQL writes the new row version on the same page and no
// index entry. An index on a column a message changes would make each of
// them write an entry in every index of the table and leave a dead row
// version for vacuum (13,000 for 50 conversations in a 10 s benchmark).
func TestMessagesUpdateTheirConversationInPlace(t *testing.T) {
	s, stat := storeWithStats(t)
	ctx := t.Context()
	conv := chattest.NewConversation(t, s, "hot")
	counts := func() (updates, hot int64) {
		t.Helper()
		stat("conversations", "n_tup_upd, n_tup_hot_upd", &updates, &hot)
		return updates, hot
	}
	before, beforeHot := counts()
	const messages = 20
	for i := range messages {
		if err := addMessage(ctx, s, conv, fmt.Sprintf("message %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var updates, hot int64
	eventually(func() bool { updates, hot = counts(); return updates-before >= messages })
	if updates-before < messages {
		t.Fatalf("PostgreSQL counted %d conversation updates for %d messages", updates-before, messages)
	}
	// A page full of versions that a concurrent snapshot still sees cannot
	// be pruned, so a few may miss; with an index on last_activity_at none
	// is HOT.
	if n := hot - beforeHot; n < (updates-before)/2 {
		t.Errorf("%d of %d conversation updates were HOT: an index covers a column every message changes", n, updates-before)
	}
}

// TestOutcomesLookDeliveriesUpByID: on a deliveries table PostgreSQL has
// no statistics for yet (a new database, the first minute of load), the
// join of an outcome batch to it is still planned as index lookups, not as
// a read of the whole table, which a connection would keep doing for every
// batch while the table grew.
func TestOutcomesLookDeliveriesUpByID(t *testing.T) {
	s, stat := storeWithStats(t)
	ctx := t.Context()
	// Index scans, not whole-table ones: the migrations' CREATE INDEX
	// statements count as the latter, and their counts may arrive late.
	lookups := func() (n int64) {
		t.Helper()
		stat("deliveries", "COALESCE(idx_scan, 0)", &n)
		return n
	}
	now := time.Now().UTC()
	const batches, perBatch = 8, 4
	var ds []chat.Delivery
	for i := range batches * perBatch {
		ds = append(ds, chat.Delivery{UUID: chat.NewUUID(), EventID: int64(i + 1), EventName: "message_created", AccountID: 1,
			URL: "http://127.0.0.1:9/hook", Status: chat.DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now})
	}
	if err := s.Update(ctx, func(tx chat.Tx) error { return tx.InsertDeliveries(ds) }); err != nil {
		t.Fatal(err)
	}
	before := lookups()
	for b := range batches {
		part := ds[b*perBatch : (b+1)*perBatch]
		as := make([]*chat.Attempt, len(part))
		for i := range part {
			part[i].Status, part[i].Attempts, part[i].CompletedAt, part[i].NextAttemptAt = chat.DeliveryDelivered, 1, now, time.Time{}
			as[i] = &chat.Attempt{DeliveryID: part[i].ID, AttemptedAt: now, Latency: time.Millisecond, StatusCode: 200}
		}
		if err := s.Update(ctx, func(tx chat.Tx) error { return tx.RecordOutcomes(part, as) }); err != nil {
			t.Fatal(err)
		}
	}
	const want = batches * perBatch // one lookup per outcome
	var n int64
	eventually(func() bool { n = lookups() - before; return n >= want })
	if n < want {
		t.Errorf("PostgreSQL looked %d deliveries up by id for %d outcomes: the others read the whole table", n, want)
	}
	err := s.View(ctx, func(tx chat.Tx) error {
		list, err := tx.ListDeliveries(1, 0, 100)
		if err != nil {
			return err
		}
		for _, d := range list {
			if d.Status != chat.DeliveryDelivered || d.Attempts != 1 {
				t.Errorf("delivery %d: status %s, %d attempts, want delivered after 1", d.ID, d.Status, d.Attempts)
			}
		}
		if len(list) != len(ds) {
			t.Errorf("%d deliveries listed, want %d", len(list), len(ds))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// storeWithStats opens a store in a schema of its own, with stat, which
// reads columns of PostgreSQL's cumulative statistics (pg_stat_user_tables)
// of one of its tables into dest.
func storeWithStats(t *testing.T) (*sqlstore.Store, func(table, cols string, dest ...any)) {
	t.Helper()
	ctx := t.Context()
	s, err := postgres.Open(ctx, storetest.PostgresURL(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var schema string
	if err := s.DB().QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return s, func(table, cols string, dest ...any) {
		t.Helper()
		if err := s.DB().QueryRowContext(ctx, `SELECT `+cols+` FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = $2`,
			schema, table).Scan(dest...); err != nil {
			t.Fatal(err)
		}
	}
}

// eventually calls done until it reports true or 20 s have passed: a
// backend reports its statistics within a second or so of going idle, or
// up to 10 s later when it reported just before.
func eventually(done func() bool) {
	for deadline := time.Now().Add(20 * time.Second); !done() && time.Now().Before(deadline); {
		time.Sleep(200 * time.Millisecond)
	}
}

// TestHeldConversationDoesNotHoldUpTheBatch: while another transaction (in
// practice another instance's writer, mid-batch) holds one conversation,
// writes to other conversations that share the writer still commit; the
// held conversation's write commits once it is let go.
func TestHeldConversationDoesNotHoldUpTheBatch(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := t.Context()
	s, err := postgres.Open(ctx, url, postgres.Options{Writers: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	held, free := chattest.NewConversation(t, s, "held"), chattest.NewConversation(t, s, "free")
	other, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Rollback()
	if _, err := other.ExecContext(ctx, `SELECT id FROM conversations WHERE id = $1 FOR UPDATE`, held.ID); err != nil {
		t.Fatal(err)
	}
	heldDone := make(chan error, 1)
	go func() { heldDone <- addMessage(ctx, s, held, "to the held one") }()
	const writes = 5
	freeDone := make(chan error, writes)
	for i := range writes {
		go func() { freeDone <- addMessage(ctx, s, free, fmt.Sprintf("to the free one, %d", i)) }()
	}
	for range writes {
		receive(t, freeDone, "writes to a free conversation waited for another transaction's lock on a different one")
	}
	select {
	case err := <-heldDone:
		t.Fatalf("the write to the held conversation finished (%v) while another transaction held it", err)
	default:
	}
	if err := other.Rollback(); err != nil {
		t.Fatal(err)
	}
	receive(t, heldDone, "the write to the held conversation did not finish once it was let go")
	// A conversation that does not exist is not mistaken for a held one:
	// the write gets its answer without being moved to a later batch.
	deferred := s.WriterStats().Deferred
	missing := &chat.Conversation{AccountID: free.AccountID, DisplayID: free.DisplayID + 1000}
	if err := addMessage(ctx, s, missing, "to nobody"); chat.ErrorCode(err) != chat.ENOTFOUND {
		t.Errorf("a write to a conversation that does not exist: %v, want not found", err)
	}
	if n := s.WriterStats().Deferred - deferred; n != 0 {
		t.Errorf("the write to a conversation that does not exist was moved to a later batch %d times", n)
	}
	err = s.View(ctx, func(tx chat.Tx) error {
		for c, want := range map[*chat.Conversation]int{held: 1, free: writes} {
			msgs, err := tx.ListMessages(chat.MessageFilter{ConversationID: c.ID, Limit: 100})
			if err != nil {
				return err
			}
			// NewConversation's own first message, if any, is not ours.
			n := 0
			for _, m := range msgs {
				if m.Content != nil && strings.HasPrefix(*m.Content, "to the ") {
					n++
				}
			}
			if n != want {
				t.Errorf("conversation %d has %d of our messages, want %d", c.DisplayID, n, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addMessage writes what a message create does: the conversation's
// activity and the message, saying which conversation it writes to.
func addMessage(ctx context.Context, s *sqlstore.Store, c *chat.Conversation, text string) error {
	return s.Update(chat.WritesTo(ctx, c.AccountID, c.DisplayID), func(tx chat.Tx) error {
		conv, err := tx.FindConversation(c.AccountID, c.DisplayID)
		if err != nil {
			return err
		}
		now := time.Now()
		conv.LastActivityAt, conv.UpdatedAt = now, now
		if err := tx.UpdateConversation(conv); err != nil {
			return err
		}
		return tx.CreateMessage(&chat.Message{Content: &text, AccountID: conv.AccountID, InboxID: conv.InboxID, ConversationID: conv.ID,
			MessageType: chat.MessageIncoming, CreatedAt: now, UpdatedAt: now, Status: "sent", ContentType: "text"})
	})
}

// receive fails the test unless done yields nil within 10 s, saying late
// when it yields nothing.
func receive(t *testing.T, done <-chan error, late string) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal(late)
	}
}
