package api_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

const notFound = `{"error":"Resource could not be found"}`

var isoRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// advance moves the test clock forward.
func (e *testEnv) advance(d time.Duration) time.Time {
	now := e.Clock.Now().Add(d)
	e.Clock.Set(now)
	return now
}

// at makes the next clock reading exactly t.
func (e *testEnv) at(t time.Time) { e.Clock.Set(t.Add(-time.Millisecond)) }

// TestRouteAuth checks every contacts, conversations and messages route
// against callers without a valid token, callers from another account and
// accounts that do not exist, and that the table below covers them all.
func TestRouteAuth(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, contactID := e.newConversation(inbox, "Hello")
	msg := num(t, e.incoming(id, "Still there?"), "id")
	_, agentToken := e.agent("bob", chat.RoleAgent)
	_, otherToken := e.otherAccount()

	routes := []struct {
		method, path string
		admin        bool
	}{
		{"GET", "/contacts", false},
		{"GET", "/contacts/search?q=a", false},
		{"POST", "/contacts", false},
		{"GET", "/contacts/{id}", false},
		{"PATCH", "/contacts/{id}", false},
		{"PUT", "/contacts/{id}", false},
		{"DELETE", "/contacts/{id}", true},
		{"POST", "/contacts/{id}/contact_inboxes", false},
		{"GET", "/conversations", false},
		{"GET", "/conversations/meta", false},
		{"POST", "/conversations", false},
		{"GET", "/conversations/{conversation_id}", false},
		{"POST", "/conversations/{conversation_id}/toggle_status", false},
		{"POST", "/conversations/{conversation_id}/toggle_priority", false},
		{"POST", "/conversations/{conversation_id}/assignments", false},
		{"POST", "/conversations/{conversation_id}/custom_attributes", false},
		{"GET", "/conversations/{conversation_id}/labels", false},
		{"POST", "/conversations/{conversation_id}/labels", false},
		{"POST", "/conversations/{conversation_id}/update_last_seen", false},
		{"POST", "/conversations/{conversation_id}/toggle_typing_status", false},
		{"GET", "/conversations/{conversation_id}/messages", false},
		{"POST", "/conversations/{conversation_id}/messages", false},
		{"PATCH", "/conversations/{conversation_id}/messages/{id}", false},
		{"DELETE", "/conversations/{conversation_id}/messages/{id}", false},
	}

	// Every route of these tags in the OpenAPI document (made from the route
	// table) is in the list above.
	doc := e.must(200, "GET", "/openapi.json", "", nil).JSON(t)
	var served, listed []string
	for p, item := range path(t, doc, "paths").(map[string]any) {
		for method, op := range item.(map[string]any) {
			tag := str(t, op, "tags.0")
			if tag == "Contacts" || tag == "Conversations" || tag == "Messages" {
				served = append(served, strings.ToUpper(method)+" "+strings.TrimPrefix(p, "/api/v1/accounts/{account_id}"))
			}
		}
	}
	for _, rt := range routes {
		p, _, _ := strings.Cut(rt.path, "?")
		listed = append(listed, rt.method+" "+p)
	}
	sort.Strings(served)
	sort.Strings(listed)
	if !slices.Equal(served, listed) {
		t.Fatalf("routes served\n%v\nbut tested\n%v", served, listed)
	}

	start := lastEventID(t, e)
	before := e.tally(1)
	fill := func(p string, account string) string {
		p = strings.NewReplacer("{conversation_id}", fmt.Sprint(id), "{id}", fmt.Sprint(contactID)).Replace(p)
		if strings.Contains(p, "/messages/") {
			p = strings.Replace(p, fmt.Sprintf("/messages/%d", contactID), fmt.Sprintf("/messages/%d", msg), 1)
		}
		return "/api/v1/accounts/" + account + p
	}
	body := map[string]any{"name": "X", "status": "resolved", "inbox_id": inbox, "content": "x", "labels": []string{"x"},
		"custom_attributes": map[string]any{"x": 1}, "priority": "high", "typing_status": "on", "assignee_id": 1}
	for _, rt := range routes {
		var b any
		if rt.method != "GET" && rt.method != "DELETE" {
			b = body
		}
		p := fill(rt.path, "1")
		for _, c := range []struct {
			token, path string
			status      int
			want        string
		}{
			{"", p, 401, `{"error":"Invalid Access Token"}`},
			{"not-a-token", p, 401, `{"error":"Invalid Access Token"}`},
			{otherToken, p, 401, `{"error":"You are not authorized to access this account"}`},
			{adminToken, fill(rt.path, "99"), 404, notFound},
			{adminToken, fill(rt.path, "abc"), 404, notFound},
		} {
			r := e.do(rt.method, c.path, c.token, b)
			if r.Status != c.status || string(r.Body) != c.want {
				t.Errorf("%s %s with token %q: got %d %s, want %d %s", rt.method, c.path, c.token, r.Status, r.Body, c.status, c.want)
			}
		}
		if rt.admin {
			r := e.do(rt.method, p, agentToken, b)
			if r.Status != 401 || string(r.Body) != `{"error":"You are not authorized to do this action"}` {
				t.Errorf("%s %s as an agent: got %d %s", rt.method, p, r.Status, r.Body)
			}
		}
	}
	// None of it changed anything.
	if got := e.tally(1); got != before {
		t.Fatalf("rejected requests changed data: %+v, want %+v", got, before)
	}
	e.expectEvents(start)

	// An agent may use every other route.
	for _, rt := range routes {
		if rt.admin || rt.method != "GET" {
			continue
		}
		e.must(200, rt.method, fill(rt.path, "1"), agentToken, nil)
	}
}

