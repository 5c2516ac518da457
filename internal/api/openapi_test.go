package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/parleyhq/parley/internal/api"
	"github.com/parleyhq/parley/internal/chat"
)

// docURL is where the tests file the fetched document for the JSON Schema
// compiler; nothing is fetched from it.
const docURL = "https://parley.test/openapi.json"

// openAPIDoc fetches /openapi.json from a running server and decodes it as
// the JSON Schema library reads JSON (numbers as json.Number).
func openAPIDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.must(200, "GET", "/openapi.json", "", nil)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("/openapi.json Content-Type = %q", ct)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("/openapi.json is not JSON: %v", err)
	}
	doc, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("/openapi.json is not an object")
	}
	return doc
}

// operation is one documented path and method.
type operation struct {
	Method, Path string
	Op           map[string]any
}

func (o operation) key() string { return o.Method + " " + o.Path }

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func operations(t *testing.T, doc map[string]any) []operation {
	t.Helper()
	paths, _ := doc["paths"].(map[string]any)
	var out []operation
	for p, item := range paths {
		for _, m := range httpMethods {
			if op, ok := item.(map[string]any)[m].(map[string]any); ok {
				out = append(out, operation{Method: strings.ToUpper(m), Path: p, Op: op})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// jsonPointer returns the JSON pointer of a document location.
func jsonPointer(tokens ...string) string {
	var b strings.Builder
	for _, tok := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(tok))
	}
	return b.String()
}

// resolvePointer resolves a local JSON pointer ("/components/schemas/x") in doc.
func resolvePointer(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	v := doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// schemaPointers lists every Schema Object of the document: the component
// schemas and each schema of a parameter, request body or response.
func schemaPointers(doc map[string]any) []string {
	var out []string
	comps, _ := doc["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name := range schemas {
		out = append(out, jsonPointer("components", "schemas", name))
	}
	content := func(base []string, c any) {
		cm, _ := c.(map[string]any)
		for mt, media := range cm {
			if _, ok := media.(map[string]any)["schema"]; ok {
				out = append(out, jsonPointer(append(slices.Clone(base), "content", mt, "schema")...))
			}
		}
	}
	responses, _ := comps["responses"].(map[string]any)
	for name, r := range responses {
		content([]string{"components", "responses", name}, r.(map[string]any)["content"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		for _, m := range httpMethods {
			op, ok := item.(map[string]any)[m].(map[string]any)
			if !ok {
				continue
			}
			params, _ := op["parameters"].([]any)
			for i, prm := range params {
				if _, ok := prm.(map[string]any)["schema"]; ok {
					out = append(out, jsonPointer("paths", p, m, "parameters", strconv.Itoa(i), "schema"))
				}
			}
			if rb, ok := op["requestBody"].(map[string]any); ok {
				content([]string{"paths", p, m, "requestBody"}, rb["content"])
			}
			rs, _ := op["responses"].(map[string]any)
			for code, r := range rs {
				content([]string{"paths", p, m, "responses", code}, r.(map[string]any)["content"])
			}
		}
	}
	sort.Strings(out)
	return out
}

// schemaCompiler compiles schemas in the document as JSON Schema 2020-12.
func schemaCompiler(t *testing.T, doc map[string]any) *jsonschema.Compiler {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatalf("adding the document: %v", err)
	}
	return c
}

var templateParam = regexp.MustCompile(`\{([^}]+)\}`)

func TestOpenAPIDocumentIsValid(t *testing.T) {
	e := newEnv(t)
	doc := openAPIDoc(t, e)

	// Required top-level fields (OpenAPI 3.1 §4.8.1).
	if v, _ := doc["openapi"].(string); !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(v) {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if title, _ := info["title"].(string); title == "" {
		t.Errorf("info.title missing")
	}
	if version, _ := info["version"].(string); version == "" {
		t.Errorf("info.version missing")
	}
	if paths, _ := doc["paths"].(map[string]any); len(paths) == 0 {
		t.Fatalf("no paths")
	}

	// Against the OpenAPI 3.1 document schema.
	meta, err := os.ReadFile("testdata/openapi-3.1.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	metaDoc, err := jsonschema.UnmarshalJSON(bytes.NewReader(meta))
	if err != nil {
		t.Fatal(err)
	}
	mc := jsonschema.NewCompiler()
	if err := mc.AddResource("https://parley.test/openapi-3.1.schema.json", metaDoc); err != nil {
		t.Fatal(err)
	}
	metaSchema, err := mc.Compile("https://parley.test/openapi-3.1.schema.json")
	if err != nil {
		t.Fatalf("compiling the OpenAPI 3.1 schema: %v", err)
	}
	if err := metaSchema.Validate(any(doc)); err != nil {
		t.Errorf("the document is not a valid OpenAPI 3.1 document:\n%v", err)
	}

	// Every Schema Object compiles as JSON Schema 2020-12 (which checks it
	// against the 2020-12 meta-schema and resolves its $refs).
	c := schemaCompiler(t, doc)
	ptrs := schemaPointers(doc)
	for _, ptr := range ptrs {
		if _, err := c.Compile(docURL + "#" + ptr); err != nil {
			t.Errorf("schema %s does not compile: %v", ptr, err)
		}
	}
	if len(ptrs) < 50 {
		t.Errorf("only %d schemas found; the walk is broken", len(ptrs))
	}
	t.Logf("%d schemas compile as JSON Schema 2020-12", len(ptrs))

	// Every $ref anywhere resolves inside the document.
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#") {
					t.Errorf("%s: $ref %q is not local", at, ref)
				} else if _, ok := resolvePointer(doc, strings.TrimPrefix(ref, "#")); !ok {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, v := range x {
				walk(v, at+jsonPointer(k))
			}
		case []any:
			for i, v := range x {
				walk(v, at+jsonPointer(strconv.Itoa(i)))
			}
		}
	}
	walk(doc, "")

	// Operations: unique ids, a success response, declared path parameters,
	// known security schemes.
	schemes, _ := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	ids := map[string]string{}
	for _, o := range operations(t, doc) {
		id, _ := o.Op["operationId"].(string)
		if id == "" {
			t.Errorf("%s: no operationId", o.key())
		} else if prev, dup := ids[id]; dup {
			t.Errorf("%s: operationId %q also used by %s", o.key(), id, prev)
		}
		ids[id] = o.key()
		responses, _ := o.Op["responses"].(map[string]any)
		if _, ok := responses["200"]; !ok {
			t.Errorf("%s: no 200 response", o.key())
		}
		var declared, templated []string
		params, _ := o.Op["parameters"].([]any)
		for _, p := range params {
			pm := p.(map[string]any)
			if pm["in"] == "path" {
				declared = append(declared, pm["name"].(string))
			}
		}
		for _, m := range templateParam.FindAllStringSubmatch(o.Path, -1) {
			templated = append(templated, m[1])
		}
		if !slices.Equal(declared, templated) {
			t.Errorf("%s: path parameters declared %v, template has %v", o.key(), declared, templated)
		}
		sec, ok := o.Op["security"].([]any)
		if !ok {
			t.Errorf("%s: no security (use [] for public routes)", o.key())
		}
		for _, req := range sec {
			for name := range req.(map[string]any) {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: unknown security scheme %q", o.key(), name)
				}
			}
		}
	}
}

// chatwootRoutes are the Chatwoot routes the issue names, which Parley must
// serve and document.
var chatwootRoutes = []string{
	// Platform API: accounts, users, account users.
	"POST /platform/api/v1/accounts",
	"GET /platform/api/v1/accounts/{id}",
	"PATCH /platform/api/v1/accounts/{id}",
	"DELETE /platform/api/v1/accounts/{id}",
	"POST /platform/api/v1/users",
	"GET /platform/api/v1/users/{id}",
	"PATCH /platform/api/v1/users/{id}",
	"DELETE /platform/api/v1/users/{id}",
	"GET /platform/api/v1/accounts/{id}/account_users",
	"POST /platform/api/v1/accounts/{id}/account_users",
	"DELETE /platform/api/v1/accounts/{id}/account_users",
	// Profile.
	"GET /api/v1/profile",
	// Agents.
	"GET /api/v1/accounts/{account_id}/agents",
	"POST /api/v1/accounts/{account_id}/agents",
	"PATCH /api/v1/accounts/{account_id}/agents/{id}",
	"DELETE /api/v1/accounts/{account_id}/agents/{id}",
	// Inboxes.
	"GET /api/v1/accounts/{account_id}/inboxes",
	"GET /api/v1/accounts/{account_id}/inboxes/{id}",
	"POST /api/v1/accounts/{account_id}/inboxes",
	"PATCH /api/v1/accounts/{account_id}/inboxes/{id}",
	"DELETE /api/v1/accounts/{account_id}/inboxes/{id}",
	// Webhooks.
	"GET /api/v1/accounts/{account_id}/webhooks",
	"POST /api/v1/accounts/{account_id}/webhooks",
	"PATCH /api/v1/accounts/{account_id}/webhooks/{id}",
	"PUT /api/v1/accounts/{account_id}/webhooks/{id}",
	"DELETE /api/v1/accounts/{account_id}/webhooks/{id}",
	// Contacts.
	"GET /api/v1/accounts/{account_id}/contacts",
	"GET /api/v1/accounts/{account_id}/contacts/search",
	"POST /api/v1/accounts/{account_id}/contacts",
	"GET /api/v1/accounts/{account_id}/contacts/{id}",
	"PATCH /api/v1/accounts/{account_id}/contacts/{id}",
	"PUT /api/v1/accounts/{account_id}/contacts/{id}",
	"DELETE /api/v1/accounts/{account_id}/contacts/{id}",
	"POST /api/v1/accounts/{account_id}/contacts/{id}/contact_inboxes",
	// Conversations.
	"GET /api/v1/accounts/{account_id}/conversations",
	"GET /api/v1/accounts/{account_id}/conversations/meta",
	"POST /api/v1/accounts/{account_id}/conversations",
	"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_status",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_priority",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/assignments",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/custom_attributes",
	"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/labels",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/update_last_seen",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/toggle_typing_status",
	// Messages.
	"GET /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
	"POST /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages",
	"PATCH /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{id}",
	"DELETE /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{id}",
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	doc := openAPIDoc(t, e)
	srv := api.New(api.Config{Service: e.Svc, PlatformToken: platformToken, Version: "test"})

	documented := map[string]bool{}
	for _, o := range operations(t, doc) {
		documented[o.key()] = true
	}
	served := map[string]bool{}
	for _, r := range api.RoutesForTest(srv) {
		served[r] = true
		if !documented[r] {
			t.Errorf("route %s is served but not in the OpenAPI document", r)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("%s is documented but not a registered route", k)
		}
	}
	for _, r := range chatwootRoutes {
		if !documented[r] {
			t.Errorf("Chatwoot route %s is not documented", r)
		}
		if !served[r] {
			t.Errorf("Chatwoot route %s is not served", r)
		}
	}

	// The mux sends each documented operation, with concrete ids, to that
	// operation's handler: not to the not-found fallback, not to a 405.
	for k := range documented {
		method, p, _ := strings.Cut(k, " ")
		target := templateParam.ReplaceAllString(p, "7")
		if got := api.MatchForTest(srv, method, target); got != k {
			t.Errorf("%s %s is routed to %q, want %q", method, target, got, k)
		}
	}
	// And the fallback still catches what is not a route.
	if got := api.MatchForTest(srv, "GET", "/api/v1/accounts/1/nothing_here"); got != "/" {
		t.Errorf("unknown path routed to %q, want the fallback", got)
	}
}

// logRecorder keeps the errors the server logs, to tell a route still
// served by a stub (an internal "not implemented" error) from a real 500.
type logRecorder struct {
	mu   sync.Mutex
	errs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logRecorder) WithGroup(string) slog.Handler            { return l }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value.Any())
		return true
	})
	l.mu.Lock()
	l.errs = append(l.errs, b.String())
	l.mu.Unlock()
	return nil
}

