package api_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestContactCreate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	start := lastEventID(t, e)
	rec := e.recordChanges()

	// Unwrapped, without an inbox: contact_inbox is {inbox: null, source_id: null}.
	r := e.ok("POST", a1+"/contacts", map[string]any{"name": "  Alice  ", "email": "Alice@Example.COM"})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "payload")
	expectKeys(t, r.Body, "payload", "contact", "contact_inbox")
	expectKeys(t, r.Body, "payload.contact", contactKeysWith(false, true)...)
	if got := string(mustRaw(t, r.Body, "payload.contact_inbox")); got != `{"inbox":null,"source_id":null}` {
		t.Fatalf("contact_inbox without inbox = %s", got)
	}
	expectKinds(t, v, map[string]string{
		"payload.contact.id": "int", "payload.contact.created_at": "int", "payload.contact.email": "string",
		"payload.contact.phone_number": "null", "payload.contact.identifier": "null", "payload.contact.blocked": "bool",
		"payload.contact.additional_attributes": "object", "payload.contact.custom_attributes": "object",
		"payload.contact.contact_inboxes": "array", "payload.contact.thumbnail": "string",
	})
	if str(t, v, "payload.contact.name") != "Alice" || str(t, v, "payload.contact.email") != "alice@example.com" ||
		str(t, v, "payload.contact.availability_status") != "offline" || len(list(t, v, "payload.contact.contact_inboxes")) != 0 {
		t.Fatalf("created contact: %s", r.Body)
	}
	if got := num(t, v, "payload.contact.created_at"); got != unix(e.Clock.Now()) {
		t.Fatalf("created_at = %d", got)
	}

	// Wrapped, with an inbox given as a string: the contact inbox gets a
	// generated UUID and the raw inbox record.
	r = e.ok("POST", a1+"/contacts", map[string]any{"contact": map[string]any{
		"name": "Bob", "phone_number": "+14155550100", "identifier": "bob-1", "inbox_id": fmt.Sprint(inbox),
		"custom_attributes": map[string]any{"plan": "pro"}, "additional_attributes": map[string]any{"city": "Paris"}}})
	v = r.JSON(t)
	expectKeys(t, r.Body, "payload.contact_inbox", "inbox", "source_id")
	expectKeys(t, r.Body, "payload.contact.contact_inboxes.0", "source_id", "inbox")
	sourceID := str(t, v, "payload.contact_inbox.source_id")
	if !uuidRE.MatchString(sourceID) || str(t, v, "payload.contact.contact_inboxes.0.source_id") != sourceID {
		t.Fatalf("generated source id %q: %s", sourceID, r.Body)
	}
	if num(t, v, "payload.contact_inbox.inbox.id") != inbox || num(t, v, "payload.contact.contact_inboxes.0.inbox.id") != inbox {
		t.Fatalf("contact inbox is not inbox %d: %s", inbox, r.Body)
	}
	if str(t, v, "payload.contact.phone_number") != "+14155550100" || str(t, v, "payload.contact.identifier") != "bob-1" ||
		str(t, v, "payload.contact.custom_attributes.plan") != "pro" || str(t, v, "payload.contact.additional_attributes.city") != "Paris" ||
		kind(t, v, "payload.contact.email") != "null" {
		t.Fatalf("wrapped create lost fields: %s", r.Body)
	}

	// A given source id is kept; a name is optional ("").
	r = e.ok("POST", a1+"/contacts", map[string]any{"email": "carol@example.com", "inbox_id": inbox, "source_id": "visitor-42"})
	v = r.JSON(t)
	if str(t, v, "payload.contact_inbox.source_id") != "visitor-42" || str(t, v, "payload.contact.name") != "" {
		t.Fatalf("source id not kept: %s", r.Body)
	}

	// A blank email is stored as null, so two contacts may have one.
	for i := 0; i < 2; i++ {
		r = e.ok("POST", a1+"/contacts", map[string]any{"name": "Nameless", "email": ""})
		if kind(t, r.JSON(t), "payload.contact.email") != "null" {
			t.Fatalf("blank email: %s", r.Body)
		}
	}

	e.expectEvents(start, "contact_created", "contact_created", "contact_created", "contact_created", "contact_created")
	expectChanges(t, rec.take(), ev("contact_created"), ev("contact_created"), ev("contact_created"), ev("contact_created"),
		ev("contact_created"))
}

