package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

const chromeUA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36 Edg/144.0.0.0"

// TestWidgetVisitorFlow walks the widget API as Chatwoot's widget calls it,
// from the first visit to the end of the chat.
func TestWidgetVisitorFlow(t *testing.T) {
	e := newEnv(t)
	inboxID := e.webInbox("Website")
	e.setWidget(inboxID, func(w *chat.WebWidgetChannel) { w.WelcomeTitle, w.WelcomeTagline = "Hi there!", "We reply fast" })
	in := e.inbox(inboxID)
	after := e.expectEvents(0)

	// config: a new visitor (contact_created) and its token.
	q := "?website_token=" + in.WebWidget.WebsiteToken
	r := e.visit("POST", "/api/v1/widget/config"+q, "", nil)
	if r.Status != 200 {
		t.Fatalf("config: %d %s", r.Status, r.Body)
	}
	cfg := r.JSON(t)
	tok := str(t, cfg, "website_channel_config.auth_token")
	for p, want := range map[string]string{"website_channel_config.welcome_title": "Hi there!", "website_channel_config.welcome_tagline": "We reply fast",
		"website_channel_config.website_token": in.WebWidget.WebsiteToken, "website_channel_config.widget_color": "#1f93ff",
		"website_channel_config.reply_time": "in_a_few_minutes", "website_channel_config.website_name": "Website"} {
		if got := str(t, cfg, p); got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
	}
	if got := keys(t, r.Body, ""); !slices.Equal(got, []string{"website_channel_config", "contact", "global_config"}) {
		t.Errorf("config keys %v", got)
	}
	if got := keys(t, r.Body, "contact"); !slices.Equal(got, []string{"email", "id", "identifier", "name", "phone_number", "pubsub_token"}) {
		t.Errorf("config contact keys %v", got)
	}
	contactID := num(t, cfg, "contact.id")
	after = e.expectEvents(after, chat.EventContactCreated)
	// The same token again: the same visitor, no new contact.
	r = e.visit("POST", "/api/v1/widget/config"+q, tok, nil)
	if num(t, r.JSON(t), "contact.id") != contactID || str(t, r.JSON(t), "website_channel_config.auth_token") != tok {
		t.Fatalf("config with the token gave another visitor: %s", r.Body)
	}
	after = e.expectEvents(after)

	r = e.visit("GET", "/api/v1/widget/contact"+q, tok, nil)
	sourceID := str(t, r.JSON(t), "source_id")
	if r.Status != 200 || num(t, r.JSON(t), "id") != contactID || r.JSON(t).(map[string]any)["has_email"] != false {
		t.Fatalf("contact: %d %s", r.Status, r.Body)
	}

	// set_user with a valid identifier_hash verifies the contact inbox.
	hash := identifierHash(in.WebWidget.HMACToken, "user-42")
	r = e.visit("PATCH", "/api/v1/widget/contact/set_user"+q, tok, map[string]any{"identifier": "user-42", "identifier_hash": hash,
		"email": "ada@example.com", "name": "Ada"})
	if r.Status != 200 || str(t, r.JSON(t), "email") != "ada@example.com" || str(t, r.JSON(t), "name") != "Ada" {
		t.Fatalf("set_user: %d %s", r.Status, r.Body)
	}
	if ci := e.contactInbox(inboxID, sourceID); !ci.HMACVerified {
		t.Fatal("set_user with a valid hash left hmac_verified false")
	}
	after = e.expectEvents(after, chat.EventContactUpdated)

	r = e.visit("PATCH", "/api/v1/widget/contact"+q, tok, map[string]any{"custom_attributes": map[string]any{"plan": "pro"}})
	if r.Status != 200 || str(t, r.JSON(t), "name") != "Ada" {
		t.Fatalf("update contact: %d %s", r.Status, r.Body)
	}
	after = e.expectEvents(after, chat.EventContactUpdated)

	// No conversation yet.
	r = e.visit("GET", "/api/v1/widget/conversations"+q, tok, nil)
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != "{}" {
		t.Fatalf("conversations before any: %d %s", r.Status, r.Body)
	}
	r = e.visit("GET", "/api/v1/widget/messages"+q, tok, nil)
	if r.Status != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
		t.Fatalf("messages before any: %d %s", r.Status, r.Body)
	}

	// The first message starts the conversation, recording the browser.
	r = e.visit("POST", "/api/v1/widget/messages"+q, tok, map[string]any{"message": map[string]any{"content": "Hello!",
		"referer_url": "https://example.com/pricing", "timestamp": "Wed Jun 17 2026 12:00:00 GMT+0200", "echo_id": "e1"}},
		"User-Agent", chromeUA, "Accept-Language", "de-DE,de;q=0.9")
	if r.Status != 200 {
		t.Fatalf("message: %d %s", r.Status, r.Body)
	}
	if got := keys(t, r.Body, ""); !slices.Equal(got, []string{"id", "content", "message_type", "content_type", "content_attributes", "created_at", "conversation_id", "echo_id", "sender"}) {
		t.Errorf("message keys %v", got)
	}
	msg := r.JSON(t)
	if str(t, msg, "content") != "Hello!" || num(t, msg, "message_type") != 0 || str(t, msg, "sender.type") != "contact" || str(t, msg, "echo_id") != "e1" {
		t.Errorf("message %s", r.Body)
	}
	displayID := num(t, msg, "conversation_id")
	after = e.expectEvents(after, chat.EventConversationCreated, chat.EventMessageCreated)
	c := e.conversationRow(1, displayID)
	want := `{"browser":{"device_name":"Unknown","browser_name":"Microsoft Edge","platform_name":"Windows","browser_version":"144.0.0.0","platform_version":"10.0"},"referer":"https://example.com/pricing","initiated_at":{"timestamp":"Wed Jun 17 2026 12:00:00 GMT+0200"},"browser_language":"de"}`
	if string(c.AdditionalAttributes) != want {
		t.Errorf("additional_attributes\n got %s\nwant %s", c.AdditionalAttributes, want)
	}

	r = e.visit("GET", "/api/v1/widget/conversations"+q, tok, nil)
	if num(t, r.JSON(t), "id") != displayID || str(t, r.JSON(t), "status") != "open" {
		t.Fatalf("conversations: %s", r.Body)
	}

	// An agent's reply and a private note: the visitor sees the reply only.
	e.ok("POST", conv(displayID)+"/messages", map[string]any{"content": "Hi Ada"})
	e.ok("POST", conv(displayID)+"/messages", map[string]any{"content": "secret", "private": true})
	r = e.visit("GET", "/api/v1/widget/messages"+q, tok, nil)
	var list []struct {
		Content     string `json:"content"`
		MessageType int    `json:"message_type"`
	}
	json.Unmarshal(r.Body, &list)
	if len(list) != 2 || list[0].Content != "Hello!" || list[1].Content != "Hi Ada" || list[1].MessageType != 1 {
		t.Fatalf("messages: %s", r.Body)
	}
	after = e.expectEvents(after, chat.EventMessageCreated, chat.EventConversationUpdated, chat.EventMessageCreated)

	// Typing and last seen.
	r = e.visit("POST", "/api/v1/widget/conversations/toggle_typing"+q, tok, map[string]any{"typing_status": "on"})
	if r.Status != 200 {
		t.Fatalf("toggle_typing: %d %s", r.Status, r.Body)
	}
	evs := e.events(after)
	if len(evs) != 1 || evs[0].Name != chat.EventConversationTypingOn {
		t.Fatalf("typing events %v", eventNames(evs))
	}
	if typing := (&response{Body: evs[0].Payload}).JSON(t); num(t, typing, "user.id") != contactID || str(t, typing, "user.type") != "contact" {
		t.Fatalf("typing payload user: %s", evs[0].Payload)
	}
	after = evs[0].ID
	if r = e.visit("POST", "/api/v1/widget/conversations/update_last_seen"+q, tok, nil); r.Status != 200 {
		t.Fatalf("update_last_seen: %d %s", r.Status, r.Body)
	}
	if c := e.conversationRow(1, displayID); c.ContactLastSeenAt.IsZero() {
		t.Fatal("contact_last_seen_at not set")
	}

	// A form answer.
	formID := num(t, e.ok("POST", conv(displayID)+"/messages", map[string]any{"content": "Your email?", "content_type": "input_email"}).JSON(t), "id")
	after = e.expectEvents(after, chat.EventMessageCreated)
	r = e.visit("PATCH", "/api/v1/widget/messages/"+itoa(formID)+q, tok, map[string]any{"message": map[string]any{"submitted_email": "ada@example.com"}})
	if r.Status != 200 || str(t, r.JSON(t), "content_attributes.submitted_email") != "ada@example.com" {
		t.Fatalf("message update: %d %s", r.Status, r.Body)
	}
	after = e.expectEvents(after, chat.EventMessageUpdated)

	// webwidget.triggered: 204, and the payload's event_info.
	r = e.visit("POST", "/api/v1/widget/events"+q+"&locale=fr", tok, map[string]any{"name": "webwidget.triggered",
		"event_info": map[string]any{"initiated_at": map[string]any{"timestamp": "Wed Jun 17 2026 12:00:00 GMT+0200"}, "referer": "https://example.com/"}},
		"User-Agent", chromeUA, "Accept-Language", "en-US,en;q=0.9")
	if r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("events: %d %s", r.Status, r.Body)
	}
	evs = e.events(after)
	if len(evs) != 1 || evs[0].Name != chat.EventWebwidgetTriggered {
		t.Fatalf("events %+v", evs)
	}
	wantInfo := `{"initiated_at":{"timestamp":"Wed Jun 17 2026 12:00:00 GMT+0200"},"referer":"https://example.com/","widget_language":"fr","browser_language":"en","browser":{"browser_name":"Microsoft Edge","browser_version":"144.0.0.0","device_name":"Unknown","platform_name":"Windows","platform_version":"10.0"}}`
	var p map[string]json.RawMessage
	json.Unmarshal(evs[0].Payload, &p)
	if got := keys(t, evs[0].Payload, ""); !slices.Equal(got, []string{"id", "contact", "inbox", "account", "current_conversation", "source_id", "event", "event_info"}) {
		t.Errorf("payload keys %v", got)
	}
	if string(p["source_id"]) != `"`+sourceID+`"` || string(p["event_info"]) != wantInfo {
		t.Errorf("payload %s\nwant event_info %s", evs[0].Payload, wantInfo)
	}
	after = evs[0].ID

	// Ending the chat resolves the conversation; a new one can start.
	if r = e.visit("GET", "/api/v1/widget/conversations/toggle_status"+q, tok, nil); r.Status != 200 {
		t.Fatalf("toggle_status: %d %s", r.Status, r.Body)
	}
	if c := e.conversationRow(1, displayID); c.Status != chat.StatusResolved {
		t.Fatalf("status %s", c.Status)
	}
	after = e.expectEvents(after, chat.EventConversationStatusChanged, chat.EventConversationUpdated)
	r = e.visit("POST", "/api/v1/widget/conversations"+q, tok, map[string]any{"contact": map[string]any{"phone_number": "+15550001234"},
		"message": map[string]any{"content": "One more thing", "referer_url": "https://example.com/", "timestamp": "now"}})
	if r.Status != 200 || num(t, r.JSON(t), "id") == displayID || str(t, r.JSON(t), "status") != "open" ||
		str(t, r.JSON(t), "messages.0.content") != "One more thing" {
		t.Fatalf("create conversation: %d %s", r.Status, r.Body)
	}
	e.expectEvents(after, chat.EventContactUpdated, chat.EventConversationCreated, chat.EventMessageCreated)
}

func itoa(n int64) string { return strconvItoa(n) }
