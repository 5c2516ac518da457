package webhook_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/webhook"
)

// publicIP is a public address the tests pretend to reach: a netSim
// connects it to a loopback test server, while the policy sees a public
// address.
const publicIP = "93.184.216.34"

var testPayload = []byte(`{"event":"message_created","id":1}`)

// testHeader is what a delivery carries, plus credentials headers.
func testHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer tok")
	h.Set("Cookie", "session=abc")
	h.Set("Proxy-Authorization", "Basic cHJveHk6cHc=")
	h.Set("X-Chatwoot-Delivery", "0b6e1c1e-8c1a-4a57-9a34-1f7e0c3b9d11")
	h.Set("X-Chatwoot-Timestamp", "1781690400")
	h.Set("X-Chatwoot-Signature", "sha256=abc")
	h.Set("webhook-id", "0b6e1c1e-8c1a-4a57-9a34-1f7e0c3b9d11")
	h.Set("webhook-timestamp", "1781690400")
	h.Set("webhook-signature", "v1,abc")
	return h
}

type received struct {
	Method, URI, Proto string
	Header             http.Header
	Body               []byte
}

// recorder keeps the requests a test server received.
type recorder struct {
	mu   sync.Mutex
	reqs []received
}

func (rc *recorder) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.reqs)
}

// serve starts a loopback test server that records every request, then
// lets h answer it (200 when h is nil).
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rc := &recorder{}
	srv := httptest.NewServer(recording(rc, h))
	t.Cleanup(srv.Close)
	return srv, rc
}

func recording(rc *recorder, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{Method: r.Method, URI: r.URL.RequestURI(), Proto: r.Proto, Header: r.Header.Clone(), Body: body})
		rc.mu.Unlock()
		if h != nil {
			h(w, r)
		}
	}
}

func hostAddr(srv *httptest.Server) string { return srv.Listener.Addr().String() }

func post(c *webhook.Client, url string) webhook.Response {
	return c.Post(context.Background(), url, testHeader(), testPayload)
}

func mustPolicyError(t *testing.T, err error) *webhook.PolicyError {
	t.Helper()
	var pe *webhook.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v, want a *webhook.PolicyError", err)
	}
	return pe
}

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

