package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// Event-by-event payload tests for the events no capture covers, and the
// event rules: which changes fire what, with which changed_attributes, and
// exactly one event per name for one committed change. Payloads are read
// from the events table, as stored at commit.

// Key lists of the webhook objects (chatwoot-webhooks.md §3, contract §1).
var (
	whContactKeys = []string{"account", "additional_attributes", "avatar", "custom_attributes", "email", "id", "identifier",
		"name", "phone_number", "thumbnail", "blocked", "type"}
	whConversationKeys = []string{"additional_attributes", "can_reply", "channel", "contact_inbox", "id", "inbox_id", "messages",
		"labels", "meta", "status", "custom_attributes", "snoozed_until", "unread_count", "first_reply_created_at", "priority",
		"waiting_since", "agent_last_seen_at", "contact_last_seen_at", "last_activity_at", "timestamp", "created_at", "updated_at",
		"account", "account_id"}
	whMessageKeys = []string{"account", "additional_attributes", "content_attributes", "content_type", "content", "conversation",
		"created_at", "id", "inbox", "message_type", "private", "sender", "source_id", "status"}
	whContactInboxKeys = []string{"id", "contact_id", "inbox_id", "source_id", "created_at", "updated_at", "hmac_verified", "pubsub_token"}
	whMetaKeys         = []string{"sender", "assignee", "assignee_type", "team", "hmac_verified"}
	whInboxKeys        = []string{"allow_messages_after_resolved", "lock_to_single_conversation", "auto_assignment_config",
		"enable_auto_assignment", "enable_email_collect", "greeting_enabled", "greeting_message", "csat_survey_enabled",
		"business_name", "sender_name_type", "timezone", "out_of_office_message", "working_hours_enabled", "working_hours",
		"created_at", "updated_at", "channel", "account"}
)

func with(keys []string, more ...string) []string {
	return append(append([]string{}, keys...), more...)
}

func iso(t time.Time) string { return event.ISO(t) }

// changeJSON is one changed_attributes element as Parley writes it.
func changeJSON(attr, prev, cur string) string {
	return fmt.Sprintf(`{%q:{"previous_value":%s,"current_value":%s}}`, attr, prev, cur)
}

func changesJSON(elems ...string) string { return "[" + strings.Join(elems, ",") + "]" }

func expectRaw(t *testing.T, payload []byte, key, want string) {
	t.Helper()
	if got := rawField(t, payload, key); got != want {
		t.Errorf("%s\n got %s\nwant %s", key, got, want)
	}
}

func TestWebhookContactEvents(t *testing.T) {
	e := newEnv(t)
	t0 := time.Date(2026, 6, 17, 11, 0, 0, 0, time.UTC)
	e.at(t0)
	after := lastEventID(t, e)
	id := e.contact(map[string]any{"name": "Ann", "email": "ann@example.com"})
	p := e.payload(after, "contact_created")
	expectKeys(t, p, "", with(whContactKeys, "event")...)
	expectKeys(t, p, "account", "id", "name")
	v := decode(t, p)
	expectKinds(t, v, map[string]string{"id": "int", "email": "string", "phone_number": "null", "identifier": "null",
		"blocked": "bool", "avatar": "string", "additional_attributes": "object", "custom_attributes": "object"})
	if str(t, v, "type") != "contact" || str(t, v, "event") != "contact_created" || num(t, v, "id") != id {
		t.Errorf("contact_created payload: %s", p)
	}

	// Changes are listed in Chatwoot's column order, whatever the request's.
	t1 := t0.Add(5 * time.Minute)
	e.at(t1)
	after = lastEventID(t, e)
	e.ok("PATCH", fmt.Sprintf("%s/contacts/%d", a1, id), map[string]any{"custom_attributes": map[string]any{"tier": "gold"},
		"email": "ann.lee@example.com", "name": "Ann Lee"})
	p = e.payload(after, "contact_updated")
	expectKeys(t, p, "", with(whContactKeys, "event", "changed_attributes")...)
	expectRaw(t, p, "changed_attributes", changesJSON(
		changeJSON("name", `"Ann"`, `"Ann Lee"`),
		changeJSON("email", `"ann@example.com"`, `"ann.lee@example.com"`),
		changeJSON("updated_at", `"`+iso(t0)+`"`, `"`+iso(t1)+`"`),
		changeJSON("custom_attributes", `{}`, `{"tier":"gold"}`),
	))
	e.expectEvents(after, "contact_updated")

	// Nothing changed: no event.
	after = lastEventID(t, e)
	e.ok("PATCH", fmt.Sprintf("%s/contacts/%d", a1, id), map[string]any{"name": "Ann Lee", "custom_attributes": map[string]any{"tier": "gold"}})
	e.expectEvents(after)
}

