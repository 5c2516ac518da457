package chattest

import (
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// accountState is everything an account holds, as the lists read it.
type accountState struct {
	Account        *chat.Account
	Agents         []chat.Agent
	Inboxes        []chat.Inbox
	Contacts       []chat.Contact
	ContactInboxes []chat.ContactInbox
	Conversations  []chat.Conversation
	Messages       []chat.Message
	Events         []chat.Event
}

func readAccount(t *testing.T, s chat.Store, accountID int64) accountState {
	t.Helper()
	var st accountState
	view(t, s, func(tx chat.Tx) (err error) {
		if st.Account, err = tx.FindAccount(accountID); err != nil {
			return err
		}
		if st.Agents, err = tx.ListAgents(accountID); err != nil {
			return err
		}
		if st.Inboxes, err = tx.ListInboxes(accountID); err != nil {
			return err
		}
		if st.Contacts, _, err = tx.ListContacts(chat.ContactFilter{AccountID: accountID, Limit: 1000}); err != nil {
			return err
		}
		for _, c := range st.Contacts {
			cis, err := tx.ListContactInboxes(c.ID)
			if err != nil {
				return err
			}
			st.ContactInboxes = append(st.ContactInboxes, cis...)
		}
		if st.Conversations, err = tx.ListConversations(chat.ConversationFilter{AccountID: accountID, Status: "all", Limit: 1000}); err != nil {
			return err
		}
		for _, c := range st.Conversations {
			ms, err := tx.ListMessages(chat.MessageFilter{ConversationID: c.ID, Limit: 1000})
			if err != nil {
				return err
			}
			st.Messages = append(st.Messages, ms...)
		}
		st.Events, err = tx.ListEvents(accountID, 0, 1000)
		return err
	})
	return st
}

// populate adds to a scene a web widget inbox, a second contact in both
// inboxes, conversations with messages in each contact inbox and an event.
func populate(t *testing.T, s chat.Store, sc *scene) (widget *chat.Inbox, contact2 *chat.Contact) {
	t.Helper()
	widget = newWidgetInbox(sc.Account.ID, "website")
	contact2 = newContact(sc.Account.ID, "second contact")
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateInbox(widget); err != nil {
			return err
		}
		if err := tx.CreateContact(contact2); err != nil {
			return err
		}
		cis := []*chat.ContactInbox{sc.ContactInbox}
		for _, ci := range []*chat.ContactInbox{
			newContactInbox(sc.Contact.ID, widget.ID), newContactInbox(contact2.ID, sc.Inbox.ID), newContactInbox(contact2.ID, widget.ID),
		} {
			if err := tx.CreateContactInbox(ci); err != nil {
				return err
			}
			cis = append(cis, ci)
		}
		for _, ci := range cis {
			c := newConversation(sc.Account.ID, ci)
			if err := insertConversation(tx, c); err != nil {
				return err
			}
			for _, typ := range []string{chat.MessageIncoming, chat.MessageOutgoing} {
				if err := tx.CreateMessage(newMessage(c, typ, "text")); err != nil {
					return err
				}
			}
		}
		return tx.InsertEvent(&chat.Event{Name: chat.EventContactCreated, AccountID: sc.Account.ID, ContactID: contact2.ID,
			CreatedAt: at(1), Payload: []byte(`{"event":"contact_created"}`)})
	})
	return widget, contact2
}

// checkChannelGone checks that an inbox's channel is gone by taking its
// unique identifier (API) or website token (web widget) for a new inbox.
func checkChannelGone(t *testing.T, s chat.Store, accountID int64, old *chat.Inbox) {
	t.Helper()
	var in *chat.Inbox
	if old.API != nil {
		in = newAPIInbox(accountID, "reuses "+old.Name)
		in.API.Identifier = old.API.Identifier
	} else {
		in = newWidgetInbox(accountID, "reuses "+old.Name)
		in.WebWidget.WebsiteToken = old.WebWidget.WebsiteToken
	}
	if err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateInbox(in) }); err != nil {
		t.Errorf("creating an inbox with the channel token of deleted inbox %q: %v (the channel was not deleted)", old.Name, err)
	}
}

