package chattest

import (
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// testVisitorLookups: inboxes are found by website token and public
// identifier across accounts, and an unknown one is ENOTFOUND.
func testVisitorLookups(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "lookups")
	web := newWidgetInbox(sc.Account.ID, "lookups web")
	update(t, s, func(tx chat.Tx) error { return tx.CreateInbox(web) })

	got := get(t, s, func(tx chat.Tx) (*chat.Inbox, error) { return tx.FindInboxByWebsiteToken(web.WebWidget.WebsiteToken) })
	if got.ID != web.ID || got.WebWidget == nil || got.WebWidget.WebsiteToken != web.WebWidget.WebsiteToken {
		t.Errorf("by website token: %+v", got)
	}
	got = get(t, s, func(tx chat.Tx) (*chat.Inbox, error) { return tx.FindInboxByIdentifier(sc.Inbox.API.Identifier) })
	if got.ID != sc.Inbox.ID || got.API == nil {
		t.Errorf("by identifier: %+v", got)
	}
	view(t, s, func(tx chat.Tx) error {
		for name, err := range map[string]error{
			"unknown website token": second(tx.FindInboxByWebsiteToken("nope")),
			"unknown identifier":    second(tx.FindInboxByIdentifier("nope")),
			// An API inbox's identifier is not a website token.
			"identifier as website token": second(tx.FindInboxByWebsiteToken(sc.Inbox.API.Identifier)),
		} {
			if chat.ErrorCode(err) != chat.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", name, err)
			}
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

// testSecret: the first value stored wins; later callers read it.
func testSecret(t *testing.T, s chat.Store) {
	var first, again, other string
	secret := func(dst *string, name, fresh string) {
		update(t, s, func(tx chat.Tx) (err error) {
			*dst, err = tx.Secret(name, fresh, at(1))
			return err
		})
	}
	secret(&first, "k", "one")
	secret(&again, "k", "two")
	secret(&other, "other", "three")
	if first != "one" || again != "one" || other != "three" {
		t.Errorf("secrets %q %q %q, want one one three", first, again, other)
	}
}

// testMoveContactInbox: the contact inbox, its conversations and the
// contact's messages in them go to the other contact.
func testMoveContactInbox(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "move")
	c := sc.conversation(t, s, nil)
	m := newMessage(c, chat.MessageIncoming, "hi")
	m.SenderType, m.SenderID = chat.SenderContact, sc.Contact.ID
	messages(t, s, m)
	to := newContact(sc.Account.ID, "move target")
	update(t, s, func(tx chat.Tx) error { return tx.CreateContact(to) })
	update(t, s, func(tx chat.Tx) error { return tx.MoveContactInbox(sc.ContactInbox.ID, to.ID) })
	view(t, s, func(tx chat.Tx) error {
		ci, err := tx.FindContactInbox(sc.ContactInbox.ID)
		if err != nil || ci.ContactID != to.ID {
			t.Errorf("contact inbox %+v %v", ci, err)
		}
		conv, err := tx.FindConversationByID(c.ID)
		if err != nil || conv.ContactID != to.ID {
			t.Errorf("conversation %+v %v", conv, err)
		}
		got, err := tx.FindMessage(c.ID, m.ID)
		if err != nil || got.SenderID != to.ID {
			t.Errorf("message %+v %v", got, err)
		}
		return nil
	})
}