// TestPostBlockedAddresses posts to blocked addresses: each is refused by
// default without a connection, and reached with AllowPrivate when the
// allow covers it.
func TestPostBlockedAddresses(t *testing.T) {
	srv, _ := serve(t, nil)
	dns := &fakeDNS{hosts: map[string][]netip.Addr{
		"private.example":  addrs("10.0.0.7"),
		"loopback.example": addrs("127.0.0.1", "::1"),
		"metadata.example": addrs("169.254.169.254"),
		"internal.example": addrs("10.0.0.1", "192.168.0.1"),
		"ula.example":      addrs("fd00::10"),
	}}
	tests := []struct {
		url       string
		dialed    []string // what AllowPrivate may dial
		category  string
		allowable bool
	}{
		{"http://127.0.0.1/hook", []string{"127.0.0.1:80"}, "loopback", true},
		{"http://[::1]:8080/hook", []string{"[::1]:8080"}, "loopback", true},
		{"http://10.1.2.3/hook", []string{"10.1.2.3:80"}, "private", true},
		{"http://172.16.0.1/hook", []string{"172.16.0.1:80"}, "private", true},
		{"http://172.31.255.255/hook", []string{"172.31.255.255:80"}, "private", true},
		{"http://192.168.1.1/hook", []string{"192.168.1.1:80"}, "private", true},
		{"http://169.254.169.254/latest/meta-data/", nil, "cloud metadata", false},
		{"http://100.64.0.1/hook", []string{"100.64.0.1:80"}, "CGNAT", true},
		{"http://0.0.0.0/hook", nil, "unspecified", false},
		{"http://[::ffff:127.0.0.1]/hook", []string{"127.0.0.1:80"}, "loopback", true},
		{"http://[::ffff:10.0.0.1]/hook", []string{"10.0.0.1:80"}, "private", true},
		{"http://[fe80::1]/hook", []string{"[fe80::1]:80"}, "link-local", true},
		{"http://[fe80::1%25eth0]/hook", []string{"[fe80::1%eth0]:80"}, "link-local", true},
		{"http://[fc00::1]/hook", []string{"[fc00::1]:80"}, "unique local", true},
		{"http://198.18.0.1/hook", []string{"198.18.0.1:80"}, "benchmarking", true},
		{"http://192.0.2.1/hook", []string{"192.0.2.1:80"}, "documentation", true},
		{"http://224.0.0.1/hook", nil, "multicast", false},
		{"http://private.example/hook", []string{"10.0.0.7:80"}, "private", true},
		{"http://loopback.example:3000/hook", []string{"127.0.0.1:3000", "[::1]:3000"}, "loopback", true},
		{"http://internal.example/hook", []string{"10.0.0.1:80", "192.168.0.1:80"}, "private", true},
		{"http://ula.example/hook", []string{"[fd00::10]:80"}, "unique local", true},
		{"http://metadata.example/computeMetadata/v1/", nil, "cloud metadata", false},
		{"http://[::]/hook", nil, "unspecified", false},
		{"http://0.1.2.3/hook", nil, "this-network", false},
		{"http://255.255.255.255/hook", nil, "broadcast", false},
		{"http://100.100.100.200/latest/meta-data/", nil, "cloud metadata", false},
		{"http://[fd00:ec2::254]/latest/meta-data/", nil, "cloud metadata", false},
		{"http://[::ffff:169.254.169.254]/latest/", nil, "cloud metadata", false},
		{"http://[64:ff9b::a00:1]/hook", []string{"[64:ff9b::a00:1]:80"}, "private", true},
		{"http://240.0.0.1/hook", []string{"240.0.0.1:80"}, "reserved", true},
		{"http://[ff02::1]/hook", nil, "multicast", false},
		{"http://[2001:db8::1]/hook", []string{"[2001:db8::1]:80"}, "documentation", true},
		{"http://169.254.10.20/hook", []string{"169.254.10.20:80"}, "link-local", true},
		{"http://[2002:c0a8:101::1]/hook", []string{"[2002:c0a8:101::1]:80"}, "private", true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			for _, allow := range []bool{false, true} {
				sim := &netSim{target: hostAddr(srv)}
				c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: allow},
					Resolver: dns.resolver(), DialContext: sim.DialContext})
				res := post(c, tt.url)
				if allow && tt.allowable {
					if res.Err != nil || res.StatusCode != http.StatusOK {
						t.Fatalf("AllowPrivate: Post = %d, %v; want 200", res.StatusCode, res.Err)
					}
					if d := sim.Dialed(); len(d) != 1 || !slices.Contains(tt.dialed, d[0]) {
						t.Errorf("AllowPrivate: dialed %q, want one of %q", d, tt.dialed)
					}
					continue
				}
				pe := mustPolicyError(t, res.Err)
				if pe.Category != tt.category || pe.Allowable != tt.allowable {
					t.Errorf("AllowPrivate=%v: refused as %q (allowable %v), want %q (%v): %v", allow, pe.Category, pe.Allowable, tt.category, tt.allowable, pe)
				}
				if d := sim.Dialed(); len(d) != 0 {
					t.Errorf("AllowPrivate=%v: dialed %q, want no connection", allow, d)
				}
				if res.StatusCode != 0 {
					t.Errorf("StatusCode = %d, want 0", res.StatusCode)
				}
			}
		})
	}
}

// TestPostDefaultDialer refuses loopback through the real dialer too, and
// with AllowPrivate reaches it.
func TestPostDefaultDialer(t *testing.T) {
	srv, rc := serve(t, nil)
	res := post(webhook.NewClient(webhook.ClientConfig{}), srv.URL+"/hook")
	pe := mustPolicyError(t, res.Err)
	if pe.Category != "loopback" {
		t.Errorf("category = %q, want loopback", pe.Category)
	}
	want := "address 127.0.0.1 is loopback; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"
	if res.Err.Error() != want {
		t.Errorf("error = %q, want %q", res.Err, want)
	}
	if n := len(rc.all()); n != 0 {
		t.Fatalf("the server got %d requests", n)
	}
	res = post(webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}), srv.URL+"/hook")
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatalf("AllowPrivate: %d, %v", res.StatusCode, res.Err)
	}
}

