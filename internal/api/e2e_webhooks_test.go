package api_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// deliveryIndex maps delivery ids (X-Chatwoot-Delivery) to their stored
// delivery and event.
type deliveryIndex struct {
	deliveries map[string]chat.Delivery
	events     map[int64]chat.Event
}

func (e *testEnv) deliveryIndex() deliveryIndex {
	e.t.Helper()
	ix := deliveryIndex{deliveries: map[string]chat.Delivery{}, events: map[int64]chat.Event{}}
	err := e.Store.View(context.Background(), func(tx chat.Tx) error {
		ds, err := tx.ListDeliveries(1, 0, 10000)
		if err != nil {
			return err
		}
		for _, d := range ds {
			ix.deliveries[d.UUID] = d
		}
		evs, err := tx.ListEvents(1, 0, 10000)
		for _, ev := range evs {
			ix.events[ev.ID] = ev
		}
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ix
}

// delivery is a received request matched with what Parley stored for it.
type delivery struct {
	received
	Event chat.Event
	V     any // the body, decoded
}

// match pairs each request with its stored delivery and event, checks that
// the body is the stored payload byte for byte and went to the delivery's
// URL, and returns the requests by path in event order.
func (ix deliveryIndex) match(t *testing.T, reqs []received) map[string][]delivery {
	t.Helper()
	out := map[string][]delivery{}
	seen := map[string]bool{}
	for _, q := range reqs {
		if q.Err != nil {
			t.Errorf("request to %s failed the receiver's checks: %v", q.Path, q.Err)
		}
		id := q.Header.Get("X-Chatwoot-Delivery")
		if seen[id] {
			t.Errorf("delivery %s received twice", id)
		}
		seen[id] = true
		d, ok := ix.deliveries[id]
		if !ok {
			t.Fatalf("request with unknown delivery id %q", id)
		}
		u, err := url.Parse(d.URL)
		if err != nil || u.Path != q.Path {
			t.Errorf("delivery %s for %s arrived at %s", id, d.URL, q.Path)
		}
		ev := ix.events[d.EventID]
		if !bytes.Equal(q.Body, ev.Payload) {
			t.Errorf("%s body is not the stored payload:\n got %s\nwant %s", ev.Name, q.Body, ev.Payload)
		}
		out[q.Path] = append(out[q.Path], delivery{received: q, Event: ev, V: decode(t, q.Body)})
	}
	for p := range out {
		sort.Slice(out[p], func(i, j int) bool { return out[p][i].Event.ID < out[p][j].Event.ID })
	}
	return out
}

func names(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Event.Name)
	}
	return out
}