func TestConversationCreate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	bobID, _ := e.agent("bob", chat.RoleAgent)
	alice := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com"})
	start := lastEventID(t, e)
	rec := e.recordChanges()

	// Wrapped, with ids as strings.
	e.at(time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC))
	r := e.ok("POST", a1+"/conversations", map[string]any{"conversation": map[string]any{
		"inbox_id": fmt.Sprint(inbox), "contact_id": fmt.Sprint(alice), "source_id": "alice-src",
		"custom_attributes": map[string]any{"order": 42, "a": 1}, "additional_attributes": map[string]any{"referer": "https://x.test"}}})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", conversationKeys...)
	expectKeys(t, r.Body, "meta", "sender", "channel", "hmac_verified")
	expectKeys(t, r.Body, "meta.sender", contactKeysWith(false, false)...)
	expectKinds(t, v, map[string]string{
		"id": "int", "messages": "array", "account_id": "int", "uuid": "string", "additional_attributes": "object",
		"agent_last_seen_at": "int", "assignee_last_seen_at": "int", "can_reply": "bool", "contact_last_seen_at": "int",
		"custom_attributes": "object", "inbox_id": "int", "labels": "array", "muted": "bool", "snoozed_until": "null",
		"status": "string", "created_at": "int", "updated_at": "float", "timestamp": "int", "first_reply_created_at": "int",
		"unread_count": "int", "last_non_activity_message": "null", "last_activity_at": "int", "priority": "null",
		"waiting_since": "int", "sla_policy_id": "null", "meta.hmac_verified": "bool", "meta.channel": "string",
	})
	created := time.Date(2026, 6, 17, 12, 0, 0, 0, time.UTC).Unix()
	if num(t, v, "id") != 1 || num(t, v, "account_id") != 1 || num(t, v, "inbox_id") != inbox || str(t, v, "status") != "open" ||
		!uuidRE.MatchString(str(t, v, "uuid")) || str(t, v, "meta.channel") != "Channel::Api" || path(t, v, "meta.hmac_verified") != false ||
		num(t, v, "meta.sender.id") != alice || len(list(t, v, "messages")) != 0 || len(list(t, v, "labels")) != 0 ||
		path(t, v, "can_reply") != true || path(t, v, "muted") != false {
		t.Fatalf("created conversation: %s", r.Body)
	}
	// Chatwoot's times: integers, 0 for never; updated_at a float; a new
	// conversation is waiting from its creation.
	for p, want := range map[string]int64{"created_at": created, "timestamp": created, "last_activity_at": created,
		"waiting_since": created, "agent_last_seen_at": 0, "assignee_last_seen_at": 0, "contact_last_seen_at": 0,
		"first_reply_created_at": 0, "unread_count": 0} {
		if got := num(t, v, p); got != want {
			t.Errorf("%s = %d, want %d", p, got, want)
		}
	}
	if got := string(mustRaw(t, r.Body, "updated_at")); got != fmt.Sprintf("%d.0", created) {
		t.Errorf("updated_at = %s, want %d.0", got, created)
	}
	if got := string(mustRaw(t, r.Body, "custom_attributes")); got != `{"a":1,"order":42}` {
		t.Errorf("custom_attributes = %s", got)
	}
	if got := string(mustRaw(t, r.Body, "additional_attributes")); got != `{"referer":"https://x.test"}` {
		t.Errorf("additional_attributes = %s", got)
	}
	if t.Failed() {
		t.FailNow()
	}

	// The contact inbox was made under the given source id; a conversation
	// can then be started from the source id alone (unwrapped).
	r = e.ok("GET", fmt.Sprintf("%s/contacts/%d", a1, alice), nil)
	if str(t, r.JSON(t), "payload.contact_inboxes.0.source_id") != "alice-src" {
		t.Fatalf("contact inbox: %s", r.Body)
	}
	e.at(time.Date(2026, 6, 17, 12, 0, 1, 250_000_000, time.UTC))
	r = e.ok("POST", a1+"/conversations", map[string]any{"source_id": "alice-src"})
	v = r.JSON(t)
	if num(t, v, "id") != 2 || num(t, v, "meta.sender.id") != alice || num(t, v, "inbox_id") != inbox {
		t.Fatalf("conversation by source id: %s", r.Body)
	}
	if got := string(mustRaw(t, r.Body, "updated_at")); got != fmt.Sprintf("%d.25", created+1) {
		t.Errorf("updated_at = %s, want %d.25", got, created+1)
	}

	// Status, assignee and snooze time at creation, in a web widget inbox.
	r = e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": web, "contact_id": alice, "status": "pending", "assignee_id": bobID})
	v = r.JSON(t)
	expectKeys(t, r.Body, "meta", "sender", "channel", "assignee", "assignee_type", "hmac_verified")
	if num(t, v, "id") != 3 || str(t, v, "status") != "pending" || num(t, v, "meta.assignee.id") != bobID ||
		str(t, v, "meta.assignee_type") != "User" || str(t, v, "meta.channel") != "Channel::WebWidget" {
		t.Fatalf("pending assigned conversation: %s", r.Body)
	}
	until := time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC)
	r = e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": alice, "status": "snoozed", "snoozed_until": until.Unix()})
	v = r.JSON(t)
	if str(t, v, "status") != "snoozed" || str(t, v, "snoozed_until") != "2026-07-01T09:30:00.000Z" {
		t.Fatalf("snoozed conversation: %s", r.Body)
	}
	start = e.expectEvents(start, "conversation_created", "conversation_created", "conversation_created", "conversation_created")
	expectChanges(t, rec.take(), ev("conversation_created"), ev("conversation_created"), ev("conversation_created"), ev("conversation_created"))

	// Errors leave nothing behind and use no display id.
	other, otherToken := e.otherAccount()
	otherInbox := e.apiInboxIn(other, "Theirs")
	r = e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/contacts", other), otherToken, map[string]any{"name": "Theirs"})
	theirContact := num(t, r.JSON(t), "payload.contact.id")
	before := e.tally(1)
	for _, c := range []struct {
		body   map[string]any
		status int
		want   string
	}{
		{map[string]any{}, 404, notFound},
		{map[string]any{"source_id": "nobody"}, 404, notFound},
		{map[string]any{"inbox_id": inbox}, 404, notFound},
		{map[string]any{"contact_id": alice}, 404, notFound},
		{map[string]any{"inbox_id": inbox + 100, "contact_id": alice}, 404, notFound},
		{map[string]any{"inbox_id": inbox, "contact_id": alice + 100}, 404, notFound},
		{map[string]any{"inbox_id": otherInbox, "contact_id": alice}, 404, notFound},
		{map[string]any{"inbox_id": inbox, "contact_id": theirContact}, 404, notFound},
		{map[string]any{"inbox_id": inbox, "contact_id": alice, "status": "closed"}, 422,
			`{"message":"Status is not included in the list","attributes":["status"]}`},
		{map[string]any{"inbox_id": inbox, "contact_id": alice, "assignee_id": 999}, 422,
			`{"message":"Assignee must be an agent of this account","attributes":["assignee_id"]}`},
		{map[string]any{"inbox_id": inbox, "contact_id": alice, "custom_attributes": "x"}, 422,
			`{"message":"Custom attributes must be an object","attributes":["custom_attributes"]}`},
	} {
		r := e.do("POST", a1+"/conversations", adminToken, c.body)
		if r.Status != c.status || string(r.Body) != c.want {
			t.Errorf("create %v: got %d %s, want %d %s", c.body, r.Status, r.Body, c.status, c.want)
		}
	}
	if got := e.tally(1); got != before {
		t.Fatalf("failed creates changed data: %+v, want %+v", got, before)
	}
	e.expectEvents(start)
	if got := num(t, e.ok("POST", a1+"/conversations", map[string]any{"source_id": "alice-src"}).JSON(t), "id"); got != 5 {
		t.Fatalf("next display id = %d, want 5", got)
	}
}