// TestPostHostWithPublicAndPrivateAddresses connects to the public address
// of a name that also resolves to private ones, never to the private ones.
func TestPostHostWithPublicAndPrivateAddresses(t *testing.T) {
	srv, rc := serve(t, nil)
	dns := &fakeDNS{hosts: map[string][]netip.Addr{
		"mixed.example": addrs("10.0.0.9", "127.0.0.1", publicIP, "::1", "169.254.169.254"),
	}}
	sim := &netSim{routes: map[string]string{publicIP + ":80": hostAddr(srv)}}
	c := webhook.NewClient(webhook.ClientConfig{Resolver: dns.resolver(), DialContext: sim.DialContext})
	res := post(c, "http://mixed.example/hook")
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatalf("Post = %d, %v", res.StatusCode, res.Err)
	}
	if d := sim.Dialed(); !slices.Equal(d, []string{publicIP + ":80"}) {
		t.Errorf("dialed %q, want only the public address", d)
	}
	if len(rc.all()) != 1 {
		t.Errorf("the server got %d requests, want 1", len(rc.all()))
	}

	// All private: refused, naming the host.
	dns.hosts["private.example"] = addrs("10.0.0.9")
	res = post(c, "http://private.example/hook")
	if want := "address 10.0.0.9 (from private.example) is private; set PARLEY_ALLOW_PRIVATE_NETWORK=true to allow it"; res.Err == nil || res.Err.Error() != want {
		t.Errorf("error = %v, want %q", res.Err, want)
	}
}

// TestPostRedirectToBlockedAddress follows a redirect from an allowed
// address to blocked ones: the hop is refused before connecting.
func TestPostRedirectToBlockedAddress(t *testing.T) {
	var target atomic.Value
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.Load().(string), http.StatusFound)
	})
	port := strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
	dns := &fakeDNS{hosts: map[string][]netip.Addr{"rebind.example": addrs("127.0.0.1")}}
	for _, to := range []string{
		srv.URL + "/final", // the real server: would be reached without the check
		"http://localhost:" + port + "/final",
		"http://rebind.example:" + port + "/final",
		"http://[::ffff:127.0.0.1]:" + port + "/final",
		"http://10.0.0.1/final",
		"http://169.254.169.254/latest/meta-data/iam/security-credentials/",
		"http://[fd00:ec2::254]/latest/meta-data/",
	} {
		t.Run(to, func(t *testing.T) {
			target.Store(to)
			before := len(rc.all())
			sim := &netSim{routes: map[string]string{publicIP + ":80": hostAddr(srv)}}
			resolver := dns.resolver()
			if strings.Contains(to, "localhost") {
				resolver = nil // the system's resolver, which knows localhost
			}
			c := webhook.NewClient(webhook.ClientConfig{Resolver: resolver, DialContext: sim.DialContext})
			res := post(c, "http://"+publicIP+"/start")
			mustPolicyError(t, res.Err)
			if !strings.HasPrefix(res.Err.Error(), "after 1 redirect: address ") {
				t.Errorf("error = %q", res.Err)
			}
			if res.Hops != 1 {
				t.Errorf("Hops = %d, want 1", res.Hops)
			}
			if d := sim.Dialed(); !slices.Equal(d, []string{publicIP + ":80"}) {
				t.Errorf("dialed %q, want only the first hop's address", d)
			}
			if n := len(rc.all()) - before; n != 1 {
				t.Errorf("the server got %d requests, want 1", n)
			}
		})
	}
}

