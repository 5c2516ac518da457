// Package chattest is the conformance suite of chat.Store: one body of tests
// that every store runs (SQLite now, PostgreSQL later), so that the domain
// can count on the same behaviour from each. A store's own test calls Run
// with a function that opens a new, empty store.
//
// The suite speaks only through chat.Store and chat.Tx. What it checks is
// the contract: every field of every row survives a write and a read
// (times at microsecond precision in UTC, zero values as NULL, JSON byte for
// byte), missing rows are ENOTFOUND, unique rules are ECONFLICT with
// Chatwoot's messages, deletes cascade, lists filter, sort and page, and
// Update is all-or-nothing even when a store commits many Updates together.
package chattest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/parleyhq/parley/internal/chat"
)

// Run runs the suite. open is called once per subtest and must return a
// new, empty store that is closed when t ends (t.Cleanup). Some subtests
// close the store themselves, so Close must tolerate a second call.
func Run(t *testing.T, open func(t *testing.T) chat.Store) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if s == nil {
				t.Fatal("open returned a nil store")
			}
			tc.fn(t, s)
		})
	}
}

// tests lists the suite's subtests, grouped by the file they live in.
var tests = []struct {
	name string
	fn   func(t *testing.T, s chat.Store)
}{
	// accounts.go
	{"Accounts", testAccounts},
	{"Users", testUsers},
	{"UserEmailUnique", testUserEmailUnique},
	{"AccountUsers", testAccountUsers},
	{"DisplayIDs", testDisplayIDs},
	// inboxes.go
	{"APIInbox", testAPIInbox},
	{"WebWidgetInbox", testWebWidgetInbox},
	{"InboxScope", testInboxScope},
	// contacts.go
	{"Contacts", testContacts},
	{"ContactUnique", testContactUnique},
	{"ContactInboxes", testContactInboxes},
	{"ListContactsQuery", testListContactsQuery},
	{"ListContactsSort", testListContactsSort},
	{"ListContactsPaging", testListContactsPaging},
	// conversations.go
	{"Conversations", testConversations},
	{"ConversationScope", testConversationScope},
	{"ListConversations", testListConversations},
	{"CountConversations", testCountConversations},
	// messages.go
	{"Messages", testMessages},
	{"ListMessages", testListMessages},
	{"LastChatMessage", testLastChatMessage},
	{"LastMessage", testLastMessage},
	{"CountIncomingSince", testCountIncomingSince},
	{"Events", testEvents},
	// webhooks.go
	{"Webhooks", testWebhooks},
	{"WebhookURLUnique", testWebhookURLUnique},
	{"Deliveries", testDeliveries},
	{"PendingDeliveries", testPendingDeliveries},
	{"RecordOutcome", testRecordOutcome},
	{"LoadOutbound", testLoadOutbound},
	// leases.go
	{"ClaimOutbound", testClaimOutbound},
	{"ExtendReleaseLeases", testExtendReleaseLeases},
	{"ConcurrentClaims", testConcurrentClaims},
	{"RecordOutcomes", testRecordOutcomes},
	{"OutcomeAfterRequeue", testOutcomeAfterRequeue},
	{"DeleteAccountWebhooks", testDeleteAccountWebhooks},
	// deliverylog.go
	{"FindDelivery", testFindDelivery},
	{"ListEndpointDeliveries", testListEndpointDeliveries},
	{"ListAttempts", testListAttempts},
	{"Requeue", testRequeue},
	{"RequeueFailedPages", testRequeueFailedPages},
	{"SetHealth", testSetHealth},
	// retention.go
	{"Prune", testPrune},
	{"PruneChunks", testPruneChunks},
	// cascades.go
	{"DeleteInbox", testDeleteInbox},
	{"DeleteContact", testDeleteContact},
	{"DeleteAccount", testDeleteAccount},
	{"DeleteUser", testDeleteUser},
	{"DeleteAccountUser", testDeleteAccountUser},
	// widget.go
	{"VisitorLookups", testVisitorLookups},
	{"Secret", testSecret},
	{"MoveContactInbox", testMoveContactInbox},
	// tx.go
	{"UpdateError", testUpdateError},
	{"UpdatePanic", testUpdatePanic},
	{"UpdateCancelled", testUpdateCancelled},
	{"TxUsableAfterNotFound", testTxUsableAfterNotFound},
	{"AfterCommit", testAfterCommit},
	{"AfterCommitUsesStore", testAfterCommitUsesStore},
	{"ViewSeesCommitted", testViewSeesCommitted},
	{"ViewDoesNotWrite", testViewDoesNotWrite},
	// rollback.go
	{"RolledBackReads", testRolledBackReads},
	{"LateWriteFailure", testLateWriteFailure},
	// concurrency.go
	{"ConcurrentUpdates", testConcurrentUpdates},
	{"ConcurrentConflicts", testConcurrentConflicts},
	{"UpdateAfterClose", testUpdateAfterClose},
	{"ViewIsASnapshot", testViewIsASnapshot},
}

