package chattest

import (
	"errors"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// testRolledBackReads checks that what a failed Update wrote and then read
// back is gone for later Updates too. A store that keeps rows in memory
// between transactions (SQLite's writer does, for accounts, inboxes, users,
// memberships and webhooks) must forget what it read inside a rollback.
func testRolledBackReads(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "rollback")
	hook := &chat.Webhook{AccountID: sc.Account.ID, URL: "https://example.com/hook", Subscriptions: []string{"message_created"},
		Secret: "s", CreatedAt: at(0), UpdatedAt: at(0)}
	update(t, s, func(tx chat.Tx) error { return tx.CreateWebhook(hook) })
	// Read everything once so a caching store has it cached.
	readAll := func(tx chat.Tx) (names [5]string, err error) {
		a, err := tx.FindAccount(sc.Account.ID)
		if err != nil {
			return names, err
		}
		in, err := tx.FindInbox(sc.Account.ID, sc.Inbox.ID)
		if err != nil {
			return names, err
		}
		u, err := tx.FindUser(sc.Agent.ID)
		if err != nil {
			return names, err
		}
		m, err := tx.FindAccountUser(sc.Account.ID, sc.Agent.ID)
		if err != nil {
			return names, err
		}
		ws, err := tx.ListWebhooks(sc.Account.ID)
		if err != nil || len(ws) != 1 {
			return names, errors.Join(err, errors.New("want one webhook"))
		}
		return [5]string{a.Name, in.Name, u.Name, m.Role, ws[0].URL}, nil
	}
	var before [5]string
	update(t, s, func(tx chat.Tx) (err error) { before, err = readAll(tx); return err })

	errRollback := errors.New("roll back")
	err := tryUpdate(t, s, func(tx chat.Tx) error {
		a, _ := tx.FindAccount(sc.Account.ID)
		a.Name = "changed account"
		in, _ := tx.FindInbox(sc.Account.ID, sc.Inbox.ID)
		in.Name = "changed inbox"
		u, _ := tx.FindUser(sc.Agent.ID)
		u.Name = "changed user"
		m, _ := tx.FindAccountUser(sc.Account.ID, sc.Agent.ID)
		m.Role = chat.RoleAdministrator
		w, _ := tx.FindWebhook(sc.Account.ID, hook.ID)
		w.URL = "https://example.com/changed"
		for _, err := range []error{tx.UpdateAccount(a), tx.UpdateInbox(in), tx.UpdateUser(u), tx.UpdateAccountUser(m), tx.UpdateWebhook(w)} {
			if err != nil {
				return err
			}
		}
		got, err := readAll(tx)
		if err != nil {
			return err
		}
		if got == before {
			return errors.New("the Update does not see its own writes")
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("Update: %v", err)
	}
	var after [5]string
	update(t, s, func(tx chat.Tx) (err error) { after, err = readAll(tx); return err })
	check(t, "rows after a rolled-back change (Update)", before, after)
	view(t, s, func(tx chat.Tx) (err error) { after, err = readAll(tx); return err })
	check(t, "rows after a rolled-back change (View)", before, after)

	// Values returned are copies: editing one changes nothing stored.
	update(t, s, func(tx chat.Tx) error {
		in, err := tx.FindInbox(sc.Account.ID, sc.Inbox.ID)
		if err != nil {
			return err
		}
		in.Name, in.API.WebhookURL = "edited in memory", "https://example.com/edited"
		return nil
	})
	in := get(t, s, func(tx chat.Tx) (*chat.Inbox, error) {
		var in *chat.Inbox
		return in, s.Update(t.Context(), func(tx chat.Tx) (err error) { in, err = tx.FindInbox(sc.Account.ID, sc.Inbox.ID); return err })
	})
	check(t, "inbox name after editing a returned copy", sc.Inbox.Name, in.Name)
	check(t, "webhook_url after editing a returned copy", sc.Inbox.API.WebhookURL, in.API.WebhookURL)
}

// testLateWriteFailure checks that a write which fails only when the
// database sees it (a pipelining store sends some writes with the next
// statement or the commit) fails the whole Update: nothing it wrote stays,
// and the store goes on working.
func testLateWriteFailure(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "late write")
	c := sc.conversation(t, s, nil)
	err := tryUpdate(t, s, func(tx chat.Tx) error {
		got, err := tx.FindConversation(c.AccountID, c.DisplayID)
		if err != nil {
			return err
		}
		if err := tx.CreateMessage(newMessage(got, chat.MessageIncoming, "lost")); err != nil {
			return err
		}
		got.AssigneeID = 1 << 40 // no such user: the foreign key fails
		return tx.UpdateConversation(got)
	})
	if err == nil {
		t.Fatal("Update with a broken foreign key succeeded")
	}
	msgs := get(t, s, func(tx chat.Tx) ([]chat.Message, error) {
		return tx.ListMessages(chat.MessageFilter{ConversationID: c.ID, Limit: 10})
	})
	check(t, "messages after the failed Update", 0, len(msgs))
	check(t, "conversation after the failed Update", c, get(t, s, func(tx chat.Tx) (*chat.Conversation, error) {
		return tx.FindConversation(c.AccountID, c.DisplayID)
	}))
	update(t, s, func(tx chat.Tx) error { return tx.CreateMessage(newMessage(c, chat.MessageIncoming, "kept")) })
	msgs = get(t, s, func(tx chat.Tx) ([]chat.Message, error) {
		return tx.ListMessages(chat.MessageFilter{ConversationID: c.ID, Limit: 10})
	})
	check(t, "messages after the next Update", 1, len(msgs))
}
