package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// findChrome returns the Chromium to drive: $PARLEY_CHROME, or the first
// of Debian's and Google's names on PATH.
func findChrome() string {
	if p := os.Getenv("PARLEY_CHROME"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// widgetHooks collects webhook bodies. Deliveries of different events
// may arrive in any order, so each await looks at everything received.
type widgetHooks struct {
	mu   sync.Mutex
	got  []map[string]any
	more chan struct{}
}

func (h *widgetHooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var v map[string]any
	if json.Unmarshal(b, &v) == nil {
		h.mu.Lock()
		h.got = append(h.got, v)
		h.mu.Unlock()
		select {
		case h.more <- struct{}{}:
		default:
		}
	}
	w.WriteHeader(http.StatusOK)
}

// widgetHooks subscribes a webhook to events and collects what it receives.
func (e *testEnv) widgetHooks(events ...string) *widgetHooks {
	hooks := &widgetHooks{more: make(chan struct{}, 1)}
	receiver := httptest.NewServer(hooks)
	e.t.Cleanup(receiver.Close)
	e.ok("POST", a1+"/webhooks", map[string]any{"url": receiver.URL + "/hook", "subscriptions": events})
	return hooks
}

// await returns a delivered payload of an event that matches.
func (h *widgetHooks) await(t *testing.T, event string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		h.mu.Lock()
		for _, v := range h.got {
			if v["event"] == event && (match == nil || match(v)) {
				h.mu.Unlock()
				return v
			}
		}
		h.mu.Unlock()
		select {
		case <-h.more:
		case <-timeout:
			t.Fatalf("no %s webhook arrived", event)
		}
	}
}

// snippetPage is a website with Chatwoot's standard embed snippet, only
// BASE_URL pointing at Parley.
const snippetPage = `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Acme shop</title></head>
<body style="font-family:sans-serif;background:#fafafa"><h1>Acme shop</h1><p>Our products.</p>
<script>
  (function(d,t) {
    var BASE_URL="%s";
    var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
    g.src=BASE_URL+"/packs/js/sdk.js";
    g.defer = true;
    g.async = true;
    s.parentNode.insertBefore(g,s);
    g.onload=function(){
      window.chatwootSDK.run({
        websiteToken: '%s',
        baseUrl: BASE_URL
      })
    }
  })(document,"script");
</script>
</body></html>`

// browserTab is a Chromium tab for a test, with steps that each have a
// time limit.
type browserTab struct {
	t   *testing.T
	ctx context.Context
}

// newBrowserTab starts Chromium, or skips the test when there is none.
func newBrowserTab(t *testing.T) *browserTab {
	chrome := findChrome()
	if chrome == "" {
		t.Skip("no Chromium found: install Debian's chromium (apt-get install -y chromium) or set PARLEY_CHROME to a Chrome binary")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1200, 860))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(cancelTab)
	// The first run starts the browser; it must not carry a timeout (it
	// would stop the browser), the steps after it each have one.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chrome, err)
	}
	return &browserTab{t: t, ctx: ctx}
}

func (b *browserTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	c, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(c, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// ready waits until expr is true.
func (b *browserTab) ready(what, expr string, timeout time.Duration, opts ...chromedp.PollOption) {
	b.t.Helper()
	c, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(c, chromedp.Poll[bool](expr, append(opts, chromedp.WithPollingTimeout(timeout))...)); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// widgetSite serves a page embedding the web inbox's widget with Chatwoot's
// snippet, and points the inbox's website_url at it.
func widgetSite(t *testing.T, e *testEnv, webID int64, edit func(w *chat.WebWidgetChannel)) *httptest.Server {
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, snippetPage, e.URL, e.inbox(webID).WebWidget.WebsiteToken)
	}))
	t.Cleanup(site.Close)
	e.setWidget(webID, func(w *chat.WebWidgetChannel) {
		w.WebsiteURL = site.URL
		if edit != nil {
			edit(w)
		}
	})
	return site
}

// widgetFrame returns the widget's iframe, for steps inside it.
func (b *browserTab) widgetFrame() *chromedp.Node {
	b.t.Helper()
	frames, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.ID("chatwoot_live_chat_widget")))
	if err != nil || len(frames) == 0 {
		b.t.Fatalf("the widget's iframe: %v", err)
	}
	return frames[0]
}

