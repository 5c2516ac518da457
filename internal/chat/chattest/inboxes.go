package chattest

import (
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// falseInbox clears every boolean of in and its channel, so that a store
// which leaves a column to its default (often true) is caught.
func falseInbox(in *chat.Inbox) {
	in.EnableAutoAssignment = false
	in.GreetingEnabled = false
	in.WorkingHoursEnabled = false
	in.EnableEmailCollect = false
	in.CSATSurveyEnabled = false
	in.AllowMessagesAfterResolved = false
	in.LockToSingleConversation = false
	if in.API != nil {
		in.API.HMACMandatory = false
	}
	if w := in.WebWidget; w != nil {
		w.PreChatFormEnabled = false
		w.HMACMandatory = false
		w.ContinuityViaEmail = false
	}
}

func findInbox(t *testing.T, s chat.Store, accountID, id int64) *chat.Inbox {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Inbox, error) { return tx.FindInbox(accountID, id) })
}

// checkCreatedInbox checks the ids and type CreateInbox sets.
func checkCreatedInbox(t *testing.T, in *chat.Inbox, channelType string, channelID, channelAccountID int64) {
	t.Helper()
	if in.ID == 0 || in.ChannelID == 0 {
		t.Fatalf("CreateInbox set id %d and channel id %d, want both set", in.ID, in.ChannelID)
	}
	if in.ChannelType != channelType {
		t.Errorf("ChannelType = %q, want %q", in.ChannelType, channelType)
	}
	if channelID != in.ChannelID {
		t.Errorf("channel id %d, inbox's ChannelID %d", channelID, in.ChannelID)
	}
	if channelAccountID != in.AccountID {
		t.Errorf("channel's AccountID = %d, want the inbox's %d", channelAccountID, in.AccountID)
	}
}

func testAPIInbox(t *testing.T, s chat.Store) {
	acc := createAccount(t, s, "acme")
	in := newAPIInbox(acc.ID, "API")
	off := newAPIInbox(acc.ID, "API off")
	falseInbox(off)
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateInbox(in); err != nil {
			return err
		}
		return tx.CreateInbox(off)
	})
	checkCreatedInbox(t, in, chat.ChannelAPI, in.API.ID, in.API.AccountID)
	check(t, "API inbox", in, findInbox(t, s, acc.ID, in.ID))
	check(t, "API inbox with every boolean false", off, findInbox(t, s, acc.ID, off.ID))

	upd := *findInbox(t, s, acc.ID, in.ID)
	api := *upd.API
	upd.API = &api
	upd.Name = "API renamed"
	upd.GreetingMessage = "Hello again"
	upd.OutOfOfficeMessage = ""
	upd.Timezone = "UTC"
	upd.AutoAssignmentConfig = chat.JSON(`{}`)
	upd.SenderNameType = chat.SenderNameFriendly
	upd.BusinessName = ""
	upd.UpdatedAt = at(100)
	falseInbox(&upd)
	api.WebhookURL = "https://hooks.example/changed"
	api.HMACToken = "changed-hmac"
	api.AdditionalAttributes = chat.JSON(`{"a":[1,{"b":null}]}`)
	api.Secret = "changed-secret"
	api.UpdatedAt = at(101)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateInbox(&upd) })
	check(t, "updated API inbox", &upd, findInbox(t, s, acc.ID, in.ID))
	check(t, "other inbox after update", off, findInbox(t, s, acc.ID, off.ID))
	// By name, ignoring case.
	check(t, "ListInboxes", []chat.Inbox{*off, upd},
		get(t, s, func(tx chat.Tx) ([]chat.Inbox, error) { return tx.ListInboxes(acc.ID) }))
}

