package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// DefaultTimeout is the time limit of a connection and of a whole Post.
	DefaultTimeout = 5 * time.Second
	// MaxRedirects is how many redirects a Post follows.
	MaxRedirects = 10
	// maxResponseRead is how much of a response body is read; the rest is
	// left unread (and the connection closed).
	maxResponseRead = 64 << 10
	// maxResponseBody is how much of the response body is kept.
	maxResponseBody = 4 << 10
	// maxResponseHeader caps the size of a response's headers.
	maxResponseHeader = 64 << 10
)

// ErrTooManyRedirects is the error of a Post that met an 11th redirect.
var ErrTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// ClientConfig configures a Client.
type ClientConfig struct {
	// Timeout bounds connecting and, separately, the whole Post (every
	// redirect hop and reading the response). Defaults to DefaultTimeout.
	Timeout time.Duration
	// Policy is the network policy, applied to every address dialed.
	Policy Policy
	// UserAgent is sent when the request's headers have none.
	UserAgent string
	// Resolver resolves host names. Nil means net.DefaultResolver.
	Resolver *net.Resolver
	// DialContext, when set, opens the connections in place of a
	// net.Dialer (a test seam). It is only ever called with an address the
	// policy allowed, an IP literal and a port ("93.184.216.34:443").
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
	// TLSConfig, when set, is the TLS configuration (custom root CAs,
	// tests). Certificates are verified by default.
	TLSConfig *tls.Config
	// MaxIdleConnsPerHost is how many idle keep-alive connections are kept
	// per host. Defaults to 64.
	MaxIdleConnsPerHost int
}

// Client posts webhooks under a network policy. It follows redirects
// itself, re-checking every hop; reads at most 64 KiB of a response; and
// reuses connections. Proxies from the environment are never used: a
// proxy would connect on Parley's behalf, out of the policy's sight. A
// Client is safe for concurrent use; share one.
type Client struct {
	timeout   time.Duration
	userAgent string
	rt        http.RoundTripper
	transport *http.Transport // nil when rt is a caller's

	policy   Policy
	resolver *net.Resolver
	dial     func(ctx context.Context, network, address string) (net.Conn, error)
}

// NewClient returns a Client.
func NewClient(cfg ClientConfig) *Client {
	c := &Client{timeout: cfg.Timeout, userAgent: cfg.UserAgent, policy: cfg.Policy, resolver: cfg.Resolver, dial: cfg.DialContext}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.resolver == nil {
		c.resolver = net.DefaultResolver
	}
	if c.dial == nil {
		d := &net.Dialer{
			Timeout:   c.timeout,
			KeepAlive: 30 * time.Second,
			// A second check on the socket's own address, right before it
			// connects: whatever reaches the dialer is judged.
			ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return fmt.Errorf("unexpected address %q", address)
				}
				return c.policy.Check(ap.Addr())
			},
		}
		c.dial = d.DialContext
	}
	perHost := cfg.MaxIdleConnsPerHost
	if perHost <= 0 {
		perHost = 64
	}
	var tlsConfig *tls.Config
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	c.transport = &http.Transport{
		Proxy:                  nil, // never: see Client
		DialContext:            c.dialContext,
		TLSClientConfig:        tlsConfig,
		TLSHandshakeTimeout:    c.timeout,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           1024,
		MaxIdleConnsPerHost:    perHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: maxResponseHeader,
	}
	c.rt = c.transport
	return c
}

// CloseIdleConnections closes the idle keep-alive connections.
func (c *Client) CloseIdleConnections() {
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
}

// Response is the outcome of a Post.
type Response struct {
	StatusCode int         // the final response's status; 0 when none came
	Header     http.Header // the final response's headers
	Body       []byte      // the first 4 KiB of the final response's body
	// Latency is the time from the start of the Post to the final
	// response's head (or to the failure).
	Latency time.Duration
	// Err is a failure to get a response: an invalid URL, a refusal of the
	// network policy, a transport error, a timeout, or a redirect problem.
	// A non-2xx response is not an error. Err never shows the URL's
	// credentials or query string.
	Err error
	// Hops is how many redirects were followed.
	Hops int
}