func TestConversationDisplayIDsPerAccount(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	for want := int64(1); want <= 3; want++ {
		if id, _ := e.newConversation(inbox, ""); id != want {
			t.Fatalf("display id %d, want %d", id, want)
		}
	}
	other, otherToken := e.otherAccount()
	otherInbox := e.apiInboxIn(other, "Theirs")
	acct2 := fmt.Sprintf("/api/v1/accounts/%d", other)
	r := e.must(200, "POST", acct2+"/contacts", otherToken, map[string]any{"name": "Theirs", "email": "theirs@example.com"})
	theirContact := num(t, r.JSON(t), "payload.contact.id")
	r = e.must(200, "POST", acct2+"/conversations", otherToken, map[string]any{"inbox_id": otherInbox, "contact_id": theirContact})
	v := r.JSON(t)
	if num(t, v, "id") != 1 || num(t, v, "account_id") != other || num(t, v, "inbox_id") != otherInbox {
		t.Fatalf("account 2's first conversation: %s", r.Body)
	}
	// Its messages name the display id, not the row id.
	m := e.must(200, "POST", acct2+"/conversations/1/messages", otherToken, map[string]any{"content": "hi"}).JSON(t)
	if num(t, m, "conversation_id") != 1 {
		t.Fatalf("message conversation_id = %d, want 1", num(t, m, "conversation_id"))
	}
	if row := e.conversationRow(other, 1); row.ID != 4 {
		t.Fatalf("account 2's conversation 1 has row id %d, want 4", row.ID)
	}

	// Conversation 1 of each account is its own.
	if num(t, e.show(1).JSON(t), "account_id") != 1 {
		t.Fatal("account 1 conversation 1 is not account 1's")
	}
	if got := e.must(200, "GET", acct2+"/conversations/1", otherToken, nil).JSON(t); num(t, got, "account_id") != other ||
		str(t, got, "meta.sender.name") != "Theirs" {
		t.Fatalf("account 2 conversation 1: %v", got)
	}
	// Account 2 has no conversation 2, though account 1 does; account 1's
	// token cannot reach account 2 at all.
	e.expectError(e.do("GET", acct2+"/conversations/2", otherToken, nil), 404, notFound)
	e.expectError(e.do("POST", acct2+"/conversations/2/messages", otherToken, map[string]any{"content": "x"}), 404, notFound)
	e.expectError(e.do("GET", acct2+"/conversations/1", adminToken, nil), 401, `{"error":"You are not authorized to access this account"}`)
	// Not found: beyond the last, non-numeric, zero, negative.
	for _, p := range []string{"4", "abc", "0", "-1", "1.5", "1e2"} {
		e.expectError(e.do("GET", a1+"/conversations/"+p, adminToken, nil), 404, notFound)
	}
	// Account 2's list shows only its conversation; the events went to it.
	r = e.must(200, "GET", acct2+"/conversations", otherToken, nil)
	if num(t, r.JSON(t), "data.meta.all_count") != 1 {
		t.Fatalf("account 2 list: %s", r.Body)
	}
	if got := eventNames(e.eventsOf(other, 0)); !slices.Equal(got, []string{"contact_created", "conversation_created", "message_created", "conversation_updated"}) {
		t.Fatalf("account 2 events: %v", got)
	}
}

func TestConversationList(t *testing.T) {
	e := newEnv(t)
	api := e.apiInbox("API")
	web := e.webInbox("Web")
	bobID, bobToken := e.agent("bob", chat.RoleAgent)
	c1, _ := e.newConversation(api, "")
	c2, _ := e.newConversation(api, "")
	c3, _ := e.newConversation(web, "")
	c4, _ := e.newConversation(api, "")
	c5, _ := e.newConversation(web, "")
	c6, _ := e.newConversation(api, "")
	e.ok("POST", conv(c2)+"/assignments", map[string]any{"assignee_id": 1})
	e.ok("POST", conv(c3)+"/assignments", map[string]any{"assignee_id": bobID})
	e.ok("POST", conv(c3)+"/labels", map[string]any{"labels": []string{"billing"}})
	e.ok("POST", conv(c5)+"/labels", map[string]any{"labels": []string{"vip"}})
	e.ok("POST", conv(c4)+"/toggle_status", map[string]any{"status": "resolved"})
	e.ok("POST", conv(c5)+"/toggle_status", map[string]any{"status": "pending"})
	e.ok("POST", conv(c6)+"/toggle_status", map[string]any{"status": "snoozed"})
	// Activity decides the order: c2, then c3, then c1 spoke last.
	e.incoming(c2, "two")
	e.say(c3, map[string]any{"content": "three", "private": true})
	e.incoming(c1, "one")

	type page struct {
		ids                             []int64
		mine, assigned, unassigned, all int64
	}
	get := func(token, q string) page {
		t.Helper()
		r := e.must(200, "GET", a1+"/conversations"+q, token, nil)
		v := r.JSON(t)
		expectKeys(t, r.Body, "", "data")
		expectKeys(t, r.Body, "data", "meta", "payload")
		expectKeys(t, r.Body, "data.meta", "mine_count", "assigned_count", "unassigned_count", "all_count")
		p := page{ids: []int64{}, mine: num(t, v, "data.meta.mine_count"), assigned: num(t, v, "data.meta.assigned_count"),
			unassigned: num(t, v, "data.meta.unassigned_count"), all: num(t, v, "data.meta.all_count")}
		for i, c := range list(t, v, "data.payload") {
			expectKeys(t, r.Body, fmt.Sprintf("data.payload.%d", i), conversationKeys...)
			p.ids = append(p.ids, num(t, c, "id"))
		}
		// The meta endpoint gives the same counts, without the data wrapper.
		r = e.must(200, "GET", a1+"/conversations/meta"+q, token, nil)
		expectKeys(t, r.Body, "", "meta")
		expectKeys(t, r.Body, "meta", "mine_count", "assigned_count", "unassigned_count", "all_count")
		m := r.JSON(t)
		if num(t, m, "meta.mine_count") != p.mine || num(t, m, "meta.all_count") != p.all ||
			num(t, m, "meta.assigned_count") != p.assigned || num(t, m, "meta.unassigned_count") != p.unassigned {
			t.Fatalf("meta%s = %s, list meta %+v", q, r.Body, p)
		}
		return p
	}
	check := func(token, q string, want page) {
		t.Helper()
		if got := get(token, q); !slices.Equal(got.ids, want.ids) || got.mine != want.mine || got.assigned != want.assigned ||
			got.unassigned != want.unassigned || got.all != want.all {
			t.Errorf("GET conversations%s\n got %+v\nwant %+v", q, got, want)
		}
	}
	// Open is the default; the assignee filter does not change the counts.
	open := page{ids: []int64{c1, c3, c2}, mine: 1, assigned: 2, unassigned: 1, all: 3}
	check(adminToken, "", open)
	check(adminToken, "?status=open", open)
	check(adminToken, "?assignee_type=all", open)
	check(adminToken, "?assignee_type=me", page{ids: []int64{c2}, mine: 1, assigned: 2, unassigned: 1, all: 3})
	check(adminToken, "?assignee_type=unassigned", page{ids: []int64{c1}, mine: 1, assigned: 2, unassigned: 1, all: 3})
	check(adminToken, "?assignee_type=assigned", page{ids: []int64{c3, c2}, mine: 1, assigned: 2, unassigned: 1, all: 3})
	check(bobToken, "?assignee_type=me", page{ids: []int64{c3}, mine: 1, assigned: 2, unassigned: 1, all: 3})
	check(adminToken, "?status=resolved", page{ids: []int64{c4}, unassigned: 1, all: 1})
	check(adminToken, "?status=pending", page{ids: []int64{c5}, unassigned: 1, all: 1})
	check(adminToken, "?status=snoozed", page{ids: []int64{c6}, unassigned: 1, all: 1})
	check(adminToken, "?status=all", page{ids: []int64{c1, c3, c2, c6, c5, c4}, mine: 1, assigned: 2, unassigned: 4, all: 6})
	check(adminToken, fmt.Sprintf("?inbox_id=%d", web), page{ids: []int64{c3}, assigned: 1, all: 1})
	check(adminToken, fmt.Sprintf("?inbox_id=%d&status=all", web), page{ids: []int64{c3, c5}, assigned: 1, unassigned: 1, all: 2})
	check(adminToken, fmt.Sprintf("?inbox_id=%d&assignee_type=me", api), page{ids: []int64{c2}, mine: 1, assigned: 1, unassigned: 1, all: 2})
	check(adminToken, "?labels[]=billing", page{ids: []int64{c3}, assigned: 1, all: 1})
	check(adminToken, "?labels[]=billing&labels[]=vip&status=all", page{ids: []int64{c3, c5}, assigned: 1, unassigned: 1, all: 2})
	check(adminToken, "?labels[]=nothing", page{ids: []int64{}})
	check(adminToken, "?page=2", page{ids: []int64{}, mine: 1, assigned: 2, unassigned: 1, all: 3})
	check(adminToken, fmt.Sprintf("?inbox_id=%d", web+100), page{ids: []int64{}})

	e.expectError(e.do("GET", a1+"/conversations?status=closed", adminToken, nil), 422,
		`{"message":"Status is not included in the list","attributes":["status"]}`)
}

