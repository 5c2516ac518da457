package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// defaultSubscriptions is Chatwoot's column default, in its order.
var defaultSubscriptions = []string{"conversation_status_changed", "conversation_updated", "conversation_created",
	"contact_created", "contact_updated", "message_created", "message_updated", "webwidget_triggered"}

var webhookKeys = []string{"id", "name", "url", "account_id", "subscriptions", "secret", "standard_webhooks_secret"}

func webhookKeysWithInbox() []string { return append(slices.Clone(webhookKeys), "inbox") }

// strings of a JSON array.
func stringList(t testing.TB, v any, p string) []string {
	t.Helper()
	out := []string{}
	for _, x := range list(t, v, p) {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("%s holds %T, not a string", p, x)
		}
		out = append(out, s)
	}
	return out
}

// checkWebhook checks the shape and types of the webhook object at p and
// that its secret is a 24-character base58 token shown in both forms. It
// returns the secret.
func checkWebhook(t testing.TB, body []byte, v any, p string, withInbox bool) string {
	t.Helper()
	want := webhookKeys
	if withInbox {
		want = webhookKeysWithInbox()
	}
	wantKeys(t, body, p, want...)
	types := map[string]string{"id": "number", "url": "string", "account_id": "number", "subscriptions": "array",
		"secret": "string", "standard_webhooks_secret": "string"}
	if withInbox {
		types["inbox"] = "object"
		wantKeys(t, body, p+".inbox", "id", "name")
		wantTypes(t, v, p+".inbox", map[string]string{"id": "number", "name": "string"})
	}
	wantTypes(t, v, p, types)
	if k := jsonType(path(t, v, p+".name")); k != "string" && k != "null" {
		t.Errorf("%s.name is %s, want a string or null", p, k)
	}
	secret := str(t, v, p+".secret")
	if !base58Token.MatchString(secret) {
		t.Errorf("secret %q is not 24 base58 characters", secret)
	}
	if got, want := str(t, v, p+".standard_webhooks_secret"), "whsec_"+base64.StdEncoding.EncodeToString([]byte(secret)); got != want {
		t.Errorf("standard_webhooks_secret = %q, want %q", got, want)
	}
	return secret
}

