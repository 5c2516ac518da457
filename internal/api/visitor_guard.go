package api

import (
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// The widget and public client routes answer anyone on the internet, so
// each request passes a guard first: a body size cap, a per-IP rate limit
// and, for web widget inboxes with a website_url, an origin check. Once the
// visitor is known, a per-visitor limit follows.

// VisitorLimits configures the guard. Zero values take the defaults.
type VisitorLimits struct {
	// PerIP is how many requests one client address may make a minute,
	// in bursts of up to as many. Defaults to 600.
	PerIP int
	// PerVisitor is the same for one visitor token or source id.
	// Defaults to 120.
	PerVisitor int
	// MaxBody caps a request body, in bytes. Defaults to 64 KiB.
	MaxBody int64
	// Now is the limiters' clock. Defaults to time.Now; tests inject one
	// so they need not sleep.
	Now func() time.Time
}

func (l VisitorLimits) withDefaults() VisitorLimits {
	if l.PerIP <= 0 {
		l.PerIP = 600
	}
	if l.PerVisitor <= 0 {
		l.PerVisitor = 120
	}
	if l.MaxBody <= 0 {
		l.MaxBody = 64 << 10
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// rateLimiter is a token bucket per key: perMinute tokens a minute, up to
// perMinute held.
type rateLimiter struct {
	mu        sync.Mutex
	perMinute float64
	now       func() time.Time
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the limiter's memory; past it, buckets that have
// refilled (and so hold nothing worth keeping) are dropped.
const maxBuckets = 100000

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{perMinute: float64(perMinute), now: now, buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket. When none is left it reports how
// long until one is.
func (l *rateLimiter) take(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= maxBuckets {
			l.sweep(now)
		}
		b = &bucket{tokens: l.perMinute, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.perMinute, b.tokens+now.Sub(b.at).Minutes()*l.perMinute)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.perMinute * float64(time.Minute))
	return false, wait
}

func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Minutes()*l.perMinute >= l.perMinute {
			delete(l.buckets, k)
		}
	}
}

// tooMany answers 429 with Retry-After in whole seconds (at least 1).
func tooMany(w http.ResponseWriter, wait time.Duration) error {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return &chat.Error{Code: chat.ETOOMANY, Message: "Too many requests: try again later"}
}

// visitorGuard holds the limiters of the visitor routes.
type visitorGuard struct {
	limits  VisitorLimits
	ip      *rateLimiter
	visitor *rateLimiter
}

func newVisitorGuard(l VisitorLimits) *visitorGuard {
	l = l.withDefaults()
	return &visitorGuard{limits: l, ip: newRateLimiter(l.PerIP, l.Now), visitor: newRateLimiter(l.PerVisitor, l.Now)}
}

// admit runs the checks that need no lookup: body size, then the
// client's rate.
func (g *visitorGuard) admit(c *call) error {
	if c.r.ContentLength > g.limits.MaxBody {
		return tooLarge(g.limits.MaxBody)
	}
	if c.r.Body != nil {
		c.r.Body = http.MaxBytesReader(c.w, c.r.Body, g.limits.MaxBody)
	}
	if ok, wait := g.ip.take(clientIP(c.r)); !ok {
		return tooMany(c.w, wait)
	}
	return nil
}

// admitVisitor is the per-visitor rate limit.
func (g *visitorGuard) admitVisitor(c *call, key string) error {
	if ok, wait := g.visitor.take(key); !ok {
		return tooMany(c.w, wait)
	}
	return nil
}

func tooLarge(limit int64) error {
	return &chat.Error{Code: chat.ETOOLARGE, Message: "Request body is larger than " + humanBytes(limit)}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// clientIP is the peer address. Parley does not read X-Forwarded-For: a
// client could forge it to dodge its limit. Behind a proxy, every client
// shares the proxy's address, so raise the per-IP limit there.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// checkOrigin refuses a browser request sent from a page that is neither
// Parley itself (the widget iframe) nor the inbox's website_url or one of
// its allowed_domains. Requests without an Origin (servers, curl) pass:
// the check keeps other websites from using an inbox, not programs.
func checkOrigin(r *http.Request, in *chat.Inbox) error {
	origin := r.Header.Get("Origin")
	w := in.WebWidget
	if origin == "" || w == nil || w.WebsiteURL == "" {
		return nil
	}
	o, err := url.Parse(origin)
	if err != nil || o.Host == "" {
		return originRefused()
	}
	if strings.EqualFold(o.Host, r.Host) {
		return nil
	}
	for _, allowed := range allowedOrigins(w) {
		if strings.EqualFold(allowed, o.Host) || strings.EqualFold(allowed, o.Scheme+"://"+o.Host) {
			return nil
		}
	}
	return originRefused()
}

func originRefused() error {
	return &chat.Error{Code: chat.EFORBIDDEN, Message: "This website is not allowed to use this inbox"}
}

// allowedOrigins lists the hosts a widget may be embedded on: the
// website_url's, and allowed_domains (comma or space separated), as
// "host[:port]" or "scheme://host[:port]".
func allowedOrigins(w *chat.WebWidgetChannel) []string {
	var out []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			out = append(out, u.Scheme+"://"+u.Host, u.Host)
			return
		}
		out = append(out, strings.TrimSuffix(s, "/"))
	}
	add(w.WebsiteURL)
	for _, d := range strings.FieldsFunc(w.AllowedDomains, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		add(d)
	}
	return out
}