func TestConversationListPages(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	contact := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com", "inbox_id": inbox})
	for i := 0; i < 27; i++ {
		e.conversationFor(inbox, contact)
	}
	ids := func(q string) ([]int64, int64) {
		v := e.ok("GET", a1+"/conversations"+q, nil).JSON(t)
		out := []int64{}
		for _, c := range list(t, v, "data.payload") {
			out = append(out, num(t, c, "id"))
		}
		return out, num(t, v, "data.meta.all_count")
	}
	p1, all := ids("")
	if len(p1) != 25 || all != 27 || p1[0] != 27 || p1[24] != 3 {
		t.Fatalf("page 1: %v (all %d)", p1, all)
	}
	if p2, all := ids("?page=2"); !slices.Equal(p2, []int64{2, 1}) || all != 27 {
		t.Fatalf("page 2: %v (all %d)", p2, all)
	}
	if p3, _ := ids("?page=3"); len(p3) != 0 {
		t.Fatalf("page 3: %v", p3)
	}
}

func TestToggleStatus(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "Hello")
	start := lastEventID(t, e)
	rec := e.recordChanges()
	p := conv(id) + "/toggle_status"
	reply := func(status, snoozed string) string {
		return fmt.Sprintf(`{"meta":{},"payload":{"success":true,"conversation_id":%d,"current_status":%q,"snoozed_until":%s}}`, id, status, snoozed)
	}

	resolveAt := time.Date(2026, 6, 17, 11, 0, 0, 0, time.UTC)
	e.at(resolveAt)
	r := e.ok("POST", p, map[string]any{"status": "resolved"})
	if string(r.Body) != reply("resolved", "null") {
		t.Fatalf("resolve: %s", r.Body)
	}
	v := e.show(id).JSON(t)
	if str(t, v, "status") != "resolved" || num(t, v, "last_activity_at") != resolveAt.Unix() {
		t.Fatalf("resolved conversation: %v", v)
	}
	expectChanges(t, rec.take(), ev("conversation_status_changed"), ev("conversation_updated", "status", "updated_at"))

	// The same status again changes nothing.
	r = e.ok("POST", p, map[string]any{"status": "resolved"})
	if string(r.Body) != reply("resolved", "null") {
		t.Fatalf("resolve again: %s", r.Body)
	}
	expectChanges(t, rec.take())

	// Without a status: resolved → open → resolved; pending and snoozed → open.
	for _, step := range []struct {
		body any
		want string
	}{
		{nil, "open"},
		{map[string]any{}, "resolved"},
		{map[string]any{"conversation": map[string]any{"status": "pending"}}, "pending"},
		{nil, "open"},
		{map[string]any{"status": "snoozed"}, "snoozed"},
		{nil, "open"},
	} {
		r = e.ok("POST", p, step.body)
		if string(r.Body) != reply(step.want, "null") {
			t.Fatalf("toggle %v: %s, want %s", step.body, r.Body, step.want)
		}
		expectChanges(t, rec.take(), ev("conversation_status_changed"), ev("conversation_updated", "status", "updated_at"))
	}

	// Snoozed with a time (Unix seconds): the reply and the conversation
	// show it as an ISO string; leaving snoozed clears it.
	until := time.Date(2026, 6, 20, 8, 0, 0, 0, time.UTC)
	r = e.ok("POST", p, map[string]any{"status": "snoozed", "snoozed_until": until.Unix()})
	if string(r.Body) != reply("snoozed", `"2026-06-20T08:00:00.000Z"`) {
		t.Fatalf("snooze until: %s", r.Body)
	}
	if got := str(t, e.show(id).JSON(t), "snoozed_until"); got != "2026-06-20T08:00:00.000Z" {
		t.Fatalf("snoozed_until = %q", got)
	}
	expectChanges(t, rec.take(), ev("conversation_status_changed"), ev("conversation_updated", "status", "updated_at", "snoozed_until"))
	r = e.ok("POST", p, map[string]any{"status": "snoozed", "snoozed_until": "2026-06-21T08:00:00Z"})
	if string(r.Body) != reply("snoozed", `"2026-06-21T08:00:00.000Z"`) {
		t.Fatalf("snooze until (ISO): %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "snoozed_until"))
	r = e.ok("POST", p, map[string]any{"status": "open", "snoozed_until": until.Unix()})
	if string(r.Body) != reply("open", "null") || kind(t, e.show(id).JSON(t), "snoozed_until") != "null" {
		t.Fatalf("open with snoozed_until: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_status_changed"), ev("conversation_updated", "status", "updated_at", "snoozed_until"))

	// updated_at is the float of the change time.
	e.at(time.Date(2026, 6, 17, 13, 0, 0, 123_000_000, time.UTC))
	e.ok("POST", p, map[string]any{"status": "resolved"})
	r = e.show(id)
	if got, want := string(mustRaw(t, r.Body, "updated_at")), fmt.Sprintf("%d.123", time.Date(2026, 6, 17, 13, 0, 0, 0, time.UTC).Unix()); got != want {
		t.Fatalf("updated_at = %s, want %s", got, want)
	}
	rec.take()

	// Errors.
	e.expectError(e.do("POST", p, adminToken, map[string]any{"status": "closed"}), 422,
		`{"message":"Status is not included in the list","attributes":["status"]}`)
	e.expectError(e.do("POST", p, adminToken, map[string]any{"status": "snoozed", "snoozed_until": "soon"}), 422,
		`{"message":"Snoozed until must be a time","attributes":["snoozed_until"]}`)
	e.expectError(e.do("POST", conv(id+1)+"/toggle_status", adminToken, map[string]any{"status": "open"}), 404, notFound)
	expectChanges(t, rec.take())

	// Every change left an activity message, in order.
	want := []string{
		"Conversation was marked resolved by Administrator",
		"Conversation was reopened by Administrator",
		"Conversation was marked resolved by Administrator",
		"Conversation was marked as pending by Administrator",
		"Conversation was reopened by Administrator",
		"Conversation was snoozed by Administrator",
		"Conversation was reopened by Administrator",
		"Conversation was snoozed by Administrator",
		"Conversation was reopened by Administrator",
		"Conversation was marked resolved by Administrator",
	}
	if got := e.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
	// Activity messages: type 2, no sender, and in the conversation's
	// messages (the newest message of any kind).
	msgs := e.messageList(id, "")
	last := msgs[len(msgs)-1]
	if num(t, last, "message_type") != 2 || has(last, "sender") || str(t, last, "content_type") != "text" || path(t, last, "private") != false {
		t.Fatalf("activity message: %v", last)
	}
	v = e.show(id).JSON(t)
	if num(t, v, "messages.0.message_type") != 2 || str(t, v, "last_non_activity_message.content") != "Hello" {
		t.Fatalf("conversation messages: %v", path(t, v, "messages"))
	}
	names := []string{}
	for i := 0; i < 10; i++ {
		names = append(names, "conversation_status_changed", "conversation_updated")
	}
	names = slices.Insert(names, 16, "conversation_updated") // the second snooze time
	e.expectEvents(start, names...)
}

func TestTogglePriority(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "")
	rec := e.recordChanges()
	p := conv(id) + "/toggle_priority"

	for _, step := range []struct {
		body map[string]any
		want any
		evs  int
	}{
		{map[string]any{"priority": "high"}, "high", 1},
		{map[string]any{"priority": "high"}, "high", 0},
		{map[string]any{"conversation": map[string]any{"priority": "urgent"}}, "urgent", 1},
		{map[string]any{"priority": nil}, nil, 1},
		{map[string]any{"priority": "low"}, "low", 1},
		{map[string]any{"priority": ""}, nil, 1},
		{map[string]any{}, nil, 0},
	} {
		r := e.ok("POST", p, step.body)
		if len(r.Body) != 0 {
			t.Fatalf("toggle_priority answered %q, want an empty body", r.Body)
		}
		if got := path(t, e.show(id).JSON(t), "priority"); got != step.want {
			t.Fatalf("after %v priority = %v, want %v", step.body, got, step.want)
		}
		evs := rec.take()
		if step.evs == 0 {
			expectChanges(t, evs)
		} else {
			expectChanges(t, evs, ev("conversation_updated", "updated_at", "priority"))
		}
	}
	e.expectError(e.do("POST", p, adminToken, map[string]any{"priority": "critical"}), 422,
		`{"message":"Priority is not included in the list","attributes":["priority"]}`)
	e.expectError(e.do("POST", conv(id+1)+"/toggle_priority", adminToken, map[string]any{"priority": "low"}), 404, notFound)
	expectChanges(t, rec.take())
	want := []string{
		"Administrator set the priority to high",
		"Administrator changed the priority from high to urgent",
		"Administrator removed the priority",
		"Administrator set the priority to low",
		"Administrator removed the priority",
	}
	if got := e.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
}

