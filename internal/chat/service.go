package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"time"
)

// Service is Parley's domain logic: every operation of the API, with
// Chatwoot's rules, on any Store. Each operation is one transaction that
// also records the events it causes.
type Service struct {
	Store Store
	// Now returns the current time. Defaults to time.Now; tests inject a clock.
	Now func() time.Time
	// Events, when set, builds payloads and routes deliveries for each event
	// inside the transaction that records it.
	Events EventSink
	// Live, when set, hears of each event in the transaction that records
	// it, after Events; the widget pushes updates to visitors from here.
	Live LiveSink
	// RecoverPage is how many deliveries Recover and Enable requeue per
	// transaction. Defaults to RecoverPageDefault.
	RecoverPage int
	// AuthTTL is how long a token's sign-in is remembered. Defaults to
	// DefaultAuthTTL; negative remembers nothing.
	AuthTTL time.Duration
	// AuthChanged, when set, is called after a change to users,
	// memberships or accounts commits, to tell other instances sharing the
	// database to call ForgetSignIns.
	AuthChanged func()

	auth authCache
}

// Actor is who calls an account-scoped operation: a user and their role in
// the account.
type Actor struct {
	User      *User
	AccountID int64
	Role      string
}

// IsAdmin reports whether the actor administers the account.
func (a *Actor) IsAdmin() bool { return a.Role == RoleAdministrator }

// RequireAdmin fails unless the actor administers the account.
func (a *Actor) RequireAdmin() error {
	if !a.IsAdmin() {
		return Unauthorized()
	}
	return nil
}

func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	// Microseconds are what both databases keep; truncating here makes the
	// value in memory equal the value read back.
	return now().UTC().Truncate(time.Microsecond)
}

// op is the state of one write operation: its transaction, the time it
// happens at and the events it has raised so far.
type op struct {
	tx     Tx
	now    time.Time
	events []*Event
	// authChanged marks a change to users, memberships or accounts, which
	// the sign-in cache must forget.
	authChanged bool
	// final holds conversations loaded after the operation's last change,
	// for the payloads of its events.
	final map[int64]*ConversationDetail
}

// loaded records a conversation detail read after the operation's last
// change to it, so its events' payloads need not read it again.
func (o *op) loaded(d *ConversationDetail) {
	if o.final == nil {
		o.final = map[int64]*ConversationDetail{}
	}
	o.final[d.Conversation.ID] = d
}

// update runs fn as one write operation and records its events in the same
// transaction.
func (s *Service) update(ctx context.Context, fn func(o *op) error) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		o := &op{tx: tx, now: s.now()}
		if err := fn(o); err != nil {
			return err
		}
		if o.authChanged {
			// Drop cached sign-ins once the change is visible to readers.
			tx.AfterCommit(func() {
				s.auth.invalidate()
				if s.AuthChanged != nil {
					s.AuthChanged()
				}
			})
		}
		return s.recordEvents(o)
	})
}

// view runs fn in a read transaction.
func (s *Service) view(ctx context.Context, fn func(tx Tx) error) error {
	return s.Store.View(ctx, fn)
}

// emit raises an event. Events of one operation with the same name and
// subject are merged, so that one committed change yields exactly one event
// per name (Chatwoot can fire two for one change: issues #7402, #11901).
func (o *op) emit(ev Event) {
	ev.CreatedAt = o.now
	for _, prev := range o.events {
		if prev.Name == ev.Name && prev.ConversationID == ev.ConversationID && prev.MessageID == ev.MessageID &&
			prev.ContactID == ev.ContactID && prev.InboxID == ev.InboxID {
			prev.Changes = MergeChanges(prev.Changes, ev.Changes)
			return
		}
	}
	o.events = append(o.events, &ev)
}

func (s *Service) recordEvents(o *op) error {
	for _, ev := range o.events {
		if ev.ConversationID != 0 {
			ev.Conversation = o.final[ev.ConversationID]
		}
		if s.Events != nil {
			if err := s.Events.Prepare(o.tx, ev); err != nil {
				return err
			}
		}
		if err := o.tx.InsertEvent(ev); err != nil {
			return err
		}
		if s.Events != nil {
			if err := s.Events.Recorded(o.tx, ev); err != nil {
				return err
			}
		}
		if s.Live != nil {
			if err := s.Live.Recorded(o.tx, ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// MergeChanges combines two change lists of one object: an attribute changed
// twice keeps its first previous value and its last current value.
func MergeChanges(a, b []Change) []Change {
	out := append([]Change(nil), a...)
	for _, c := range b {
		merged := false
		for i := range out {
			if out[i].Attr == c.Attr {
				out[i].Current = c.Current
				merged = true
			}
		}
		if !merged {
			out = append(out, c)
		}
	}
	return out
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// SecureToken returns a random base58 string of n characters, as Rails'
// has_secure_token makes (24 characters there).
func SecureToken(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(base58Alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		b[i] = base58Alphabet[v.Int64()]
	}
	return string(b)
}

// RandomHex returns n random bytes, hex encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// NewUUID returns a random (version 4) UUID in lowercase.
func NewUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Ping checks that the database answers.
func (s *Service) Ping(ctx context.Context) error {
	return s.view(ctx, func(tx Tx) error {
		_, err := tx.CountUsers()
		return err
	})
}

// ForgetSignIns drops every remembered sign-in, for a change to users,
// memberships or accounts made by another instance.
func (s *Service) ForgetSignIns() { s.auth.invalidate() }

// updateAuth is update for changes to users, memberships or accounts: it
// also empties the sign-in cache.
func (s *Service) updateAuth(ctx context.Context, fn func(o *op) error) error {
	return s.update(ctx, func(o *op) error {
		o.authChanged = true
		return fn(o)
	})
}

type writesTo struct{}

// WritesTo tells the store which conversation (account id and display id)
// a write is for, so that a writer that runs many writes in one
// transaction can read and lock their conversations together, ahead of
// them (PostgreSQL). A hint only: the write finds its conversation anyway.
func WritesTo(ctx context.Context, accountID, displayID int64) context.Context {
	return context.WithValue(ctx, writesTo{}, [2]int64{accountID, displayID})
}

// WritesToOf returns what WritesTo put in ctx.
func WritesToOf(ctx context.Context) (key [2]int64, ok bool) {
	key, ok = ctx.Value(writesTo{}).([2]int64)
	return key, ok
}