// TestWidgetInChromium embeds the widget in a page, opens it in a real
// Chromium and checks what the webhooks receive and what the visitor sees.
func TestWidgetInChromium(t *testing.T) {
	tab := newBrowserTab(t)
	e := newEnv(t)
	hooks := e.widgetHooks("webwidget_triggered", "conversation_created", "message_created")

	webID := e.webInbox("Acme")
	site := widgetSite(t, e, webID, func(w *chat.WebWidgetChannel) {
		w.WelcomeTitle, w.WelcomeTagline = "Hi there!", "Ask us anything: we reply in minutes."
	})
	hmacKey := e.inbox(webID).WebWidget.HMACToken
	ctx, do, ready := tab.ctx, tab.do, tab.ready

	pageURL := site.URL + "/"
	do("load the page", chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.ID("cw-bubble")))
	ready("widget loaded", `!!(window.$chatwoot && window.$chatwoot.hasLoaded)`, 15*time.Second)
	ua, err := chromedp.Run(ctx, chromedp.Evaluate[string](`navigator.userAgent`))
	if err != nil {
		t.Fatal(err)
	}

	// setUser with a valid identifier_hash, as a logged-in site would.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`window.$chatwoot.setUser("user-7", {name: "Ada Lovelace", email: "ada@example.com", identifier_hash: %q}); true`,
		identifierHash(hmacKey, "user-7")))); err != nil {
		t.Fatal(err)
	}

	// Opening the bubble: webwidget_triggered with the browser's facts.
	do("open the bubble", chromedp.Click(chromedp.ID("cw-bubble")))
	trig := hooks.await(t, "webwidget_triggered", nil)
	info := trig["event_info"].(map[string]any)
	browser := info["browser"].(map[string]any)
	wantBrowser := widget.ParseBrowser(ua)
	if browser["browser_name"] != "Chrome" || browser["browser_name"] != wantBrowser.BrowserName || browser["browser_version"] != wantBrowser.BrowserVersion ||
		browser["platform_name"] != wantBrowser.PlatformName || browser["device_name"] != "Unknown" {
		t.Errorf("event_info.browser %v, want %+v (User-Agent %q)", browser, wantBrowser, ua)
	}
	if info["referer"] != pageURL || info["widget_language"] != "en" || info["browser_language"] != "en" {
		t.Errorf("event_info %v: want referer %q, widget_language en, browser_language en", info, pageURL)
	}
	if ts, _ := info["initiated_at"].(map[string]any)["timestamp"].(string); !strings.Contains(ts, "GMT") {
		t.Errorf("initiated_at.timestamp %q is not a JS Date string", ts)
	}

	// The visitor types; the first message starts the conversation.
	frame := tab.widgetFrame()
	in := chromedp.FromNode(frame)
	do("type a message", chromedp.WaitVisible(chromedp.ID("input"), in),
		chromedp.SendKeys(chromedp.ID("input"), "Hello from Chromium", in), chromedp.Click(chromedp.ID("send"), in))
	created := hooks.await(t, "conversation_created", nil)
	msg := hooks.await(t, "message_created", func(v map[string]any) bool { return v["content"] == "Hello from Chromium" })
	if msg["message_type"] != "incoming" || msg["sender"].(map[string]any)["name"] != "Ada Lovelace" {
		t.Errorf("message_created: type %v sender %v", msg["message_type"], msg["sender"])
	}
	ci := created["contact_inbox"].(map[string]any)
	attrs := created["additional_attributes"].(map[string]any)
	if ci["hmac_verified"] != true || created["meta"].(map[string]any)["hmac_verified"] != true {
		t.Errorf("setUser with a valid hash: contact_inbox %v", ci)
	}
	if attrs["referer"] != pageURL || attrs["browser"].(map[string]any)["browser_name"] != "Chrome" || attrs["browser_language"] != "en" {
		t.Errorf("conversation additional_attributes %v", attrs)
	}
	displayID := int64(created["id"].(float64))

	// An agent's reply through the REST API reaches the open widget
	// within 2 seconds (pushed over the event stream, not polled).
	e.ok("POST", conv(displayID)+"/messages", map[string]any{"content": "Hi Ada! Your order ships today."})
	ready("see the reply", `document.getElementById("messages").textContent.includes("Your order ships today")`, 2*time.Second,
		chromedp.WithPollingInFrame(frame))

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	writeShot(t, "widget.png", shot)
	// The same widget on a phone-sized screen fills it.
	do("phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	holder, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(()=>{const r=document.getElementById("cw-widget-holder").getBoundingClientRect();return [r.width,r.height]})()`))
	if err != nil {
		t.Fatal(err)
	}
	if shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
		t.Fatal(err)
	}
	writeShot(t, "widget-phone.png", shot)
	if len(holder) != 2 || holder[0] != 390 || holder[1] != 844 {
		t.Errorf("on a 390x844 screen the widget is %v, want full screen", holder)
	}
}