// Post POSTs body to rawURL with header (which it does not modify). It
// follows up to MaxRedirects redirects itself: any 3xx with a Location
// (relative ones resolve against the current URL) is POSTed again with the
// same body and headers, whatever its code. Once a hop leaves the original
// origin (scheme, host and port), Authorization, Cookie and
// Proxy-Authorization are dropped for good; credentials in the URL
// (https://user:pass@host/) are sent as Basic auth until then. A 3xx
// without Location is returned as a response.
func (c *Client) Post(ctx context.Context, rawURL string, header http.Header, body []byte) Response {
	start := time.Now()
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	u, err := parseTarget(rawURL)
	if err != nil {
		return Response{Err: err, Latency: time.Since(start)}
	}
	user := u.User
	u.User = nil
	// h is copied before any change: header stays the caller's.
	h := header
	if h == nil {
		h = http.Header{}
	}
	if _, ok := h["User-Agent"]; !ok && c.userAgent != "" {
		h = h.Clone()
		h.Set("User-Agent", c.userAgent)
	}
	for hops := 0; ; hops++ {
		req, err := c.request(ctx, u, h, user, body)
		if err != nil {
			return Response{Err: afterHops(hops, err), Latency: time.Since(start), Hops: hops}
		}
		res, err := c.rt.RoundTrip(req)
		if err != nil {
			return Response{Err: afterHops(hops, c.failure(parent, ctx, err, "")), Latency: time.Since(start), Hops: hops}
		}
		loc := res.Header.Get("Location")
		if res.StatusCode < 300 || res.StatusCode > 399 || loc == "" {
			r := Response{StatusCode: res.StatusCode, Header: res.Header, Latency: time.Since(start), Hops: hops}
			r.Body, err = readBody(res.Body)
			res.Body.Close()
			if err != nil {
				r.Err = afterHops(hops, c.failure(parent, ctx, err, "reading the response: "))
			}
			return r
		}
		// A redirect: drain what little there is so the connection stays.
		io.Copy(io.Discard, io.LimitReader(res.Body, maxResponseRead))
		res.Body.Close()
		fail := func(err error) Response {
			return Response{StatusCode: res.StatusCode, Header: res.Header, Err: err, Latency: time.Since(start), Hops: hops}
		}
		if hops == MaxRedirects {
			return fail(ErrTooManyRedirects)
		}
		next, err := u.Parse(loc)
		if err != nil {
			return fail(fmt.Errorf("redirect %d: the Location of the %d response is not a valid URL", hops+1, res.StatusCode))
		}
		if err := checkScheme(next); err != nil {
			return fail(fmt.Errorf("redirect %d: %w", hops+1, err))
		}
		if err := checkHost(next); err != nil {
			return fail(fmt.Errorf("redirect %d: %w", hops+1, err))
		}
		next.User, next.Fragment, next.RawFragment = nil, "", ""
		if !sameOrigin(u, next) {
			h = h.Clone()
			h.Del("Authorization")
			h.Del("Cookie")
			h.Del("Proxy-Authorization")
			user = nil
		}
		u = next
	}
}

// request builds one hop's request.
func (c *Client) request(ctx context.Context, u *url.URL, h http.Header, user *url.Userinfo, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, errors.New("invalid URL")
	}
	if user != nil && h.Get("Authorization") == "" {
		req.Header = h.Clone()
		password, _ := user.Password()
		req.SetBasicAuth(user.Username(), password)
	} else {
		req.Header = h
	}
	return req, nil
}

// readBody reads up to maxResponseRead bytes of a body and keeps the first
// maxResponseBody.
func readBody(r io.Reader) ([]byte, error) {
	lr := &io.LimitedReader{R: r, N: maxResponseRead}
	keep, err := io.ReadAll(io.LimitReader(lr, maxResponseBody))
	if err == nil {
		_, err = io.Copy(io.Discard, lr)
	}
	return keep, err
}

