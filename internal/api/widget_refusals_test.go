package api_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/api"
)

// visitorRoute is one widget or public route, with its query string
// placeholders: {q} the widget's ?website_token=..., {pub} the public API
// inbox path, {src} a source id, {conv} a conversation id, {msg} a message id.
type visitorRoute struct {
	method, path string
	widget       bool // a widget route (else public)
	needsVisitor bool
	body         bool
}

var visitorRoutes = []visitorRoute{
	{"POST", "/api/v1/widget/config{q}", true, false, true},
	{"GET", "/api/v1/widget/config{q}", true, false, false},
	{"GET", "/api/v1/widget/contact{q}", true, true, false},
	{"PATCH", "/api/v1/widget/contact{q}", true, true, true},
	{"PATCH", "/api/v1/widget/contact/set_user{q}", true, true, true},
	{"POST", "/api/v1/widget/contact/set_user{q}", true, true, true},
	{"GET", "/api/v1/widget/conversations{q}", true, true, false},
	{"POST", "/api/v1/widget/conversations{q}", true, true, true},
	{"POST", "/api/v1/widget/conversations/toggle_typing{q}", true, true, true},
	{"POST", "/api/v1/widget/conversations/update_last_seen{q}", true, true, true},
	{"GET", "/api/v1/widget/conversations/toggle_status{q}", true, true, false},
	{"POST", "/api/v1/widget/conversations/toggle_status{q}", true, true, true},
	{"GET", "/api/v1/widget/messages{q}", true, true, false},
	{"POST", "/api/v1/widget/messages{q}", true, true, true},
	{"PATCH", "/api/v1/widget/messages/{msg}{q}", true, true, true},
	{"POST", "/api/v1/widget/events{q}", true, true, true},
	{"GET", "/api/v1/widget/stream{q}", true, true, false},
	{"POST", "{pub}/contacts", false, false, true},
	{"GET", "{pub}/contacts/{src}", false, true, false},
	{"PATCH", "{pub}/contacts/{src}", false, true, true},
	{"PUT", "{pub}/contacts/{src}", false, true, true},
	{"GET", "{pub}/contacts/{src}/conversations", false, true, false},
	{"POST", "{pub}/contacts/{src}/conversations", false, true, true},
	{"GET", "{pub}/contacts/{src}/conversations/{conv}", false, true, false},
	{"POST", "{pub}/contacts/{src}/conversations/{conv}/toggle_status", false, true, true},
	{"POST", "{pub}/contacts/{src}/conversations/{conv}/toggle_typing", false, true, true},
	{"POST", "{pub}/contacts/{src}/conversations/{conv}/update_last_seen", false, true, true},
	{"GET", "{pub}/contacts/{src}/conversations/{conv}/messages", false, true, false},
	{"POST", "{pub}/contacts/{src}/conversations/{conv}/messages", false, true, true},
	{"PATCH", "{pub}/contacts/{src}/conversations/{conv}/messages/{msg}", false, true, true},
}

func (rt visitorRoute) url(q, pub, src string) string {
	return strings.NewReplacer("{q}", q, "{pub}", pub, "{src}", src, "{conv}", "1", "{msg}", "1").Replace(rt.path)
}