// chat makes a conversation with a new contact (linked to the inbox) and
// returns its display id.
func (e *testEnv) chat(inbox int64, name string) int64 {
	e.t.Helper()
	contact, source := e.visitor(inbox, map[string]any{"name": name})
	r := e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": contact, "source_id": source})
	return num(e.t, r.JSON(e.t), "id")
}

func TestWebhookMessageUpdated(t *testing.T) {
	e := newEnv(t)
	id := e.chat(e.apiInbox("API"), "Ann")
	m := num(t, e.say(id, map[string]any{"content": "Hello"}), "id")
	mp := fmt.Sprintf("%s/messages/%d", conv(id), m)

	after := lastEventID(t, e)
	e.ok("PATCH", mp, map[string]any{"status": "delivered"})
	p := e.payload(after, "message_updated")
	e.expectEvents(after, "message_updated")
	// The same shape as message_created; no changed_attributes (facts §2.2).
	expectKeys(t, p, "", with(whMessageKeys, "event")...)
	v := decode(t, p)
	if str(t, v, "status") != "delivered" || num(t, v, "id") != m || str(t, v, "message_type") != "outgoing" {
		t.Errorf("message_updated payload: %s", p)
	}
	// Snapshot at commit: the conversation's last message shows the new status.
	if str(t, v, "conversation.messages.0.status") != "delivered" || num(t, v, "conversation.messages.0.id") != m {
		t.Errorf("conversation.messages[0] is not the updated message: %s", p)
	}

	// The same status again changes nothing.
	after = lastEventID(t, e)
	e.ok("PATCH", mp, map[string]any{"status": "delivered"})
	e.expectEvents(after)

	// Deleting replaces the content and fires message_updated.
	after = lastEventID(t, e)
	e.ok("DELETE", mp, nil)
	p = e.payload(after, "message_updated")
	expectRaw(t, p, "content", `"This message was deleted"`)
	expectRaw(t, p, "content_attributes", `{"deleted":true}`)
	if got := str(t, decode(t, p), "conversation.messages.0.processed_message_content"); got != "This message was deleted" {
		t.Errorf("processed_message_content %q", got)
	}
}

func TestWebhookTypingEvents(t *testing.T) {
	e := newEnv(t)
	id := e.chat(e.apiInbox("API"), "Ann")
	agent, token := e.agent("typist", chat.RoleAgent)

	after := lastEventID(t, e)
	e.must(200, "POST", conv(id)+"/toggle_typing_status", token, map[string]any{"typing_status": "on"})
	p := e.payload(after, "conversation_typing_on")
	e.expectEvents(after, "conversation_typing_on")
	// Event first; the agent as User#webhook_data; is_private false by default.
	expectKeys(t, p, "", "event", "user", "conversation", "is_private")
	if !bytes.HasPrefix(p, []byte(`{"event":"conversation_typing_on","user":`)) {
		t.Errorf("event is not first: %s", p)
	}
	expectRaw(t, p, "user", fmt.Sprintf(`{"id":%d,"name":"typist","email":"typist@example.com","type":"user"}`, agent))
	expectRaw(t, p, "is_private", "false")
	expectKeys(t, p, "conversation", whConversationKeys...)

	after = lastEventID(t, e)
	e.must(200, "POST", conv(id)+"/toggle_typing_status", token, map[string]any{"typing_status": "off", "is_private": true})
	p = e.payload(after, "conversation_typing_off")
	e.expectEvents(after, "conversation_typing_off")
	if !bytes.HasPrefix(p, []byte(`{"event":"conversation_typing_off","user":`)) {
		t.Errorf("event is not first: %s", p)
	}
	expectRaw(t, p, "is_private", "true")
}

