package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

func TestMessageCreate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	id, contactID := e.newConversation(inbox, "")
	rec := e.recordChanges()
	start := lastEventID(t, e)
	p := conv(id) + "/messages"

	// Outgoing is the default; the sender is the user's push form.
	at := time.Date(2026, 6, 17, 11, 0, 0, 0, time.UTC)
	e.at(at)
	r := e.ok("POST", p, map[string]any{"content": "Hello there"})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", messageKeys...)
	expectKeys(t, r.Body, "sender", userPushKeys...)
	expectKinds(t, v, map[string]string{"id": "int", "content": "string", "inbox_id": "int", "conversation_id": "int",
		"message_type": "int", "content_type": "string", "status": "string", "content_attributes": "object", "created_at": "int",
		"private": "bool", "source_id": "null", "sender": "object", "sender.id": "int"})
	if num(t, v, "conversation_id") != id || num(t, v, "inbox_id") != inbox || num(t, v, "message_type") != 1 ||
		str(t, v, "content_type") != "text" || str(t, v, "status") != "sent" || num(t, v, "created_at") != at.Unix() ||
		str(t, v, "sender.type") != "user" || num(t, v, "sender.id") != 1 || str(t, v, "sender.name") != "Administrator" ||
		str(t, v, "sender.available_name") != "Administrator" || string(mustRaw(t, r.Body, "content_attributes")) != "{}" {
		t.Fatalf("outgoing message: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_updated", "updated_at", "first_reply_created_at", "waiting_since"))

	// Incoming, wrapped, with a source id: sent by the conversation's contact.
	r = e.ok("POST", p, map[string]any{"message": map[string]any{"content": "Hi", "message_type": "incoming", "source_id": "wamid-1"}})
	v = r.JSON(t)
	expectKeys(t, r.Body, "", messageKeys...)
	expectKeys(t, r.Body, "sender", contactPushKeys...)
	if num(t, v, "message_type") != 0 || str(t, v, "source_id") != "wamid-1" || str(t, v, "sender.type") != "contact" ||
		num(t, v, "sender.id") != contactID {
		t.Fatalf("incoming message: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_updated", "updated_at", "waiting_since"))

	// A private note, with a lenient boolean.
	for _, private := range []any{true, "true", "1", 1} {
		r = e.ok("POST", p, map[string]any{"content": "note", "private": private})
		if path(t, r.JSON(t), "private") != true {
			t.Fatalf("private %v: %s", private, r.Body)
		}
	}
	expectChanges(t, rec.take(), ev("message_created"), ev("message_created"), ev("message_created"), ev("message_created"))

	// content_type and content_attributes, as an object (key order kept: a
	// json column) or as a JSON string; invalid JSON in a string reads as {}.
	r = e.ok("POST", p, map[string]any{"content": "Pick one", "content_type": "input_select",
		"content_attributes": map[string]any{"zz": 1, "items": []map[string]any{{"title": "A", "value": "a"}}}})
	if str(t, r.JSON(t), "content_type") != "input_select" ||
		string(mustRaw(t, r.Body, "content_attributes")) != `{"items":[{"title":"A","value":"a"}],"zz":1}` {
		// Go marshals map keys sorted; the server keeps what it was sent.
		t.Fatalf("input_select: %s", r.Body)
	}
	r = e.ok("POST", p, "{\"content\":\"x\",\"content_attributes\":{\"zz\":1,\"aa\":2}}")
	if got := string(mustRaw(t, r.Body, "content_attributes")); got != `{"zz":1,"aa":2}` {
		t.Fatalf("content_attributes order: %s", got)
	}
	r = e.ok("POST", p, map[string]any{"content": "x", "content_attributes": `{"in_reply_to": 5}`})
	if got := string(mustRaw(t, r.Body, "content_attributes")); got != `{"in_reply_to":5}` {
		t.Fatalf("content_attributes from a string: %s", got)
	}
	r = e.ok("POST", p, map[string]any{"content": "x", "content_attributes": "not json"})
	if got := string(mustRaw(t, r.Body, "content_attributes")); got != `{}` {
		t.Fatalf("content_attributes from bad JSON: %s", got)
	}

	// echo_id comes back, right after inbox_id.
	r = e.ok("POST", p, map[string]any{"content": "echo", "echo_id": "tmp-123"})
	expectKeys(t, r.Body, "", slices.Insert(slices.Clone(messageKeys), 3, "echo_id")...)
	if str(t, r.JSON(t), "echo_id") != "tmp-123" {
		t.Fatalf("echo_id: %s", r.Body)
	}

	// A template message; a message without content.
	if r = e.ok("POST", p, map[string]any{"content": "t", "message_type": "template"}); num(t, r.JSON(t), "message_type") != 3 {
		t.Fatalf("template: %s", r.Body)
	}
	if r = e.ok("POST", p, map[string]any{"content_type": "cards", "content_attributes": map[string]any{"items": []int{}}}); kind(t, r.JSON(t), "content") != "null" {
		t.Fatalf("message without content: %s", r.Body)
	}
	rec.take()

	// Errors: 422 {"error": ...}, nothing created.
	webConv, _ := e.newConversation(web, "")
	start = lastEventID(t, e)
	before := e.tally(1)
	for _, c := range []struct {
		path string
		body any
		want string
	}{
		{p, map[string]any{"content": "x", "message_type": "foo"}, `{"error":"'foo' is not a valid message_type"}`},
		{p, map[string]any{"content": "x", "content_type": "video"}, `{"error":"'video' is not a valid content_type"}`},
		{p, map[string]any{"content": strings.Repeat("a", 150001)}, `{"error":"Validation failed: Content is too long (maximum is 150000 characters)"}`},
		{conv(webConv) + "/messages", map[string]any{"content": "x", "message_type": "incoming"}, `{"error":"Incoming messages are only allowed in Api inboxes"}`},
		{p, map[string]any{"content": "x", "private": "maybe"}, `{"error":"Private must be true or false"}`},
		{p, map[string]any{"content": "x", "content_attributes": 5}, `{"error":"Content attributes must be an object"}`},
		{p, map[string]any{"content": []string{"x"}}, `{"error":"Content must be a string"}`},
	} {
		r := e.do("POST", c.path, adminToken, c.body)
		if r.Status != 422 || string(r.Body) != c.want {
			t.Errorf("create %.80v: got %d %s, want 422 %s", c.body, r.Status, r.Body, c.want)
		}
	}
	// A web widget inbox takes outgoing messages.
	e.ok("POST", conv(webConv)+"/messages", map[string]any{"content": "From the agent"})
	if got := e.tally(1); got.Messages != before.Messages+1 {
		t.Fatalf("messages: %d, want %d", got.Messages, before.Messages+1)
	}
	e.expectEvents(start, "message_created", "conversation_updated")

	// Not found: unknown, non-numeric and another account's conversation.
	other, otherToken := e.otherAccount()
	otherInbox := e.apiInboxIn(other, "Theirs")
	acct2 := fmt.Sprintf("/api/v1/accounts/%d", other)
	theirs := num(t, e.must(200, "POST", acct2+"/contacts", otherToken, map[string]any{"name": "T", "inbox_id": otherInbox, "source_id": "t"}).JSON(t), "payload.contact.id")
	e.must(200, "POST", acct2+"/conversations", otherToken, map[string]any{"inbox_id": otherInbox, "contact_id": theirs})
	e.must(200, "POST", acct2+"/conversations", otherToken, map[string]any{"inbox_id": otherInbox, "contact_id": theirs})
	e.must(200, "POST", acct2+"/conversations", otherToken, map[string]any{"inbox_id": otherInbox, "contact_id": theirs})
	for _, cid := range []string{"3", "abc", "0"} {
		e.expectError(e.do("POST", a1+"/conversations/"+cid+"/messages", adminToken, map[string]any{"content": "x"}), 404, notFound)
	}
}