// TestWebhooksEndToEnd runs the scenario through the HTTP API with a
// real receiver registered twice: as an account webhook subscribed to all 12
// events (path /account) and as an API inbox's webhook_url (path /inbox).
// The receiver checks every request's headers and both signatures with
// implementations of its own (webhook_helpers_test.go).
func TestWebhooksEndToEnd(t *testing.T) {
	e := newEnv(t)
	rcv := newReceiver(t)
	hookID, secret := e.webhook(rcv.URL+"/account", allEvents)
	rcv.expect("/account", secret)

	inboxJSON := e.ok("POST", a1+"/inboxes", map[string]any{"name": "API", "channel": map[string]any{"type": "api", "webhook_url": rcv.URL + "/inbox"}}).JSON(t)
	inbox := num(t, inboxJSON, "id")
	rcv.expect("/inbox", str(t, inboxJSON, "secret"))
	agent, agentToken := e.agent("jane", chat.RoleAgent)

	contact, source := e.visitor(inbox, map[string]any{"name": "Ann"})
	id := num(t, e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": contact, "source_id": source}).JSON(t), "id")
	incoming := num(t, e.incoming(id, "Hi, I need help"), "id")
	reply := num(t, e.must(200, "POST", conv(id)+"/messages", agentToken, map[string]any{"content": "Hello Ann"}).JSON(t), "id")
	note := num(t, e.must(200, "POST", conv(id)+"/messages", agentToken, map[string]any{"content": "Ann is a VIP", "private": true}).JSON(t), "id")
	e.ok("POST", conv(id)+"/assignments", map[string]any{"assignee_id": agent})
	e.ok("POST", conv(id)+"/labels", map[string]any{"labels": []string{"vip"}})
	e.ok("POST", conv(id)+"/toggle_status", nil) // open → resolved

	ix := e.deliveryIndex()
	got := ix.match(t, rcv.take(t, len(ix.deliveries)))
	conversationEvents := []string{
		"conversation_created",
		"message_created",                         // incoming
		"message_created", "conversation_updated", // the agent's first reply
		"message_created",                                     // the private note
		"conversation_updated",                                // assignment
		"conversation_updated",                                // labels
		"conversation_status_changed", "conversation_updated", // resolve
	}
	// Account webhooks get inbox and contact events too; the inbox URL only
	// its conversations' and messages' (contract §2, Targets).
	if want := append([]string{"inbox_created", "contact_created"}, conversationEvents...); !slices.Equal(names(got["/account"]), want) {
		t.Fatalf("account webhook received\n %v\nwant %v", names(got["/account"]), want)
	}
	if !slices.Equal(names(got["/inbox"]), conversationEvents) {
		t.Fatalf("inbox webhook_url received\n %v\nwant %v", names(got["/inbox"]), conversationEvents)
	}
	if len(ix.deliveries) != len(got["/account"])+len(got["/inbox"]) {
		t.Fatalf("%d deliveries stored", len(ix.deliveries))
	}

	for _, path := range []string{"/account", "/inbox"} {
		ds := got[path]
		if path == "/account" {
			ds = ds[2:]
		}
		check := func(i int, name, p, want string) {
			t.Helper()
			if ds[i].Event.Name != name {
				t.Fatalf("%s %d is %s, want %s", path, i, ds[i].Event.Name, name)
			}
			if got := fmt.Sprint(path0(ds[i].V, p)); got != want {
				t.Errorf("%s %s %s = %s, want %s", path, name, p, got, want)
			}
		}
		check(0, "conversation_created", "id", fmt.Sprint(id))
		check(1, "message_created", "id", fmt.Sprint(incoming))
		check(1, "message_created", "message_type", "incoming")
		check(1, "message_created", "sender.type", "contact")
		check(1, "message_created", "private", "false")
		check(2, "message_created", "id", fmt.Sprint(reply))
		check(2, "message_created", "message_type", "outgoing")
		check(2, "message_created", "sender", fmt.Sprintf("map[email:jane@example.com id:%d name:jane type:user]", agent))
		check(3, "conversation_updated", "changed", "updated_at first_reply_created_at waiting_since")
		check(4, "message_created", "id", fmt.Sprint(note))
		check(4, "message_created", "private", "true")
		check(4, "message_created", "conversation.messages.0.id", fmt.Sprint(reply))
		check(5, "conversation_updated", "changed", "assignee_id updated_at")
		check(5, "conversation_updated", "changed_attributes.0.assignee_id.current_value", fmt.Sprint(agent))
		check(5, "conversation_updated", "meta.assignee.id", fmt.Sprint(agent))
		check(6, "conversation_updated", "changed", "updated_at cached_label_list label_list")
		check(6, "conversation_updated", "changed_attributes.2.label_list.current_value", "[vip]")
		for i, name := range []string{"conversation_status_changed", "conversation_updated"} {
			check(7+i, name, "changed", "status updated_at")
			check(7+i, name, "changed_attributes.0.status.previous_value", "open")
			check(7+i, name, "changed_attributes.0.status.current_value", "resolved")
			check(7+i, name, "status", "resolved")
		}
	}

	// The receiver's checks can fail: a changed byte breaks both signatures.
	q := got["/account"][0]
	if verifyDelivery("POST", q.Header, append(bytes.Clone(q.Body), ' '), []string{secret}) == nil {
		t.Fatal("a tampered body passed the receiver's checks")
	}

	// Rotation: the new secret signs X-Chatwoot-Signature, and both sign
	// webhook-signature (two v1 signatures, each verifying on its own).
	// The sender signs with the real clock, so the 24-hour overlap must run
	// from now rather than from the test clock's date.
	e.Clock.Set(time.Now())
	rot := e.ok("POST", fmt.Sprintf("%s/webhooks/%d/rotate_secret", a1, hookID), nil).JSON(t)
	newSecret := str(t, rot, "payload.webhook.secret")
	if newSecret == secret || len(newSecret) != 24 {
		t.Fatalf("rotated secret %q (old %q)", newSecret, secret)
	}
	if got, want := str(t, rot, "payload.webhook.standard_webhooks_secret"), "whsec_"+base64.StdEncoding.EncodeToString([]byte(newSecret)); got != want {
		t.Errorf("standard_webhooks_secret %q, want %q", got, want)
	}
	rcv.expect("/account", newSecret, secret)
	e.ok("PATCH", fmt.Sprintf("%s/contacts/%d", a1, contact), map[string]any{"name": "Ann Lee"})
	ix = e.deliveryIndex()
	after := ix.match(t, rcv.take(t, 1))["/account"]
	if len(after) != 1 || after[0].Event.Name != "contact_updated" {
		t.Fatalf("after rotation received %v", names(after))
	}
	h := after[0].Header
	if sigs := strings.Split(h.Get("webhook-signature"), " "); len(sigs) != 2 {
		t.Errorf("webhook-signature %q: want two signatures", h.Get("webhook-signature"))
	}
	old := hmac.New(sha256.New, []byte(secret))
	old.Write([]byte(h.Get("X-Chatwoot-Timestamp") + "." + string(after[0].Body)))
	if h.Get("X-Chatwoot-Signature") == "sha256="+hex.EncodeToString(old.Sum(nil)) {
		t.Error("X-Chatwoot-Signature uses the old secret")
	}
	check := decode(t, after[0].Body)
	if got := fmt.Sprint(path0(check, "changed")); got != "name updated_at" {
		t.Errorf("contact_updated changes %s", got)
	}
}

// path0 reads a path of a decoded payload; "changed" names the attributes of
// changed_attributes, space-separated.
func path0(v any, p string) any {
	if p == "changed" {
		var out []string
		list, _ := path0(v, "changed_attributes").([]any)
		for _, el := range list {
			m, _ := el.(map[string]any)
			for k := range m {
				out = append(out, k)
			}
		}
		return strings.Join(out, " ")
	}
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}
