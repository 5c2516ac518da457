package chattest

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

func findMessage(t *testing.T, s chat.Store, conversationID, id int64) *chat.Message {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Message, error) { return tx.FindMessage(conversationID, id) })
}

func testMessages(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	conv, other := sc.conversation(t, s, nil), sc.conversation(t, s, nil)

	full := newMessage(conv, chat.MessageIncoming, "Hello")
	// No content is NULL, which is not the empty string.
	none := newMessage(conv, chat.MessageActivity, "")
	none.Content, none.ProcessedMessageContent = nil, nil
	none.SourceID, none.SenderType, none.SenderID = "", "", 0
	none.ContentAttributes, none.ExternalSourceIDs, none.AdditionalAttributes, none.Sentiment = nil, nil, nil, nil
	empty := newMessage(conv, chat.MessageOutgoing, "")
	empty.Private = true
	empty.SenderType, empty.SenderID = chat.SenderUser, sc.Agent.ID
	messages(t, s, full, none, empty)
	if full.ID == 0 || none.ID <= full.ID || empty.ID <= none.ID {
		t.Fatalf("CreateMessage set ids %d, %d, %d; want increasing ids", full.ID, none.ID, empty.ID)
	}
	check(t, "message", full, findMessage(t, s, conv.ID, full.ID))
	wantNone := *none
	wantNone.ContentAttributes, wantNone.ExternalSourceIDs = chat.EmptyObject, chat.EmptyObject
	wantNone.AdditionalAttributes, wantNone.Sentiment = chat.EmptyObject, chat.EmptyObject
	check(t, "message without content", &wantNone, findMessage(t, s, conv.ID, none.ID))
	check(t, "message with empty content", empty, findMessage(t, s, conv.ID, empty.ID))

	upd := *full
	upd.Content = ptr("Hello (edited)")
	upd.UpdatedAt = at(100)
	upd.Private = true
	upd.Status = chat.MessageFailed
	upd.SourceID = ""
	upd.ContentType = "text"
	upd.ContentAttributes = chat.JSON(`{"deleted":true,"external_error":"timeout"}`)
	upd.ExternalSourceIDs = chat.EmptyObject
	upd.AdditionalAttributes = chat.JSON(`{"campaign_id":6,"template_params":{"name":"x"}}`)
	upd.ProcessedMessageContent = nil
	upd.Sentiment = chat.JSON(`{"label":"negative","score":-0.5}`)
	// Content to NULL and back, the other way round.
	updNone := wantNone
	updNone.Content, updNone.ProcessedMessageContent = ptr(""), ptr("")
	updNone.SourceID = "src-2"
	updNone.UpdatedAt = at(101)
	updEmpty := *empty
	updEmpty.Content = nil
	updEmpty.Private = false
	updEmpty.Status = chat.MessageRead
	updEmpty.UpdatedAt = at(102)
	update(t, s, func(tx chat.Tx) error {
		for _, m := range []*chat.Message{&upd, &updNone, &updEmpty} {
			if err := tx.UpdateMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
	check(t, "updated message", &upd, findMessage(t, s, conv.ID, full.ID))
	check(t, "updated message without content", &updNone, findMessage(t, s, conv.ID, none.ID))
	check(t, "updated message with empty content", &updEmpty, findMessage(t, s, conv.ID, empty.ID))

	wantNotFound(t, s, "FindMessage(other conversation)", func(tx chat.Tx) error { _, err := tx.FindMessage(other.ID, full.ID); return err })
	wantNotFound(t, s, "FindMessage(missing)", func(tx chat.Tx) error { _, err := tx.FindMessage(conv.ID, empty.ID+1000); return err })
}

// messageIDs shortens message lists, for readable failures.
func messageIDs(ms []chat.Message) []int64 {
	out := make([]int64, len(ms))
	for i, m := range ms {
		out[i] = m.ID
	}
	return out
}

func testListMessages(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	conv, other := sc.conversation(t, s, nil), sc.conversation(t, s, nil)
	// Seven messages, with another conversation's messages between them.
	var m []*chat.Message
	var all []*chat.Message
	for i := range 7 {
		msg := newMessage(conv, chat.MessageIncoming, fmt.Sprintf("message %d", i+1))
		m = append(m, msg)
		all = append(all, msg, newMessage(other, chat.MessageOutgoing, "elsewhere"))
	}
	messages(t, s, all...)
	id := func(i int) int64 { return m[i-1].ID }
	ids := func(is ...int) []int64 {
		out := make([]int64, len(is))
		for k, i := range is {
			out[k] = id(i)
		}
		return out
	}

	got := get(t, s, func(tx chat.Tx) ([]chat.Message, error) {
		return tx.ListMessages(chat.MessageFilter{ConversationID: conv.ID, Limit: 100})
	})
	check(t, "ListMessages(all)", []chat.Message{*m[0], *m[1], *m[2], *m[3], *m[4], *m[5], *m[6]}, got)

	for _, tc := range []struct {
		name          string
		before, after int64
		limit         int
		want          []int64
	}{
		{"newest page", 0, 0, 3, ids(5, 6, 7)},
		{"before m5", id(5), 0, 3, ids(2, 3, 4)},
		{"before m2", id(2), 0, 3, ids(1)},
		{"before m1", id(1), 0, 3, nil},
		{"after m3", 0, id(3), 3, ids(4, 5, 6)},
		{"after m6", 0, id(6), 3, ids(7)},
		{"after m7", 0, id(7), 3, nil},
		{"between m2 and m6", id(6), id(2), 10, ids(3, 4, 5)},
	} {
		got := get(t, s, func(tx chat.Tx) ([]chat.Message, error) {
			return tx.ListMessages(chat.MessageFilter{ConversationID: conv.ID, Before: tc.before, After: tc.after, Limit: tc.limit})
		})
		check(t, "ListMessages("+tc.name+")", tc.want, messageIDs(got))
	}
}

func testLastChatMessage(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	conv, other := sc.conversation(t, s, nil), sc.conversation(t, s, nil)
	last := func(c *chat.Conversation) *chat.Message {
		t.Helper()
		return get(t, s, func(tx chat.Tx) (*chat.Message, error) { return tx.LastChatMessage(c.ID) })
	}
	if m := last(conv); m != nil {
		t.Fatalf("LastChatMessage of an empty conversation = message %d, want nil", m.ID)
	}

	hi := newMessage(conv, chat.MessageIncoming, "hi")
	note := newMessage(conv, chat.MessageOutgoing, "private note")
	note.Private = true
	activity := newMessage(conv, chat.MessageActivity, "Conversation was resolved")
	messages(t, s, hi, note, activity, newMessage(other, chat.MessageIncoming, "elsewhere"))
	check(t, "LastChatMessage skipping a private and an activity message", hi, last(conv))

	reply := newMessage(conv, chat.MessageOutgoing, "reply")
	messages(t, s, reply)
	check(t, "LastChatMessage after a reply", reply, last(conv))
	tmpl := newMessage(conv, chat.MessageTemplate, "template")
	messages(t, s, tmpl)
	check(t, "LastChatMessage after a template", tmpl, last(conv))

	onlyActivity := sc.conversation(t, s, nil)
	messages(t, s, newMessage(onlyActivity, chat.MessageActivity, "Assigned"))
	if m := last(onlyActivity); m != nil {
		t.Errorf("LastChatMessage of a conversation with only activity = message %d, want nil", m.ID)
	}
}

func testLastMessage(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	conv, other := sc.conversation(t, s, nil), sc.conversation(t, s, nil)
	last := func(withPrivate, withActivity bool) *chat.Message {
		t.Helper()
		return get(t, s, func(tx chat.Tx) (*chat.Message, error) { return tx.LastMessage(conv.ID, withPrivate, withActivity) })
	}
	if m := last(true, true); m != nil {
		t.Fatalf("LastMessage of an empty conversation = message %d, want nil", m.ID)
	}
	hi := newMessage(conv, chat.MessageIncoming, "hi")
	privateActivity := newMessage(conv, chat.MessageActivity, "private activity")
	privateActivity.Private = true
	note := newMessage(conv, chat.MessageOutgoing, "private note")
	note.Private = true
	activity := newMessage(conv, chat.MessageActivity, "Conversation was resolved")
	messages(t, s, hi, privateActivity, note, activity, newMessage(other, chat.MessageIncoming, "elsewhere"))
	check(t, "LastMessage(private and activity)", activity, last(true, true))
	check(t, "LastMessage(activity, no private)", activity, last(false, true))
	check(t, "LastMessage(private, no activity)", note, last(true, false))
	check(t, "LastMessage(neither)", hi, last(false, false))

	onlyActivity := sc.conversation(t, s, nil)
	messages(t, s, newMessage(onlyActivity, chat.MessageActivity, "Assigned"))
	if m := get(t, s, func(tx chat.Tx) (*chat.Message, error) { return tx.LastMessage(onlyActivity.ID, true, false) }); m != nil {
		t.Errorf("LastMessage without activity of a conversation with only activity = message %d, want nil", m.ID)
	}
}

func testCountIncomingSince(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	conv, other := sc.conversation(t, s, nil), sc.conversation(t, s, nil)
	mk := func(c *chat.Conversation, typ string, sec int) *chat.Message {
		m := newMessage(c, typ, "x")
		m.CreatedAt = at(sec)
		return m
	}
	messages(t, s,
		mk(conv, chat.MessageIncoming, 1), mk(conv, chat.MessageIncoming, 2), mk(conv, chat.MessageIncoming, 3),
		mk(conv, chat.MessageOutgoing, 4), mk(conv, chat.MessageActivity, 4), mk(conv, chat.MessageIncoming, 5),
		mk(other, chat.MessageIncoming, 6), mk(other, chat.MessageIncoming, 7))
	for _, tc := range []struct {
		since time.Time
		limit int
		want  int
	}{
		{time.Time{}, 10, 4},
		{time.Time{}, 2, 2},
		{at(0), 10, 4},
		{at(2), 10, 2}, // strictly after
		{at(2), 1, 1},
		{at(4), 10, 1},
		{at(5), 10, 0},
	} {
		got := get(t, s, func(tx chat.Tx) (int, error) { return tx.CountIncomingSince(conv.ID, tc.since, tc.limit) })
		if got != tc.want {
			t.Errorf("CountIncomingSince(%v, limit %d) = %d, want %d", tc.since, tc.limit, got, tc.want)
		}
	}

	// The same counts inside Updates, as messages keep arriving (a store
	// may keep the count between writes and must keep it right).
	inUpdate := func(since time.Time, limit int) int {
		var n int
		update(t, s, func(tx chat.Tx) (err error) { n, err = tx.CountIncomingSince(conv.ID, since, limit); return err })
		return n
	}
	if n := inUpdate(at(2), 3); n != 2 {
		t.Fatalf("CountIncomingSince in an Update = %d, want 2", n)
	}
	messages(t, s, mk(conv, chat.MessageIncoming, 8))
	if n := inUpdate(at(2), 3); n != 3 {
		t.Errorf("after one more incoming message: %d, want 3", n)
	}
	messages(t, s, mk(conv, chat.MessageIncoming, 9), mk(conv, chat.MessageOutgoing, 10))
	if n := inUpdate(at(2), 3); n != 3 {
		t.Errorf("past the limit: %d, want 3", n)
	}
	if n := inUpdate(at(8), 10); n != 1 {
		t.Errorf("since another time: %d, want 1", n)
	}
	if n := inUpdate(at(2), 10); n != 4 {
		t.Errorf("with another limit: %d, want 4", n)
	}
}

func testEvents(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	conv := a.conversation(t, s, nil)
	msg := newMessage(conv, chat.MessageIncoming, "hi")
	messages(t, s, msg)
	// Payloads are bytes: spacing, key order, escapes and number forms stay.
	e1 := &chat.Event{Name: chat.EventConversationCreated, AccountID: a.Account.ID, InboxID: a.Inbox.ID, ConversationID: conv.ID,
		ContactID: a.Contact.ID, CreatedAt: at(1), Payload: []byte(`{"event":"conversation_created", "id" : 1,"b":[1.50,2e3]}`)}
	e2 := &chat.Event{Name: chat.EventContactCreated, AccountID: a.Account.ID, ContactID: a.Contact.ID, CreatedAt: at(2),
		Payload: []byte("{\n  \"event\": \"contact_created\",\n  \"name\": \"Zo\\u00eb \u00e9\u4e16\"\n}")}
	e3 := &chat.Event{Name: chat.EventMessageCreated, AccountID: a.Account.ID, InboxID: a.Inbox.ID, ConversationID: conv.ID,
		MessageID: msg.ID, ContactID: a.Contact.ID, CreatedAt: at(3), Payload: []byte(`{"z":null,"a":{}}`)}
	// An event without payload or subjects.
	e4 := &chat.Event{Name: chat.EventConversationTypingOn, AccountID: a.Account.ID, CreatedAt: at(4)}
	eb := &chat.Event{Name: chat.EventInboxCreated, AccountID: b.Account.ID, InboxID: b.Inbox.ID, CreatedAt: at(5), Payload: []byte(`{}`)}
	update(t, s, func(tx chat.Tx) error {
		for _, ev := range []*chat.Event{e1, e2, e3, e4, eb} {
			if err := tx.InsertEvent(ev); err != nil {
				return err
			}
		}
		return nil
	})
	if e1.ID == 0 || e2.ID <= e1.ID || e3.ID <= e2.ID || e4.ID <= e3.ID {
		t.Fatalf("InsertEvent set ids %d, %d, %d, %d; want increasing ids", e1.ID, e2.ID, e3.ID, e4.ID)
	}
	list := func(accountID, after int64, limit int) []chat.Event {
		t.Helper()
		return get(t, s, func(tx chat.Tx) ([]chat.Event, error) { return tx.ListEvents(accountID, after, limit) })
	}
	check(t, "ListEvents(a)", []chat.Event{*e1, *e2, *e3, *e4}, list(a.Account.ID, 0, 10))
	check(t, "ListEvents(a, after e1)", []chat.Event{*e2, *e3, *e4}, list(a.Account.ID, e1.ID, 10))
	check(t, "ListEvents(a, limit 2)", []chat.Event{*e1, *e2}, list(a.Account.ID, 0, 2))
	check(t, "ListEvents(a, after e4)", []chat.Event(nil), list(a.Account.ID, e4.ID, 10))
	check(t, "ListEvents(b)", []chat.Event{*eb}, list(b.Account.ID, 0, 10))
}
