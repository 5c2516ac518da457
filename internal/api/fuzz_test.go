package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/parleyhq/parley/internal/storetest"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf8"
)

// handlerContentTypes are the Content-Type headers FuzzAPIHandlers sends,
// chosen by the fuzzer's first argument.
var handlerContentTypes = []string{
	"application/json",
	"",
	"application/x-www-form-urlencoded",
	"text/plain",
	"application/json; charset=utf-8",
}

// dbState is what a request that fails must leave as it was.
type dbState struct {
	version int64            // PRAGMA data_version: moves on any commit
	lastRow map[string]int64 // the last rowid of each table
	rows    map[string]string
}

// stateProbe reads the database through its own connection, so that
// data_version sees the server's commits.
type stateProbe struct {
	conn     *sql.Conn
	convID   int64 // the conversation messages are posted to
	patchRow int64 // the contact PATCH changes
}

var probedTables = []string{"accounts", "users", "account_users", "inboxes", "contacts", "contact_inboxes", "conversations", "messages", "events"}

func (p *stateProbe) read(t testing.TB) dbState {
	t.Helper()
	ctx := context.Background()
	s := dbState{lastRow: map[string]int64{}, rows: map[string]string{}}
	if err := p.conn.QueryRowContext(ctx, "PRAGMA data_version").Scan(&s.version); err != nil {
		t.Fatal(err)
	}
	for _, table := range probedTables {
		// The highest rowid tells a new row (data_version any other
		// change) without counting a table that grows as the fuzzer runs.
		var n int64
		if err := p.conn.QueryRowContext(ctx, "SELECT coalesce(max(rowid), 0) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		s.lastRow[table] = n
	}
	for name, q := range map[string]string{
		"patched contact": fmt.Sprintf("SELECT * FROM contacts WHERE id = %d", p.patchRow),
		"conversation":    fmt.Sprintf("SELECT * FROM conversations WHERE id = %d", p.convID),
	} {
		s.rows[name] = rowString(t, p.conn, q)
	}
	return s
}

func rowString(t testing.TB, conn *sql.Conn, q string) string {
	t.Helper()
	rows, err := conn.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out bytes.Buffer
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			fmt.Fprintf(&out, "%s=%v;", cols[i], v)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// openProbe opens a second connection to the env's database file, which
// newEnv made in a folder of t's temporary directory. (The store's own
// write connection is held by its group-commit writer.)
func openProbe(t testing.TB) *stateProbe {
	t.Helper()
	if storetest.Current != storetest.SQLite {
		t.Skip("the handler fuzz targets probe the database file directly; they run on SQLite")
	}
	files, err := filepath.Glob(filepath.Join(filepath.Dir(t.TempDir()), "*", "parley.db"))
	if err != nil || len(files) != 1 {
		t.Fatalf("finding the env's database: %v %v", files, err)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: files[0]}).EscapedPath()+"?_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close()
		db.Close()
	})
	return &stateProbe{conn: conn}
}