func TestWebhookInboxEvents(t *testing.T) {
	e := newEnv(t)
	noSecrets := func(p []byte, secrets ...string) {
		t.Helper()
		for _, k := range []string{`"hmac_token"`, `"secret"`, `"website_token"`} {
			if bytes.Contains(p, []byte(k)) {
				t.Errorf("inbox event carries %s: %s", k, p)
			}
		}
		for _, s := range secrets {
			if s == "" || bytes.Contains(p, []byte(s)) {
				t.Errorf("inbox event carries the secret %q: %s", s, p)
			}
		}
	}

	t0 := time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC)
	e.at(t0)
	after := lastEventID(t, e)
	r := e.ok("POST", a1+"/inboxes", map[string]any{"name": "Support API", "channel": map[string]any{"type": "api", "webhook_url": "https://example.com/hook"}})
	v := r.JSON(t)
	id := num(t, v, "id")
	p := e.payload(after, "inbox_created")
	e.expectEvents(after, "inbox_created")
	expectKeys(t, p, "", with(whInboxKeys, "event")...)
	expectKeys(t, p, "channel", "id", "account_id", "webhook_url", "created_at", "updated_at", "identifier", "hmac_mandatory", "additional_attributes")
	expectKeys(t, p, "account", "id", "name")
	expectKeys(t, p, "working_hours.0", "id", "inbox_id", "account_id", "day_of_week", "closed_all_day", "open_hour", "open_minutes",
		"close_hour", "close_minutes", "created_at", "updated_at", "open_all_day")
	noSecrets(p, str(t, v, "hmac_token"), str(t, v, "secret"))
	pv := decode(t, p)
	if str(t, pv, "channel.webhook_url") != "https://example.com/hook" || str(t, pv, "created_at") != iso(t0) || len(list(t, pv, "working_hours")) != 7 {
		t.Errorf("inbox_created payload: %s", p)
	}

	t1 := t0.Add(time.Minute)
	e.at(t1)
	after = lastEventID(t, e)
	e.ok("PATCH", fmt.Sprintf("%s/inboxes/%d", a1, id), map[string]any{"name": "Support"})
	p = e.payload(after, "inbox_updated")
	e.expectEvents(after, "inbox_updated")
	expectKeys(t, p, "", with(whInboxKeys, "event", "changed_attributes")...)
	expectRaw(t, p, "changed_attributes", changesJSON(
		changeJSON("name", `"Support API"`, `"Support"`),
		changeJSON("updated_at", `"`+iso(t0)+`"`, `"`+iso(t1)+`"`),
	))
	noSecrets(p, str(t, v, "hmac_token"), str(t, v, "secret"))

	// No change, no event.
	after = lastEventID(t, e)
	e.ok("PATCH", fmt.Sprintf("%s/inboxes/%d", a1, id), map[string]any{"name": "Support"})
	e.expectEvents(after)

	// A web widget inbox: its channel record without hmac_token or website_token.
	after = lastEventID(t, e)
	w := e.ok("POST", a1+"/inboxes", map[string]any{"name": "Site", "channel": map[string]any{"type": "web_widget", "website_url": "https://example.com"}}).JSON(t)
	p = e.payload(after, "inbox_created")
	noSecrets(p, str(t, w, "hmac_token"), str(t, w, "website_token"))
	expectKeys(t, p, "channel", "id", "website_url", "account_id", "created_at", "updated_at", "widget_color", "welcome_title",
		"welcome_tagline", "feature_flags", "reply_time", "pre_chat_form_enabled", "pre_chat_form_options", "hmac_mandatory",
		"continuity_via_email", "allowed_domains")
}