func (l *logRecorder) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.errs
	l.errs = nil
	return out
}

// servedStep is one request of TestOpenAPIRoutesAreServed.
type servedStep struct {
	op    string            // the documented "METHOD /path"
	ids   map[string]string // path parameter -> ids key; account_id and conversation_id default
	query string
	body  func() any
	// capture reads ids from a success answer.
	capture func(v any)
}

func TestOpenAPIRoutesAreServed(t *testing.T) {
	base := newEnv(t)
	logs := &logRecorder{}
	ts := httptest.NewServer(api.New(api.Config{Service: base.Svc, PlatformToken: platformToken, Version: "test",
		Logger: slog.New(logs)}))
	t.Cleanup(ts.Close)
	e := *base
	e.URL = ts.URL

	doc := openAPIDoc(t, &e)
	compiler := schemaCompiler(t, doc)

	// Fixtures made in the store, so that every route has something real to
	// act on even while another route that would make it is a stub.
	ids := map[string]int64{"account": 1}
	ids["inbox"] = e.apiInbox("Docs API")
	ids["inbox2"] = e.apiInbox("Docs second")
	ids["inbox_new"] = e.apiInbox("Docs doomed")
	ids["agent"], _ = e.agent("docsagent", "agent")
	ids["agent_new"], _ = e.agent("docsdoomed", "agent")
	ids["p_account"], ids["p_user"] = 999999, 999999 // made by the Platform API below
	r := e.must(200, "POST", a1+"/contacts", adminToken, map[string]any{"name": "Docs Throwaway"})
	ids["contact_del"] = num(t, r.JSON(t), "payload.contact.id")
	// Webhooks here subscribe to an event this test never causes: the
	// server would really post the others.
	wh := &chat.Webhook{AccountID: 1, URL: "https://hooks.example.com/docs-fixture", Subscriptions: []string{chat.EventWebwidgetTriggered},
		Secret: chat.SecureToken(24), CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}
	if err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateWebhook(wh) }); err != nil {
		t.Fatal(err)
	}
	ids["webhook"] = wh.ID
	// The delivery log's: a webhook and an API inbox that post to a local
	// receiver, each with a failed delivery to show and redeliver.
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(sink.Close)
	logHook := &chat.Webhook{AccountID: 1, URL: sink.URL + "/docs-log", Subscriptions: []string{chat.EventWebwidgetTriggered},
		Secret: chat.SecureToken(24), CreatedAt: e.Clock.Now(), UpdatedAt: e.Clock.Now()}
	if err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateWebhook(logHook) }); err != nil {
		t.Fatal(err)
	}
	ids["log_webhook"] = logHook.ID
	ids["log_inbox"] = e.apiInboxURL("Docs log", sink.URL+"/docs-inbox")
	logAt := e.Clock.Peek().Add(-time.Hour)
	ids["log_delivery"] = e.storedDelivery(1, chat.Endpoint{WebhookID: logHook.ID}, chat.EventContactCreated, chat.DeliveryFailed, logAt).ID
	ids["log_inbox_delivery"] = e.storedDelivery(1, chat.Endpoint{InboxID: ids["log_inbox"]}, chat.EventMessageCreated, chat.DeliveryFailed, logAt).ID

	id := func(k string) func() any { return func() any { return ids[k] } }
	capture := func(k, p string) func(any) {
		return func(v any) { ids[k] = num(t, v, p) }
	}
	body := func(kv ...any) func() any {
		return func() any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				v := kv[i+1]
				if f, ok := v.(func() any); ok {
					v = f()
				}
				m[kv[i].(string)] = v
			}
			return m
		}
	}
	const (
		pa   = "/platform/api/v1/accounts"
		pu   = "/platform/api/v1/users"
		acc  = "/api/v1/accounts/{account_id}"
		conv = acc + "/conversations/{conversation_id}"
		pub  = "/public/api/v1/inboxes/{inbox_identifier}"
		pcv  = pub + "/contacts/{source_id}/conversations/{conversation_id}"
	)
	// The public client API's path parameters that are not numbers.
	strs := map[string]string{"inbox_identifier": e.inbox(ids["inbox"]).API.Identifier}
	captureStr := func(k, p string) func(any) {
		return func(v any) { strs[k] = str(t, v, p) }
	}
	pubConv := map[string]string{"conversation_id": "public_conversation"}
	steps := []servedStep{
		{op: "GET /openapi.json"},
		{op: "GET /healthz"},
		{op: "GET /metrics"},

		{op: "POST " + pa, body: body("name", "Docs Platform Co"), capture: capture("p_account", "id")},
		{op: "GET " + pa + "/{id}", ids: map[string]string{"id": "p_account"}},
		{op: "PATCH " + pa + "/{id}", ids: map[string]string{"id": "p_account"}, body: body("name", "Docs Platform Co 2")},
		{op: "PUT " + pa + "/{id}", ids: map[string]string{"id": "p_account"}, body: body("name", "Docs Platform Co 3")},
		{op: "POST " + pu, body: body("name", "Pat Platform", "email", "pat-docs@example.com", "password", "Password1!"), capture: capture("p_user", "id")},
		{op: "GET " + pu + "/{id}", ids: map[string]string{"id": "p_user"}},
		{op: "PATCH " + pu + "/{id}", ids: map[string]string{"id": "p_user"}, body: body("name", "Pat P.")},
		{op: "PUT " + pu + "/{id}", ids: map[string]string{"id": "p_user"}, body: body("display_name", "Pat")},
		{op: "POST " + pa + "/{id}/account_users", ids: map[string]string{"id": "p_account"}, body: body("user_id", id("p_user"), "role", "administrator")},
		{op: "GET " + pa + "/{id}/account_users", ids: map[string]string{"id": "p_account"}},
		{op: "DELETE " + pa + "/{id}/account_users", ids: map[string]string{"id": "p_account"}, body: body("user_id", id("p_user"))},

		{op: "GET /api/v1/profile"},

		{op: "GET " + acc + "/agents"},
		{op: "POST " + acc + "/agents", body: body("name", "Docs New Agent", "email", "docs-new-agent@example.com", "role", "agent"), capture: capture("agent_new", "id")},
		{op: "PATCH " + acc + "/agents/{id}", ids: map[string]string{"id": "agent_new"}, body: body("role", "administrator")},
		{op: "PUT " + acc + "/agents/{id}", ids: map[string]string{"id": "agent_new"}, body: body("availability", "busy")},

		{op: "GET " + acc + "/inboxes"},
		{op: "POST " + acc + "/inboxes", body: body("name", "Docs New Inbox", "channel", map[string]any{"type": "api", "webhook_url": ""}), capture: capture("inbox_new", "id")},
		{op: "GET " + acc + "/inboxes/{id}", ids: map[string]string{"id": "inbox"}},
		{op: "PATCH " + acc + "/inboxes/{id}", ids: map[string]string{"id": "inbox_new"}, body: body("name", "Docs New Inbox 2")},
		{op: "PUT " + acc + "/inboxes/{id}", ids: map[string]string{"id": "inbox_new"}, body: body("enable_auto_assignment", false)},

		{op: "GET " + acc + "/webhooks"},
		{op: "POST " + acc + "/webhooks", body: body("url", "https://hooks.example.com/docs", "name", "Docs hook", "subscriptions", []string{"webwidget_triggered"}, "inbox_id", id("inbox")), capture: capture("webhook", "payload.webhook.id")},
		{op: "PATCH " + acc + "/webhooks/{id}", ids: map[string]string{"id": "webhook"}, body: body("name", "Docs hook 2")},
		{op: "PUT " + acc + "/webhooks/{id}", ids: map[string]string{"id": "webhook"}, body: body("inbox_id", nil)},
		{op: "POST " + acc + "/webhooks/{id}/rotate_secret", ids: map[string]string{"id": "webhook"}},

		{op: "GET " + acc + "/webhooks/{webhook_id}/deliveries", ids: map[string]string{"webhook_id": "log_webhook"}, query: "status=failed&limit=10"},
		{op: "GET " + acc + "/webhooks/{webhook_id}/deliveries/{id}", ids: map[string]string{"webhook_id": "log_webhook", "id": "log_delivery"}},
		{op: "POST " + acc + "/webhooks/{webhook_id}/deliveries/{id}/redeliver", ids: map[string]string{"webhook_id": "log_webhook", "id": "log_delivery"}},
		{op: "POST " + acc + "/webhooks/{webhook_id}/recover", ids: map[string]string{"webhook_id": "log_webhook"}, body: body("since", "2026-01-01T00:00:00Z")},
		{op: "POST " + acc + "/webhooks/{webhook_id}/enable", ids: map[string]string{"webhook_id": "log_webhook"}, body: body("recover_since", "2026-01-01T00:00:00Z")},
		{op: "GET " + acc + "/inboxes/{inbox_id}/webhook/deliveries", ids: map[string]string{"inbox_id": "log_inbox"}, query: "event=message_created"},
		{op: "GET " + acc + "/inboxes/{inbox_id}/webhook/deliveries/{id}", ids: map[string]string{"inbox_id": "log_inbox", "id": "log_inbox_delivery"}},
		{op: "POST " + acc + "/inboxes/{inbox_id}/webhook/deliveries/{id}/redeliver", ids: map[string]string{"inbox_id": "log_inbox", "id": "log_inbox_delivery"}},
		{op: "POST " + acc + "/inboxes/{inbox_id}/webhook/recover", ids: map[string]string{"inbox_id": "log_inbox"}, body: body("since", 1767225600)},
		{op: "POST " + acc + "/inboxes/{inbox_id}/webhook/enable", ids: map[string]string{"inbox_id": "log_inbox"}},

		{op: "GET " + acc + "/contacts"},
		{op: "GET " + acc + "/contacts/search", query: "q=Docs"},
		{op: "POST " + acc + "/contacts", body: body("name", "Docs Contact", "email", "docs-contact@example.com", "inbox_id", id("inbox")), capture: capture("contact", "payload.contact.id")},
		{op: "GET " + acc + "/contacts/{id}", ids: map[string]string{"id": "contact"}},
		{op: "PATCH " + acc + "/contacts/{id}", ids: map[string]string{"id": "contact"}, body: body("name", "Docs Contact 2")},
		{op: "PUT " + acc + "/contacts/{id}", ids: map[string]string{"id": "contact"}, body: body("phone_number", "+15550001111")},
		{op: "POST " + acc + "/contacts/{id}/contact_inboxes", ids: map[string]string{"id": "contact"}, body: body("inbox_id", id("inbox2"), "source_id", "docs-source")},

		{op: "GET " + acc + "/conversations"},
		{op: "GET " + acc + "/conversations/meta"},
		{op: "POST " + acc + "/conversations", body: body("inbox_id", id("inbox"), "contact_id", id("contact"), "message", map[string]any{"content": "Hello docs"}), capture: capture("conversation", "id")},
		{op: "GET " + conv},
		{op: "POST " + conv + "/toggle_status", body: body("status", "pending")},
		{op: "POST " + conv + "/toggle_priority", body: body("priority", "high")},
		{op: "POST " + conv + "/assignments", body: body("assignee_id", id("agent"))},
		{op: "POST " + conv + "/custom_attributes", body: body("custom_attributes", map[string]any{"plan": "pro"})},
		{op: "GET " + conv + "/labels"},
		{op: "POST " + conv + "/labels", body: body("labels", []string{"docs"})},
		{op: "POST " + conv + "/update_last_seen"},
		{op: "POST " + conv + "/toggle_typing_status", body: body("typing_status", "on")},

		{op: "GET " + conv + "/messages"},
		{op: "POST " + conv + "/messages", body: body("content", "Hi from the docs test", "echo_id", "docs-1"), capture: capture("message", "id")},
		{op: "PATCH " + conv + "/messages/{id}", ids: map[string]string{"id": "message"}, body: body("status", "delivered")},
		{op: "DELETE " + conv + "/messages/{id}", ids: map[string]string{"id": "message"}},

		// The public client API, as a program on the customer's side uses it.
		{op: "POST " + pub + "/contacts", body: body("name", "Docs Client", "email", "docs-client@example.com"), capture: captureStr("source", "source_id")},
		{op: "GET " + pub + "/contacts/{source_id}"},
		{op: "PATCH " + pub + "/contacts/{source_id}", body: body("name", "Docs Client 2")},
		{op: "PUT " + pub + "/contacts/{source_id}", body: body("phone_number", "+15550001234")},
		{op: "POST " + pub + "/contacts/{source_id}/conversations", body: body("custom_attributes", map[string]any{"order": "A-1"}),
			capture: capture("public_conversation", "id")},
		{op: "GET " + pub + "/contacts/{source_id}/conversations"},
		{op: "GET " + pcv, ids: pubConv},
		{op: "POST " + pcv + "/toggle_typing", ids: pubConv, body: body("typing_status", "on")},
		{op: "POST " + pcv + "/update_last_seen", ids: pubConv},
		{op: "POST " + pcv + "/messages", ids: pubConv, body: body("content", "Hello from the client API"), capture: capture("public_message", "id")},
		{op: "GET " + pcv + "/messages", ids: pubConv, query: "before=999999"},
		{op: "PATCH " + pcv + "/messages/{id}", ids: map[string]string{"conversation_id": "public_conversation", "id": "public_message"},
			body: body("submitted_values", []any{map[string]any{"title": "Yes", "value": "yes"}})},
		{op: "POST " + pcv + "/toggle_status", ids: pubConv},

		// Deletes last, on resources made for them.
		{op: "DELETE " + acc + "/webhooks/{id}", ids: map[string]string{"id": "webhook"}},
		{op: "DELETE " + acc + "/contacts/{id}", ids: map[string]string{"id": "contact_del"}},
		{op: "DELETE " + acc + "/inboxes/{id}", ids: map[string]string{"id": "inbox_new"}},
		{op: "DELETE " + acc + "/agents/{id}", ids: map[string]string{"id": "agent_new"}},
		{op: "DELETE " + pu + "/{id}", ids: map[string]string{"id": "p_user"}},
		{op: "DELETE " + pa + "/{id}", ids: map[string]string{"id": "p_account"}},
	}

	// The plan covers exactly the documented operations.
	docOps := map[string]operation{}
	for _, o := range operations(t, doc) {
		docOps[o.key()] = o
	}
	planned := map[string]bool{}
	for _, s := range steps {
		if planned[s.op] {
			t.Fatalf("%s planned twice", s.op)
		}
		planned[s.op] = true
		if _, ok := docOps[s.op]; !ok {
			t.Errorf("planned %s is not documented", s.op)
		}
	}
	for k := range docOps {
		if !planned[k] {
			t.Errorf("documented %s has no request in this test: add a step", k)
		}
	}

	var stubs []string
	keysChecked := map[string]bool{}
	for _, s := range steps {
		o, ok := docOps[s.op]
		if !ok {
			continue
		}
		target := templateParam.ReplaceAllStringFunc(o.Path, func(m string) string {
			name := m[1 : len(m)-1]
			switch name {
			case "inbox_identifier":
				return strs[name]
			case "source_id":
				v, ok := strs["source"]
				if !ok {
					t.Fatalf("%s: no contact made through the client API yet", s.op)
				}
				return v
			}
			k := s.ids[name]
			switch {
			case k != "":
			case name == "account_id":
				k = "account"
			case name == "conversation_id":
				k = "conversation"
			default:
				t.Fatalf("%s: no id for {%s}", s.op, name)
			}
			v, ok := ids[k]
			if !ok {
				t.Fatalf("%s: id %q was never made (an earlier step failed?)", s.op, k)
			}
			return strconv.FormatInt(v, 10)
		})
		if s.query != "" {
			target += "?" + s.query
		}
		token := ""
		if sec, _ := o.Op["security"].([]any); len(sec) > 0 {
			for name := range sec[0].(map[string]any) {
				switch name {
				case "platformToken":
					token = platformToken
				case "userToken":
					token = adminToken
				default:
					t.Fatalf("%s: unknown security scheme %s", s.op, name)
				}
			}
		}
		var b any
		if s.body != nil {
			b = s.body()
		}
		logs.take()
		res := e.do(o.Method, target, token, b)
		where := fmt.Sprintf("%s %s", o.Method, target)

		switch {
		case res.Status == 405:
			t.Errorf("%s: 405 from the mux: the documented method is not served\n%s", where, res.Body)
			continue
		case res.Status == 404:
			t.Errorf("%s: 404 for a resource that exists (not served, or the mux fallback)\n%s", where, res.Body)
			continue
		case res.Status == 500 && slices.ContainsFunc(logs.take(), func(l string) bool { return strings.Contains(l, "not implemented") }):
			// Served by its handler, which is still a stub.
			t.Logf("STUB: %s answers 500 not implemented; it is routed to its handler, but not written yet", s.op)
			stubs = append(stubs, s.op)
			continue
		case res.Status >= 300:
			t.Errorf("%s: status %d, want a success\n%s", where, res.Status, res.Body)
			continue
		}

		// A success answer matches its documented schema, key for key.
		resp200, _ := o.Op["responses"].(map[string]any)["200"].(map[string]any)
		content, _ := resp200["content"].(map[string]any)
		if content == nil {
			if len(bytes.TrimSpace(res.Body)) != 0 {
				t.Errorf("%s: documented without a body, answered %s", where, res.Body)
			}
			continue
		}
		ptr := jsonPointer("paths", o.Path, strings.ToLower(o.Method), "responses", "200", "content", "application/json", "schema")
		sch, err := compiler.Compile(docURL + "#" + ptr)
		if err != nil {
			t.Errorf("%s: compiling its response schema: %v", where, err)
			continue
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(res.Body))
		if err != nil {
			t.Errorf("%s: answer is not JSON: %v\n%s", where, err, res.Body)
			continue
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("%s: answer does not match its documented schema: %v\n%s", where, err, res.Body)
		}
		schema, _ := resolvePointer(doc, ptr)
		if n := checkKeys(t, doc, schema, inst, where); n > 0 {
			keysChecked[s.op] = true
		}
		if s.capture != nil {
			s.capture(res.JSON(t))
		}
	}

	for _, op := range []string{
		"GET " + acc + "/contacts/{id}",
		"GET " + conv,
		"POST " + conv + "/messages",
	} {
		if !keysChecked[op] {
			t.Errorf("%s: the documented keys were not compared with a real answer", op)
		}
	}
	if len(stubs) > 0 {
		t.Logf("%d of %d documented operations are still stubs (500 not implemented): %s", len(stubs), len(steps), strings.Join(stubs, ", "))
	}
}