func TestMessageList(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, contactID := e.newConversation(inbox, "m0")
	ids := []int64{num(t, e.messageList(id, ""), "0.id")}
	for i := 1; i < 25; i++ {
		var m map[string]any
		if i%2 == 0 {
			m = e.incoming(id, fmt.Sprintf("m%d", i))
		} else {
			m = e.say(id, map[string]any{"content": fmt.Sprintf("m%d", i)})
		}
		ids = append(ids, num(t, m, "id"))
	}
	got := func(q string) []int64 {
		out := []int64{}
		for _, m := range e.messageList(id, q) {
			out = append(out, num(t, m, "id"))
		}
		return out
	}
	for q, want := range map[string][]int64{
		"":                                 ids[5:],
		fmt.Sprintf("?before=%d", ids[5]):  ids[:5],
		fmt.Sprintf("?before=%d", ids[24]): ids[4:24],
		fmt.Sprintf("?after=%d", ids[20]):  ids[21:],
		fmt.Sprintf("?after=%d", ids[24]):  {},
		fmt.Sprintf("?after=%d&before=%d", ids[3], ids[8]): ids[3:8], // Chatwoot: after <= id < before
		fmt.Sprintf("?before=%d&after=%d", ids[0], ids[0]): {},
	} {
		if g := got(q); !slices.Equal(g, want) {
			t.Errorf("messages%s\n got %v\nwant %v", q, g, want)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	r := e.ok("GET", conv(id)+"/messages", nil)
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "meta", "payload")
	expectKeys(t, r.Body, "meta", "labels", "additional_attributes", "contact", "agent_last_seen_at", "assignee_last_seen_at")
	expectKeys(t, r.Body, "meta.contact", contactPushKeys...)
	expectKinds(t, v, map[string]string{"meta.labels": "array", "meta.additional_attributes": "object",
		"meta.agent_last_seen_at": "null", "meta.assignee_last_seen_at": "null", "meta.contact.id": "int"})
	if num(t, v, "meta.contact.id") != contactID || str(t, v, "meta.contact.type") != "contact" {
		t.Fatalf("messages meta: %s", r.Body)
	}
	for i, m := range list(t, v, "payload") {
		expectKeys(t, r.Body, fmt.Sprintf("payload.%d", i), messageKeys...)
		want := int64(1) // payload i is m(i+5): even ones are incoming
		if i%2 == 1 {
			want = 0
		}
		if num(t, m, "message_type") != want || num(t, m, "conversation_id") != id {
			t.Fatalf("message %d: %v", i, m)
		}
	}

	// With an assignee, labels and an activity message.
	bobID, _ := e.agent("bob", chat.RoleAgent)
	e.ok("POST", conv(id)+"/assignments", map[string]any{"assignee_id": bobID})
	e.ok("POST", conv(id)+"/labels", map[string]any{"labels": []string{"vip"}})
	r = e.ok("GET", conv(id)+"/messages", nil)
	v = r.JSON(t)
	expectKeys(t, r.Body, "meta", "labels", "additional_attributes", "contact", "assignee", "agent_last_seen_at", "assignee_last_seen_at")
	expectKeys(t, r.Body, "meta.assignee", userPushKeys...)
	if num(t, v, "meta.assignee.id") != bobID || str(t, v, "meta.labels.0") != "vip" {
		t.Fatalf("messages meta with assignee: %s", r.Body)
	}
	msgs := list(t, v, "payload")
	if len(msgs) != 20 {
		t.Fatalf("%d messages, want the newest 20", len(msgs))
	}
	last := len(msgs) - 1
	expectKeys(t, r.Body, fmt.Sprintf("payload.%d", last), "id", "content", "inbox_id", "conversation_id", "message_type",
		"content_type", "status", "content_attributes", "created_at", "private", "source_id")
	if num(t, msgs[last], "message_type") != 2 || str(t, msgs[last], "content") != "Administrator added vip" ||
		num(t, msgs[last-1], "message_type") != 2 || str(t, msgs[last-1], "content") != "Assigned to bob by Administrator" {
		t.Fatalf("activity messages: %v", msgs[last-1:])
	}

	e.expectError(e.do("GET", conv(id+1)+"/messages", adminToken, nil), 404, notFound)
	e.expectError(e.do("GET", a1+"/conversations/x/messages", adminToken, nil), 404, notFound)
}

func TestMessageListAfterLimit(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "first")
	first := num(t, e.messageList(id, ""), "0.id")
	for i := 0; i < 101; i++ {
		e.say(id, map[string]any{"content": fmt.Sprint(i)})
	}
	got := e.messageList(id, fmt.Sprintf("?after=%d", first))
	if len(got) != 100 || num(t, got[0], "id") != first+1 || num(t, got[99], "id") != first+100 {
		t.Fatalf("after: %d messages from %v", len(got), got[0])
	}
	if got := e.messageList(id, fmt.Sprintf("?after=%d&before=%d", first, first+102)); len(got) != 102 {
		t.Fatalf("after+before: %d messages, want 102", len(got))
	}
}

