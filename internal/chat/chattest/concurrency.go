package chattest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// testConcurrentUpdates runs many Updates at once, some failing in each way
// an Update can fail. A group-committing store commits them in a few
// transactions; each must still get its own outcome.
func testConcurrentUpdates(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	const n = 60
	const (
		succeed = iota
		succeed2
		succeed3
		fail
		panics
		conflict
		kinds
	)
	type outcome struct {
		err           error
		contact       *chat.Contact
		conv          *chat.Conversation
		afterCommitAt int32 // AfterCommit runs when Update returned
	}
	var afterCommit [n]atomic.Int32
	var results [n]outcome

	// Hold the store's writer, if it has one, so that the Updates queue up
	// behind it and are committed together.
	inside, release := make(chan struct{}), make(chan struct{})
	holder := make(chan error, 1)
	go func() {
		holder <- s.Update(context.Background(), func(chat.Tx) error {
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	var started, finished sync.WaitGroup
	started.Add(n)
	finished.Add(n)
	for i := range n {
		go func() {
			defer finished.Done()
			c := newContact(sc.Account.ID, fmt.Sprintf("contact %d", i))
			if i%kinds == conflict {
				c.Email = sc.Contact.Email
			}
			conv := newConversation(sc.Account.ID, sc.ContactInbox)
			started.Done()
			err := s.Update(context.Background(), func(tx chat.Tx) error {
				if err := insertConversation(tx, conv); err != nil {
					return err
				}
				if err := tx.CreateContact(c); err != nil {
					return err
				}
				tx.AfterCommit(func() { afterCommit[i].Add(1) })
				switch i % kinds {
				case fail:
					return errRollback
				case panics:
					panic("chattest: boom")
				}
				return nil
			})
			results[i] = outcome{err: err, contact: c, conv: conv, afterCommitAt: afterCommit[i].Load()}
		}()
	}
	started.Wait()
	close(release)
	finished.Wait()
	if err := <-holder; err != nil {
		t.Fatalf("holding Update: %v", err)
	}

	var committed []*chat.Conversation
	for i, r := range results {
		what := fmt.Sprintf("Update %d", i)
		switch i % kinds {
		case succeed, succeed2, succeed3:
			if r.err != nil {
				t.Errorf("%s: %v", what, r.err)
				continue
			}
			if r.afterCommitAt != 1 {
				t.Errorf("%s: AfterCommit had run %d times when Update returned, want 1", what, r.afterCommitAt)
			}
			committed = append(committed, r.conv)
			check(t, what+": contact", r.contact, findContact(t, s, sc.Account.ID, r.contact.ID))
			check(t, what+": conversation", r.conv, findConversation(t, s, r.conv.ID))
			continue
		case fail:
			if !errors.Is(r.err, errRollback) {
				t.Errorf("%s = %v, want the fn's error", what, r.err)
			}
		case panics:
			wantCode(t, what+" (panics)", r.err, chat.EINTERNAL)
		case conflict:
			wantConflict(t, what+" (taken email)", r.err, "email", "Email has already been taken")
		}
		if n := afterCommit[i].Load(); n != 0 {
			t.Errorf("%s failed, yet its AfterCommit ran %d times", what, n)
		}
		if i%kinds != conflict {
			wantNotFound(t, s, what+": contact of a failed Update", func(tx chat.Tx) error {
				_, err := tx.FindContactBy(sc.Account.ID, "identifier", r.contact.Identifier)
				return err
			})
		}
	}

	// Exactly the successful conversations persist, numbered without gaps
	// although every failed Update took a number too.
	var wantUUIDs, gotUUIDs []string
	var gotDisplayIDs, wantDisplayIDs []int64
	for i, c := range committed {
		wantUUIDs = append(wantUUIDs, c.UUID)
		wantDisplayIDs = append(wantDisplayIDs, int64(i+1))
	}
	for _, c := range listConversations(t, s, chat.ConversationFilter{AccountID: sc.Account.ID, Status: "all", Limit: 1000}) {
		gotUUIDs = append(gotUUIDs, c.UUID)
		gotDisplayIDs = append(gotDisplayIDs, c.DisplayID)
	}
	slices.Sort(wantUUIDs)
	slices.Sort(gotUUIDs)
	slices.Sort(gotDisplayIDs)
	check(t, "conversations that persist", wantUUIDs, gotUUIDs)
	check(t, "display ids", wantDisplayIDs, gotDisplayIDs)
	_, total := listContacts(t, s, chat.ContactFilter{AccountID: sc.Account.ID, Limit: 1})
	if want := len(committed) + 1; total != want {
		t.Errorf("%d contacts persist, want %d", total, want)
	}
}

// testConcurrentConflicts races Updates that take the same email: exactly
// one wins, the others get the unique rule's error.
func testConcurrentConflicts(t *testing.T, s chat.Store) {
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := newUser("Racer")
			u.Email = "racer@example.com"
			if i%2 == 1 {
				u.Email = "Racer@Example.COM"
			}
			<-start
			errs[i] = s.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateUser(u) })
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for i, err := range errs {
		if err == nil {
			won++
			continue
		}
		wantConflict(t, fmt.Sprintf("Update %d", i), err, "email", "Email has already been taken")
	}
	if won != 1 {
		t.Errorf("%d Updates created the user, want 1", won)
	}
	if n := get(t, s, chat.Tx.CountUsers); n != 1 {
		t.Errorf("CountUsers = %d, want 1", n)
	}
}

func testUpdateAfterClose(t *testing.T, s chat.Store) {
	createAccount(t, s, "acme")
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Several times: a store that races its own shutdown fails only sometimes.
	for range 20 {
		var ran atomic.Bool
		err := within(t, "Update after Close", func() error {
			return s.Update(context.Background(), func(chat.Tx) error {
				ran.Store(true)
				return nil
			})
		})
		if err == nil {
			t.Fatal("Update after Close succeeded")
		}
		if ran.Load() {
			t.Fatal("Update after Close ran its fn")
		}
	}
	err := within(t, "View after Close", func() error {
		return s.View(context.Background(), func(chat.Tx) error { return nil })
	})
	if err == nil {
		t.Error("View after Close succeeded")
	}
}

// testViewIsASnapshot: a View reads one state of the database from its
// first statement to its last, whatever commits meanwhile (a delivery's
// row and its attempts, a conversation and its messages, must agree).
func testViewIsASnapshot(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "snapshot")
	name := sc.Account.Name
	err := s.View(context.Background(), func(tx chat.Tx) error {
		a, err := tx.FindAccount(sc.Account.ID)
		if err != nil {
			return err
		}
		check(t, "account name read first", name, a.Name)
		renamed := *a
		renamed.Name = name + " renamed"
		update(t, s, func(tx chat.Tx) error { return tx.UpdateAccount(&renamed) })
		if a, err = tx.FindAccount(sc.Account.ID); err != nil {
			return err
		}
		check(t, "account name read again in the same View, after a commit", name, a.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := get(t, s, func(tx chat.Tx) (*chat.Account, error) { return tx.FindAccount(sc.Account.ID) })
	check(t, "account name in a later View", name+" renamed", got.Name)
}