// TestVisitorRouteRefusals: every widget and public route refuses an
// unknown website token or inbox (404), a missing or forged visitor token
// or source id (401), and an oversized body (413), with Chatwoot's
// envelope.
func TestVisitorRouteRefusals(t *testing.T) {
	e := newEnv(t)
	web := e.webInbox("Website")
	pubInbox := e.inbox(e.apiInbox("Client API"))
	pub := "/public/api/v1/inboxes/" + pubInbox.API.Identifier
	q, tok := e.widgetVisitor(web)
	src := str(t, e.visit("POST", pub+"/contacts", "", map[string]any{"name": "Bo"}).JSON(t), "source_id")
	// A token of another inbox's visitor is as good as forged here.
	_, foreign := e.widgetVisitor(e.webInbox("Other website"))
	big := `{"content":"` + strings.Repeat("x", 70<<10) + `"}`

	for _, rt := range visitorRoutes {
		name := rt.method + " " + rt.path
		if rt.widget {
			r := e.visit(rt.method, rt.url("?website_token=nope", pub, src), tok, nil)
			e.expectError(r, 404, `{"error":"Resource could not be found"}`)
		} else {
			r := e.visit(rt.method, rt.url(q, "/public/api/v1/inboxes/nope", src), "", nil)
			e.expectError(r, 404, `{"error":"Resource could not be found"}`)
		}
		if rt.needsVisitor {
			if rt.widget {
				for _, bad := range []string{"", "garbage", tok + "x", foreign} {
					r := e.visit(rt.method, rt.url(q, pub, src), bad, nil)
					if r.Status != 401 || string(r.Body) != `{"error":"Invalid or missing X-Auth-Token"}` {
						t.Errorf("%s with token %.12q: %d %s", name, bad, r.Status, r.Body)
					}
				}
			} else {
				r := e.visit(rt.method, rt.url(q, pub, "no-such-source"), "", nil)
				if r.Status != 401 || string(r.Body) != `{"error":"Invalid source_id"}` {
					t.Errorf("%s with an unknown source_id: %d %s", name, r.Status, r.Body)
				}
				r = e.visit(rt.method, rt.url(q, pub, src), "garbage", nil)
				if r.Status != 401 || string(r.Body) != `{"error":"Invalid or missing X-Auth-Token"}` {
					t.Errorf("%s with a forged X-Auth-Token: %d %s", name, r.Status, r.Body)
				}
			}
		}
		if rt.body {
			r := e.visit(rt.method, rt.url(q, pub, src), tok, big)
			if r.Status != 413 || string(r.Body) != `{"error":"Request body is larger than 64 KiB"}` {
				t.Errorf("%s with a 70 KiB body: %d %s", name, r.Status, r.Body)
			}
		}
	}
}

// TestVisitorRateLimits: past its per-IP or per-visitor budget a route
// answers 429 with Retry-After, and the budget refills with time (an
// injected clock: nothing sleeps).
func TestVisitorRateLimits(t *testing.T) {
	e := newEnv(t)
	var now time.Time = time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	web := e.webInbox("Website")
	pub := "/public/api/v1/inboxes/" + e.inbox(e.apiInbox("Client API")).API.Identifier
	q, tok := e.widgetVisitor(web)
	src := str(t, e.visit("POST", pub+"/contacts", "", map[string]any{"name": "Bo"}).JSON(t), "source_id")

	// Per IP: 3 a minute. Each route's fourth request within a minute is
	// refused; 20 seconds later one more goes through.
	limited := httptest.NewServer(api.New(api.Config{Service: e.Svc, Visitors: api.VisitorLimits{PerIP: 3, PerVisitor: 1000, Now: clock}}))
	t.Cleanup(limited.Close)
	for _, rt := range visitorRoutes {
		if rt.path == "/api/v1/widget/stream{q}" {
			continue // a success here is a stream that stays open
		}
		now = now.Add(time.Hour) // a full bucket
		u := rt.url(q, pub, src)
		for i := 0; i < 3; i++ {
			if r := visitURL(t, limited.URL, rt.method, u, tok, nil); r.Status == 429 {
				t.Fatalf("%s %s: request %d refused", rt.method, u, i+1)
			}
		}
		r := visitURL(t, limited.URL, rt.method, u, tok, nil)
		if r.Status != 429 || r.Header.Get("Retry-After") != "20" || string(r.Body) != `{"error":"Too many requests: try again later"}` {
			t.Errorf("%s %s: fourth request %d Retry-After %q %s", rt.method, u, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
		now = now.Add(20 * time.Second)
		if r := visitURL(t, limited.URL, rt.method, u, tok, nil); r.Status == 429 {
			t.Errorf("%s %s: still refused after Retry-After", rt.method, u)
		}
	}

	// Per visitor: 2 a minute, whatever the address.
	perVisitor := httptest.NewServer(api.New(api.Config{Service: e.Svc, Visitors: api.VisitorLimits{PerIP: 1000, PerVisitor: 2, Now: clock}}))
	t.Cleanup(perVisitor.Close)
	now = now.Add(time.Hour)
	for i, want := range []int{200, 200, 429} {
		if r := visitURL(t, perVisitor.URL, "GET", "/api/v1/widget/contact"+q, tok, nil); r.Status != want {
			t.Errorf("widget request %d: %d, want %d", i+1, r.Status, want)
		}
		if r := visitURL(t, perVisitor.URL, "GET", fmt.Sprintf("%s/contacts/%s", pub, src), "", nil); r.Status != want {
			t.Errorf("public request %d: %d, want %d", i+1, r.Status, want)
		}
	}
}
