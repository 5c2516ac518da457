package chattest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// An Update's fn, and perhaps its AfterCommit functions, may run on another
// goroutine than the caller's (a group-committing store runs fn on its
// writer), so the tests share state with them through atomics and channels
// and never call t.Fatal inside them.

func testUpdateError(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	ghost := newAccount("ghost")
	contact := newContact(sc.Account.ID, "ghost contact")
	renamed := *sc.Contact
	renamed.Name = "renamed"
	var afterCommit atomic.Int32
	var displayID int64
	err := tryUpdate(t, s, func(tx chat.Tx) (err error) {
		tx.AfterCommit(func() { afterCommit.Add(1) })
		if err := tx.CreateAccount(ghost); err != nil {
			return err
		}
		if err := tx.CreateContact(contact); err != nil {
			return err
		}
		if err := tx.UpdateContact(&renamed); err != nil {
			return err
		}
		if displayID, err = tx.NextDisplayID(sc.Account.ID); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update = %v, want the fn's error", err)
	}
	if displayID != 1 {
		t.Errorf("NextDisplayID in the failed Update = %d, want 1", displayID)
	}
	if n := afterCommit.Load(); n != 0 {
		t.Errorf("AfterCommit of a failed Update ran %d times", n)
	}
	wantNotFound(t, s, "FindAccount(created by a failed Update)", func(tx chat.Tx) error { _, err := tx.FindAccount(ghost.ID); return err })
	wantNotFound(t, s, "FindContactBy(created by a failed Update)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(sc.Account.ID, "identifier", contact.Identifier)
		return err
	})
	check(t, "contact updated by a failed Update", sc.Contact, findContact(t, s, sc.Account.ID, sc.Contact.ID))
	if c := sc.conversation(t, s, nil); c.DisplayID != 1 {
		t.Errorf("display id after a failed Update = %d, want 1", c.DisplayID)
	}

	// The fn's error comes back as it was, chat code and message included.
	invalid := chat.Invalid([]string{"name"}, "Name can't be blank")
	err = tryUpdate(t, s, func(tx chat.Tx) error { return invalid })
	if !errors.Is(err, invalid) {
		t.Errorf("Update = %v, want the fn's *chat.Error", err)
	}
	wantCode(t, "Update failing with ENOTFOUND", tryUpdate(t, s, func(tx chat.Tx) error { return chat.NotFound() }), chat.ENOTFOUND)
	// And a View's too.
	if err := tryView(t, s, func(tx chat.Tx) error { return errRollback }); !errors.Is(err, errRollback) {
		t.Errorf("View = %v, want the fn's error", err)
	}
}

func testUpdatePanic(t *testing.T, s chat.Store) {
	for _, value := range []any{"chattest: boom", errRollback} {
		ghost := newAccount("ghost")
		var afterCommit atomic.Int32
		err := within(t, "Update that panics", func() error {
			return s.Update(t.Context(), func(tx chat.Tx) error {
				tx.AfterCommit(func() { afterCommit.Add(1) })
				if err := tx.CreateAccount(ghost); err != nil {
					return err
				}
				panic(value)
			})
		})
		wantCode(t, fmt.Sprintf("Update panicking with %v", value), err, chat.EINTERNAL)
		if n := afterCommit.Load(); n != 0 {
			t.Errorf("AfterCommit of a panicking Update ran %d times", n)
		}
		if ghost.ID != 0 {
			wantNotFound(t, s, "FindAccount(created before a panic)", func(tx chat.Tx) error { _, err := tx.FindAccount(ghost.ID); return err })
		}
		// The store still works.
		a := createAccount(t, s, "after panic")
		check(t, "account created after a panic", a, get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(a.ID) }))
	}
}