// dialContext resolves the host, judges every address with the policy and
// dials the allowed ones in turn, by address: the address connected to is
// the address checked.
func (c *Client) dialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	portNum, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("invalid port %q", port)
	}
	var ips []netip.Addr
	name := ""
	if ip, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{ip}
	} else {
		name = host
		if ips, err = c.resolver.LookupNetIP(ctx, "ip", host); err != nil {
			var de *net.DNSError
			if errors.As(err, &de) && de.IsNotFound {
				return nil, fmt.Errorf("host %s not found", host)
			}
			return nil, err
		}
		for i, ip := range ips {
			ips[i] = ip.Unmap() // the resolver may answer IPv4 in IPv6 form
		}
	}
	var refused *PolicyError
	var dialErr error
	for _, ip := range ips {
		if e := c.policy.check(ip); e != nil {
			if refused == nil {
				e.Host = name
				refused = e
			}
			continue
		}
		if ip.Is4In6() {
			ip = ip.Unmap() // judged as its IPv4 address, so dialed as one
		}
		conn, err := c.dial(ctx, network, netip.AddrPortFrom(ip, uint16(portNum)).String())
		if err == nil {
			return conn, nil
		}
		if dialErr == nil {
			dialErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	if dialErr != nil {
		return nil, dialErr
	}
	if refused != nil {
		return nil, refused
	}
	return nil, fmt.Errorf("host %s has no addresses", host)
}

// parseTarget parses a webhook URL, with errors that never repeat it.
func parseTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		// The parser's messages quote pieces of the URL; leave them out.
		msg := strings.Join(strings.Fields(quoted.ReplaceAllString(err.Error(), "")), " ")
		msg = strings.TrimPrefix(msg, "net/url: ")
		return nil, fmt.Errorf("invalid URL: %s", msg)
	}
	if err := checkScheme(u); err != nil {
		return nil, err
	}
	if err := checkHost(u); err != nil {
		return nil, err
	}
	return u, nil
}

func checkHost(u *url.URL) error {
	if u.Opaque != "" || u.Host == "" || u.Hostname() == "" {
		return errors.New("invalid URL: it has no host")
	}
	if u.Port() != "" {
		if _, err := strconv.ParseUint(u.Port(), 10, 16); err != nil {
			return errors.New("invalid URL: the port is out of range")
		}
	}
	return nil
}

var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|"[^"]*$`)

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		u.Scheme = strings.ToLower(u.Scheme)
		return nil
	case "":
		return errors.New("invalid URL: it has no scheme (http or https)")
	}
	s := u.Scheme
	if len(s) > 16 {
		s = s[:16] + "…"
	}
	return fmt.Errorf("only http and https URLs are allowed, not %s", s)
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// afterHops says on which hop an error happened, when it was not the first.
func afterHops(hops int, err error) error {
	switch hops {
	case 0:
		return err
	case 1:
		return fmt.Errorf("after 1 redirect: %w", err)
	}
	return fmt.Errorf("after %d redirects: %w", hops, err)
}

// failure turns a transport error into a Post's error: the policy's
// refusal as it is, a timeout as "timed out after 5s", and never the URL.
func (c *Client) failure(parent, ctx context.Context, err error, prefix string) error {
	var pe *PolicyError
	if errors.As(err, &pe) {
		return pe
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if parent.Err() != nil {
		return fmt.Errorf("%sattempt abandoned: %w", prefix, context.Cause(parent))
	}
	var ne net.Error
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		te := &TimeoutError{After: c.timeout}
		var oe *net.OpError
		switch {
		case prefix != "":
			te.While = "reading the response"
		case errors.As(err, &oe) && oe.Op == "dial":
			te.While = "connecting"
		}
		return te
	}
	return fmt.Errorf("%s%w", prefix, err)
}

// TimeoutError is a Post that ran out of time.
type TimeoutError struct {
	After time.Duration
	While string // "connecting", "reading the response", or empty
}

func (e *TimeoutError) Error() string {
	if e.While != "" {
		return "timed out after " + e.After.String() + " " + e.While
	}
	return "timed out after " + e.After.String()
}

// Timeout reports true, as net.Error's Timeout.
func (e *TimeoutError) Timeout() bool { return true }

// Is makes errors.Is(err, context.DeadlineExceeded) hold.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