// TestPostRedirectCodes re-POSTs the same body and headers whatever the
// 3xx.
func TestPostRedirectCodes(t *testing.T) {
	for _, code := range []int{300, 301, 302, 303, 304, 305, 307, 308} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/start" {
					w.Header().Set("Location", "/final")
					w.WriteHeader(code)
					return
				}
				w.WriteHeader(http.StatusNoContent)
			})
			c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
			res := post(c, srv.URL+"/start")
			if res.Err != nil || res.StatusCode != http.StatusNoContent || res.Hops != 1 {
				t.Fatalf("Post = %d, hops %d, %v", res.StatusCode, res.Hops, res.Err)
			}
			reqs := rc.all()
			if len(reqs) != 2 {
				t.Fatalf("server got %d requests, want 2", len(reqs))
			}
			for _, r := range reqs {
				if r.Method != http.MethodPost || !bytes.Equal(r.Body, testPayload) {
					t.Errorf("%s %s with body %q, want POST with the payload", r.Method, r.URI, r.Body)
				}
				for _, k := range []string{"Content-Type", "X-Chatwoot-Signature", "Webhook-Signature", "Authorization"} {
					if r.Header.Get(k) != testHeader().Get(k) {
						t.Errorf("%s: %s = %q, want %q", r.URI, k, r.Header.Get(k), testHeader().Get(k))
					}
				}
			}
		})
	}
}

// TestPostRedirectWithoutLocation returns a 3xx without Location as the
// response.
func TestPostRedirectWithoutLocation(t *testing.T) {
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusFound) })
	res := post(webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}), srv.URL)
	if res.Err != nil || res.StatusCode != http.StatusFound || res.Hops != 0 || len(rc.all()) != 1 {
		t.Fatalf("Post = %d, hops %d, %v", res.StatusCode, res.Hops, res.Err)
	}
}

// TestPostRedirectLimit follows 10 redirects and stops at the 11th.
func TestPostRedirectLimit(t *testing.T) {
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/"))
		if stop, _ := strconv.Atoi(r.URL.Query().Get("stop")); n < stop {
			http.Redirect(w, r, fmt.Sprintf("/r/%d?stop=%d", n+1, stop), http.StatusTemporaryRedirect)
			return
		}
		fmt.Fprint(w, "done")
	})
	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})

	res := post(c, srv.URL+"/r/0?stop=10")
	if res.Err != nil || res.StatusCode != 200 || res.Hops != 10 || string(res.Body) != "done" {
		t.Fatalf("10 redirects: %d, hops %d, %q, %v", res.StatusCode, res.Hops, res.Body, res.Err)
	}
	if n := len(rc.all()); n != 11 {
		t.Errorf("10 redirects: server got %d requests, want 11", n)
	}

	res = post(c, srv.URL+"/r/0?stop=11")
	if !errors.Is(res.Err, webhook.ErrTooManyRedirects) || res.Err.Error() != "stopped after 10 redirects" {
		t.Fatalf("11 redirects: error = %v, want %q", res.Err, "stopped after 10 redirects")
	}
	if res.Hops != 10 || res.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("11 redirects: hops %d, status %d", res.Hops, res.StatusCode)
	}
	if n := len(rc.all()) - 11; n != 11 {
		t.Errorf("11 redirects: server got %d requests, want 11", n)
	}
}

// TestPostRelativeLocation resolves Location against the current URL.
func TestPostRelativeLocation(t *testing.T) {
	var srvURL string
	tests := []struct{ from, location, want string }{
		{"/a/b", "next", "/a/next"},
		{"/a/b", "../up", "/up"},
		{"/a/b", "/abs?x=1", "/abs?x=1"},
		{"/a/b", "?q=2", "/a/b?q=2"},
		{"/a/b", "//HOST/scheme-relative", "/scheme-relative"},
		{"/a/b", "./c/../d#frag", "/a/d"},
	}
	for _, tt := range tests {
		t.Run(tt.location, func(t *testing.T) {
			srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.RequestURI() == tt.from {
					w.Header().Set("Location", strings.Replace(tt.location, "HOST", strings.TrimPrefix(srvURL, "http://"), 1))
					w.WriteHeader(http.StatusMovedPermanently)
				}
			})
			srvURL = srv.URL
			res := post(webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}), srv.URL+tt.from)
			if res.Err != nil || res.StatusCode != 200 {
				t.Fatalf("Post = %d, %v", res.StatusCode, res.Err)
			}
			if reqs := rc.all(); len(reqs) != 2 || reqs[1].URI != tt.want {
				t.Errorf("requests %+v, want the second to %s", reqs, tt.want)
			}
		})
	}
}