func TestWebhookConversationUpdated(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	agent, _ := e.agent("jane", chat.RoleAgent)
	t0 := time.Date(2026, 6, 17, 13, 0, 0, 0, time.UTC)
	e.at(t0)
	id := e.chat(inbox, "Ann")
	row := e.conversationRow(1, id)
	created := row.UpdatedAt

	// Assignment: assignee_id, then updated_at (column order); the
	// activity message it writes sends nothing.
	t1 := t0.Add(time.Minute)
	e.at(t1)
	after := lastEventID(t, e)
	e.ok("POST", conv(id)+"/assignments", map[string]any{"assignee_id": agent})
	e.expectEvents(after, "conversation_updated")
	p := e.payload(after, "conversation_updated")
	expectKeys(t, p, "", with(whConversationKeys, "event", "changed_attributes")...)
	expectRaw(t, p, "changed_attributes", changesJSON(
		changeJSON("assignee_id", "null", fmt.Sprint(agent)),
		changeJSON("updated_at", `"`+iso(created)+`"`, `"`+iso(t1)+`"`),
	))
	expectKeys(t, p, "meta", whMetaKeys...)
	expectKeys(t, p, "meta.assignee", userPushKeys...)
	expectKeys(t, p, "contact_inbox", whContactInboxKeys...)
	v := decode(t, p)
	if str(t, v, "meta.assignee_type") != "User" || num(t, v, "meta.assignee.id") != agent || len(list(t, v, "messages")) != 0 {
		t.Errorf("conversation after assignment: %s", p)
	}

	// Labels: updated_at, then the cached list (a string), then label_list.
	t2 := t1.Add(time.Minute)
	e.at(t2)
	after = lastEventID(t, e)
	e.ok("POST", conv(id)+"/labels", map[string]any{"labels": []string{"vip", "billing"}})
	e.expectEvents(after, "conversation_updated")
	p = e.payload(after, "conversation_updated")
	ch := decode(t, []byte(rawField(t, p, "changed_attributes")))
	if got := changedNames(t, ch); got != "updated_at cached_label_list label_list" {
		t.Errorf("label change lists %s", got)
	}
	if str(t, ch, "1.cached_label_list.current_value") != "vip, billing" ||
		len(list(t, ch, "2.label_list.previous_value")) != 0 || kind(t, ch, "2.label_list.current_value") != "array" {
		t.Errorf("label changes %s", rawField(t, p, "changed_attributes"))
	}
	expectRaw(t, p, "labels", `["vip","billing"]`)

	// Priority.
	after = lastEventID(t, e)
	e.ok("POST", conv(id)+"/toggle_priority", map[string]any{"priority": "high"})
	e.expectEvents(after, "conversation_updated")
	p = e.payload(after, "conversation_updated")
	if got := changedNames(t, decode(t, []byte(rawField(t, p, "changed_attributes")))); got != "updated_at priority" {
		t.Errorf("priority change lists %s", got)
	}
	expectRaw(t, p, "priority", `"high"`)

	// Resolving: conversation_status_changed with the real change list
	// (Chatwoot sends null) and conversation_updated with the same; one each.
	t3 := t2.Add(time.Hour)
	e.at(t3)
	after = lastEventID(t, e)
	before := e.conversationRow(1, id).UpdatedAt
	e.ok("POST", conv(id)+"/toggle_status", map[string]any{"status": "resolved"})
	e.expectEvents(after, "conversation_status_changed", "conversation_updated")
	want := changesJSON(
		changeJSON("status", `"open"`, `"resolved"`),
		changeJSON("updated_at", `"`+iso(before)+`"`, `"`+iso(t3)+`"`),
	)
	for _, name := range []string{"conversation_status_changed", "conversation_updated"} {
		p := e.payload(after, name)
		expectKeys(t, p, "", with(whConversationKeys, "event", "changed_attributes")...)
		expectRaw(t, p, "changed_attributes", want)
		expectRaw(t, p, "status", `"resolved"`)
	}
}

// changedNames lists a decoded changed_attributes' attributes, space-separated.
func changedNames(t *testing.T, ch any) string {
	t.Helper()
	var names []string
	for _, el := range ch.([]any) {
		for k := range el.(map[string]any) {
			names = append(names, k)
		}
	}
	return strings.Join(names, " ")
}

func TestWebhookPrivateNote(t *testing.T) {
	e := newEnv(t)
	id := e.chat(e.apiInbox("API"), "Ann")
	e.incoming(id, "Hi")
	public := num(t, e.say(id, map[string]any{"content": "Hello, Ann"}), "id")

	after := lastEventID(t, e)
	note := num(t, e.say(id, map[string]any{"content": "She is a VIP", "private": true}), "id")
	// A note changes nothing on the conversation: only message_created.
	e.expectEvents(after, "message_created")
	p := e.payload(after, "message_created")
	v := decode(t, p)
	expectRaw(t, p, "private", "true")
	if num(t, v, "id") != note || str(t, v, "message_type") != "outgoing" {
		t.Errorf("note payload: %s", p)
	}
	// conversation.messages shows the last public message (facts §2.6).
	if ms := list(t, v, "conversation.messages"); len(ms) != 1 || num(t, ms[0], "id") != public {
		t.Errorf("conversation.messages is not the last public message: %s", rawField(t, p, "conversation"))
	}
}