// checkChannelTaken checks that a channel's identifier or token is unique,
// which is what makes checkChannelGone meaningful.
func checkChannelTaken(t *testing.T, s chat.Store, accountID int64, old *chat.Inbox) {
	t.Helper()
	in := newAPIInbox(accountID, "copy")
	if old.API != nil {
		in.API.Identifier = old.API.Identifier
	} else {
		in = newWidgetInbox(accountID, "copy")
		in.WebWidget.WebsiteToken = old.WebWidget.WebsiteToken
	}
	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateInbox(in) })
	wantCode(t, "CreateInbox with the channel token of inbox "+old.Name, err, chat.ECONFLICT)
}

// without returns the rows of list that keep reports true for.
func without[T any](list []T, keep func(T) bool) []T {
	var out []T
	for _, v := range list {
		if keep(v) {
			out = append(out, v)
		}
	}
	return out
}

func testDeleteInbox(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "a")
	widget, _ := populate(t, s, sc)
	checkChannelTaken(t, s, sc.Account.ID, sc.Inbox)
	checkChannelTaken(t, s, sc.Account.ID, widget)
	b := newScene(t, s, "b")
	populate(t, s, b)
	before, beforeB := readAccount(t, s, sc.Account.ID), readAccount(t, s, b.Account.ID)

	update(t, s, func(tx chat.Tx) error { return tx.DeleteInbox(sc.Account.ID, sc.Inbox.ID) })
	want := before
	want.Inboxes = without(before.Inboxes, func(in chat.Inbox) bool { return in.ID != sc.Inbox.ID })
	want.ContactInboxes = without(before.ContactInboxes, func(ci chat.ContactInbox) bool { return ci.InboxID != sc.Inbox.ID })
	want.Conversations = without(before.Conversations, func(c chat.Conversation) bool { return c.InboxID != sc.Inbox.ID })
	want.Messages = without(before.Messages, func(m chat.Message) bool { return m.InboxID != sc.Inbox.ID })
	if len(want.Conversations) == len(before.Conversations) || len(want.Conversations) == 0 {
		t.Fatalf("fixture: %d of %d conversations in the deleted inbox", len(before.Conversations)-len(want.Conversations), len(before.Conversations))
	}
	check(t, "account after DeleteInbox", want, readAccount(t, s, sc.Account.ID))
	check(t, "other account after DeleteInbox", beforeB, readAccount(t, s, b.Account.ID))
	for _, c := range before.Conversations {
		if c.InboxID == sc.Inbox.ID {
			wantNotFound(t, s, "FindConversationByID(conversation of deleted inbox)", func(tx chat.Tx) error {
				_, err := tx.FindConversationByID(c.ID)
				return err
			})
		}
	}
	for _, m := range before.Messages {
		if m.InboxID == sc.Inbox.ID {
			wantNotFound(t, s, "FindMessage(message of deleted inbox)", func(tx chat.Tx) error {
				_, err := tx.FindMessage(m.ConversationID, m.ID)
				return err
			})
		}
	}
	wantNotFound(t, s, "FindContactInbox(of deleted inbox)", func(tx chat.Tx) error {
		_, err := tx.FindContactInbox(sc.ContactInbox.ID)
		return err
	})
	checkChannelGone(t, s, sc.Account.ID, sc.Inbox)

	update(t, s, func(tx chat.Tx) error { return tx.DeleteInbox(sc.Account.ID, widget.ID) })
	checkChannelGone(t, s, sc.Account.ID, widget)
}

