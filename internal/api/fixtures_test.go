package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// apiInbox creates an API-channel inbox in account 1 straight in the store
// and returns its id.
func (e *testEnv) apiInbox(name string) int64 {
	e.t.Helper()
	now := e.Clock.Now()
	in := &chat.Inbox{AccountID: 1, Name: name, ChannelType: chat.ChannelAPI, Timezone: "UTC", SenderNameType: "friendly",
		AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true, EnableEmailCollect: true,
		CreatedAt: now, UpdatedAt: now,
		API: &chat.APIChannel{Identifier: chat.SecureToken(24), HMACToken: chat.SecureToken(24), Secret: chat.SecureToken(24),
			AdditionalAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateInbox(in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// webInbox creates a web-widget inbox in account 1 and returns its id.
func (e *testEnv) webInbox(name string) int64 {
	e.t.Helper()
	now := e.Clock.Now()
	in := &chat.Inbox{AccountID: 1, Name: name, ChannelType: chat.ChannelWebWidget, Timezone: "UTC", SenderNameType: "friendly",
		AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true, EnableEmailCollect: true,
		CreatedAt: now, UpdatedAt: now,
		WebWidget: &chat.WebWidgetChannel{WebsiteURL: "https://example.com", WebsiteToken: chat.SecureToken(24), WidgetColor: "#1f93ff",
			FeatureFlags: 7, ReplyTime: "in_a_few_minutes", HMACToken: chat.SecureToken(24), PreChatFormOptions: chat.EmptyObject,
			ContinuityViaEmail: true, CreatedAt: now, UpdatedAt: now}}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateInbox(in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// agent adds a user with role to account 1 and returns its id and token.
func (e *testEnv) agent(name, role string) (int64, string) {
	e.t.Helper()
	now := e.Clock.Now()
	u := &chat.User{Name: name, Email: fmt.Sprintf("%s@example.com", name), AccessToken: chat.SecureToken(24),
		CustomAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.CreateAccountUser(&chat.AccountUser{AccountID: 1, UserID: u.ID, Role: role, Availability: "online",
			AutoOffline: true, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, u.AccessToken
}

// events returns the names of account 1's events after an id.
func (e *testEnv) events(after int64) []chat.Event {
	e.t.Helper()
	var evs []chat.Event
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		evs, err = tx.ListEvents(1, after, 1000)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func eventNames(evs []chat.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Name)
	}
	return out
}

func lastEventID(t *testing.T, e *testEnv) int64 {
	evs := e.events(0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// apiInboxIn creates an API-channel inbox in an account and returns its id.
func (e *testEnv) apiInboxIn(accountID int64, name string) int64 {
	e.t.Helper()
	now := e.Clock.Now()
	in := &chat.Inbox{AccountID: accountID, Name: name, ChannelType: chat.ChannelAPI, Timezone: "UTC", SenderNameType: "friendly",
		AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true, EnableEmailCollect: true,
		CreatedAt: now, UpdatedAt: now,
		API: &chat.APIChannel{Identifier: chat.SecureToken(24), HMACToken: chat.SecureToken(24), Secret: chat.SecureToken(24),
			AdditionalAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateInbox(in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// otherAccount creates a second account with an administrator of its own
// (who is not a member of account 1) and returns the account id and the
// administrator's token.
func (e *testEnv) otherAccount() (int64, string) {
	e.t.Helper()
	now := e.Clock.Now()
	acct := &chat.Account{Name: "Other", Locale: "en", Status: chat.AccountActive, CustomAttributes: chat.EmptyObject,
		CreatedAt: now, UpdatedAt: now}
	u := &chat.User{Name: "Olga", Email: fmt.Sprintf("olga%d@example.com", now.UnixNano()), AccessToken: chat.SecureToken(24),
		CustomAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := tx.CreateAccount(acct); err != nil {
			return err
		}
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.CreateAccountUser(&chat.AccountUser{AccountID: acct.ID, UserID: u.ID, Role: chat.RoleAdministrator,
			Availability: "online", AutoOffline: true, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return acct.ID, u.AccessToken
}

// eventsOf returns an account's events after an id.
func (e *testEnv) eventsOf(accountID, after int64) []chat.Event {
	e.t.Helper()
	var evs []chat.Event
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		evs, err = tx.ListEvents(accountID, after, 1000)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

// expectEvents checks the names of account 1's events after an id and
// returns the id of the last one (or after when there are none).
func (e *testEnv) expectEvents(after int64, want ...string) int64 {
	e.t.Helper()
	evs := e.events(after)
	if got := eventNames(evs); !slices.Equal(got, want) {
		e.t.Fatalf("events\n got %v\nwant %v", got, want)
	}
	if len(evs) == 0 {
		return after
	}
	return evs[len(evs)-1].ID
}

// tally counts what an account holds, read through the store (the write
// connection belongs to the group-commit writer).
type tally struct {
	Contacts, ContactInboxes, Conversations, Messages, Events int
}

func (e *testEnv) tally(accountID int64) tally {
	e.t.Helper()
	var n tally
	err := e.Store.View(context.Background(), func(tx chat.Tx) error {
		contacts, total, err := tx.ListContacts(chat.ContactFilter{AccountID: accountID, Limit: 100000})
		if err != nil {
			return err
		}
		n.Contacts = total
		for _, c := range contacts {
			cis, err := tx.ListContactInboxes(c.ID)
			if err != nil {
				return err
			}
			n.ContactInboxes += len(cis)
		}
		convs, err := tx.ListConversations(chat.ConversationFilter{AccountID: accountID, Status: "all", Limit: 100000})
		if err != nil {
			return err
		}
		n.Conversations = len(convs)
		for _, c := range convs {
			msgs, err := tx.ListMessages(chat.MessageFilter{ConversationID: c.ID, Limit: 100000})
			if err != nil {
				return err
			}
			n.Messages += len(msgs)
		}
		evs, err := tx.ListEvents(accountID, 0, 100000)
		n.Events = len(evs)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// rowsOf counts the contact inboxes of a contact and the messages of a
// conversation (by row id), which outlive neither.
func (e *testEnv) rowsOf(contactID, conversationRowID int64) (contactInboxes, messages int) {
	e.t.Helper()
	err := e.Store.View(context.Background(), func(tx chat.Tx) error {
		cis, err := tx.ListContactInboxes(contactID)
		if err != nil {
			return err
		}
		msgs, err := tx.ListMessages(chat.MessageFilter{ConversationID: conversationRowID, Limit: 100000})
		contactInboxes, messages = len(cis), len(msgs)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return contactInboxes, messages
}

// conversationRow returns the stored conversation with a display id.
func (e *testEnv) conversationRow(accountID, displayID int64) *chat.Conversation {
	e.t.Helper()
	var c *chat.Conversation
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		c, err = tx.FindConversation(accountID, displayID)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// changeRecorder is an event sink that keeps the committed events with
// their change lists, which the events table does not store.
type changeRecorder struct {
	next chat.EventSink // the sink it wraps, still run
	mu   sync.Mutex
	evs  []chat.Event
}

func (r *changeRecorder) Prepare(tx chat.Tx, ev *chat.Event) error {
	if r.next != nil {
		return r.next.Prepare(tx, ev)
	}
	return nil
}

func (r *changeRecorder) Recorded(tx chat.Tx, ev *chat.Event) error {
	if r.next != nil {
		if err := r.next.Recorded(tx, ev); err != nil {
			return err
		}
	}
	cp := *ev
	cp.Changes = slices.Clone(ev.Changes)
	tx.AfterCommit(func() {
		r.mu.Lock()
		r.evs = append(r.evs, cp)
		r.mu.Unlock()
	})
	return nil
}

// take returns the events recorded since the last call.
func (r *changeRecorder) take() []chat.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// recordChanges plugs a changeRecorder into the service. Call it before
// the requests it should see.
func (e *testEnv) recordChanges() *changeRecorder {
	r := &changeRecorder{next: e.Svc.Events}
	e.Svc.Events = r
	return r
}

// changed returns the attributes an event reports as changed, in order.
func changed(ev chat.Event) []string {
	out := []string{}
	for _, c := range ev.Changes {
		out = append(out, c.Attr)
	}
	return out
}

// expectChanges checks the recorded events' names and, for events with a
// want entry, their changed attributes in order.
func expectChanges(t testing.TB, evs []chat.Event, want ...eventWant) {
	t.Helper()
	if len(evs) != len(want) {
		t.Fatalf("recorded %d events %v, want %d", len(evs), eventNames(evs), len(want))
	}
	for i, w := range want {
		if evs[i].Name != w.name {
			t.Fatalf("event %d is %s, want %s (all: %v)", i, evs[i].Name, w.name, eventNames(evs))
		}
		if w.attrs != nil && !slices.Equal(changed(evs[i]), w.attrs) {
			t.Fatalf("%s changes\n got %v\nwant %v", w.name, changed(evs[i]), w.attrs)
		}
	}
}

type eventWant struct {
	name  string
	attrs []string // nil: not checked
}

func ev(name string, attrs ...string) eventWant {
	if attrs == nil && (name == chat.EventConversationUpdated || name == chat.EventContactUpdated || name == chat.EventMessageUpdated) {
		attrs = []string{}
	}
	return eventWant{name: name, attrs: attrs}
}

// kind names the JSON type of the value at a path ("" for the value
// itself): int, float, string, bool, null, object or array. Numbers are
// told apart as Rails writes them: a float always has a point.
func kind(t testing.TB, v any, p string) string {
	t.Helper()
	if p != "" {
		v = path(t, v, p)
	}
	switch x := v.(type) {
	case nil:
		return "null"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "float"
		}
		return "int"
	case string:
		return "string"
	case bool:
		return "bool"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// expectKinds checks the JSON types of several paths.
func expectKinds(t testing.TB, v any, want map[string]string) {
	t.Helper()
	for p, k := range want {
		if got := kind(t, v, p); got != k {
			t.Errorf("%s is %s (%v), want %s", p, got, path(t, v, p), k)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// expectKeys checks the keys of the object at a path, in order.
func expectKeys(t testing.TB, body []byte, p string, want ...string) {
	t.Helper()
	if got := keys(t, body, p); !slices.Equal(got, want) {
		t.Fatalf("keys of %q\n got %v\nwant %v", p, got, want)
	}
}

// has reports whether a path exists.
func has(v any, p string) bool {
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(k, &i); err != nil || i >= len(x) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	return true
}

// list returns the array at a path.
func list(t testing.TB, v any, p string) []any {
	t.Helper()
	a, ok := path(t, v, p).([]any)
	if !ok {
		t.Fatalf("%s is %T, not an array", p, path(t, v, p))
	}
	return a
}

// Contact partial keys (Chatwoot's _contact.json.jbuilder).
var contactKeys = []string{"additional_attributes", "availability_status", "email", "id", "name", "phone_number", "blocked",
	"identifier", "thumbnail", "custom_attributes"}

// contactKeysWith is the contact partial's keys with the conditional ones.
func contactKeysWith(lastActivity, inboxes bool) []string {
	out := slices.Clone(contactKeys)
	if lastActivity {
		out = append(out, "last_activity_at")
	}
	out = append(out, "created_at")
	if inboxes {
		out = append(out, "contact_inboxes")
	}
	return out
}

// Push-form keys (Contact#push_event_data, User#push_event_data).
var (
	contactPushKeys = []string{"additional_attributes", "custom_attributes", "email", "id", "identifier", "name",
		"phone_number", "thumbnail", "blocked", "type"}
	userPushKeys = []string{"id", "name", "available_name", "avatar_url", "type", "availability_status", "thumbnail"}
)

// Conversation partial keys.
var conversationKeys = []string{"meta", "id", "messages", "account_id", "uuid", "additional_attributes", "agent_last_seen_at",
	"assignee_last_seen_at", "can_reply", "contact_last_seen_at", "custom_attributes", "inbox_id", "labels", "muted",
	"snoozed_until", "status", "created_at", "updated_at", "timestamp", "first_reply_created_at", "unread_count",
	"last_non_activity_message", "last_activity_at", "priority", "waiting_since", "sla_policy_id"}

// Message push-form keys (Message#push_event_data) for a message with a sender.
var messagePushKeys = []string{"id", "content", "account_id", "inbox_id", "conversation_id", "message_type", "created_at",
	"updated_at", "private", "status", "source_id", "content_type", "content_attributes", "sender_type", "sender_id",
	"external_source_ids", "additional_attributes", "processed_message_content", "sentiment", "conversation", "sender"}

// Message partial keys (_message.json.jbuilder) for a message with a sender.
var messageKeys = []string{"id", "content", "inbox_id", "conversation_id", "message_type", "content_type", "status",
	"content_attributes", "created_at", "private", "source_id", "sender"}

// conv is a conversation's path in account 1.
func conv(id int64) string { return fmt.Sprintf("%s/conversations/%d", a1, id) }

// ok sends a request as the administrator and requires 200.
func (e *testEnv) ok(method, p string, body any) *response {
	e.t.Helper()
	return e.must(200, method, p, adminToken, body)
}

// contact creates a contact in account 1 and returns its id.
func (e *testEnv) contact(body map[string]any) int64 {
	e.t.Helper()
	r := e.ok("POST", a1+"/contacts", body)
	return num(e.t, r.JSON(e.t), "payload.contact.id")
}

// conversationFor creates a conversation for an existing contact.
func (e *testEnv) conversationFor(inbox, contactID int64) int64 {
	e.t.Helper()
	r := e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": contactID})
	return num(e.t, r.JSON(e.t), "id")
}

// say posts a message to a conversation and returns the message JSON.
func (e *testEnv) say(id int64, body map[string]any) map[string]any {
	e.t.Helper()
	return e.ok("POST", conv(id)+"/messages", body).Obj(e.t)
}

// incoming posts a customer message.
func (e *testEnv) incoming(id int64, content string) map[string]any {
	e.t.Helper()
	return e.say(id, map[string]any{"content": content, "message_type": "incoming"})
}

// show returns a conversation's JSON.
func (e *testEnv) show(id int64) *response {
	e.t.Helper()
	return e.ok("GET", conv(id), nil)
}

// messageList returns the payload of a conversation's message list.
func (e *testEnv) messageList(id int64, query string) []any {
	e.t.Helper()
	r := e.ok("GET", conv(id)+"/messages"+query, nil)
	return list(e.t, r.JSON(e.t), "payload")
}

// activities returns the contents of a conversation's activity messages.
func (e *testEnv) activities(id int64) []string {
	e.t.Helper()
	out := []string{}
	for _, m := range e.messageList(id, "") {
		if num(e.t, m, "message_type") == 2 {
			out = append(out, str(e.t, m, "content"))
		}
	}
	return out
}

// unix is t in Unix seconds.
func unix(t time.Time) int64 { return t.Unix() }

// rawRequest sends a request without the test's Fatal, for goroutines.
func (e *testEnv) rawRequest(method, p, token string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, e.URL+p, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("api_access_token", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res.StatusCode, out, err
}