// mustRaw returns the raw JSON at a dotted path of object keys.
func mustRaw(t testing.TB, body []byte, p string) []byte {
	t.Helper()
	var raw = body
	for _, k := range strings.Split(p, ".") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("cannot walk %q: %v", k, err)
		}
		r, ok := m[k]
		if !ok {
			t.Fatalf("no key %q (path %s)", k, p)
		}
		raw = r
	}
	return raw
}

func TestContactCreateValidation(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	e.contact(map[string]any{"name": "Alice", "email": "alice@example.com", "phone_number": "+14155550100", "identifier": "alice"})
	start := lastEventID(t, e)
	before := e.tally(1)

	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"duplicate email, other case", map[string]any{"email": "ALICE@example.com"}, 422,
			`{"message":"Email has already been taken","attributes":["email"]}`},
		{"duplicate email, wrapped", map[string]any{"contact": map[string]any{"email": "alice@example.com"}}, 422,
			`{"message":"Email has already been taken","attributes":["email"]}`},
		{"invalid email", map[string]any{"email": "not-an-email"}, 422,
			`{"message":"Email Invalid email","attributes":["email"]}`},
		{"phone not e164", map[string]any{"phone_number": "4155550100"}, 422,
			`{"message":"Phone number should be in e164 format","attributes":["phone_number"]}`},
		{"phone with a leading zero", map[string]any{"phone_number": "+04155550100"}, 422,
			`{"message":"Phone number should be in e164 format","attributes":["phone_number"]}`},
		{"duplicate phone", map[string]any{"phone_number": "+14155550100"}, 422,
			`{"message":"Phone number has already been taken","attributes":["phone_number"]}`},
		{"duplicate identifier", map[string]any{"identifier": "alice"}, 422,
			`{"message":"Identifier has already been taken","attributes":["identifier"]}`},
		{"name too long", map[string]any{"name": strings.Repeat("n", 256)}, 422,
			`{"message":"Name is too long (maximum is 255 characters)","attributes":["name"]}`},
		{"custom attributes not an object", map[string]any{"name": "X", "custom_attributes": []int{1}}, 422,
			`{"message":"Custom attributes must be an object","attributes":["custom_attributes"]}`},
		// Chatwoot saves the contact, then fails to find the inbox: the
		// transaction leaves nothing behind.
		{"unknown inbox", map[string]any{"name": "Dave", "email": "dave@example.com", "inbox_id": inbox + 100}, 404,
			`{"error":"Resource could not be found"}`},
	}
	for _, c := range cases {
		r := e.do("POST", a1+"/contacts", adminToken, c.body)
		if r.Status != c.status || string(r.Body) != c.want {
			t.Errorf("%s: got %d %s\nwant %d %s", c.name, r.Status, r.Body, c.status, c.want)
		}
	}
	if got := e.tally(1); got != before {
		t.Fatalf("failed creates left rows: %+v, want %+v", got, before)
	}
	e.expectEvents(start)

	// Not JSON at all.
	e.expectError(e.do("POST", a1+"/contacts", adminToken, "{nope"), 400, `{"error":"Request body must be a JSON object"}`)
}

func TestContactShow(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	id := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com", "inbox_id": inbox, "source_id": "s-1"})
	e.ok("POST", fmt.Sprintf("%s/contacts/%d/contact_inboxes", a1, id), map[string]any{"inbox_id": web, "source_id": "w-1"})

	r := e.ok("GET", fmt.Sprintf("%s/contacts/%d", a1, id), nil)
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "payload")
	expectKeys(t, r.Body, "payload", contactKeysWith(false, true)...)
	cis := list(t, v, "payload.contact_inboxes")
	if len(cis) != 2 || str(t, cis[0], "source_id") != "s-1" || num(t, cis[0], "inbox.id") != inbox ||
		str(t, cis[1], "source_id") != "w-1" || num(t, cis[1], "inbox.id") != web ||
		str(t, cis[1], "inbox.channel_type") != "Channel::WebWidget" {
		t.Fatalf("contact inboxes: %s", r.Body)
	}

	// Not found: unknown, non-numeric, zero, and another account's contact.
	other, otherToken := e.otherAccount()
	r = e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/contacts", other), otherToken, map[string]any{"name": "Theirs"})
	theirs := num(t, r.JSON(t), "payload.contact.id")
	for _, p := range []string{fmt.Sprint(id + 100), "abc", "0", "-1", fmt.Sprint(theirs)} {
		e.expectError(e.do("GET", a1+"/contacts/"+p, adminToken, nil), 404, `{"error":"Resource could not be found"}`)
	}
	// Account 2 sees its own contact and not account 1's.
	e.must(200, "GET", fmt.Sprintf("/api/v1/accounts/%d/contacts/%d", other, theirs), otherToken, nil)
	e.expectError(e.do("GET", fmt.Sprintf("/api/v1/accounts/%d/contacts/%d", other, id), otherToken, nil), 404,
		`{"error":"Resource could not be found"}`)
}

