package api_test

import (
	"bufio"
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// TestPublicClientAPI walks Chatwoot's public API for API inboxes.
func TestPublicClientAPI(t *testing.T) {
	e := newEnv(t)
	in := e.inbox(e.apiInbox("Client API"))
	pub := "/public/api/v1/inboxes/" + in.API.Identifier
	after := e.expectEvents(0)

	r := e.visit("POST", pub+"/contacts", "", map[string]any{"name": "Bo", "email": "bo@example.com", "identifier": "bo-1",
		"identifier_hash": identifierHash(in.API.HMACToken, "bo-1"), "source_id": "client-bo"})
	if r.Status != 200 {
		t.Fatalf("create contact: %d %s", r.Status, r.Body)
	}
	if got := keys(t, r.Body, ""); !slices.Equal(got, []string{"source_id", "pubsub_token", "id", "name", "email"}) {
		t.Errorf("contact keys %v", got)
	}
	if str(t, r.JSON(t), "source_id") != "client-bo" || str(t, r.JSON(t), "email") != "bo@example.com" {
		t.Errorf("contact %s", r.Body)
	}
	if !e.contactInbox(in.ID, "client-bo").HMACVerified {
		t.Error("a valid identifier_hash left hmac_verified false")
	}
	after = e.expectEvents(after, chat.EventContactCreated)
	// The same source id again is taken.
	r = e.visit("POST", pub+"/contacts", "", map[string]any{"source_id": "client-bo"})
	e.expectError(r, 422, `{"message":"Source has already been taken","attributes":["source_id"]}`)

	base := pub + "/contacts/client-bo"
	if r = e.visit("GET", base, "", nil); r.Status != 200 || str(t, r.JSON(t), "name") != "Bo" {
		t.Fatalf("show contact: %d %s", r.Status, r.Body)
	}
	r = e.visit("PATCH", base, "", map[string]any{"name": "Bo B."})
	if r.Status != 200 || str(t, r.JSON(t), "name") != "Bo B." {
		t.Fatalf("update contact: %d %s", r.Status, r.Body)
	}
	after = e.expectEvents(after, chat.EventContactUpdated)

	r = e.visit("POST", base+"/conversations", "", map[string]any{"custom_attributes": map[string]any{"order": "A-1"}})
	if r.Status != 200 {
		t.Fatalf("create conversation: %d %s", r.Status, r.Body)
	}
	if got := keys(t, r.Body, ""); !slices.Equal(got, []string{"id", "uuid", "inbox_id", "contact_last_seen_at", "status", "agent_last_seen_at", "messages", "contact"}) {
		t.Errorf("conversation keys %v", got)
	}
	id := num(t, r.JSON(t), "id")
	cp := base + "/conversations/" + itoa(id)
	after = e.expectEvents(after, chat.EventConversationCreated)

	r = e.visit("POST", cp+"/messages", "", map[string]any{"content": "Where is my order?", "echo_id": "x1"})
	if r.Status != 200 || num(t, r.JSON(t), "message_type") != 0 || str(t, r.JSON(t), "sender.type") != "contact" {
		t.Fatalf("create message: %d %s", r.Status, r.Body)
	}
	after = e.expectEvents(after, chat.EventMessageCreated)
	formID := num(t, e.ok("POST", conv(id)+"/messages", map[string]any{"content": "Pick one", "content_type": "input_select",
		"content_attributes": map[string]any{"items": []any{map[string]any{"title": "A", "value": "a"}}}}).JSON(t), "id")
	// The first agent reply also sets first_reply_created_at.
	after = e.expectEvents(after, chat.EventMessageCreated, chat.EventConversationUpdated)

	r = e.visit("GET", cp+"/messages", "", nil)
	if r.Status != 200 || str(t, r.JSON(t), "0.content") != "Where is my order?" || str(t, r.JSON(t), "1.content") != "Pick one" {
		t.Fatalf("messages: %d %s", r.Status, r.Body)
	}
	r = e.visit("PATCH", cp+"/messages/"+itoa(formID), "", map[string]any{"submitted_values": []any{map[string]any{"title": "A", "value": "a"}}})
	if r.Status != 200 || str(t, r.JSON(t), "content_attributes.submitted_values.0.value") != "a" {
		t.Fatalf("update message: %d %s", r.Status, r.Body)
	}
	after = e.expectEvents(after, chat.EventMessageUpdated)

	for _, p := range []string{"/toggle_typing", "/update_last_seen"} {
		if r = e.visit("POST", cp+p, "", map[string]any{"typing_status": "on"}); r.Status != 200 {
			t.Fatalf("%s: %d %s", p, r.Status, r.Body)
		}
	}
	after = e.expectEvents(after, chat.EventConversationTypingOn)

	if r = e.visit("GET", cp, "", nil); r.Status != 200 || len(path(t, r.JSON(t), "messages").([]any)) != 2 {
		t.Fatalf("show conversation: %d %s", r.Status, r.Body)
	}
	if r = e.visit("GET", base+"/conversations", "", nil); r.Status != 200 || num(t, r.JSON(t), "0.id") != id {
		t.Fatalf("list conversations: %d %s", r.Status, r.Body)
	}
	r = e.visit("POST", cp+"/toggle_status", "", nil)
	if r.Status != 200 || str(t, r.JSON(t), "status") != "resolved" {
		t.Fatalf("toggle_status: %d %s", r.Status, r.Body)
	}
	e.expectEvents(after, chat.EventConversationStatusChanged, chat.EventConversationUpdated)

	// Another visitor's conversation is not found.
	other := str(t, e.visit("POST", pub+"/contacts", "", map[string]any{"name": "Cy"}).JSON(t), "source_id")
	r = e.visit("GET", pub+"/contacts/"+other+"/conversations/"+itoa(id), "", nil)
	e.expectError(r, 404, `{"error":"Resource could not be found"}`)
}

// TestIdentityValidation: with hmac_mandatory, a missing or wrong
// identifier_hash is refused with 401 and changes nothing.
func TestIdentityValidation(t *testing.T) {
	e := newEnv(t)
	web := e.webInbox("Website")
	e.setWidget(web, func(w *chat.WebWidgetChannel) { w.HMACMandatory = true })
	q, tok := e.widgetVisitor(web)
	key := e.inbox(web).WebWidget.HMACToken
	for _, hash := range []string{"", "deadbeef", identifierHash(key, "someone-else")} {
		r := e.visit("PATCH", "/api/v1/widget/contact/set_user"+q, tok, map[string]any{"identifier": "u-1", "identifier_hash": hash, "name": "Eve"})
		e.expectError(r, 401, `{"error":"HMAC failed: Invalid Identifier Hash Provided"}`)
	}
	r := e.visit("PATCH", "/api/v1/widget/contact/set_user"+q, tok, map[string]any{"identifier": "u-1", "identifier_hash": identifierHash(key, "u-1"), "name": "Al"})
	if r.Status != 200 || str(t, r.JSON(t), "name") != "Al" {
		t.Fatalf("set_user with the right hash: %d %s", r.Status, r.Body)
	}
	// A second visitor naming the same identifier joins that contact.
	q2, tok2 := e.widgetVisitor(web)
	r = e.visit("PATCH", "/api/v1/widget/contact/set_user"+q2, tok2, map[string]any{"identifier": "u-1", "identifier_hash": identifierHash(key, "u-1")})
	if r.Status != 200 || str(t, r.JSON(t), "name") != "Al" {
		t.Fatalf("second visitor: %d %s", r.Status, r.Body)
	}
}

// TestWidgetOrigin: a browser page on another website cannot use an inbox
// whose website_url is set; the widget's own page and servers can.
func TestWidgetOrigin(t *testing.T) {
	e := newEnv(t)
	web := e.webInbox("Website") // website_url https://example.com
	q := "?website_token=" + e.inbox(web).WebWidget.WebsiteToken
	r := e.visit("POST", "/api/v1/widget/config"+q, "", nil, "Origin", "https://evil.example.net")
	e.expectError(r, 403, `{"error":"This website is not allowed to use this inbox"}`)
	for _, origin := range []string{"https://example.com", e.URL, ""} {
		if r := e.visit("POST", "/api/v1/widget/config"+q, "", nil, "Origin", origin); r.Status != 200 {
			t.Errorf("Origin %q: %d %s", origin, r.Status, r.Body)
		}
	}
	res, err := http.Get(e.URL + "/widget" + q)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Content-Security-Policy"); res.StatusCode != 200 || got != "frame-ancestors 'self' https://example.com example.com" {
		t.Errorf("widget page: %d CSP %q", res.StatusCode, got)
	}
	for p, ct := range map[string]string{"/packs/js/sdk.js": "text/javascript; charset=utf-8", "/widget/widget.js": "text/javascript; charset=utf-8", "/widget/widget.css": "text/css; charset=utf-8"} {
		res, err := http.Get(e.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != ct {
			t.Errorf("%s: %d %s", p, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if res, _ := http.Get(e.URL + "/widget?website_token=nope"); res.StatusCode != 404 {
		t.Errorf("widget page of an unknown token: %d", res.StatusCode)
	}
}

// TestWidgetStream: an agent's reply and typing reach the visitor's open
// event stream; private notes do not.
func TestWidgetStream(t *testing.T) {
	e := newEnv(t)
	web := e.webInbox("Website")
	q, tok := e.widgetVisitor(web)
	r := e.visit("POST", "/api/v1/widget/messages"+q, tok, map[string]any{"message": map[string]any{"content": "Hi"}})
	id := num(t, r.JSON(t), "conversation_id")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.URL+"/api/v1/widget/stream"+q+"&auth_token="+tok, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("stream: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := bufio.NewScanner(res.Body)
	next := func() (string, string) { // the next event's name and data
		var ev, data string
		for lines.Scan() {
			l := lines.Text()
			switch {
			case strings.HasPrefix(l, "event: "):
				ev = l[7:]
			case strings.HasPrefix(l, "data: "):
				data = l[6:]
			case l == "" && ev != "":
				return ev, data
			}
		}
		t.Fatalf("stream ended: %v", lines.Err())
		return "", ""
	}
	// The stream is subscribed once its first comment arrives.
	for lines.Scan() && lines.Text() != ": connected" {
	}
	e.ok("POST", conv(id)+"/toggle_typing_status", map[string]any{"typing_status": "on"})
	e.ok("POST", conv(id)+"/messages", map[string]any{"content": "note", "private": true})
	e.ok("POST", conv(id)+"/messages", map[string]any{"content": "Hello from the agent"})
	if ev, data := next(); ev != "conversation.typing_on" || data != `{"conversation_id":`+itoa(id)+`,"status":"open"}` {
		t.Fatalf("first event %s %s", ev, data)
	}
	ev, data := next()
	if ev != "message.created" || !strings.Contains(data, `"content":"Hello from the agent","message_type":1`) {
		t.Fatalf("second event %s %s", ev, data)
	}
}

// The public client API answers browsers on any site, as Chatwoot's does:
// a preflight gets 204 with what it asked for, a request the open origin.
func TestPublicClientAPICORS(t *testing.T) {
	e := newEnv(t)
	in := e.inbox(e.apiInbox("Client API"))
	url := e.URL + "/public/api/v1/inboxes/" + in.API.Identifier + "/contacts"
	req, _ := http.NewRequest("OPTIONS", url, nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type, x-auth-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 204 || res.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(res.Header.Get("Access-Control-Allow-Methods"), "POST") ||
		res.Header.Get("Access-Control-Allow-Headers") != "content-type, x-auth-token" {
		t.Errorf("preflight: %d %v", res.StatusCode, res.Header)
	}
	r := e.visit("POST", "/public/api/v1/inboxes/"+in.API.Identifier+"/contacts", "", map[string]any{"name": "Cy"}, "Origin", "https://app.example")
	if r.Status != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("POST from another site: %d, Access-Control-Allow-Origin %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"))
	}
	// The Application API stays closed to other sites.
	req, _ = http.NewRequest("OPTIONS", e.URL+"/api/v1/accounts/1/contacts", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the Application API allows other sites: %v", res.Header)
	}
}