// update runs fn in an Update and fails the test when it fails. fn must
// report problems by returning an error, never with t.Fatal: a store may run
// fn on another goroutine.
func update(t *testing.T, s chat.Store, fn func(tx chat.Tx) error) {
	t.Helper()
	if err := s.Update(t.Context(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View and fails the test when it fails.
func view(t *testing.T, s chat.Store, fn func(tx chat.Tx) error) {
	t.Helper()
	if err := s.View(t.Context(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// get returns what fn reads in a View, failing the test on an error.
func get[T any](t *testing.T, s chat.Store, fn func(tx chat.Tx) (T, error)) T {
	t.Helper()
	var v T
	view(t, s, func(tx chat.Tx) (err error) {
		v, err = fn(tx)
		return err
	})
	return v
}

// tryUpdate runs fn in an Update and returns its error.
func tryUpdate(t *testing.T, s chat.Store, fn func(tx chat.Tx) error) error {
	t.Helper()
	return s.Update(t.Context(), fn)
}

// tryView runs fn in a View and returns its error.
func tryView(t *testing.T, s chat.Store, fn func(tx chat.Tx) error) error {
	t.Helper()
	return s.View(t.Context(), fn)
}

// cmpOpts compare domain values field by field. Times must be the same
// instant and in UTC (time.Time's Equal alone would accept any zone); nil
// and empty slices are equal, since a list with nothing in it may come back
// either way.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }),
	cmpopts.EquateEmpty(),
}

// check reports a difference between want and got.
func check(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpOpts...); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// wantCode checks the chat error code of err.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := chat.ErrorCode(err); got != code {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}

// wantNotFound checks that fn, run in a View, fails with ENOTFOUND.
func wantNotFound(t *testing.T, s chat.Store, what string, fn func(tx chat.Tx) error) {
	t.Helper()
	wantCode(t, what, tryView(t, s, fn), chat.ENOTFOUND)
}

// wantDeleteNotFound checks that fn, run in an Update, fails with ENOTFOUND.
func wantDeleteNotFound(t *testing.T, s chat.Store, what string, fn func(tx chat.Tx) error) {
	t.Helper()
	wantCode(t, what, tryUpdate(t, s, fn), chat.ENOTFOUND)
}

// wantConflict checks that err is an ECONFLICT about attr with Chatwoot's
// full message.
func wantConflict(t *testing.T, what string, err error, attr, message string) {
	t.Helper()
	var e *chat.Error
	if !errors.As(err, &e) || e.Code != chat.ECONFLICT {
		t.Errorf("%s: got error %v (code %q), want code %q", what, err, chat.ErrorCode(err), chat.ECONFLICT)
		return
	}
	if e.Message != message {
		t.Errorf("%s: message %q, want %q", what, e.Message, message)
	}
	if !slices.Equal(e.Attributes, []string{attr}) {
		t.Errorf("%s: attributes %q, want [%q]", what, e.Attributes, attr)
	}
}

// hangLimit bounds operations that must return promptly; it only matters
// when they do not, turning a hang into a failure that names the culprit.
const hangLimit = 30 * time.Second

// within runs f on its own goroutine and fails the test if f has not
// returned within hangLimit.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	timer := time.NewTimer(hangLimit)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		t.Fatalf("%s did not return within %v", what, hangLimit)
		return nil
	}
}