func TestContactList(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	// 17 resolved contacts (email, phone or identifier) and one with a name only.
	names := []string{}
	for i := 0; i < 17; i++ {
		name := fmt.Sprintf("%c-contact", 'q'-i)
		body := map[string]any{"name": name}
		switch i % 3 {
		case 0:
			body["email"] = fmt.Sprintf("c%02d@example.com", i)
		case 1:
			body["phone_number"] = fmt.Sprintf("+1415555%04d", i)
		case 2:
			body["identifier"] = fmt.Sprintf("id-%02d", i)
		}
		if i == 0 {
			body["inbox_id"] = inbox
		}
		e.contact(body)
		names = append(names, name)
	}
	e.contact(map[string]any{"name": "Only a name"})

	r := e.ok("GET", a1+"/contacts", nil)
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "meta", "payload")
	expectKeys(t, r.Body, "meta", "count", "current_page")
	expectKinds(t, v, map[string]string{"meta.count": "int", "meta.current_page": "int"})
	if num(t, v, "meta.count") != 17 || num(t, v, "meta.current_page") != 1 || len(list(t, v, "payload")) != 15 {
		t.Fatalf("page 1: %s", r.Body)
	}
	expectKeys(t, r.Body, "payload.0", contactKeysWith(false, true)...)
	if len(list(t, v, "payload.0.contact_inboxes")) != 1 || len(list(t, v, "payload.1.contact_inboxes")) != 0 {
		t.Fatalf("contact_inboxes in the list: %s", r.Body)
	}
	for _, c := range list(t, v, "payload") {
		if str(t, c, "name") == "Only a name" {
			t.Fatalf("a contact without email, phone or identifier is listed")
		}
	}

	// page=2 is echoed as the string Rails passes through.
	r = e.ok("GET", a1+"/contacts?page=2", nil)
	v = r.JSON(t)
	expectKinds(t, v, map[string]string{"meta.current_page": "string", "meta.count": "int"})
	if str(t, v, "meta.current_page") != "2" || num(t, v, "meta.count") != 17 || len(list(t, v, "payload")) != 2 {
		t.Fatalf("page 2: %s", r.Body)
	}
	r = e.ok("GET", a1+"/contacts?page=3", nil)
	if len(list(t, r.JSON(t), "payload")) != 0 {
		t.Fatalf("page 3 is not empty: %s", r.Body)
	}

	// Sorting.
	sorted := slices.Clone(names)
	slices.Sort(sorted)
	got := func(q string) []string {
		out := []string{}
		for _, p := range []string{"1", "2"} {
			r := e.ok("GET", a1+"/contacts?page="+p+"&"+q, nil)
			for _, c := range list(t, r.JSON(t), "payload") {
				out = append(out, str(t, c, "name"))
			}
		}
		return out
	}
	if g := got("sort=name"); !slices.Equal(g, sorted) {
		t.Fatalf("sort=name\n got %v\nwant %v", g, sorted)
	}
	rev := slices.Clone(sorted)
	slices.Reverse(rev)
	if g := got("sort=-name"); !slices.Equal(g, rev) {
		t.Fatalf("sort=-name\n got %v\nwant %v", g, rev)
	}
	if g := got("sort=created_at"); !slices.Equal(g, names) {
		t.Fatalf("sort=created_at\n got %v\nwant %v", g, names)
	}
	byNewest := slices.Clone(names)
	slices.Reverse(byNewest)
	if g := got("sort=-created_at"); !slices.Equal(g, byNewest) {
		t.Fatalf("sort=-created_at\n got %v\nwant %v", g, byNewest)
	}

	// include_contact_inboxes=false leaves the key out.
	r = e.ok("GET", a1+"/contacts?include_contact_inboxes=false", nil)
	expectKeys(t, r.Body, "payload.0", contactKeysWith(false, false)...)
}