func testDeleteContact(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "a")
	populate(t, s, sc)
	b := newScene(t, s, "b")
	populate(t, s, b)
	before, beforeB := readAccount(t, s, sc.Account.ID), readAccount(t, s, b.Account.ID)

	update(t, s, func(tx chat.Tx) error { return tx.DeleteContact(sc.Account.ID, sc.Contact.ID) })
	want := before
	gone := sc.Contact.ID
	want.Contacts = without(before.Contacts, func(c chat.Contact) bool { return c.ID != gone })
	want.ContactInboxes = without(before.ContactInboxes, func(ci chat.ContactInbox) bool { return ci.ContactID != gone })
	want.Conversations = without(before.Conversations, func(c chat.Conversation) bool { return c.ContactID != gone })
	goneConversations := map[int64]bool{}
	for _, c := range before.Conversations {
		goneConversations[c.ID] = c.ContactID == gone
	}
	want.Messages = without(before.Messages, func(m chat.Message) bool { return !goneConversations[m.ConversationID] })
	if len(want.Messages) == len(before.Messages) || len(want.Messages) == 0 {
		t.Fatalf("fixture: %d of %d messages from the deleted contact", len(before.Messages)-len(want.Messages), len(before.Messages))
	}
	check(t, "account after DeleteContact", want, readAccount(t, s, sc.Account.ID))
	check(t, "other account after DeleteContact", beforeB, readAccount(t, s, b.Account.ID))
	for _, ci := range before.ContactInboxes {
		if ci.ContactID == gone {
			wantNotFound(t, s, "FindContactInbox(of deleted contact)", func(tx chat.Tx) error {
				_, err := tx.FindContactInbox(ci.ID)
				return err
			})
		}
	}
	for _, m := range before.Messages {
		if goneConversations[m.ConversationID] {
			wantNotFound(t, s, "FindMessage(message of deleted contact)", func(tx chat.Tx) error {
				_, err := tx.FindMessage(m.ConversationID, m.ID)
				return err
			})
		}
	}
}

func testDeleteAccount(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	widget, _ := populate(t, s, a)
	populate(t, s, b)
	// A user in both accounts.
	shared := createUser(t, s, "Shared")
	mb := newMembership(b.Account.ID, shared.ID)
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateAccountUser(newMembership(a.Account.ID, shared.ID)); err != nil {
			return err
		}
		return tx.CreateAccountUser(mb)
	})
	before, beforeB := readAccount(t, s, a.Account.ID), readAccount(t, s, b.Account.ID)

	update(t, s, func(tx chat.Tx) error { return tx.DeleteAccount(a.Account.ID) })
	check(t, "other account after DeleteAccount", beforeB, readAccount(t, s, b.Account.ID))
	acc := a.Account.ID
	wantNotFound(t, s, "FindAccount(deleted)", func(tx chat.Tx) error { _, err := tx.FindAccount(acc); return err })
	for _, in := range before.Inboxes {
		wantNotFound(t, s, "FindInbox(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindInbox(acc, in.ID); return err })
	}
	for _, c := range before.Contacts {
		wantNotFound(t, s, "FindContact(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindContact(acc, c.ID); return err })
	}
	for _, ci := range before.ContactInboxes {
		wantNotFound(t, s, "FindContactInbox(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindContactInbox(ci.ID); return err })
	}
	for _, c := range before.Conversations {
		wantNotFound(t, s, "FindConversationByID(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindConversationByID(c.ID); return err })
	}
	for _, m := range before.Messages {
		wantNotFound(t, s, "FindMessage(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindMessage(m.ConversationID, m.ID); return err })
	}
	if len(before.Events) == 0 || len(before.Messages) == 0 || len(before.Agents) != 2 {
		t.Fatalf("fixture: %d events, %d messages, %d agents", len(before.Events), len(before.Messages), len(before.Agents))
	}
	var st accountState
	view(t, s, func(tx chat.Tx) (err error) {
		if st.Events, err = tx.ListEvents(acc, 0, 1000); err != nil {
			return err
		}
		if st.Agents, err = tx.ListAgents(acc); err != nil {
			return err
		}
		if st.Inboxes, err = tx.ListInboxes(acc); err != nil {
			return err
		}
		if st.Contacts, _, err = tx.ListContacts(chat.ContactFilter{AccountID: acc, Limit: 1000}); err != nil {
			return err
		}
		st.Conversations, err = tx.ListConversations(chat.ConversationFilter{AccountID: acc, Status: "all", Limit: 1000})
		return err
	})
	check(t, "lists of the deleted account", accountState{}, st)
	wantNotFound(t, s, "FindAccountUser(of deleted account)", func(tx chat.Tx) error { _, err := tx.FindAccountUser(acc, shared.ID); return err })
	check(t, "memberships of a user of the deleted account", []chat.AccountUser{*mb},
		get(t, s, func(tx chat.Tx) ([]chat.AccountUser, error) { return tx.ListMemberships(shared.ID) }))
	// Users are not the account's: they stay.
	check(t, "user of the deleted account", a.Agent, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(a.Agent.ID) }))
	err := tryUpdate(t, s, func(tx chat.Tx) error { _, err := tx.NextDisplayID(acc); return err })
	wantCode(t, "NextDisplayID(deleted account)", err, chat.ENOTFOUND)
	checkChannelGone(t, s, b.Account.ID, a.Inbox)
	checkChannelGone(t, s, b.Account.ID, widget)
}

func testDeleteUser(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "a")
	u, invited := createUser(t, s, "Leaving"), createUser(t, s, "Invited")
	m := newMembership(sc.Account.ID, invited.ID)
	m.InviterID = u.ID
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateAccountUser(newMembership(sc.Account.ID, u.ID)); err != nil {
			return err
		}
		return tx.CreateAccountUser(m)
	})
	conv := sc.conversation(t, s, func(c *chat.Conversation) { c.AssigneeID = u.ID })
	kept := sc.conversation(t, s, func(c *chat.Conversation) { c.AssigneeID = sc.Agent.ID })

	update(t, s, func(tx chat.Tx) error { return tx.DeleteUser(u.ID) })
	wantNotFound(t, s, "FindUser(deleted)", func(tx chat.Tx) error { _, err := tx.FindUser(u.ID); return err })
	wantNotFound(t, s, "FindAccountUser(of deleted user)", func(tx chat.Tx) error { _, err := tx.FindAccountUser(sc.Account.ID, u.ID); return err })
	agents := get(t, s, func(tx chat.Tx) ([]chat.Agent, error) { return tx.ListAgents(sc.Account.ID) })
	for _, a := range agents {
		if a.ID == u.ID {
			t.Errorf("ListAgents after DeleteUser lists the deleted user")
		}
	}
	if len(agents) != 2 {
		t.Errorf("ListAgents after DeleteUser returned %d agents, want 2", len(agents))
	}
	// The members the user invited stay, without an inviter.
	wantM := *m
	wantM.InviterID = 0
	check(t, "membership invited by the deleted user", &wantM,
		get(t, s, func(tx chat.Tx) (*chat.AccountUser, error) { return tx.FindAccountUser(sc.Account.ID, invited.ID) }))
	// The user's conversations stay, unassigned.
	want := *conv
	want.AssigneeID = 0
	check(t, "conversation of deleted assignee", &want, findConversation(t, s, conv.ID))
	check(t, "conversation of another assignee", kept, findConversation(t, s, kept.ID))
	unassigned := listConversations(t, s, chat.ConversationFilter{AccountID: sc.Account.ID, AssigneeType: "unassigned", Limit: 100})
	check(t, "unassigned conversations", displayIDs(conversationList(conv)), displayIDs(unassigned))
}

