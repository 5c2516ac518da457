package api_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"unicode/utf8"
)

// FuzzVisitorHandlers sends each input as the body of the widget's and the
// public client API's write routes. Whatever the body, the server answers a
// success or a 4xx, never a 5xx; a 4xx comes in Chatwoot's envelope and
// writes nothing at all.
//
//	go test -run '^$' -fuzz '^FuzzVisitorHandlers$' -fuzztime 60s -fuzzminimizetime 5s ./internal/api
func FuzzVisitorHandlers(f *testing.F) {
	e := newEnv(f)
	web := e.webInbox("Fuzz widget")
	q, tok := e.widgetVisitor(web)
	pub := "/public/api/v1/inboxes/" + e.inbox(e.apiInbox("Fuzz public")).API.Identifier
	src := str(f, e.visit("POST", pub+"/contacts", "", map[string]any{"name": "Fuzz"}).JSON(f), "source_id")
	convID := num(f, e.visit("POST", pub+"/contacts/"+src+"/conversations", "", nil).JSON(f), "id")
	r := e.visit("POST", "/api/v1/widget/messages"+q, tok, map[string]any{"message": map[string]any{"content": "hi"}})
	widgetConv := num(f, r.JSON(f), "conversation_id")
	msgID := num(f, e.ok("POST", conv(widgetConv)+"/messages", map[string]any{"content": "Email?", "content_type": "input_email"}).JSON(f), "id")

	probe := openProbe(f)
	probe.patchRow = num(f, r.JSON(f), "sender.id")
	if err := probe.conn.QueryRowContext(f.Context(), "SELECT id FROM conversations WHERE display_id = ? AND account_id = 1", widgetConv).Scan(&probe.convID); err != nil {
		f.Fatal(err)
	}
	pcv := fmt.Sprintf("%s/contacts/%s/conversations/%d", pub, src, convID)
	targets := []struct{ method, path, token string }{
		{"POST", "/api/v1/widget/messages" + q, tok},
		{"PATCH", fmt.Sprintf("/api/v1/widget/messages/%d%s", msgID, q), tok},
		{"PATCH", "/api/v1/widget/contact/set_user" + q, tok},
		{"PATCH", "/api/v1/widget/contact" + q, tok},
		{"POST", "/api/v1/widget/conversations" + q, tok},
		{"POST", "/api/v1/widget/conversations/toggle_typing" + q, tok},
		{"POST", "/api/v1/widget/events" + q + "&locale=xx", tok},
		{"POST", pub + "/contacts", ""},
		{"PATCH", pub + "/contacts/" + src, ""},
		{"POST", pcv + "/messages", ""},
		{"POST", pcv + "/toggle_typing", ""},
	}
	for _, s := range []string{
		`{"message":{"content":"hello","referer_url":"https://example.com/","timestamp":"Wed Jun 17 2026","echo_id":"e1"}}`,
		`{"content":"plain","echo_id":{"a":1}}`,
		`{"message":{"submitted_email":"fuzz@example.com","submitted_values":[{"title":"A","value":"a"}]}}`,
		`{"identifier":"fuzz-user","identifier_hash":"00","name":"Fuzz User","email":"bad email","custom_attributes":{"k":1}}`,
		`{"contact":{"name":"Pre Chat","phone_number":"+15550009999"},"message":{"content":"first"},"custom_attributes":[]}`,
		`{"contact":{"email":"nope"},"message":{"content":"first"}}`,
		`{"typing_status":"on"}`,
		`{"typing_status":"sideways"}`,
		`{"name":"webwidget.triggered","event_info":{"initiated_at":{"timestamp":"x"},"referer":"r","browser":"spoofed"}}`,
		`{"name":"webwidget.triggered","event_info":"not an object"}`,
		`{"source_id":"fuzz-new","identifier":"i","identifier_hash":"h","name":"N"}`,
		`{"source_id":"` + "\xff" + `","name":{"x":1}}`,
		`{"content":"` + "\x00\xc3" + `"}`,
		`[]`, `null`, `{"message":`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, tg := range targets {
			where := tg.method + " " + tg.path
			before := probe.read(t)
			res := visitURL(t, e.URL, tg.method, tg.path, tg.token, string(body))
			switch {
			case res.Status == 200:
				if len(res.Body) > 0 && (!json.Valid(res.Body) || !utf8.Valid(res.Body)) {
					t.Fatalf("%s: 200 body is not valid UTF-8 JSON: %q", where, res.Body)
				}
				continue
			case res.Status == 204:
				continue
			case res.Status >= 400 && res.Status <= 499:
			default:
				t.Fatalf("%s: status %d, want a success or a 4xx\nbody sent: %q\nanswer: %s", where, res.Status, body, res.Body)
			}
			checkErrorEnvelope(t, where, res.Status, res.Body)
			after := probe.read(t)
			for _, table := range probedTables {
				if before.lastRow[table] != after.lastRow[table] {
					t.Fatalf("%s: %d %s, but %s's last row went from %d to %d\nbody sent: %q", where, res.Status, res.Body, table, before.lastRow[table], after.lastRow[table], body)
				}
			}
			if before.version != after.version {
				t.Fatalf("%s: %d %s, but the database was written to\nbody sent: %q", where, res.Status, res.Body, body)
			}
		}
	})
}