// TestPostRedirectCredentials drops credentials headers on a cross-origin
// hop and keeps the delivery headers; a same-origin hop keeps them all.
func TestPostRedirectCredentials(t *testing.T) {
	other, otherRC := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/back" {
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusTemporaryRedirect)
		}
	})
	var srvURL string
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/hook", http.StatusTemporaryRedirect)
		case "/cross":
			http.Redirect(w, r, other.URL+"/hook", http.StatusTemporaryRedirect)
		case "/bounce": // elsewhere and back
			http.Redirect(w, r, other.URL+"/back?to="+srvURL+"/hook", http.StatusTemporaryRedirect)
		}
	})
	srvURL = srv.URL
	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
	credentials := []string{"Authorization", "Cookie", "Proxy-Authorization"}
	kept := []string{"Content-Type", "X-Chatwoot-Delivery", "X-Chatwoot-Timestamp", "X-Chatwoot-Signature",
		"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"}
	last := func(rc *recorder) received { r := rc.all(); return r[len(r)-1] }
	check := func(name string, r received, wantCredentials bool) {
		t.Helper()
		for _, k := range kept {
			if r.Header.Get(k) != testHeader().Get(k) {
				t.Errorf("%s: %s = %q, want %q", name, k, r.Header.Get(k), testHeader().Get(k))
			}
		}
		for _, k := range credentials {
			if got := r.Header.Get(k) != ""; got != wantCredentials {
				t.Errorf("%s: %s present = %v, want %v", name, k, got, wantCredentials)
			}
		}
	}

	if res := post(c, srv.URL+"/same"); res.Err != nil || res.Hops != 1 {
		t.Fatal(res.Err)
	}
	check("same origin", last(rc), true)

	if res := post(c, srv.URL+"/cross"); res.Err != nil || res.Hops != 1 {
		t.Fatal(res.Err)
	}
	check("cross origin", last(otherRC), false)

	if res := post(c, srv.URL+"/bounce"); res.Err != nil || res.Hops != 2 {
		t.Fatal(res.Err)
	}
	check("back to the first origin", last(rc), false)

	// Credentials in the URL are Basic auth, on the first origin only.
	withUser := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1)
	h := testHeader()
	h.Del("Authorization")
	for _, path := range []string{"/same", "/cross", "/bounce"} {
		if res := c.Post(context.Background(), withUser+path, h, testPayload); res.Err != nil {
			t.Fatal(res.Err)
		}
		first := rc.all()
		req, _ := http.NewRequest("GET", "/", nil)
		req.Header = first[len(first)-1].Header
		if path == "/same" {
			if u, p, ok := req.BasicAuth(); !ok || u != "user" || p != "s3cret" {
				t.Errorf("%s: same-origin hop without the URL's Basic auth: %q", path, req.Header.Get("Authorization"))
			}
			continue
		}
		if a := last(otherRC).Header.Get("Authorization"); a != "" {
			t.Errorf("%s: Authorization %q sent to another origin", path, a)
		}
		if path == "/bounce" && req.Header.Get("Authorization") != "" {
			t.Errorf("%s: Authorization sent again after leaving the origin", path)
		}
	}
}