func testWebWidgetInbox(t *testing.T, s chat.Store) {
	acc := createAccount(t, s, "acme")
	in := newWidgetInbox(acc.ID, "Website")
	off := newWidgetInbox(acc.ID, "Website off")
	falseInbox(off)
	off.WebWidget.PreChatFormOptions = nil
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateInbox(in); err != nil {
			return err
		}
		return tx.CreateInbox(off)
	})
	checkCreatedInbox(t, in, chat.ChannelWebWidget, in.WebWidget.ID, in.WebWidget.AccountID)
	check(t, "web widget inbox", in, findInbox(t, s, acc.ID, in.ID))
	wantOff := *off
	w := *off.WebWidget
	w.PreChatFormOptions = chat.EmptyObject
	wantOff.WebWidget = &w
	check(t, "web widget inbox with every boolean false", &wantOff, findInbox(t, s, acc.ID, off.ID))

	upd := *findInbox(t, s, acc.ID, in.ID)
	ww := *upd.WebWidget
	upd.WebWidget = &ww
	upd.Name = "Website renamed"
	upd.UpdatedAt = at(100)
	falseInbox(&upd)
	ww.WebsiteURL = "https://new.example"
	ww.WidgetColor = "#00ff00"
	ww.WelcomeTitle = ""
	ww.WelcomeTagline = "Later"
	ww.FeatureFlags = 0
	ww.ReplyTime = "in_a_few_hours"
	ww.HMACToken = "changed-hmac"
	ww.PreChatFormOptions = chat.JSON(`{"pre_chat_fields":[]}`)
	ww.AllowedDomains = ""
	ww.UpdatedAt = at(101)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateInbox(&upd) })
	check(t, "updated web widget inbox", &upd, findInbox(t, s, acc.ID, in.ID))
	check(t, "ListInboxes", []chat.Inbox{wantOff, upd},
		get(t, s, func(tx chat.Tx) ([]chat.Inbox, error) { return tx.ListInboxes(acc.ID) }))
}

func testInboxScope(t *testing.T, s chat.Store) {
	a, b := createAccount(t, s, "a"), createAccount(t, s, "b")
	// By name ignoring case, then id: alpha, Zulu, zulu.
	a1, b1, a2, a3 := newAPIInbox(a.ID, "Zulu"), newWidgetInbox(b.ID, "b1"), newWidgetInbox(a.ID, "alpha"), newAPIInbox(a.ID, "zulu")
	update(t, s, func(tx chat.Tx) error {
		for _, in := range []*chat.Inbox{a1, b1, a2, a3} {
			if err := tx.CreateInbox(in); err != nil {
				return err
			}
		}
		return nil
	})
	check(t, "ListInboxes(a)", []chat.Inbox{*a2, *a1, *a3}, get(t, s, func(tx chat.Tx) ([]chat.Inbox, error) { return tx.ListInboxes(a.ID) }))
	check(t, "ListInboxes(b)", []chat.Inbox{*b1}, get(t, s, func(tx chat.Tx) ([]chat.Inbox, error) { return tx.ListInboxes(b.ID) }))

	wantNotFound(t, s, "FindInbox(other account)", func(tx chat.Tx) error { _, err := tx.FindInbox(b.ID, a1.ID); return err })
	wantNotFound(t, s, "FindInbox(missing)", func(tx chat.Tx) error { _, err := tx.FindInbox(a.ID, a3.ID+1000); return err })
	wantDeleteNotFound(t, s, "DeleteInbox(other account)", func(tx chat.Tx) error { return tx.DeleteInbox(b.ID, a1.ID) })
	wantDeleteNotFound(t, s, "DeleteInbox(missing)", func(tx chat.Tx) error { return tx.DeleteInbox(a.ID, a3.ID+1000) })
	check(t, "inbox after a delete from another account", a1, findInbox(t, s, a.ID, a1.ID))

	update(t, s, func(tx chat.Tx) error { return tx.DeleteInbox(a.ID, a1.ID) })
	wantNotFound(t, s, "FindInbox(deleted)", func(tx chat.Tx) error { _, err := tx.FindInbox(a.ID, a1.ID); return err })
	wantDeleteNotFound(t, s, "DeleteInbox(deleted)", func(tx chat.Tx) error { return tx.DeleteInbox(a.ID, a1.ID) })
	check(t, "ListInboxes(a) after delete", []chat.Inbox{*a2, *a3}, get(t, s, func(tx chat.Tx) ([]chat.Inbox, error) { return tx.ListInboxes(a.ID) }))

	// An inbox needs a channel.
	bare := newAPIInbox(a.ID, "no channel")
	bare.API = nil
	if err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateInbox(bare) }); err == nil {
		t.Error("CreateInbox without a channel succeeded")
	}
}