// writeShot keeps a screenshot in the test's artifact folder (go test
// -artifacts keeps it), and refreshes the README's docs/widget.png when
// PARLEY_DOCS_SCREENSHOT=1.
func writeShot(t *testing.T, name string, png []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	if name == "widget.png" && os.Getenv("PARLEY_DOCS_SCREENSHOT") == "1" {
		if err := os.WriteFile(filepath.Join("..", "..", "docs", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestWidgetPreChatFormInChromium: with the inbox's pre-chat form on, a new
// visitor is asked who they are before the first message, and the contact
// and conversation are made from the answers.
func TestWidgetPreChatFormInChromium(t *testing.T) {
	tab := newBrowserTab(t)
	e := newEnv(t)
	hooks := e.widgetHooks("conversation_created", "message_created")
	webID := e.webInbox("Acme")
	site := widgetSite(t, e, webID, func(w *chat.WebWidgetChannel) {
		w.PreChatFormEnabled = true
		w.PreChatFormOptions = chat.JSON(`{"pre_chat_message":"Tell us who you are","pre_chat_fields":[` +
			`{"field_type":"standard","label":"Email Id","name":"emailAddress","type":"email","required":true,"enabled":true},` +
			`{"field_type":"standard","label":"Full name","name":"fullName","type":"text","required":true,"enabled":true},` +
			`{"field_type":"standard","label":"Phone","name":"phoneNumber","type":"text","required":false,"enabled":false},` +
			`{"field_type":"conversation_attribute","label":"Order","name":"order_number","type":"text","required":false,"enabled":true}]}`)
	})

	tab.do("load the page", chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(chromedp.ID("cw-bubble")))
	tab.ready("widget loaded", `!!(window.$chatwoot && window.$chatwoot.hasLoaded)`, 15*time.Second)
	tab.do("open the bubble", chromedp.Click(chromedp.ID("cw-bubble")))
	frame := tab.widgetFrame()
	in := chromedp.FromNode(frame)
	tab.do("the form asks first", chromedp.WaitVisible(chromedp.ID("prechat"), in), chromedp.WaitNotVisible(chromedp.ID("composer"), in))
	text, err := chromedp.Run(tab.ctx, chromedp.Text(chromedp.ID("prechat"), in))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Tell us who you are") || !strings.Contains(text, "Email Id") || strings.Contains(text, "Phone") {
		t.Errorf("pre-chat form shows %q: want the message, the enabled fields and not the disabled one", text)
	}
	tab.do("fill it in",
		chromedp.SendKeys(chromedp.ID("prechat-field-emailAddress"), "grace@example.com", in),
		chromedp.SendKeys(chromedp.ID("prechat-field-fullName"), "Grace Hopper", in),
		chromedp.SendKeys(chromedp.ID("prechat-field-order_number"), "A-1042", in),
		chromedp.SendKeys(chromedp.ID("prechat-content"), "Where is my order?", in),
		chromedp.Click(chromedp.ID("prechat-start"), in))

	created := hooks.await(t, "conversation_created", nil)
	msg := hooks.await(t, "message_created", func(v map[string]any) bool { return v["content"] == "Where is my order?" })
	sender, _ := msg["sender"].(map[string]any)
	if sender["name"] != "Grace Hopper" || sender["email"] != "grace@example.com" {
		t.Errorf("the first message's sender is %v, want Grace Hopper <grace@example.com>", sender)
	}
	if attrs, _ := created["custom_attributes"].(map[string]any); attrs["order_number"] != "A-1042" {
		t.Errorf("conversation custom_attributes %v, want the order number asked for", created["custom_attributes"])
	}
	tab.do("then the chat", chromedp.WaitVisible(chromedp.ID("composer"), in), chromedp.WaitNotVisible(chromedp.ID("prechat"), in))
	tab.ready("the message shows", `document.getElementById("messages").textContent.includes("Where is my order?")`, 5*time.Second,
		chromedp.WithPollingInFrame(frame))
}

// A site that signs its visitor in (setUser) is not made to ask again
// what it told: with only the name and email asked, the form goes away.
func TestWidgetPreChatFormSkipsWhatSetUserTold(t *testing.T) {
	tab := newBrowserTab(t)
	e := newEnv(t)
	webID := e.webInbox("Acme")
	site := widgetSite(t, e, webID, func(w *chat.WebWidgetChannel) {
		w.PreChatFormEnabled = true
		w.PreChatFormOptions = chat.JSON(`{"pre_chat_fields":[` +
			`{"field_type":"standard","label":"Email Id","name":"emailAddress","type":"email","required":true,"enabled":true},` +
			`{"field_type":"standard","label":"Full name","name":"fullName","type":"text","required":true,"enabled":true}]}`)
	})
	hmacKey := e.inbox(webID).WebWidget.HMACToken
	tab.do("load the page", chromedp.Navigate(site.URL+"/"), chromedp.WaitVisible(chromedp.ID("cw-bubble")))
	tab.ready("widget loaded", `!!(window.$chatwoot && window.$chatwoot.hasLoaded)`, 15*time.Second)
	tab.do("open the bubble", chromedp.Click(chromedp.ID("cw-bubble")))
	frame := tab.widgetFrame()
	in := chromedp.FromNode(frame)
	tab.do("an anonymous visitor is asked", chromedp.WaitVisible(chromedp.ID("prechat-field-fullName"), in))
	if _, err := chromedp.Run(tab.ctx, chromedp.Evaluate[bool](fmt.Sprintf(`window.$chatwoot.setUser("user-9", {name: "Grace Hopper", email: "grace@example.com", identifier_hash: %q}); true`,
		identifierHash(hmacKey, "user-9")))); err != nil {
		t.Fatal(err)
	}
	tab.do("signed in, the chat opens", chromedp.WaitNotVisible(chromedp.ID("prechat"), in), chromedp.WaitVisible(chromedp.ID("composer"), in))
}