// checkKeys compares a decoded answer with its schema: every key the server
// sent is documented, and every property the schema requires was sent,
// recursively. It returns how many objects it compared.
func checkKeys(t *testing.T, doc map[string]any, schema, inst any, where string) int {
	t.Helper()
	s, _ := schema.(map[string]any)
	for range 32 {
		ref, ok := s["$ref"].(string)
		if !ok {
			break
		}
		target, _ := resolvePointer(doc, strings.TrimPrefix(ref, "#"))
		s, _ = target.(map[string]any)
	}
	if s == nil || inst == nil {
		return 0
	}
	if alts, ok := s["anyOf"].([]any); ok {
		n := 0
		for _, alt := range alts {
			if am, _ := alt.(map[string]any); am["type"] != "null" {
				n += checkKeys(t, doc, alt, inst, where)
			}
		}
		return n
	}
	n := 0
	switch v := inst.(type) {
	case map[string]any:
		props, ok := s["properties"].(map[string]any)
		if !ok {
			return 0
		}
		n++
		var sent []string
		for k := range v {
			sent = append(sent, k)
			if _, ok := props[k]; !ok {
				t.Errorf("%s: key %q is not documented (documented: %v)", where, k, sortedKeys(props))
			}
		}
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := v[k.(string)]; !ok {
				t.Errorf("%s: documented key %q is missing (sent: %v)", where, k, sent)
			}
		}
		for k, pv := range v {
			if ps, ok := props[k]; ok {
				n += checkKeys(t, doc, ps, pv, where+"."+k)
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, el := range v {
				n += checkKeys(t, doc, items, el, fmt.Sprintf("%s[%d]", where, i))
			}
		}
	}
	return n
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