// storedWebhook reads a webhook straight from the store.
func (e *testEnv) storedWebhook(accountID, id int64) *chat.Webhook {
	e.t.Helper()
	var w *chat.Webhook
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		w, err = tx.FindWebhook(accountID, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// addWebhook creates a webhook in account 1 through the API and returns its id.
func (e *testEnv) addWebhook(url string) int64 {
	e.t.Helper()
	r := e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": url})
	return num(e.t, r.JSON(e.t), "payload.webhook.id")
}

func webhookPath(id int64) string { return fmt.Sprintf("%s/webhooks/%d", a1, id) }

func TestWebhookCreate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("Support API")
	start := lastEventID(t, e)

	// Unwrapped, every field; duplicates are kept as sent.
	subs := []string{"message_created", "conversation_typing_on", "inbox_created", "message_created"}
	r := e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/a?x=1",
		"name": "CRM sync", "subscriptions": subs, "inbox_id": inbox, "secret": "chosen-by-client"})
	wantKeys(t, r.Body, "", "payload")
	wantKeys(t, r.Body, "payload", "webhook")
	v := r.JSON(t)
	secret := checkWebhook(t, r.Body, v, "payload.webhook", true)
	if secret == "chosen-by-client" {
		t.Fatalf("the secret was set through the API")
	}
	if str(t, v, "payload.webhook.name") != "CRM sync" || str(t, v, "payload.webhook.url") != "https://hooks.example.com/a?x=1" ||
		num(t, v, "payload.webhook.account_id") != 1 || num(t, v, "payload.webhook.inbox.id") != inbox ||
		str(t, v, "payload.webhook.inbox.name") != "Support API" {
		t.Fatalf("unexpected webhook: %s", r.Body)
	}
	if got := stringList(t, v, "payload.webhook.subscriptions"); !slices.Equal(got, subs) {
		t.Fatalf("subscriptions = %v, want %v", got, subs)
	}
	id := num(t, v, "payload.webhook.id")
	stored := e.storedWebhook(1, id)
	if stored.Secret != secret || stored.PreviousSecret != "" || !stored.PreviousSecretExpiresAt.IsZero() || stored.InboxID != inbox {
		t.Fatalf("stored webhook: %+v", stored)
	}

	// Wrapped, url only: the 8 default subscriptions in Chatwoot's order,
	// name null, no inbox key.
	r = e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"webhook": map[string]any{"url": "http://hooks.example.com/b"}})
	v = r.JSON(t)
	other := checkWebhook(t, r.Body, v, "payload.webhook", false)
	if path(t, v, "payload.webhook.name") != nil {
		t.Fatalf("name should be null: %s", r.Body)
	}
	if got := stringList(t, v, "payload.webhook.subscriptions"); !slices.Equal(got, defaultSubscriptions) {
		t.Fatalf("default subscriptions = %v, want %v", got, defaultSubscriptions)
	}
	if other == secret {
		t.Fatalf("two webhooks got the same secret")
	}

	// subscriptions null is the default too, and inbox_id null is none.
	r = e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"webhook": map[string]any{"url": "https://hooks.example.com/c",
		"subscriptions": nil, "inbox_id": nil, "name": nil}})
	v = r.JSON(t)
	checkWebhook(t, r.Body, v, "payload.webhook", false)
	if got := stringList(t, v, "payload.webhook.subscriptions"); !slices.Equal(got, defaultSubscriptions) {
		t.Fatalf("subscriptions null: got %v", got)
	}

	// Form bodies, as Rails reads them.
	req, _ := http.NewRequest("POST", e.URL+a1+"/webhooks",
		strings.NewReader("url=https%3A%2F%2Fhooks.example.com%2Fform&subscriptions[]=contact_created&subscriptions[]=contact_updated"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("api_access_token", adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"subscriptions":["contact_created","contact_updated"]`) {
		t.Fatalf("form body: %d %s", res.StatusCode, body)
	}

	// Webhook changes are not events.
	e.expectEvents(start)
}

func TestWebhookList(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	if string(r.Body) != `{"payload":{"webhooks":[]}}` {
		t.Fatalf("empty list: %s", r.Body)
	}
	inbox := e.apiInbox("Scoped")
	first := e.addWebhook("https://hooks.example.com/1")
	r = e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/2", "inbox_id": inbox, "name": "Two"})
	second := num(t, r.JSON(t), "payload.webhook.id")
	// Another account's webhooks are not listed.
	otherAcct, otherToken := e.otherAccount()
	e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", otherAcct), otherToken, map[string]any{"url": "https://hooks.example.com/1"})

	r = e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	wantKeys(t, r.Body, "", "payload")
	wantKeys(t, r.Body, "payload", "webhooks")
	v := r.JSON(t)
	if n := len(list(t, v, "payload.webhooks")); n != 2 {
		t.Fatalf("%d webhooks listed, want 2: %s", n, r.Body)
	}
	checkWebhook(t, r.Body, v, "payload.webhooks.0", false)
	checkWebhook(t, r.Body, v, "payload.webhooks.1", true)
	if num(t, v, "payload.webhooks.0.id") != first || num(t, v, "payload.webhooks.1.id") != second ||
		num(t, v, "payload.webhooks.1.inbox.id") != inbox || str(t, v, "payload.webhooks.1.inbox.name") != "Scoped" {
		t.Fatalf("unexpected list: %s", r.Body)
	}

	// A webhook whose inbox was deleted shows no inbox, as Chatwoot's does.
	e.must(200, "DELETE", fmt.Sprintf("%s/inboxes/%d", a1, inbox), adminToken, nil)
	r = e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	checkWebhook(t, r.Body, r.JSON(t), "payload.webhooks.1", false)
}

func TestWebhookValidation(t *testing.T) {
	e := newEnv(t)
	e.addWebhook("https://hooks.example.com/taken")
	otherAcct, otherToken := e.otherAccount()
	foreignInbox := e.apiInboxIn(otherAcct, "Theirs")
	long := "https://hooks.example.com/" + strings.Repeat("a", 2048-len("https://hooks.example.com/"))

	const (
		urlInvalid  = `{"message":"Url is invalid","attributes":["url"]}`
		subsInvalid = `{"message":"Subscriptions Invalid events","attributes":["subscriptions"]}`
		urlTaken    = `{"message":"Url has already been taken","attributes":["url"]}`
		noInbox     = `{"message":"Inbox must exist","attributes":["inbox"]}`
	)
	ok := "https://hooks.example.com/ok"
	e.expectRefusals([]authCase{
		// Chatwoot's URL rule, and Parley's stricter one.
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "javascript:alert(1)"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "ftp://x"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "not a url"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ""}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": nil}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"name": "No URL"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "http://"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "see https://hooks.example.com/x"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "https://exa mple.com/"}, 422, urlInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": long + "a"}, 422,
			`{"message":"Url is too long (maximum is 2048 characters)","attributes":["url"]}`},
		// Subscriptions.
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []string{"conversation_opened"}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []string{"message_created", "nope"}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []string{}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": "message_created"}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": map[string]any{"message_created": true}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []any{1}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []any{"message_created", nil}}, 422, subsInvalid},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "subscriptions": []any{[]string{"message_created"}}}, 422, subsInvalid},
		// Unique per account.
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/taken"}, 422, urlTaken},
		// The inbox must be one of the account's.
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "inbox_id": foreignInbox}, 422, noInbox},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "inbox_id": 999999}, 422, noInbox},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": ok, "inbox_id": "abc"}, 422,
			`{"message":"Inbox id must be an integer","attributes":["inbox_id"]}`},
		// Every broken rule at once, in Chatwoot's order.
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"url": "nope", "subscriptions": []string{}}, 422,
			`{"message":"Url is invalid, Subscriptions Invalid events","attributes":["url","subscriptions"]}`},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"webhook": map[string]any{"url": "https://hooks.example.com/taken",
			"subscriptions": []string{"x"}, "inbox_id": foreignInbox}}, 422,
			`{"message":"Inbox must exist, Url has already been taken, Subscriptions Invalid events","attributes":["inbox","url","subscriptions"]}`},
		// params.require(:webhook).
		{"POST", a1 + "/webhooks", adminToken, map[string]any{}, 422, `{"error":"param is missing or the value is empty: webhook"}`},
		{"POST", a1 + "/webhooks", adminToken, map[string]any{"webhook": map[string]any{}}, 422, `{"error":"param is missing or the value is empty: webhook"}`},
		{"POST", a1 + "/webhooks", adminToken, "[1]", 400, `{"error":"Request body must be a JSON object"}`},
	})
	r := e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	if n := len(list(t, r.JSON(t), "payload.webhooks")); n != 1 {
		t.Fatalf("refused requests made webhooks: %s", r.Body)
	}

	// Exactly 2048 characters is allowed; a URL with a query, a port, user
	// info and an upper-case scheme too.
	for _, u := range []string{long, "HTTPS://user:pw@hooks.example.com:8443/p?q=1#f", "http://127.0.0.1:9/x"} {
		r = e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": u})
		if got := str(t, r.JSON(t), "payload.webhook.url"); got != u {
			t.Fatalf("url stored as %q, want it as given (%q)", got, u)
		}
	}
	// The same URL in another account is fine.
	e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", otherAcct), otherToken, map[string]any{"url": "https://hooks.example.com/taken"})
	// URLs differing only in case are different URLs.
	e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/TAKEN"})
}

func TestWebhookUpdate(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("Scoped")
	r := e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/a", "name": "A",
		"subscriptions": []string{"message_created"}})
	id := num(t, r.JSON(t), "payload.webhook.id")
	secret := str(t, r.JSON(t), "payload.webhook.secret")
	e.addWebhook("https://hooks.example.com/b")
	start := lastEventID(t, e)

	// PATCH, unwrapped: only the name changes.
	r = e.must(200, "PATCH", webhookPath(id), adminToken, map[string]any{"name": "Renamed"})
	wantKeys(t, r.Body, "", "payload")
	wantKeys(t, r.Body, "payload", "webhook")
	v := r.JSON(t)
	if checkWebhook(t, r.Body, v, "payload.webhook", false) != secret {
		t.Fatalf("an update changed the secret")
	}
	if str(t, v, "payload.webhook.name") != "Renamed" || str(t, v, "payload.webhook.url") != "https://hooks.example.com/a" ||
		!slices.Equal(stringList(t, v, "payload.webhook.subscriptions"), []string{"message_created"}) || num(t, v, "payload.webhook.id") != id {
		t.Fatalf("PATCH name: %s", r.Body)
	}

	// PUT, wrapped: url, subscriptions and inbox; null subscriptions elsewhere
	// would leave them.
	r = e.must(200, "PUT", webhookPath(id), adminToken, map[string]any{"webhook": map[string]any{"url": "https://hooks.example.com/a2",
		"subscriptions": []string{"contact_created", "contact_updated"}, "inbox_id": inbox}})
	v = r.JSON(t)
	if checkWebhook(t, r.Body, v, "payload.webhook", true) != secret {
		t.Fatalf("an update changed the secret")
	}
	if str(t, v, "payload.webhook.url") != "https://hooks.example.com/a2" || num(t, v, "payload.webhook.inbox.id") != inbox ||
		!slices.Equal(stringList(t, v, "payload.webhook.subscriptions"), []string{"contact_created", "contact_updated"}) ||
		str(t, v, "payload.webhook.name") != "Renamed" {
		t.Fatalf("PUT: %s", r.Body)
	}

	// subscriptions null changes nothing; inbox_id null clears the inbox;
	// name null clears the name; the webhook's own url is not "taken".
	r = e.must(200, "PATCH", webhookPath(id), adminToken, map[string]any{"subscriptions": nil, "inbox_id": nil, "name": nil,
		"url": "https://hooks.example.com/a2"})
	v = r.JSON(t)
	checkWebhook(t, r.Body, v, "payload.webhook", false)
	if path(t, v, "payload.webhook.name") != nil ||
		!slices.Equal(stringList(t, v, "payload.webhook.subscriptions"), []string{"contact_created", "contact_updated"}) {
		t.Fatalf("PATCH nulls: %s", r.Body)
	}
	if w := e.storedWebhook(1, id); w.InboxID != 0 || w.Secret != secret || w.Name != "" {
		t.Fatalf("stored after PATCH nulls: %+v", w)
	}

	otherAcct, otherToken := e.otherAccount()
	r = e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", otherAcct), otherToken, map[string]any{"url": "https://hooks.example.com/theirs"})
	theirs := num(t, r.JSON(t), "payload.webhook.id")
	foreignInbox := e.apiInboxIn(otherAcct, "Theirs")
	e.expectRefusals([]authCase{
		{"PATCH", webhookPath(id), adminToken, map[string]any{"url": "https://hooks.example.com/b"}, 422,
			`{"message":"Url has already been taken","attributes":["url"]}`},
		{"PATCH", webhookPath(id), adminToken, map[string]any{"url": "javascript:alert(1)"}, 422, `{"message":"Url is invalid","attributes":["url"]}`},
		{"PATCH", webhookPath(id), adminToken, map[string]any{"url": nil}, 422, `{"message":"Url is invalid","attributes":["url"]}`},
		{"PATCH", webhookPath(id), adminToken, map[string]any{"subscriptions": []string{}}, 422,
			`{"message":"Subscriptions Invalid events","attributes":["subscriptions"]}`},
		{"PUT", webhookPath(id), adminToken, map[string]any{"subscriptions": []string{"bogus"}}, 422,
			`{"message":"Subscriptions Invalid events","attributes":["subscriptions"]}`},
		{"PATCH", webhookPath(id), adminToken, map[string]any{"inbox_id": foreignInbox}, 422, `{"message":"Inbox must exist","attributes":["inbox"]}`},
		{"PATCH", webhookPath(id), adminToken, map[string]any{}, 422, `{"error":"param is missing or the value is empty: webhook"}`},
		{"PATCH", webhookPath(999999), adminToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"PATCH", webhookPath(999999), adminToken, map[string]any{}, 404, errNotFound},
		{"PATCH", webhookPath(999999), adminToken, map[string]any{"inbox_id": "abc"}, 404, errNotFound},
		{"PUT", webhookPath(theirs), adminToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"PATCH", a1 + "/webhooks/abc", adminToken, map[string]any{"name": "X"}, 404, errNotFound},
	})
	if w := e.storedWebhook(1, id); w.URL != "https://hooks.example.com/a2" || w.Secret != secret ||
		!slices.Equal(w.Subscriptions, []string{"contact_created", "contact_updated"}) {
		t.Fatalf("refused updates changed the webhook: %+v", w)
	}
	if w := e.storedWebhook(otherAcct, theirs); w.Name != "" || w.URL != "https://hooks.example.com/theirs" {
		t.Fatalf("another account's webhook changed: %+v", w)
	}
	e.expectEvents(start)
}

func TestWebhookDelete(t *testing.T) {
	e := newEnv(t)
	id := e.addWebhook("https://hooks.example.com/a")
	kept := e.addWebhook("https://hooks.example.com/b")
	otherAcct, otherToken := e.otherAccount()
	r := e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", otherAcct), otherToken, map[string]any{"url": "https://hooks.example.com/a"})
	theirs := num(t, r.JSON(t), "payload.webhook.id")

	e.expectRefusals([]authCase{
		{"DELETE", webhookPath(999999), adminToken, nil, 404, errNotFound},
		{"DELETE", webhookPath(theirs), adminToken, nil, 404, errNotFound},
	})
	r = e.must(200, "DELETE", webhookPath(id), adminToken, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %s", r.Body)
	}
	r = e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	if ws := list(t, r.JSON(t), "payload.webhooks"); len(ws) != 1 || num(t, ws[0], "id") != kept {
		t.Fatalf("after delete: %s", r.Body)
	}
	e.must(404, "DELETE", webhookPath(id), adminToken, nil)
	e.must(404, "PATCH", webhookPath(id), adminToken, map[string]any{"name": "X"})
	e.storedWebhook(otherAcct, theirs) // still there
	// The URL is free again.
	e.addWebhook("https://hooks.example.com/a")
}

func TestWebhookRotateSecret(t *testing.T) {
	e := newEnv(t)
	inbox := e.apiInbox("Scoped")
	r := e.must(200, "POST", a1+"/webhooks", adminToken, map[string]any{"url": "https://hooks.example.com/a", "inbox_id": inbox,
		"name": "A", "subscriptions": []string{"message_created"}})
	id := num(t, r.JSON(t), "payload.webhook.id")
	first := str(t, r.JSON(t), "payload.webhook.secret")

	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	e.Clock.Set(t0)
	r = e.must(200, "POST", webhookPath(id)+"/rotate_secret", adminToken, nil)
	wantKeys(t, r.Body, "", "payload")
	wantKeys(t, r.Body, "payload", "webhook")
	v := r.JSON(t)
	second := checkWebhook(t, r.Body, v, "payload.webhook", true)
	if second == first {
		t.Fatalf("rotate_secret kept the secret")
	}
	if str(t, v, "payload.webhook.name") != "A" || str(t, v, "payload.webhook.url") != "https://hooks.example.com/a" ||
		num(t, v, "payload.webhook.inbox.id") != inbox || !slices.Equal(stringList(t, v, "payload.webhook.subscriptions"), []string{"message_created"}) {
		t.Fatalf("rotate_secret changed other fields: %s", r.Body)
	}
	w := e.storedWebhook(1, id)
	if w.Secret != second || w.PreviousSecret != first {
		t.Fatalf("stored secrets: %+v", w)
	}
	// The old secret signs for 24 hours from the rotation, by the service's clock.
	if w.UpdatedAt.Before(t0) || w.UpdatedAt.After(t0.Add(time.Second)) || !w.PreviousSecretExpiresAt.Equal(w.UpdatedAt.Add(24*time.Hour)) {
		t.Fatalf("rotated at %v, previous secret expires %v; want 24 h after a rotation at about %v", w.UpdatedAt, w.PreviousSecretExpiresAt, t0)
	}
	// Both sign until then; only the new one afterwards.
	o := chat.Outbound{Secret: w.Secret, PreviousSecret: w.PreviousSecret, PreviousSecretExpiresAt: w.PreviousSecretExpiresAt}
	if got := o.Secrets(t0.Add(23 * time.Hour)); !slices.Equal(got, []string{second, first}) {
		t.Fatalf("secrets within 24 h: %v", got)
	}
	if got := o.Secrets(t0.Add(25 * time.Hour)); !slices.Equal(got, []string{second}) {
		t.Fatalf("secrets after 24 h: %v", got)
	}

	// The list and an update show the new secret and keep it.
	r = e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	if str(t, r.JSON(t), "payload.webhooks.0.secret") != second {
		t.Fatalf("list after rotation: %s", r.Body)
	}
	r = e.must(200, "PATCH", webhookPath(id), adminToken, map[string]any{"name": "B"})
	if str(t, r.JSON(t), "payload.webhook.secret") != second || e.storedWebhook(1, id).PreviousSecret != first {
		t.Fatalf("update after rotation: %s", r.Body)
	}

	// A second rotation: the secret it replaces is the one kept.
	e.Clock.Set(t0.Add(time.Hour))
	r = e.must(200, "POST", webhookPath(id)+"/rotate_secret", adminToken, nil)
	third := str(t, r.JSON(t), "payload.webhook.secret")
	w = e.storedWebhook(1, id)
	if third == second || third == first || w.Secret != third || w.PreviousSecret != second ||
		!w.PreviousSecretExpiresAt.Equal(w.UpdatedAt.Add(24*time.Hour)) || w.UpdatedAt.Before(t0.Add(time.Hour)) {
		t.Fatalf("second rotation: %+v", w)
	}

	otherAcct, otherToken := e.otherAccount()
	r = e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/webhooks", otherAcct), otherToken, map[string]any{"url": "https://hooks.example.com/x"})
	theirs := num(t, r.JSON(t), "payload.webhook.id")
	e.expectRefusals([]authCase{
		{"POST", webhookPath(999999) + "/rotate_secret", adminToken, nil, 404, errNotFound},
		{"POST", webhookPath(theirs) + "/rotate_secret", adminToken, nil, 404, errNotFound},
	})
}

func TestWebhookAuthorization(t *testing.T) {
	e := newEnv(t)
	id := e.addWebhook("https://hooks.example.com/a")
	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	body := map[string]any{"url": "https://hooks.example.com/z"}
	routes := []struct {
		method, path string
		body         any
	}{
		{"GET", a1 + "/webhooks", nil},
		{"POST", a1 + "/webhooks", body},
		{"PATCH", webhookPath(id), body},
		{"PUT", webhookPath(id), body},
		{"DELETE", webhookPath(id), nil},
		{"POST", webhookPath(id) + "/rotate_secret", nil},
	}
	var cases []authCase
	for _, rt := range routes {
		cases = append(cases,
			authCase{rt.method, rt.path, agentToken, rt.body, 401, errNotAdmin},
			authCase{rt.method, rt.path, "", rt.body, 401, errNoToken},
			authCase{rt.method, rt.path, "not-a-token", rt.body, 401, errNoToken},
			authCase{rt.method, rt.path, outsiderToken, rt.body, 401, errNotMember},
		)
	}
	// An agent is refused before the webhook is looked up.
	cases = append(cases, authCase{"PATCH", webhookPath(999999), agentToken, body, 401, errNotAdmin})
	e.expectRefusals(cases)
	w := e.storedWebhook(1, id)
	if w.URL != "https://hooks.example.com/a" || w.PreviousSecret != "" {
		t.Fatalf("refused requests changed the webhook: %+v", w)
	}
	r := e.must(200, "GET", a1+"/webhooks", adminToken, nil)
	if n := len(list(t, r.JSON(t), "payload.webhooks")); n != 1 {
		t.Fatalf("refused requests made webhooks: %s", r.Body)
	}
}