func TestContactListSortByActivity(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	quiet := e.contact(map[string]any{"name": "Quiet", "email": "quiet@example.com"})
	first, _ := e.newConversation(inbox, "")
	second, _ := e.newConversation(inbox, "")
	e.incoming(second, "I am second but speak first")
	e.incoming(first, "I speak last")

	ids := func(q string) []int64 {
		r := e.ok("GET", a1+"/contacts?"+q, nil)
		out := []int64{}
		for _, c := range list(t, r.JSON(t), "payload") {
			out = append(out, num(t, c, "id"))
		}
		return out
	}
	firstContact := num(t, e.show(first).JSON(t), "meta.sender.id")
	secondContact := num(t, e.show(second).JSON(t), "meta.sender.id")
	// Contacts never active sort last either way.
	if g := ids("sort=last_activity_at"); !slices.Equal(g, []int64{secondContact, firstContact, quiet}) {
		t.Fatalf("sort=last_activity_at: %v", g)
	}
	if g := ids("sort=-last_activity_at"); !slices.Equal(g, []int64{firstContact, secondContact, quiet}) {
		t.Fatalf("sort=-last_activity_at: %v", g)
	}
	// last_activity_at appears (as an integer) once the contact was active.
	r := e.ok("GET", fmt.Sprintf("%s/contacts/%d", a1, firstContact), nil)
	expectKeys(t, r.Body, "payload", contactKeysWith(true, true)...)
	expectKinds(t, r.JSON(t), map[string]string{"payload.last_activity_at": "int"})
}

func TestContactSearch(t *testing.T) {
	e := newEnv(t)
	e.contact(map[string]any{"name": "Alice Martin", "email": "alice@example.com"})
	e.contact(map[string]any{"name": "Bob", "phone_number": "+33612345678"})
	e.contact(map[string]any{"name": "Carol", "identifier": "crm-4711"})
	e.contact(map[string]any{"name": "Dave Martin"}) // name only: found by search
	e.contact(map[string]any{"name": "100% sure"})

	search := func(q string) (*response, []string) {
		r := e.ok("GET", a1+"/contacts/search?q="+q, nil)
		out := []string{}
		for _, c := range list(t, r.JSON(t), "payload") {
			out = append(out, str(t, c, "name"))
		}
		return r, out
	}
	for q, want := range map[string][]string{
		"martin":       {"Alice Martin", "Dave Martin"},
		"EXAMPLE.com":  {"Alice Martin"},
		"%2B336123":    {"Bob"},
		"crm-47":       {"Carol"},
		"nobody":       {},
		"+%20Bob%20+":  {"Bob"}, // trimmed
		"100%25":       {"100% sure"},
		"%25":          {"100% sure"}, // % is literal, not a wildcard
		"_":            {},
		"alice%40exam": {"Alice Martin"},
	} {
		if _, got := search(q); !slices.Equal(got, want) {
			t.Errorf("search %q = %v, want %v", q, got, want)
		}
	}
	r, _ := search("martin")
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "meta", "payload")
	expectKeys(t, r.Body, "meta", "count", "current_page", "has_more")
	expectKeys(t, r.Body, "payload.0", contactKeysWith(false, true)...)
	if num(t, v, "meta.count") != 2 || num(t, v, "meta.current_page") != 1 || path(t, v, "meta.has_more") != false {
		t.Fatalf("search meta: %s", r.Body)
	}

	// More than a page: has_more, and count is the size of the page.
	for i := 0; i < 16; i++ {
		e.contact(map[string]any{"name": fmt.Sprintf("Member %02d", i)})
	}
	r = e.ok("GET", a1+"/contacts/search?q=member", nil)
	v = r.JSON(t)
	if num(t, v, "meta.count") != 15 || path(t, v, "meta.has_more") != true || len(list(t, v, "payload")) != 15 {
		t.Fatalf("search page 1: %s", r.Body)
	}
	r = e.ok("GET", a1+"/contacts/search?q=member&page=2", nil)
	v = r.JSON(t)
	if num(t, v, "meta.count") != 1 || str(t, v, "meta.current_page") != "2" || path(t, v, "meta.has_more") != false {
		t.Fatalf("search page 2: %s", r.Body)
	}

	for _, q := range []string{"", "?q=", "?q=%20%20"} {
		e.expectError(e.do("GET", a1+"/contacts/search"+q, adminToken, nil), 422, `{"error":"Specify search string with parameter q"}`)
	}
}