func TestMessageUpdate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	id, _ := e.newConversation(inbox, "")
	other, _ := e.newConversation(inbox, "")
	webConv, _ := e.newConversation(web, "")
	msg := num(t, e.say(id, map[string]any{"content": "Hello", "content_attributes": map[string]any{"a": 1}}), "id")
	otherMsg := num(t, e.say(other, map[string]any{"content": "Other"}), "id")
	webMsg := num(t, e.say(webConv, map[string]any{"content": "Web"}), "id")
	rec := e.recordChanges()
	p := fmt.Sprintf("%s/messages/%d", conv(id), msg)

	step := func(body any, status string, attrs string, changes ...string) {
		t.Helper()
		r := e.ok("PATCH", p, body)
		v := r.JSON(t)
		expectKeys(t, r.Body, "", messageKeys...)
		if num(t, v, "id") != msg || str(t, v, "status") != status || string(mustRaw(t, r.Body, "content_attributes")) != attrs ||
			str(t, v, "content") != "Hello" || num(t, v, "conversation_id") != id {
			t.Fatalf("PATCH %v: %s, want status %s and %s", body, r.Body, status, attrs)
		}
		if changes == nil {
			expectChanges(t, rec.take())
		} else {
			expectChanges(t, rec.take(), ev("message_updated", changes...))
		}
	}
	step(map[string]any{"status": "delivered"}, "delivered", `{"a":1}`, "updated_at", "status")
	step(map[string]any{"message": map[string]any{"status": "read"}}, "read", `{"a":1}`, "updated_at", "status")
	step(map[string]any{"status": "delivered"}, "read", `{"a":1}`) // read never goes back to delivered
	step(map[string]any{"status": "bogus"}, "read", `{"a":1}`)     // unknown statuses are ignored
	step(map[string]any{}, "read", `{"a":1}`)
	step(map[string]any{"status": "failed", "external_error": "Recipient blocked"}, "failed", `{"a":1,"external_error":"Recipient blocked"}`,
		"updated_at", "status", "content_attributes")
	// Rails' store accessor writes the cleared error as null.
	step(map[string]any{"status": "sent", "external_error": "ignored"}, "sent", `{"a":1,"external_error":null}`,
		"updated_at", "status", "content_attributes")
	step(map[string]any{"status": "failed"}, "failed", `{"a":1,"external_error":null}`, "updated_at", "status")
	step(map[string]any{"status": "failed", "external_error": "Timeout"}, "failed", `{"a":1,"external_error":"Timeout"}`,
		"updated_at", "content_attributes")
	step(map[string]any{"status": "failed", "external_error": "Timeout"}, "failed", `{"a":1,"external_error":"Timeout"}`)

	// Only API inboxes; Chatwoot checks that before looking for the message.
	forbidden := `{"error":"Message status update is only allowed for API inboxes"}`
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/messages/%d", conv(webConv), webMsg), adminToken, map[string]any{"status": "read"}), 403, forbidden)
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/messages/%d", conv(webConv), webMsg+100), adminToken, map[string]any{"status": "read"}), 403, forbidden)
	// Not found: unknown, non-numeric, another conversation's message, an
	// unknown conversation.
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/messages/%d", conv(id), msg+100), adminToken, map[string]any{"status": "read"}), 404, notFound)
	e.expectError(e.do("PATCH", conv(id)+"/messages/abc", adminToken, map[string]any{"status": "read"}), 404, notFound)
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/messages/%d", conv(id), otherMsg), adminToken, map[string]any{"status": "read"}), 404, notFound)
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/messages/%d", conv(99), msg), adminToken, map[string]any{"status": "read"}), 404, notFound)
	expectChanges(t, rec.take())
}