func testUpdateCancelled(t *testing.T, s chat.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var ran atomic.Bool
	err := within(t, "Update with a cancelled context", func() error {
		return s.Update(ctx, func(tx chat.Tx) error {
			ran.Store(true)
			return tx.CreateUser(newUser("Never"))
		})
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a cancelled context = %v, want context.Canceled", err)
	}
	if ran.Load() {
		t.Error("Update with a cancelled context ran its fn")
	}
	if err := s.View(ctx, func(chat.Tx) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a cancelled context = %v, want context.Canceled", err)
	}
	if n := get(t, s, chat.Tx.CountUsers); n != 0 {
		t.Errorf("CountUsers = %d, want 0", n)
	}
}

// testTxUsableAfterNotFound checks the find-or-create pattern: a Find that
// misses does not spoil the transaction, and a Tx reads its own writes.
func testTxUsableAfterNotFound(t *testing.T, s chat.Store) {
	acc := createAccount(t, s, "acme")
	c := newContact(acc.ID, "Jane")
	var found *chat.Contact
	update(t, s, func(tx chat.Tx) (err error) {
		if _, err := tx.FindContactBy(acc.ID, "email", c.Email); chat.ErrorCode(err) != chat.ENOTFOUND {
			return fmt.Errorf("FindContactBy before create = %v, want ENOTFOUND", err)
		}
		if _, err := tx.FindAccount(acc.ID + 1000); chat.ErrorCode(err) != chat.ENOTFOUND {
			return fmt.Errorf("FindAccount(missing) = %v, want ENOTFOUND", err)
		}
		if err := tx.CreateContact(c); err != nil {
			return err
		}
		found, err = tx.FindContactBy(acc.ID, "email", c.Email)
		return err
	})
	check(t, "contact read back in its own Update", c, found)
	check(t, "contact created after a miss", c, findContact(t, s, acc.ID, c.ID))
}

func testAfterCommit(t *testing.T, s chat.Store) {
	a := newAccount("acme")
	var mu sync.Mutex
	var order []string
	var seen error
	record := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		order = append(order, name)
	}
	update(t, s, func(tx chat.Tx) error {
		tx.AfterCommit(func() {
			record("first")
			// After commit, the change is visible to others.
			err := s.View(context.Background(), func(tx chat.Tx) error { _, err := tx.FindAccount(a.ID); return err })
			mu.Lock()
			seen = err
			mu.Unlock()
		})
		tx.AfterCommit(func() { record("second") })
		return tx.CreateAccount(a)
	})
	// They ran before Update returned, once each, in order.
	mu.Lock()
	defer mu.Unlock()
	check(t, "AfterCommit runs", []string{"first", "second"}, order)
	if seen != nil {
		t.Errorf("View in AfterCommit: %v, want the committed account", seen)
	}
}

// testAfterCommitUsesStore checks that AfterCommit functions may write:
// a store must not run them where a new Update would wait for them.
func testAfterCommitUsesStore(t *testing.T, s chat.Store) {
	a, b := newAccount("a"), newAccount("b")
	var inner error
	err := within(t, "Update whose AfterCommit calls Update", func() error {
		return s.Update(t.Context(), func(tx chat.Tx) error {
			tx.AfterCommit(func() {
				inner = s.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateAccount(b) })
			})
			return tx.CreateAccount(a)
		})
	})
	if err != nil || inner != nil {
		t.Fatalf("Update = %v; Update in its AfterCommit = %v", err, inner)
	}
	check(t, "account of the outer Update", a, get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(a.ID) }))
	check(t, "account of the inner Update", b, get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(b.ID) }))
}

func testViewSeesCommitted(t *testing.T, s chat.Store) {
	a := newAccount("acme")
	written, release := make(chan struct{}), make(chan struct{})
	// Released on every way out, so that a failure does not leave the
	// Update (and the store's Close) waiting.
	releaseOnce := sync.OnceFunc(func() { close(release) })
	defer releaseOnce()
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx chat.Tx) error {
			err := tx.CreateAccount(a)
			close(written)
			<-release
			return err
		})
	}()
	<-written
	// Written but not committed: invisible to a View, which does not wait.
	id := a.ID
	err := within(t, "View during an Update", func() error {
		return s.View(t.Context(), func(tx chat.Tx) error { _, err := tx.FindAccount(id); return err })
	})
	releaseOnce()
	wantCode(t, "FindAccount(uncommitted) in a View", err, chat.ENOTFOUND)
	if err := <-done; err != nil {
		t.Fatalf("Update: %v", err)
	}
	check(t, "committed account in a View", a, get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(id) }))
}

func testViewDoesNotWrite(t *testing.T, s chat.Store) {
	u := newUser("Ann")
	// A store may refuse the write or discard it: either way it is gone.
	_ = tryView(t, s, func(tx chat.Tx) error { return tx.CreateUser(u) })
	if n := get(t, s, chat.Tx.CountUsers); n != 0 {
		t.Errorf("CountUsers after a write in a View = %d, want 0", n)
	}
	wantNotFound(t, s, "FindUserByToken(written in a View)", func(tx chat.Tx) error { _, err := tx.FindUserByToken(u.AccessToken); return err })
}