func testDeleteAccountUser(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	u := createUser(t, s, "Leaving")
	mb := newMembership(b.Account.ID, u.ID)
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateAccountUser(newMembership(a.Account.ID, u.ID)); err != nil {
			return err
		}
		return tx.CreateAccountUser(mb)
	})
	mine := a.conversation(t, s, func(c *chat.Conversation) { c.AssigneeID = u.ID })
	others := a.conversation(t, s, func(c *chat.Conversation) { c.AssigneeID = a.Agent.ID })
	elsewhere := b.conversation(t, s, func(c *chat.Conversation) { c.AssigneeID = u.ID })

	update(t, s, func(tx chat.Tx) error { return tx.DeleteAccountUser(a.Account.ID, u.ID) })
	wantNotFound(t, s, "FindAccountUser(deleted)", func(tx chat.Tx) error { _, err := tx.FindAccountUser(a.Account.ID, u.ID); return err })
	check(t, "membership in another account", mb,
		get(t, s, func(tx chat.Tx) (*chat.AccountUser, error) { return tx.FindAccountUser(b.Account.ID, u.ID) }))
	check(t, "user of a deleted membership", u, get(t, s, func(tx chat.Tx) (*chat.User, error) { return tx.FindUser(u.ID) }))
	// The user's conversations in that account are unassigned, and only those.
	want := *mine
	want.AssigneeID = 0
	check(t, "conversation of the removed member", &want, findConversation(t, s, mine.ID))
	check(t, "conversation of another member", others, findConversation(t, s, others.ID))
	check(t, "conversation of the member in another account", elsewhere, findConversation(t, s, elsewhere.ID))
}