func TestAssignments(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "")
	bobID, bobToken := e.agent("bob", chat.RoleAgent)
	_, otherToken := e.otherAccount()
	u, err := e.Svc.Authenticate(context.Background(), otherToken)
	if err != nil {
		t.Fatal(err)
	}
	otherUser := u.ID
	rec := e.recordChanges()
	p := conv(id) + "/assignments"

	// Assigning answers the agent partial.
	r := e.ok("POST", p, map[string]any{"assignee_id": bobID})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "id", "account_id", "availability_status", "auto_offline", "confirmed", "email", "provider",
		"available_name", "name", "role", "thumbnail", "custom_role_id")
	if num(t, v, "id") != bobID || num(t, v, "account_id") != 1 || str(t, v, "name") != "bob" || str(t, v, "role") != "agent" ||
		str(t, v, "email") != "bob@example.com" {
		t.Fatalf("assignment reply: %s", r.Body)
	}
	r = e.show(id)
	v = r.JSON(t)
	expectKeys(t, r.Body, "meta", "sender", "channel", "assignee", "assignee_type", "hmac_verified")
	if num(t, v, "meta.assignee.id") != bobID || str(t, v, "meta.assignee_type") != "User" {
		t.Fatalf("assigned conversation: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "assignee_id", "updated_at"))

	// The same assignee again (id as a string, wrapped) changes nothing.
	r = e.ok("POST", p, map[string]any{"assignment": map[string]any{"assignee_id": fmt.Sprint(bobID)}})
	if num(t, r.JSON(t), "id") != bobID {
		t.Fatalf("re-assignment reply: %s", r.Body)
	}
	expectChanges(t, rec.take())

	// No assignee_id: null, nothing changes.
	if r = e.ok("POST", p, map[string]any{}); string(r.Body) != "null" {
		t.Fatalf("assignment without assignee: %q", r.Body)
	}
	expectChanges(t, rec.take())

	// null unassigns.
	if r = e.ok("POST", p, map[string]any{"assignee_id": nil}); string(r.Body) != "null" {
		t.Fatalf("unassign: %q", r.Body)
	}
	r = e.show(id)
	expectKeys(t, r.Body, "meta", "sender", "channel", "hmac_verified")
	expectChanges(t, rec.take(), ev("conversation_updated", "assignee_id", "updated_at"))

	// Self-assignment, by the administrator and by an agent.
	e.ok("POST", p, map[string]any{"assignee_id": 1})
	e.must(200, "POST", p, bobToken, map[string]any{"assignee_id": bobID})
	expectChanges(t, rec.take(), ev("conversation_updated", "assignee_id", "updated_at"), ev("conversation_updated", "assignee_id", "updated_at"))

	// Chatwoot looks the assignee up among the account's users and assigns
	// nil when there is no such user: unknown ids and users of other
	// accounts unassign, answering null.
	for _, unknown := range []int64{999, otherUser} {
		e.ok("POST", p, map[string]any{"assignee_id": bobID})
		rec.take()
		if r = e.ok("POST", p, map[string]any{"assignee_id": unknown}); string(r.Body) != "null" {
			t.Fatalf("assign to user %d: %d %s", unknown, r.Status, r.Body)
		}
		if has(e.show(id).JSON(t), "meta.assignee") {
			t.Fatalf("user %d left the conversation assigned", unknown)
		}
		expectChanges(t, rec.take(), ev("conversation_updated", "assignee_id", "updated_at"))
	}
	e.expectError(e.do("POST", conv(id+1)+"/assignments", adminToken, map[string]any{"assignee_id": bobID}), 404, notFound)
	e.expectError(e.do("POST", p, adminToken, map[string]any{"assignee_id": "bob"}), 422,
		`{"message":"Assignee id must be an integer","attributes":["assignee_id"]}`)
	expectChanges(t, rec.take())

	want := []string{
		"Assigned to bob by Administrator",
		"Conversation unassigned by Administrator",
		"Administrator self-assigned this conversation",
		"bob self-assigned this conversation",
		"Conversation unassigned by Administrator",
		"Assigned to bob by Administrator",
		"Conversation unassigned by Administrator",
	}
	if got := e.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
}

func TestConversationCustomAttributes(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "")
	rec := e.recordChanges()
	p := conv(id) + "/custom_attributes"

	// The hash is replaced, and kept in jsonb key order.
	r := e.ok("POST", p, map[string]any{"custom_attributes": map[string]any{"zeta": 1, "a": "x", "nested": map[string]any{"yy": 1, "b": 2}}})
	if string(r.Body) != `{"custom_attributes":{"a":"x","zeta":1,"nested":{"b":2,"yy":1}}}` {
		t.Fatalf("custom attributes reply: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "custom_attributes"))
	r = e.ok("POST", p, map[string]any{"conversation": map[string]any{"custom_attributes": map[string]any{"b": true}}})
	if string(r.Body) != `{"custom_attributes":{"b":true}}` {
		t.Fatalf("replaced custom attributes: %s", r.Body)
	}
	if got := string(mustRaw(t, e.show(id).Body, "custom_attributes")); got != `{"b":true}` {
		t.Fatalf("conversation custom_attributes = %s", got)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "custom_attributes"))
	e.ok("POST", p, map[string]any{"custom_attributes": map[string]any{"b": true}})
	expectChanges(t, rec.take())
	if r = e.ok("POST", p, map[string]any{"custom_attributes": map[string]any{}}); string(r.Body) != `{"custom_attributes":{}}` {
		t.Fatalf("emptied custom attributes: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "custom_attributes"))

	e.expectError(e.do("POST", p, adminToken, map[string]any{}), 422,
		`{"message":"Custom attributes can't be blank","attributes":["custom_attributes"]}`)
	e.expectError(e.do("POST", p, adminToken, map[string]any{"custom_attributes": []int{1}}), 422,
		`{"message":"Custom attributes must be an object","attributes":["custom_attributes"]}`)
	e.expectError(e.do("POST", conv(id+1)+"/custom_attributes", adminToken, map[string]any{"custom_attributes": map[string]any{}}), 404, notFound)
	expectChanges(t, rec.take())
	if got := e.activities(id); len(got) != 0 {
		t.Fatalf("custom attributes made activity messages: %q", got)
	}
}

func TestConversationLabels(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "")
	rec := e.recordChanges()
	p := conv(id) + "/labels"

	if r := e.ok("GET", p, nil); string(r.Body) != `{"payload":[]}` {
		t.Fatalf("no labels: %s", r.Body)
	}
	// Lower-cased and de-duplicated.
	if r := e.ok("POST", p, map[string]any{"labels": []string{"Billing", "vip", "billing", " "}}); string(r.Body) != `{"payload":["billing","vip"]}` {
		t.Fatalf("set labels: %s", r.Body)
	}
	if r := e.ok("GET", p, nil); string(r.Body) != `{"payload":["billing","vip"]}` {
		t.Fatalf("get labels: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "cached_label_list", "label_list"))
	// The list replaces the labels; kept ones keep their place.
	if r := e.ok("POST", p, map[string]any{"label": map[string]any{"labels": []string{"urgent", "vip"}}}); string(r.Body) != `{"payload":["vip","urgent"]}` {
		t.Fatalf("replace labels: %s", r.Body)
	}
	v := e.show(id).JSON(t)
	if got := list(t, v, "labels"); len(got) != 2 || got[0] != "vip" || got[1] != "urgent" {
		t.Fatalf("conversation labels: %v", got)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "cached_label_list", "label_list"))
	e.ok("POST", p, map[string]any{"labels": []string{"vip", "urgent"}})
	expectChanges(t, rec.take())
	if r := e.ok("POST", p, map[string]any{"labels": []string{}}); string(r.Body) != `{"payload":[]}` {
		t.Fatalf("clear labels: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("conversation_updated", "updated_at", "cached_label_list", "label_list"))

	e.expectError(e.do("POST", p, adminToken, map[string]any{"labels": []string{"two words"}}), 422,
		`{"message":"Labels may contain only letters, numbers, hyphens and underscores","attributes":["labels"]}`)
	e.expectError(e.do("POST", p, adminToken, map[string]any{"labels": "vip"}), 422,
		`{"message":"Labels must be an array","attributes":["labels"]}`)
	e.expectError(e.do("GET", conv(id+1)+"/labels", adminToken, nil), 404, notFound)
	e.expectError(e.do("POST", conv(id+1)+"/labels", adminToken, map[string]any{"labels": []string{"x"}}), 404, notFound)
	expectChanges(t, rec.take())

	want := []string{
		"Administrator added billing, vip",
		"Administrator added urgent",
		"Administrator removed billing",
		"Administrator removed vip, urgent",
	}
	if got := e.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
}

func TestUpdateLastSeen(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	bobID, bobToken := e.agent("bob", chat.RoleAgent)
	id, _ := e.newConversation(inbox, "one")
	for i := 2; i <= 12; i++ {
		e.incoming(id, fmt.Sprint(i))
	}
	// A private note and a reply are not unread.
	e.say(id, map[string]any{"content": "note", "private": true})
	e.say(id, map[string]any{"content": "reply"})
	r := e.show(id)
	v := r.JSON(t)
	if num(t, v, "unread_count") != 10 || num(t, v, "messages.0.conversation.unread_count") != 10 {
		t.Fatalf("unread count is not capped at 10: %s", r.Body)
	}
	updatedAt := string(mustRaw(t, r.Body, "updated_at"))
	start := lastEventID(t, e)

	seenAt := time.Date(2026, 6, 17, 15, 0, 0, 0, time.UTC)
	e.at(seenAt)
	r = e.ok("POST", conv(id)+"/update_last_seen", nil)
	v = r.JSON(t)
	expectKeys(t, r.Body, "", conversationKeys...)
	if num(t, v, "unread_count") != 0 || num(t, v, "agent_last_seen_at") != seenAt.Unix() || num(t, v, "assignee_last_seen_at") != 0 {
		t.Fatalf("after update_last_seen: %s", r.Body)
	}
	if got := string(mustRaw(t, r.Body, "updated_at")); got != updatedAt {
		t.Fatalf("update_last_seen moved updated_at from %s to %s", updatedAt, got)
	}
	e.expectEvents(start)
	if got := str(t, e.ok("GET", conv(id)+"/messages", nil).JSON(t), "meta.agent_last_seen_at"); got != "2026-06-17T15:00:00.000Z" {
		t.Fatalf("messages meta agent_last_seen_at = %q", got)
	}

	// New incoming messages are unread again; outgoing ones are not.
	e.incoming(id, "more")
	e.say(id, map[string]any{"content": "answer"})
	if got := num(t, e.show(id).JSON(t), "unread_count"); got != 1 {
		t.Fatalf("unread after one more incoming = %d", got)
	}

	// The assignee's visit also sets assignee_last_seen_at; another agent's
	// only agent_last_seen_at.
	e.ok("POST", conv(id)+"/assignments", map[string]any{"assignee_id": bobID})
	bobSeen := time.Date(2026, 6, 17, 16, 0, 0, 0, time.UTC)
	e.at(bobSeen)
	v = e.must(200, "POST", conv(id)+"/update_last_seen", bobToken, nil).JSON(t)
	if num(t, v, "agent_last_seen_at") != bobSeen.Unix() || num(t, v, "assignee_last_seen_at") != bobSeen.Unix() || num(t, v, "unread_count") != 0 {
		t.Fatalf("assignee's update_last_seen: %v", v)
	}
	adminSeen := time.Date(2026, 6, 17, 17, 0, 0, 0, time.UTC)
	e.at(adminSeen)
	v = e.ok("POST", conv(id)+"/update_last_seen", nil).JSON(t)
	if num(t, v, "agent_last_seen_at") != adminSeen.Unix() || num(t, v, "assignee_last_seen_at") != bobSeen.Unix() {
		t.Fatalf("another agent's update_last_seen: %v", v)
	}
	if v := e.ok("GET", conv(id)+"/messages", nil).JSON(t); str(t, v, "meta.assignee_last_seen_at") != "2026-06-17T16:00:00.000Z" {
		t.Fatalf("messages meta assignee_last_seen_at = %v", path(t, v, "meta.assignee_last_seen_at"))
	}
	// contact_last_seen_at is not the agents' business.
	if got := num(t, v, "contact_last_seen_at"); got != 0 {
		t.Fatalf("contact_last_seen_at = %d", got)
	}
	e.expectError(e.do("POST", conv(id+1)+"/update_last_seen", adminToken, nil), 404, notFound)
}

func TestToggleTypingStatus(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "")
	updatedAt := string(mustRaw(t, e.show(id).Body, "updated_at"))
	start := lastEventID(t, e)
	p := conv(id) + "/toggle_typing_status"

	for _, body := range []map[string]any{
		{"typing_status": "on"},
		{"typing_status": "off", "is_private": true},
		{"conversation": map[string]any{"typing_status": "on", "is_private": "false"}},
		{"typing_status": "recording"},
	} {
		if r := e.ok("POST", p, body); len(r.Body) != 0 {
			t.Fatalf("typing %v answered %q", body, r.Body)
		}
	}
	evs := e.events(start)
	if got := eventNames(evs); !slices.Equal(got, []string{"conversation_typing_on", "conversation_typing_off", "conversation_typing_on"}) {
		t.Fatalf("typing events: %v", got)
	}
	if evs[0].ConversationID != e.conversationRow(1, id).ID {
		t.Fatalf("typing event is about conversation row %d", evs[0].ConversationID)
	}
	start = evs[len(evs)-1].ID
	for _, body := range []map[string]any{{"typing_status": "maybe"}, {}} {
		e.expectError(e.do("POST", p, adminToken, body), 422, `{"message":"Typing status must be on or off","attributes":["typing_status"]}`)
	}
	e.expectError(e.do("POST", conv(id+1)+"/toggle_typing_status", adminToken, map[string]any{"typing_status": "on"}), 404, notFound)
	e.expectError(e.do("POST", conv(id+1)+"/toggle_typing_status", adminToken, map[string]any{"typing_status": "recording"}), 404, notFound)
	e.expectEvents(start)
	if got := string(mustRaw(t, e.show(id).Body, "updated_at")); got != updatedAt {
		t.Fatalf("typing moved updated_at from %s to %s", updatedAt, got)
	}
}

// TestConversationTimestamps follows Chatwoot's message callbacks:
// waiting_since, first_reply_created_at, last_activity_at and the contact's
// last_activity_at.
func TestConversationTimestamps(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	t0 := time.Date(2026, 6, 17, 10, 1, 0, 0, time.UTC)
	e.at(t0.Add(-time.Second))
	contactID := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com"})
	e.at(t0)
	id := e.conversationFor(inbox, contactID)
	rec := e.recordChanges()
	start := lastEventID(t, e)

	times := func() map[string]int64 {
		v := e.show(id).JSON(t)
		out := map[string]int64{}
		for _, k := range []string{"created_at", "waiting_since", "first_reply_created_at", "last_activity_at", "timestamp", "unread_count"} {
			out[k] = num(t, v, k)
		}
		return out
	}
	expect := func(step string, want map[string]int64) {
		t.Helper()
		got := times()
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %s = %d, want %d", step, k, got[k], w)
			}
		}
		if got["timestamp"] != got["last_activity_at"] {
			t.Errorf("%s: timestamp %d differs from last_activity_at %d", step, got["timestamp"], got["last_activity_at"])
		}
		if t.Failed() {
			t.FailNow()
		}
	}
	contactActivity := func() (int64, bool) {
		v := e.ok("GET", fmt.Sprintf("%s/contacts/%d", a1, contactID), nil).JSON(t)
		if !has(v, "payload.last_activity_at") {
			return 0, false
		}
		return num(t, v, "payload.last_activity_at"), true
	}
	expect("created", map[string]int64{"created_at": t0.Unix(), "waiting_since": t0.Unix(), "first_reply_created_at": 0, "last_activity_at": t0.Unix()})
	if _, ok := contactActivity(); ok {
		t.Fatal("a new contact has last_activity_at")
	}

	// A customer message keeps the waiting time and moves the activity.
	t1 := t0.Add(time.Minute)
	e.at(t1)
	m := e.incoming(id, "Hello?")
	if num(t, m, "created_at") != t1.Unix() {
		t.Fatalf("message created_at = %d", num(t, m, "created_at"))
	}
	expect("incoming", map[string]int64{"waiting_since": t0.Unix(), "first_reply_created_at": 0, "last_activity_at": t1.Unix(), "unread_count": 1})
	if at, ok := contactActivity(); !ok || at != t1.Unix() {
		t.Fatalf("contact last_activity_at = %d (%v), want %d", at, ok, t1.Unix())
	}
	expectChanges(t, rec.take(), ev("message_created"))

	// A private note is activity but not a reply.
	t2 := t1.Add(time.Minute)
	e.at(t2)
	e.say(id, map[string]any{"content": "Checking", "private": true})
	expect("private note", map[string]int64{"waiting_since": t0.Unix(), "first_reply_created_at": 0, "last_activity_at": t2.Unix()})
	v := e.show(id).JSON(t)
	if str(t, v, "last_non_activity_message.content") != "Checking" || str(t, v, "messages.0.content") != "Checking" {
		t.Fatalf("private note is not the last message: %v", v)
	}
	expectChanges(t, rec.take(), ev("message_created"))

	// The first public reply: first_reply_created_at set, waiting cleared.
	t3 := t2.Add(time.Minute)
	e.at(t3)
	e.say(id, map[string]any{"content": "Hi!"})
	expect("first reply", map[string]int64{"waiting_since": 0, "first_reply_created_at": t3.Unix(), "last_activity_at": t3.Unix(), "unread_count": 1})
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_updated", "updated_at", "first_reply_created_at", "waiting_since"))

	// A second reply changes neither.
	t4 := t3.Add(time.Minute)
	e.at(t4)
	e.say(id, map[string]any{"content": "Anything else?"})
	expect("second reply", map[string]int64{"waiting_since": 0, "first_reply_created_at": t3.Unix(), "last_activity_at": t4.Unix()})
	expectChanges(t, rec.take(), ev("message_created"))

	// The customer writes again: waiting from that message.
	t5 := t4.Add(time.Minute)
	e.at(t5)
	e.incoming(id, "Yes")
	expect("incoming after reply", map[string]int64{"waiting_since": t5.Unix(), "first_reply_created_at": t3.Unix(), "last_activity_at": t5.Unix(), "unread_count": 2})
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_updated", "updated_at", "waiting_since"))
	if at, _ := contactActivity(); at != t5.Unix() {
		t.Fatalf("contact last_activity_at = %d, want %d", at, t5.Unix())
	}

	// A private note while waiting does not end the wait; a reply does.
	e.at(t5.Add(time.Minute))
	e.say(id, map[string]any{"content": "note", "private": true})
	expect("note while waiting", map[string]int64{"waiting_since": t5.Unix()})
	t6 := t5.Add(2 * time.Minute)
	e.at(t6)
	e.say(id, map[string]any{"content": "Done"})
	expect("reply after wait", map[string]int64{"waiting_since": 0, "first_reply_created_at": t3.Unix(), "last_activity_at": t6.Unix()})
	expectChanges(t, rec.take(), ev("message_created"), ev("message_created"), ev("conversation_updated", "updated_at", "waiting_since"))

	// No contact_updated for the contact's activity (Parley leaves out
	// Chatwoot's issue #11973 noise).
	e.expectEvents(start, "message_created", "message_created", "message_created", "conversation_updated", "message_created",
		"message_created", "conversation_updated", "message_created", "message_created", "conversation_updated")
}

// TestIncomingReopens checks that a customer message reopens a resolved or
// snoozed conversation, leaving Chatwoot's activity message.
func TestIncomingReopens(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, _ := e.newConversation(inbox, "Hello")
	rec := e.recordChanges()
	reopened := "System reopened the conversation due to a new incoming message."

	// An outgoing message does not reopen.
	e.ok("POST", conv(id)+"/toggle_status", map[string]any{"status": "resolved"})
	e.say(id, map[string]any{"content": "Closing this"})
	if got := str(t, e.show(id).JSON(t), "status"); got != "resolved" {
		t.Fatalf("outgoing message made the conversation %s", got)
	}
	rec.take()

	m := e.incoming(id, "Wait, one more thing")
	if got := str(t, e.show(id).JSON(t), "status"); got != "open" {
		t.Fatalf("incoming message left the conversation %s", got)
	}
	msgs := e.messageList(id, "")
	n := len(msgs)
	if num(t, msgs[n-2], "id") != num(t, m, "id") || num(t, msgs[n-1], "message_type") != 2 || str(t, msgs[n-1], "content") != reopened {
		t.Fatalf("messages after reopening: %v", msgs[n-2:])
	}
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_status_changed"),
		ev("conversation_updated", "status", "updated_at", "waiting_since"))

	// Snoozed (with a time): reopened and the snooze time cleared.
	e.ok("POST", conv(id)+"/toggle_status", map[string]any{"status": "snoozed", "snoozed_until": time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).Unix()})
	rec.take()
	e.incoming(id, "Hello again")
	v := e.show(id).JSON(t)
	if str(t, v, "status") != "open" || kind(t, v, "snoozed_until") != "null" || str(t, v, "messages.0.content") != reopened {
		t.Fatalf("snoozed conversation after an incoming message: %v", v)
	}
	expectChanges(t, rec.take(), ev("message_created"), ev("conversation_status_changed"),
		ev("conversation_updated", "status", "updated_at", "snoozed_until"))

	// Pending stays pending.
	e.ok("POST", conv(id)+"/toggle_status", map[string]any{"status": "pending"})
	rec.take()
	e.incoming(id, "Anyone?")
	if got := str(t, e.show(id).JSON(t), "status"); got != "pending" {
		t.Fatalf("pending conversation became %s", got)
	}
	expectChanges(t, rec.take(), ev("message_created"))

	want := []string{
		"Conversation was marked resolved by Administrator", reopened,
		"Conversation was snoozed by Administrator", reopened,
		"Conversation was marked as pending by Administrator",
	}
	if got := e.activities(id); !slices.Equal(got, want) {
		t.Fatalf("activities\n got %q\nwant %q", got, want)
	}
}