func TestContactUpdate(t *testing.T) {
	e := newEnv(t)
	id := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com",
		"custom_attributes": map[string]any{"plan": "free", "seats": 1}, "additional_attributes": map[string]any{"city": "Paris"}})
	e.contact(map[string]any{"name": "Bob", "email": "bob@example.com", "phone_number": "+14155550199", "identifier": "bob"})
	start := lastEventID(t, e)
	rec := e.recordChanges()
	p := fmt.Sprintf("%s/contacts/%d", a1, id)

	// PATCH, unwrapped: attributes are merged, not replaced.
	r := e.ok("PATCH", p, map[string]any{"name": "Alice B", "custom_attributes": map[string]any{"plan": "pro"}})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "payload")
	expectKeys(t, r.Body, "payload", contactKeysWith(false, true)...)
	if str(t, v, "payload.name") != "Alice B" || str(t, v, "payload.custom_attributes.plan") != "pro" ||
		num(t, v, "payload.custom_attributes.seats") != 1 || str(t, v, "payload.additional_attributes.city") != "Paris" {
		t.Fatalf("patched contact: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("contact_updated", "name", "updated_at", "custom_attributes"))

	// PUT, wrapped, with the lenient boolean and a phone number.
	r = e.ok("PUT", p, map[string]any{"contact": map[string]any{"blocked": "true", "phone_number": "+14155550100", "email": "ALICE@example.com"}})
	v = r.JSON(t)
	if path(t, v, "payload.blocked") != true || str(t, v, "payload.phone_number") != "+14155550100" || str(t, v, "payload.email") != "alice@example.com" {
		t.Fatalf("put contact: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("contact_updated", "phone_number", "updated_at", "blocked"))

	// Nothing changes: same values, an email differing in case, a merge that
	// adds nothing. No event.
	for _, body := range []map[string]any{
		{"name": "Alice B"},
		{"email": "Alice@Example.com"},
		{"custom_attributes": map[string]any{"plan": "pro"}},
		{},
		{"unknown_key": "ignored"},
	} {
		e.ok("PATCH", p, body)
	}
	expectChanges(t, rec.take())

	// Clearing the email stores null.
	r = e.ok("PATCH", p, map[string]any{"email": ""})
	if kind(t, r.JSON(t), "payload.email") != "null" {
		t.Fatalf("cleared email: %s", r.Body)
	}
	expectChanges(t, rec.take(), ev("contact_updated", "email", "updated_at"))

	// Validation.
	for body, want := range map[string]string{
		`{"email":"BOB@example.com"}`:     `{"message":"Email has already been taken","attributes":["email"]}`,
		`{"identifier":"bob"}`:            `{"message":"Identifier has already been taken","attributes":["identifier"]}`,
		`{"phone_number":"+14155550199"}`: `{"message":"Phone number has already been taken","attributes":["phone_number"]}`,
		`{"phone_number":"0612"}`:         `{"message":"Phone number should be in e164 format","attributes":["phone_number"]}`,
		`{"email":"x@"}`:                  `{"message":"Email Invalid email","attributes":["email"]}`,
		`{"blocked":"maybe"}`:             `{"message":"Blocked must be true or false","attributes":["blocked"]}`,
	} {
		e.expectError(e.do("PATCH", p, adminToken, body), 422, want)
	}
	expectChanges(t, rec.take())

	// Not found.
	e.expectError(e.do("PATCH", fmt.Sprintf("%s/contacts/%d", a1, id+100), adminToken, map[string]any{"name": "X"}), 404,
		`{"error":"Resource could not be found"}`)
	e.expectError(e.do("PUT", a1+"/contacts/abc", adminToken, map[string]any{"name": "X"}), 404,
		`{"error":"Resource could not be found"}`)

	e.expectEvents(start, "contact_updated", "contact_updated", "contact_updated")
}

func TestContactDelete(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	id, contactID := e.newConversation(inbox, "Hello")
	_, agentToken := e.agent("bob", chat.RoleAgent)
	p := fmt.Sprintf("%s/contacts/%d", a1, contactID)

	// Only administrators may delete contacts.
	e.expectError(e.do("DELETE", p, agentToken, nil), 401, `{"error":"You are not authorized to do this action"}`)
	e.must(200, "GET", p, agentToken, nil)

	start := lastEventID(t, e)
	row := e.conversationRow(1, id)
	r := e.ok("DELETE", p, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered %q, want an empty body", r.Body)
	}
	e.expectError(e.do("GET", p, adminToken, nil), 404, `{"error":"Resource could not be found"}`)
	// Its conversations, contact inboxes and messages went with it.
	e.expectError(e.do("GET", conv(id), adminToken, nil), 404, `{"error":"Resource could not be found"}`)
	if cis, msgs := e.rowsOf(contactID, row.ID); cis != 0 || msgs != 0 {
		t.Fatalf("%d contact inboxes and %d messages left after the contact was deleted", cis, msgs)
	}
	if n := e.tally(1); n.Conversations != 0 || n.Contacts != 0 {
		t.Fatalf("left after the contact was deleted: %+v", n)
	}
	e.expectEvents(start)
	e.expectError(e.do("DELETE", p, adminToken, nil), 404, `{"error":"Resource could not be found"}`)
	e.expectError(e.do("DELETE", a1+"/contacts/abc", adminToken, nil), 404, `{"error":"Resource could not be found"}`)

	// A new conversation after the deletion still gets the next display id.
	next, _ := e.newConversation(inbox, "")
	if next != 2 {
		t.Fatalf("display id after deleting conversation 1 = %d, want 2", next)
	}
}

func TestContactInboxCreate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("API")
	web := e.webInbox("Web")
	alice := e.contact(map[string]any{"name": "Alice", "email": "alice@example.com"})
	bob := e.contact(map[string]any{"name": "Bob", "email": "bob@example.com"})
	start := lastEventID(t, e)
	p := func(id int64) string { return fmt.Sprintf("%s/contacts/%d/contact_inboxes", a1, id) }

	// Generated source id, inbox as a string.
	r := e.ok("POST", p(alice), map[string]any{"inbox_id": fmt.Sprint(inbox)})
	v := r.JSON(t)
	expectKeys(t, r.Body, "", "source_id", "inbox")
	if !uuidRE.MatchString(str(t, v, "source_id")) || num(t, v, "inbox.id") != inbox || str(t, v, "inbox.channel_type") != "Channel::Api" {
		t.Fatalf("contact inbox: %s", r.Body)
	}

	// Given source id, wrapped body; asking again returns the same link.
	for i := 0; i < 2; i++ {
		r = e.ok("POST", p(alice), map[string]any{"contact_inbox": map[string]any{"inbox_id": web, "source_id": "visitor-1"}})
		if str(t, r.JSON(t), "source_id") != "visitor-1" || num(t, r.JSON(t), "inbox.id") != web {
			t.Fatalf("contact inbox with source id: %s", r.Body)
		}
	}
	if n, _ := e.rowsOf(alice, 0); n != 2 {
		t.Fatalf("alice has %d contact inboxes, want 2", n)
	}

	// Another contact cannot take the same source id in that inbox.
	e.expectError(e.do("POST", p(bob), adminToken, map[string]any{"inbox_id": web, "source_id": "visitor-1"}), 422,
		`{"message":"Source has already been taken","attributes":["source_id"]}`)

	// hmac_verified marks the link, which conversations show.
	e.ok("POST", p(bob), map[string]any{"inbox_id": inbox, "source_id": "bob-verified", "hmac_verified": true})
	r = e.ok("POST", a1+"/conversations", map[string]any{"source_id": "bob-verified"})
	if path(t, r.JSON(t), "meta.hmac_verified") != true || num(t, r.JSON(t), "meta.sender.id") != bob {
		t.Fatalf("conversation of a verified contact inbox: %s", r.Body)
	}
	start = e.expectEvents(start, "conversation_created")

	// Chatwoot finds the inbox with find(): an unknown or missing one is 404,
	// as is an unknown contact.
	notFound := `{"error":"Resource could not be found"}`
	e.expectError(e.do("POST", p(alice), adminToken, map[string]any{"inbox_id": web + 100}), 404, notFound)
	e.expectError(e.do("POST", p(alice), adminToken, map[string]any{}), 404, notFound)
	e.expectError(e.do("POST", p(alice+100), adminToken, map[string]any{"inbox_id": inbox}), 404, notFound)
	e.expectError(e.do("POST", a1+"/contacts/abc/contact_inboxes", adminToken, map[string]any{"inbox_id": inbox}), 404, notFound)
	other, _ := e.otherAccount()
	otherInbox := e.apiInboxIn(other, "Theirs")
	e.expectError(e.do("POST", p(alice), adminToken, map[string]any{"inbox_id": otherInbox}), 404, notFound)
	e.expectEvents(start)
}