func TestWebhookOneEventPerChange(t *testing.T) {
	e := newEnv(t)
	t0 := time.Date(2026, 6, 17, 14, 0, 0, 0, time.UTC)
	e.at(t0)
	id := e.chat(e.apiInbox("API"), "Ann")
	row := e.conversationRow(1, id)
	waiting := row.WaitingSince

	// An agent's first reply sets first_reply_created_at and clears
	// waiting_since: one conversation_updated listing both.
	t1 := t0.Add(time.Minute)
	e.at(t1)
	after := lastEventID(t, e)
	e.say(id, map[string]any{"content": "Hello"})
	e.expectEvents(after, "message_created", "conversation_updated")
	p := e.payload(after, "conversation_updated")
	expectRaw(t, p, "changed_attributes", changesJSON(
		changeJSON("updated_at", `"`+iso(row.UpdatedAt)+`"`, `"`+iso(t1)+`"`),
		changeJSON("first_reply_created_at", "null", `"`+iso(t1)+`"`),
		changeJSON("waiting_since", `"`+iso(waiting)+`"`, "null"),
	))
	// The message's payload shows the conversation as the reply left it.
	m := decode(t, e.payload(after, "message_created"))
	if str(t, m, "conversation.first_reply_created_at") != iso(t1) || num(t, m, "conversation.waiting_since") != 0 {
		t.Errorf("message_created conversation is not the committed state: %v", path(t, m, "conversation"))
	}

	// A customer message on a resolved conversation reopens it: one of each
	// event; the activity message sends nothing; no contact_updated.
	e.ok("POST", conv(id)+"/toggle_status", map[string]any{"status": "resolved"})
	after = lastEventID(t, e)
	e.incoming(id, "Back again")
	e.expectEvents(after, "message_created", "conversation_status_changed", "conversation_updated")
	for _, name := range []string{"conversation_status_changed", "conversation_updated"} {
		ch := decode(t, []byte(rawField(t, e.payload(after, name), "changed_attributes")))
		if got := changedNames(t, ch); got != "status updated_at waiting_since" {
			t.Errorf("%s lists %s", name, got)
		}
	}
	if s := str(t, decode(t, e.payload(after, "message_created")), "conversation.status"); s != "open" {
		t.Errorf("message_created conversation status %q, want open", s)
	}
}