// sendBody posts body with a Content-Type, as a client with a bug might.
func sendBody(t testing.TB, method, target, contentType string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("api_access_token", adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// checkErrorEnvelope fails unless body is one of Chatwoot's error bodies:
// {"error": "..."} or {"message": "...", "attributes": ["..."]}.
func checkErrorEnvelope(t *testing.T, where string, status int, body []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		t.Fatalf("%s: %d body is not a JSON object: %q", where, status, body)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	switch {
	case slices.Equal(keys, []string{"error"}):
		var s string
		if json.Unmarshal(m["error"], &s) != nil || s == "" {
			t.Fatalf("%s: %d error is not a non-empty string: %s", where, status, body)
		}
	case slices.Equal(keys, []string{"attributes", "message"}) && status == 422:
		var s string
		var attrs []string
		if json.Unmarshal(m["message"], &s) != nil || s == "" || json.Unmarshal(m["attributes"], &attrs) != nil || attrs == nil {
			t.Fatalf("%s: %d validation envelope malformed: %s", where, status, body)
		}
	default:
		t.Fatalf("%s: %d body is not in a Chatwoot error envelope: %s", where, status, body)
	}
}

// FuzzAPIHandlers sends each input as the body of the write routes that
// take contacts, conversations and messages. Whatever the body, the server
// answers 200 or a 4xx, never a 5xx; a 4xx comes in Chatwoot's envelope and
// writes nothing at all.
//
// go test runs the seeds. To fuzz (each input is four HTTP requests, so keep
// the minimizer short or it spends a minute on every new input):
//
//	go test -run '^$' -fuzz '^FuzzAPIHandlers$' -fuzztime 60s -fuzzminimizetime 5s ./internal/api
func FuzzAPIHandlers(f *testing.F) {
	// One server per fuzzing process, not per input.
	e := newEnv(f)
	inbox := e.apiInbox("Fuzz API")
	web := e.webInbox("Fuzz Web")
	conv, contact := e.newConversation(inbox, "hello")
	r := e.must(200, "POST", a1+"/contacts", adminToken, map[string]any{"name": "Patch Me", "email": "patch-me@example.com"})
	patchID := num(f, r.JSON(f), "payload.contact.id")
	agentID, _ := e.agent("fuzzagent", "agent")

	probe := openProbe(f)
	probe.patchRow = patchID
	if err := probe.conn.QueryRowContext(context.Background(), "SELECT id FROM conversations WHERE display_id = ? AND account_id = 1", conv).Scan(&probe.convID); err != nil {
		f.Fatal(err)
	}

	targets := []struct{ method, path string }{
		{"POST", a1 + "/contacts"},
		{"POST", a1 + "/conversations"},
		{"POST", fmt.Sprintf("%s/conversations/%d/messages", a1, conv)},
		{"PATCH", fmt.Sprintf("%s/contacts/%d", a1, patchID)},
	}

	for _, s := range []struct {
		ct   uint8
		body string
	}{
		{0, fmt.Sprintf(`{"name":"Seed","email":"seed@example.com","inbox_id":%d,"contact_id":%d,"content":"hi","message_type":"incoming"}`, inbox, contact)},
		{0, fmt.Sprintf(`{"contact":{"name":"Wrapped","phone_number":"+15550002222","inbox_id":%d,"source_id":"src-1"}}`, web)},
		{0, fmt.Sprintf(`{"inbox_id":"%d","contact_id":"%d","status":"snoozed","snoozed_until":"2026-07-01T00:00:00Z","assignee_id":%d,"message":{"content":"first","message_type":"incoming"}}`, inbox, contact, agentID)},
		{0, fmt.Sprintf(`{"conversation":{"inbox_id":%d,"contact_id":%d,"custom_attributes":{"a":1},"additional_attributes":{"b":[1,2]}}}`, inbox, contact)},
		{0, `{"content":"Pick one","content_type":"input_select","content_attributes":{"items":[{"title":"A","value":"a"}]},"private":"true","echo_id":7}`},
		{0, `{"message":{"content":"note","private":true,"message_type":"outgoing","source_id":"ext-1"}}`},
		{0, `{"content_attributes":"{\"in_reply_to\":1}","content":"reply"}`},
		{0, `{"message_type":"template","content":"t"}`},
		{0, `{"message_type":"activity","content":"x"}`},
		{0, `{"message_type":"bogus","content_type":"bogus"}`},
		{0, `{"email":"not-an-email","phone_number":"12","identifier":["x"],"blocked":"maybe"}`},
		{0, `{"email":"patch-me@example.com"}`},
		{0, `{"email":"PATCH-ME@example.com","identifier":"fuzz-id"}`},
		{0, fmt.Sprintf(`{"name":"Dup","identifier":"fuzz-id","inbox_id":%d,"source_id":"fuzz-src"}`, inbox)},
		{0, fmt.Sprintf(`{"name":"Dup 2","email":"dup2@example.com","inbox_id":%d,"source_id":"fuzz-src"}`, inbox)},
		{0, fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"source_id":"fuzz-src"}`, inbox, contact)},
		{0, fmt.Sprintf(`{"inbox_id":%d,"source_id":"no-such-source"}`, web)},
		{0, `{"content":"dup source","source_id":"fuzz-msg"}`},
		{0, `{"content":"dup source again","source_id":"fuzz-msg"}`},
		{0, `{"name":"","email":"","phone_number":"","identifier":""}`},
		{0, `{"custom_attributes":null,"additional_attributes":[]}`},
		{0, fmt.Sprintf(`{"inbox_id":%d,"contact_id":999999}`, inbox)},
		{0, fmt.Sprintf(`{"inbox_id":999999,"contact_id":%d}`, contact)},
		{0, `{"inbox_id":-1,"contact_id":0,"assignee_id":"x","snoozed_until":"NaN"}`},
		{0, fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"snoozed_until":1e300,"status":"snoozed"}`, inbox, contact)},
		{0, fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"snoozed_until":"-62135596800","status":"snoozed"}`, inbox, contact)},
		{0, `{"content":"` + "\xff\xfe" + `","custom_attributes":{"k":"` + "\xc3" + `"},"echo_id":"` + "\xff" + `"}`},
		{0, `{"content":"\u0000\ud800 nul and lone surrogate","name":"\u0000"}`},
		{0, `{"name":{"first":"A"},"content":{"text":"x"}}`},
		{0, `[]`},
		{0, `null`},
		{0, `{"name":`},
		{0, ``},
		{1, `{"name":"No Content-Type"}`},
		{2, fmt.Sprintf("contact[name]=Form&contact[email]=form%%40example.com&inbox_id=%d&content=form+message", inbox)},
		{2, `name=%ZZ`},
		{3, `plain text`},
		{4, `{"content":"charset"}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}

	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		contentType := handlerContentTypes[int(ct)%len(handlerContentTypes)]
		for _, tg := range targets {
			where := tg.method + " " + tg.path
			before := probe.read(t)
			status, header, resBody := sendBody(t, tg.method, e.URL+tg.path, contentType, body)
			switch {
			case status == 200:
				if !json.Valid(resBody) || !utf8.Valid(resBody) {
					t.Fatalf("%s: 200 body is not valid UTF-8 JSON: %q", where, resBody)
				}
				continue
			case status >= 400 && status <= 499:
			default:
				t.Fatalf("%s: status %d, want 200 or a 4xx\nbody sent (%s): %q\nanswer: %s", where, status, contentType, body, resBody)
			}
			if ctype := header.Get("Content-Type"); ctype != "application/json; charset=utf-8" {
				t.Fatalf("%s: %d Content-Type %q", where, status, ctype)
			}
			checkErrorEnvelope(t, where, status, resBody)
			after := probe.read(t)
			for _, table := range probedTables {
				if before.lastRow[table] != after.lastRow[table] {
					t.Fatalf("%s: %d %s, but %s's last row went from %d to %d\nbody sent: %q", where, status, resBody, table, before.lastRow[table], after.lastRow[table], body)
				}
			}
			for name, row := range before.rows {
				if after.rows[name] != row {
					t.Fatalf("%s: %d %s, but the %s changed:\n%s\n%s\nbody sent: %q", where, status, resBody, name, row, after.rows[name], body)
				}
			}
			if before.version != after.version {
				t.Fatalf("%s: %d %s, but the database was written to (data_version %d -> %d)\nbody sent: %q", where, status, resBody, before.version, after.version, body)
			}
		}
	})
}