func TestMessageDelete(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	id, _ := e.newConversation(inbox, "")
	webConv, _ := e.newConversation(web, "")
	m := e.say(id, map[string]any{"content": "Pick", "content_type": "input_select", "content_attributes": map[string]any{"items": []int{1}}})
	msg := num(t, m, "id")
	webMsg := num(t, e.say(webConv, map[string]any{"content": "web"}), "id")
	rec := e.recordChanges()
	p := fmt.Sprintf("%s/messages/%d", conv(id), msg)

	r := e.ok("DELETE", p, nil)
	v := r.JSON(t)
	expectKeys(t, r.Body, "", messageKeys...)
	if str(t, v, "content") != "This message was deleted" || str(t, v, "content_type") != "text" ||
		string(mustRaw(t, r.Body, "content_attributes")) != `{"deleted":true}` || num(t, v, "id") != msg ||
		str(t, v, "sender.type") != "user" || num(t, v, "created_at") != num(t, m, "created_at") {
		t.Fatalf("deleted message: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("message_updated", "content", "updated_at", "content_type", "content_attributes"))

	// The row stays, in the list and as the conversation's last message.
	msgs := e.messageList(id, "")
	if n := len(msgs); num(t, msgs[n-1], "id") != msg || str(t, msgs[n-1], "content") != "This message was deleted" {
		t.Fatalf("deleted message in the list: %v", msgs)
	}
	if got := str(t, e.show(id).JSON(t), "last_non_activity_message.content"); got != "This message was deleted" {
		t.Fatalf("last message: %q", got)
	}

	// Deleting again changes nothing; any inbox may delete.
	e.ok("DELETE", p, nil)
	expectChanges(t, rec.take())
	e.ok("DELETE", fmt.Sprintf("%s/messages/%d", conv(webConv), webMsg), nil)
	expectChanges(t, rec.take(), ev("message_updated", "content", "updated_at", "content_attributes"))

	e.expectError(e.do("DELETE", fmt.Sprintf("%s/messages/%d", conv(id), msg+100), adminToken, nil), 404, notFound)
	e.expectError(e.do("DELETE", fmt.Sprintf("%s/messages/%d", conv(id), webMsg), adminToken, nil), 404, notFound)
	e.expectError(e.do("DELETE", conv(id)+"/messages/abc", adminToken, nil), 404, notFound)
	expectChanges(t, rec.take())
}