// TestWebhookWebwidgetTriggered checks current_conversation: the contact
// inbox's last conversation (Chatwoot's conversations.last, by id, facts
// §3.11), even when an older one has had activity since.
func TestWebhookWebwidgetTriggered(t *testing.T) {
	e := newEnv(t)
	web := e.webInbox("Site")
	contact, source := e.visitor(web, map[string]any{"name": "morning-rain-190"})
	ci := e.contactInbox(web, source)
	open := func() int64 {
		return num(t, e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": web, "contact_id": contact, "source_id": source}).JSON(t), "id")
	}
	older, newer := open(), open()
	// Another contact inbox of the same contact in the same inbox, with a
	// conversation of its own: not this contact inbox's.
	other := num(t, e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": web, "contact_id": contact}).JSON(t), "id")
	// The older conversation has the latest activity.
	e.say(older, map[string]any{"content": "Still about your order"})

	after := lastEventID(t, e)
	info := `{"initiated_at":{"timestamp":"Fri Feb 13 2026 09:23:04 GMT+0800"},"referer":"\u003chttps://example.com/?a=1\u0026b=2\u003e"}`
	e.emitDirect(chat.Event{Name: chat.EventWebwidgetTriggered, AccountID: 1, InboxID: web, ContactInboxID: ci.ID, Info: []byte(info)})
	p := e.payload(after, "webwidget_triggered")
	expectKeys(t, p, "", "id", "contact", "inbox", "account", "current_conversation", "source_id", "event", "event_info")
	expectKeys(t, p, "contact", whContactKeys...)
	expectKeys(t, p, "current_conversation", whConversationKeys...)
	expectRaw(t, p, "event_info", info)
	v := decode(t, p)
	if got := num(t, v, "current_conversation.id"); got != newer {
		t.Errorf("current_conversation is %d, want %d (older %d, other contact inbox's %d)", got, newer, older, other)
	}
	if num(t, v, "id") != ci.ID || str(t, v, "source_id") != source || num(t, v, "inbox.id") != web {
		t.Errorf("webwidget_triggered payload: %s", p)
	}
}

// TestWebhookConversationIdentity checks the ids and counters a payload's
// conversation carries: the per-account display id (never the row id) in
// conversation.id and messages[].conversation_id, the push form of the last
// message (integer message_type, unix created_at), and unread_count capped
// at 10.
func TestWebhookConversationIdentity(t *testing.T) {
	e := newEnv(t)
	// A conversation in another account first, so that account 1's first
	// conversation has display id 1 but row id 2.
	other, otherToken := e.otherAccount()
	otherInbox := e.apiInboxIn(other, "Elsewhere")
	r := e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/contacts", other), otherToken, map[string]any{"name": "Olga's customer"})
	e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/conversations", other), otherToken,
		map[string]any{"inbox_id": otherInbox, "contact_id": num(t, r.JSON(t), "payload.contact.id")})

	id := e.chat(e.apiInbox("API"), "Ann")
	if row := e.conversationRow(1, id); id != 1 || row.ID == id {
		t.Fatalf("display id %d, row id %d: the test needs them to differ", id, row.ID)
	}
	for i := range 12 {
		e.incoming(id, fmt.Sprintf("message %d", i+1))
	}
	after := lastEventID(t, e)
	m := num(t, e.incoming(id, "the last one"), "id")
	p := e.payload(after, "message_created")
	expectKeys(t, p, "conversation.messages.0", messagePushKeys...)
	expectKeys(t, p, "conversation.messages.0.conversation", "assignee_id", "unread_count", "last_activity_at", "contact_inbox")
	expectKeys(t, p, "conversation.messages.0.sender", contactPushKeys...)
	v := decode(t, p)
	expectKinds(t, v, map[string]string{
		"conversation.id": "int", "conversation.messages.0.conversation_id": "int", "conversation.messages.0.message_type": "int",
		"conversation.messages.0.created_at": "int", "conversation.messages.0.updated_at": "string", "created_at": "string",
		"message_type": "string", "content_type": "string", "conversation.updated_at": "float",
	})
	if num(t, v, "conversation.id") != id || num(t, v, "conversation.messages.0.conversation_id") != id ||
		num(t, v, "conversation.messages.0.id") != m || num(t, v, "conversation.messages.0.message_type") != 0 {
		t.Errorf("ids in message_created: %s", p)
	}
	if num(t, v, "conversation.unread_count") != 10 || num(t, v, "conversation.messages.0.conversation.unread_count") != 10 {
		t.Errorf("unread_count is not capped at 10: %s", p)
	}
}

// TestWebhookProcessedContent checks messages[].processed_message_content:
// the content, or the quoted part of an email when content_attributes has
// one (Chatwoot's ensure_processed_message_content).
func TestWebhookProcessedContent(t *testing.T) {
	e := newEnv(t)
	id := e.chat(e.apiInbox("API"), "Ann")
	for _, c := range []struct {
		attrs any
		want  string
	}{
		{nil, "Hello"},
		{map[string]any{"email": map[string]any{"html_content": map[string]any{"quoted": "html quote"}}}, "html quote"},
		{map[string]any{"email": map[string]any{"text_content": map[string]any{"quoted": "text quote"},
			"html_content": map[string]any{"quoted": "html quote"}}}, "text quote"},
		{map[string]any{"email": "not an object"}, "Hello"},
	} {
		after := lastEventID(t, e)
		body := map[string]any{"content": "Hello", "message_type": "incoming"}
		if c.attrs != nil {
			body["content_attributes"] = c.attrs
		}
		e.say(id, body)
		v := decode(t, e.payload(after, "message_created"))
		if got := str(t, v, "conversation.messages.0.processed_message_content"); got != c.want {
			t.Errorf("content_attributes %v: processed_message_content %q, want %q", c.attrs, got, c.want)
		}
	}
}
