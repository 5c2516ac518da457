package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestFailedRequestLeavesNothing sends requests that fail part-way through
// their transaction, after rows were written and events raised, and checks
// that neither the rows nor the events survive, and that the display id
// they reserved is given back.
func TestFailedRequestLeavesNothing(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	first, _ := e.newConversation(inbox, "Hello")
	// A contact that has no contact inbox yet: a conversation for it must
	// first create one.
	alice := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com"})
	rec := e.recordChanges()
	before := e.tally(1)
	start := lastEventID(t, e)

	for _, c := range []struct {
		name   string
		path   string
		body   any
		status int
		want   string
	}{
		// The contact inbox is created, then the status fails validation.
		{"invalid status", a1 + "/conversations",
			map[string]any{"inbox_id": inbox, "contact_id": alice, "status": "archived"},
			422, `{"message":"Status is not included in the list","attributes":["status"]}`},
		// The contact inbox, the conversation (with its display id) and its
		// conversation_created event exist when the message fails.
		{"invalid first message type", a1 + "/conversations",
			map[string]any{"inbox_id": inbox, "contact_id": alice, "message": map[string]any{"content": "x", "message_type": "foo"}},
			422, `{"error":"'foo' is not a valid message_type"}`},
		{"incoming first message in a web widget inbox", a1 + "/conversations",
			map[string]any{"inbox_id": web, "contact_id": alice, "message": map[string]any{"content": "x", "message_type": "incoming"}},
			422, `{"error":"Incoming messages are only allowed in Api inboxes"}`},
		{"first message too long", a1 + "/conversations",
			map[string]any{"inbox_id": inbox, "contact_id": alice, "source_id": "alice-1",
				"message": map[string]any{"content": strings.Repeat("x", 150001)}},
			422, `{"error":"Validation failed: Content is too long (maximum is 150000 characters)"}`},
		{"first message with a bad content type", a1 + "/conversations",
			map[string]any{"conversation": map[string]any{"inbox_id": inbox, "contact_id": alice, "status": "pending",
				"message": map[string]any{"content": "x", "content_type": "hologram"}}},
			422, `{"error":"'hologram' is not a valid content_type"}`},
		// The contact and its contact_created event exist when the inbox
		// turns out not to.
		{"contact with an unknown inbox", a1 + "/contacts",
			map[string]any{"name": "Bob", "email": "bob@example.com", "inbox_id": inbox + 100},
			404, notFound},
		{"contact inbox for a taken source id", fmt.Sprintf("%s/contacts/%d/contact_inboxes", a1, alice),
			map[string]any{"inbox_id": inbox, "source_id": e.conversationRowSource(first)},
			422, `{"message":"Source has already been taken","attributes":["source_id"]}`},
	} {
		r := e.do("POST", c.path, adminToken, c.body)
		if r.Status != c.status || string(r.Body) != c.want {
			t.Errorf("%s: got %d %s\nwant %d %s", c.name, r.Status, r.Body, c.status, c.want)
		}
		if got := e.tally(1); got != before {
			t.Errorf("%s left rows behind: %+v, want %+v", c.name, got, before)
		}
		if evs := e.events(start); len(evs) != 0 {
			t.Errorf("%s left events behind: %v", c.name, eventNames(evs))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if evs := rec.take(); len(evs) != 0 {
		t.Fatalf("rolled-back events reached the event sink: %v", eventNames(evs))
	}
	if cis, _ := e.rowsOf(alice, 0); cis != 0 {
		t.Fatalf("alice has %d contact inboxes", cis)
	}
	r := e.ok("GET", fmt.Sprintf("%s/contacts/search?q=bob", a1), nil)
	if n := len(list(t, r.JSON(t), "payload")); n != 0 {
		t.Fatalf("the contact of a failed create exists: %s", r.Body)
	}

	// The next conversation gets the next display id: nothing was used up.
	r = e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": alice,
		"message": map[string]any{"content": "Now it works", "message_type": "incoming"}})
	if got := num(t, r.JSON(t), "id"); got != first+1 {
		t.Fatalf("next display id = %d, want %d", got, first+1)
	}
	e.expectEvents(start, "conversation_created", "message_created")
	after := e.tally(1)
	if after.Conversations != before.Conversations+1 || after.Messages != before.Messages+1 || after.ContactInboxes != before.ContactInboxes+1 {
		t.Fatalf("after the successful create: %+v (before %+v)", after, before)
	}
}

// conversationRowSource returns the source id of a conversation's contact
// inbox.
func (e *testEnv) conversationRowSource(displayID int64) string {
	e.t.Helper()
	r := e.ok("GET", conv(displayID), nil)
	return str(e.t, r.JSON(e.t), "messages.0.conversation.contact_inbox.source_id")
}

// TestConcurrentFailuresAreIsolated runs succeeding and failing creates at
// once, so that the group-commit writer batches them in one transaction:
// each failure must roll back alone, and the successes must get display ids
// 1..n without gaps.
func TestConcurrentFailuresAreIsolated(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	alice := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com"})
	rec := e.recordChanges()
	before := e.tally(1)

	const n = 40
	type result struct {
		status int
		body   []byte
		err    error
	}
	results := make([]result, n)
	var wg sync.WaitGroup
	startLine := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			msgType := "incoming"
			if i%2 == 1 {
				msgType = "bogus"
			}
			<-startLine
			status, body, err := e.rawRequest("POST", a1+"/conversations", adminToken, map[string]any{
				"inbox_id": inbox, "contact_id": alice, "message": map[string]any{"content": fmt.Sprint("m", i), "message_type": msgType}})
			results[i] = result{status, body, err}
		}(i)
	}
	close(startLine)
	wg.Wait()

	var ids []int64
	for i, r := range results {
		if r.err != nil {
			t.Fatal(r.err)
		}
		if i%2 == 1 {
			if r.status != 422 || string(r.body) != `{"error":"'bogus' is not a valid message_type"}` {
				t.Fatalf("request %d: %d %s", i, r.status, r.body)
			}
			continue
		}
		if r.status != 200 {
			t.Fatalf("request %d: %d %s", i, r.status, r.body)
		}
		var c struct {
			ID       int64 `json:"id"`
			Messages []struct {
				Content string `json:"content"`
			} `json:"messages"`
		}
		if err := json.Unmarshal(r.body, &c); err != nil {
			t.Fatal(err)
		}
		if len(c.Messages) != 1 || c.Messages[0].Content != fmt.Sprint("m", i) {
			t.Fatalf("request %d got conversation %s", i, r.body)
		}
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	for i, id := range ids {
		if id != int64(i+1) {
			t.Fatalf("display ids %v are not 1..%d", ids, n/2)
		}
	}
	after := e.tally(1)
	want := before
	want.Conversations += n / 2
	want.Messages += n / 2
	want.ContactInboxes += n / 2
	want.Events += n
	if after != want {
		t.Fatalf("after the concurrent creates: %+v, want %+v", after, want)
	}
	evs := rec.take()
	counts := map[string]int{}
	for _, ev := range evs {
		counts[ev.Name]++
	}
	if len(evs) != n || counts["conversation_created"] != n/2 || counts["message_created"] != n/2 {
		t.Fatalf("committed events: %v", counts)
	}
}