// TestPostSchemes refuses everything but http and https, also in a
// redirect.
func TestPostSchemes(t *testing.T) {
	sim := &netSim{}
	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}, DialContext: sim.DialContext})
	for _, u := range []string{"ftp://example.com/hook", "file:///etc/passwd", "gopher://example.com/", "javascript:alert(1)",
		"ws://example.com/", "FTP://example.com/"} {
		res := post(c, u)
		if res.Err == nil || !strings.Contains(res.Err.Error(), "only http and https") {
			t.Errorf("Post(%q) error = %v", u, res.Err)
		}
	}
	for _, u := range []string{"example.com/hook", "//example.com/hook", "http:///hook", "http://:80/hook", "http:example.com", ""} {
		if res := post(c, u); res.Err == nil || !strings.HasPrefix(res.Err.Error(), "invalid URL") {
			t.Errorf("Post(%q) error = %v, want an invalid URL", u, res.Err)
		}
	}
	if d := sim.Dialed(); len(d) != 0 {
		t.Errorf("dialed %q", d)
	}

	var to atomic.Value
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", to.Load().(string))
		w.WriteHeader(http.StatusFound)
	})
	c = webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
	for _, u := range []string{"ftp://example.com/hook", "file:///etc/passwd"} {
		to.Store(u)
		res := post(c, srv.URL)
		if res.Err == nil || !strings.HasPrefix(res.Err.Error(), "redirect 1: only http and https URLs are allowed") {
			t.Errorf("redirect to %q: error = %v", u, res.Err)
		}
		if res.StatusCode != http.StatusFound {
			t.Errorf("redirect to %q: status %d, want the 302", u, res.StatusCode)
		}
	}
	if len(rc.all()) != 2 {
		t.Errorf("server got %d requests, want 2", len(rc.all()))
	}
}

// TestPostTimeout fails an attempt whose server never answers, and one
// whose connection never opens, with a timeout error.
func TestPostTimeout(t *testing.T) {
	release := make(chan struct{})
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) })
	c := webhook.NewClient(webhook.ClientConfig{Timeout: 200 * time.Millisecond, Policy: webhook.Policy{AllowPrivate: true}})
	res := post(c, srv.URL)
	var te *webhook.TimeoutError
	if !errors.As(res.Err, &te) || !errors.Is(res.Err, context.DeadlineExceeded) || !strings.HasPrefix(res.Err.Error(), "timed out after 200ms") {
		t.Errorf("silent server: error = %v, want a timeout", res.Err)
	}

	// A server that answers the head and never finishes the body.
	slow, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	res = post(c, slow.URL)
	if !errors.As(res.Err, &te) || res.Err.Error() != "timed out after 200ms reading the response" || res.StatusCode != 200 {
		t.Errorf("slow body: %d, %v, want a timeout reading the response", res.StatusCode, res.Err)
	}

	hang := func(ctx context.Context, network, address string) (net.Conn, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	c = webhook.NewClient(webhook.ClientConfig{Timeout: 200 * time.Millisecond, DialContext: hang})
	res = post(c, "http://"+publicIP+"/")
	if !errors.As(res.Err, &te) || !strings.HasPrefix(res.Err.Error(), "timed out after 200ms") {
		t.Errorf("connect: error = %v, want a timeout", res.Err)
	}

	// The caller's cancellation is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	c = webhook.NewClient(webhook.ClientConfig{Timeout: time.Minute, Policy: webhook.Policy{AllowPrivate: true}})
	res = c.Post(ctx, srv.URL, nil, testPayload)
	if res.Err == nil || errors.As(res.Err, &te) || !errors.Is(res.Err, context.Canceled) {
		t.Errorf("canceled: error = %v, want the cancellation", res.Err)
	}
}

// TestPostBodyLimit reads at most 64 KiB of a response and keeps 4 KiB.
func TestPostBodyLimit(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(big)))
		w.Header().Set("X-Receiver", "big")
		w.Write(big)
	})
	sim := &netSim{target: hostAddr(srv)}
	c := webhook.NewClient(webhook.ClientConfig{DialContext: sim.DialContext})
	res := post(c, "http://"+publicIP+"/hook")
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatalf("Post = %d, %v", res.StatusCode, res.Err)
	}
	if !bytes.Equal(res.Body, big[:4096]) {
		t.Errorf("Body has %d bytes, want the first 4096", len(res.Body))
	}
	if res.Header.Get("X-Receiver") != "big" {
		t.Errorf("Header = %v", res.Header)
	}
	if n := sim.read.Load(); n > 80<<10 {
		t.Errorf("read %d bytes from the connection, want about 64 KiB", n)
	}
}