// TestLockToSingleConversation: an inbox locked to one conversation per
// contact hands back the existing conversation instead of starting another.
func TestLockToSingleConversation(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("Locked")
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		in, err := tx.FindInbox(1, inbox)
		if err != nil {
			return err
		}
		in.LockToSingleConversation = true
		return tx.UpdateInbox(in)
	})
	if err != nil {
		t.Fatal(err)
	}
	alice := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com", "inbox_id": inbox, "source_id": "alice"})
	start := lastEventID(t, e)
	first := e.ok("POST", a1+"/conversations", map[string]any{"source_id": "alice"})
	e.ok("POST", conv(1)+"/toggle_status", map[string]any{"status": "resolved"})
	again := e.ok("POST", a1+"/conversations", map[string]any{"inbox_id": inbox, "contact_id": alice,
		"message": map[string]any{"content": "Back again", "message_type": "incoming"}})
	v := again.JSON(t)
	if num(t, v, "id") != num(t, first.JSON(t), "id") || str(t, v, "uuid") != str(t, first.JSON(t), "uuid") {
		t.Fatalf("locked inbox started a second conversation: %s", again.Body)
	}
	// The message went to the existing conversation, reopening it.
	if str(t, v, "status") != "open" || str(t, v, "last_non_activity_message.content") != "Back again" {
		t.Fatalf("existing conversation after the message: %s", again.Body)
	}
	if n := e.tally(1).Conversations; n != 1 {
		t.Fatalf("%d conversations, want 1", n)
	}
	e.expectEvents(start, "conversation_created", "conversation_status_changed", "conversation_updated",
		"message_created", "conversation_status_changed", "conversation_updated")
}
