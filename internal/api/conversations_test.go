package api_test

import (
	"fmt"
	"slices"
	"testing"
)

const a1 = "/api/v1/accounts/1"

// newConversation creates a contact in inbox and a conversation for it,
// returning the conversation's display id and the contact id.
func (e *testEnv) newConversation(inbox int64, firstMessage string) (int64, int64) {
	e.t.Helper()
	r := e.must(200, "POST", a1+"/contacts", adminToken, map[string]any{"name": "Alice", "email": fmt.Sprintf("alice%d@example.com", e.Clock.Now().UnixNano()), "inbox_id": inbox})
	contactID := num(e.t, r.JSON(e.t), "payload.contact.id")
	body := map[string]any{"inbox_id": inbox, "contact_id": contactID}
	if firstMessage != "" {
		body["message"] = map[string]any{"content": firstMessage, "message_type": "incoming"}
	}
	r = e.must(200, "POST", a1+"/conversations", adminToken, body)
	return num(e.t, r.JSON(e.t), "id"), contactID
}

func TestConversationLifecycle(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	start := lastEventID(t, e)

	id, _ := e.newConversation(inbox, "Hello, I need help")
	if id != 1 {
		t.Fatalf("first conversation display id = %d, want 1", id)
	}
	r := e.must(200, "GET", fmt.Sprintf("%s/conversations/%d", a1, id), adminToken, nil)
	wantKeys := []string{"meta", "id", "messages", "account_id", "uuid", "additional_attributes", "agent_last_seen_at",
		"assignee_last_seen_at", "can_reply", "contact_last_seen_at", "custom_attributes", "inbox_id", "labels", "muted",
		"snoozed_until", "status", "created_at", "updated_at", "timestamp", "first_reply_created_at", "unread_count",
		"last_non_activity_message", "last_activity_at", "priority", "waiting_since", "sla_policy_id"}
	if got := keys(t, r.Body, ""); !slices.Equal(got, wantKeys) {
		t.Fatalf("conversation keys\n got %v\nwant %v", got, wantKeys)
	}
	v := r.JSON(t)
	if str(t, v, "status") != "open" || num(t, v, "unread_count") != 1 || str(t, v, "messages.0.content") != "Hello, I need help" {
		t.Fatalf("unexpected conversation: %s", r.Body)
	}
	if num(t, v, "messages.0.message_type") != 0 || num(t, v, "messages.0.conversation_id") != id {
		t.Fatalf("message push form wrong: %s", r.Body)
	}

	// An agent replies: first reply recorded, waiting cleared.
	r = e.must(200, "POST", fmt.Sprintf("%s/conversations/%d/messages", a1, id), adminToken, map[string]any{"content": "Hi! <b>How</b> can I help?"})
	msgKeys := []string{"id", "content", "inbox_id", "conversation_id", "message_type", "content_type", "status",
		"content_attributes", "created_at", "private", "source_id", "sender"}
	if got := keys(t, r.Body, ""); !slices.Equal(got, msgKeys) {
		t.Fatalf("message keys\n got %v\nwant %v", got, msgKeys)
	}
	if str(t, r.JSON(t), "sender.type") != "user" || num(t, r.JSON(t), "message_type") != 1 {
		t.Fatalf("outgoing message: %s", r.Body)
	}
	r = e.must(200, "GET", fmt.Sprintf("%s/conversations/%d", a1, id), adminToken, nil)
	v = r.JSON(t)
	if num(t, v, "first_reply_created_at") == 0 || num(t, v, "waiting_since") != 0 {
		t.Fatalf("first reply not recorded: %s", r.Body)
	}

	// Resolve, then toggle back open.
	r = e.must(200, "POST", fmt.Sprintf("%s/conversations/%d/toggle_status", a1, id), adminToken, map[string]any{"status": "resolved"})
	if got := string(r.Body); got != `{"meta":{},"payload":{"success":true,"conversation_id":1,"current_status":"resolved","snoozed_until":null}}` {
		t.Fatalf("toggle_status reply: %s", got)
	}
	r = e.must(200, "POST", fmt.Sprintf("%s/conversations/%d/toggle_status", a1, id), adminToken, nil)
	if str(t, r.JSON(t), "payload.current_status") != "open" {
		t.Fatalf("toggle without status: %s", r.Body)
	}

	names := eventNames(e.events(start))
	want := []string{"contact_created", "conversation_created", "message_created", "message_created",
		"conversation_updated", "conversation_status_changed", "conversation_updated", "conversation_status_changed", "conversation_updated"}
	if !slices.Equal(names, want) {
		t.Fatalf("events\n got %v\nwant %v", names, want)
	}
}