// TestPostKeepAlive reuses one connection for sequential posts, redirects
// included.
func TestPostKeepAlive(t *testing.T) {
	var conns atomic.Int64
	body := bytes.Repeat([]byte("x"), 10<<10) // more than is kept: the rest is drained
	rc := &recorder{}
	srv := httptest.NewUnstartedServer(recording(rc, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/hook", http.StatusPermanentRedirect)
			return
		}
		w.Write(body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
	for i := range 50 {
		path := "/hook"
		if i%5 == 0 {
			path = "/moved"
		}
		if res := post(c, srv.URL+path); res.Err != nil || res.StatusCode != 200 {
			t.Fatalf("post %d: %d, %v", i, res.StatusCode, res.Err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections for 50 posts, want 1", n)
	}
}

// TestPostIgnoresProxyEnvironment connects directly even when the
// environment names a proxy: a proxy would escape the policy.
func TestPostIgnoresProxyEnvironment(t *testing.T) {
	srv, rc := serve(t, nil)
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"} {
		t.Setenv(k, "http://198.51.100.1:3128")
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	sim := &netSim{routes: map[string]string{publicIP + ":80": hostAddr(srv)}}
	c := webhook.NewClient(webhook.ClientConfig{DialContext: sim.DialContext})
	res := post(c, "http://"+publicIP+"/hook")
	if res.Err != nil || res.StatusCode != 200 {
		t.Fatalf("Post = %d, %v", res.StatusCode, res.Err)
	}
	if d := sim.Dialed(); !slices.Equal(d, []string{publicIP + ":80"}) {
		t.Errorf("dialed %q, want the receiver directly", d)
	}
	if reqs := rc.all(); len(reqs) != 1 || reqs[0].URI != "/hook" {
		t.Errorf("server got %+v", reqs)
	}
}

// TestPostTLS verifies certificates and speaks HTTP/2 when the receiver
// does.
func TestPostTLS(t *testing.T) {
	rc := &recorder{}
	srv := httptest.NewUnstartedServer(recording(rc, nil))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
	res := post(c, srv.URL)
	if res.Err == nil || !strings.Contains(res.Err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %d, %v, want a certificate error", res.StatusCode, res.Err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c = webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}, TLSConfig: &tls.Config{RootCAs: pool}})
	for range 3 {
		res = post(c, srv.URL)
		if res.Err != nil || res.StatusCode != 200 {
			t.Fatalf("trusted: %d, %v", res.StatusCode, res.Err)
		}
	}
	for _, r := range rc.all() {
		if r.Proto != "HTTP/2.0" {
			t.Errorf("protocol %s, want HTTP/2.0", r.Proto)
		}
	}
}

// TestPostErrorsHideSecrets never shows a URL's credentials or query in
// an error.
func TestPostErrorsHideSecrets(t *testing.T) {
	release := make(chan struct{})
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/silent":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/ftp":
			http.Redirect(w, r, "ftp://u:SECRETPW@example.com/?token=SECRETQ", http.StatusFound)
		case "/private":
			http.Redirect(w, r, "http://u:SECRETPW@10.0.0.1/?token=SECRETQ", http.StatusFound)
		case "/bad":
			w.Header().Set("Location", "http://u:SECRETPW@[::1/?token=SECRETQ")
			w.WriteHeader(http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop?token=SECRETQ", http.StatusFound)
		}
	})
	t.Cleanup(func() { close(release) })
	sim := &netSim{routes: map[string]string{publicIP + ":80": hostAddr(srv)}}
	c := webhook.NewClient(webhook.ClientConfig{Timeout: 300 * time.Millisecond, Resolver: (&fakeDNS{}).resolver(), DialContext: sim.DialContext})
	for _, u := range []string{
		"http://user:SECRETPW@10.0.0.1/x?token=SECRETQ",
		"http://user:SECRETPW@nx.example/x?token=SECRETQ",
		"http://user:SECRETPW@198.51.100.1:99999/?token=SECRETQ",
		"http://user:SECRETPW@203.0.113.1:http/?token=SECRETQ",
		"http://us%zzer:SECRETPW@h.example/?SECRETQ",
		"http://u:SECRETPW@[::1/?token=SECRETQ",
		"http://u:SECRETPW@h.example/%zzSECRETPATH?SECRETQ",
		"http://u:SECRETPW@ho st/?SECRETQ",
		"http://u:SECRETPW@h.example\x7f/?SECRETQ",
		"ftp://u:SECRETPW@h.example/?SECRETQ",
		"SECRETPW://h.example/",
		"http://user:SECRETPW@" + publicIP + "/silent?token=SECRETQ",
		"http://user:SECRETPW@" + publicIP + "/ftp?token=SECRETQ",
		"http://user:SECRETPW@" + publicIP + "/private?token=SECRETQ",
		"http://user:SECRETPW@" + publicIP + "/bad?token=SECRETQ",
		"http://user:SECRETPW@" + publicIP + "/loop?token=SECRETQ",
		"http://user:SECRETPW@" + publicIP + ":81/?token=SECRETQ", // no route
	} {
		res := post(c, u)
		if res.Err == nil {
			t.Errorf("Post(%q) succeeded", u)
			continue
		}
		if strings.Contains(res.Err.Error(), "SECRET") {
			t.Errorf("Post(%q) error shows a secret: %v", u, res.Err)
		}
	}
}

func TestSender(t *testing.T) {
	var status atomic.Int64
	status.Store(200)
	srv, rc := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(int(status.Load()))
		fmt.Fprint(w, "answer")
	})
	at := time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	o := &chat.Outbound{Delivery: chat.Delivery{UUID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", URL: srv.URL + "/hook?x=1"},
		Payload: testPayload, Secret: "s3cret"}
	s := &webhook.Sender{HTTP: webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}}),
		UserAgent: "Parley/test", Now: func() time.Time { return at }}
	res := s.Send(context.Background(), o)
	if !res.OK() || res.StatusCode != 200 || string(res.Body) != "answer" || res.Header.Get("Retry-After") != "120" {
		t.Fatalf("Send = %+v", res)
	}
	r := rc.all()[0]
	ts := strconv.FormatInt(at.Unix(), 10)
	for k, want := range map[string]string{
		"Content-Type": "application/json", "Accept": "application/json", "User-Agent": "Parley/test",
		"X-Chatwoot-Delivery": o.Delivery.UUID, "X-Chatwoot-Timestamp": ts,
		"X-Chatwoot-Signature": "sha256=" + webhook.ChatwootSignature("s3cret", ts, testPayload),
		"Webhook-Id":           o.Delivery.UUID,
		"Webhook-Signature":    "v1," + webhook.StandardSignature("s3cret", o.Delivery.UUID, ts, testPayload),
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if r.URI != "/hook?x=1" || !bytes.Equal(r.Body, testPayload) {
		t.Errorf("request %s %q", r.URI, r.Body)
	}

	status.Store(503)
	res = s.Send(context.Background(), o)
	if res.OK() || res.Err == nil || res.Err.Error() != "503 Service Unavailable" || res.StatusCode != 503 || string(res.Body) != "answer" {
		t.Errorf("503: %+v", res)
	}

	// Without a client, the default policy applies: loopback is refused.
	res = (&webhook.Sender{}).Send(context.Background(), o)
	if pe := mustPolicyError(t, res.Err); pe.Category != "loopback" || res.OK() {
		t.Errorf("default Sender: %+v", res)
	}

}

// BenchmarkPost posts to a loopback receiver through the policy-checking
// client, 16 at once, as the engine does for one endpoint.
func BenchmarkPost(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c := webhook.NewClient(webhook.ClientConfig{Policy: webhook.Policy{AllowPrivate: true}})
	h := testHeader()
	b.SetParallelism(16)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res := c.Post(context.Background(), srv.URL+"/hook", h, testPayload); res.Err != nil || res.StatusCode != http.StatusNoContent {
				b.Errorf("%d, %v", res.StatusCode, res.Err)
				return
			}
		}
	})
}
