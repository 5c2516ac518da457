package webhook

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Sender makes one attempt at one delivery: the seam between the outbox and
// the network. It POSTs the stored payload bytes with the contract's
// headers and reports what happened.
type Sender struct {
	// HTTP posts the deliveries, under its network policy. Without one, a
	// Client with the defaults is used: a 5 s timeout and private networks
	// refused.
	HTTP *Client
	// UserAgent is sent as User-Agent ("Parley/<version>").
	UserAgent string
	// Now is the clock for signature timestamps. Defaults to time.Now.
	Now func() time.Time
}

// Result is the outcome of one attempt.
type Result struct {
	StatusCode int           // 0 when no response came
	Err        error         // a transport error, a policy refusal, a timeout, a redirect problem or a non-2xx status
	Latency    time.Duration // from sending to the (final) response head
	Header     http.Header   // the response's headers
	Body       []byte        // the first 4 KiB of the response body
}

// OK reports whether the receiver acknowledged the delivery (any 2xx).
func (r Result) OK() bool { return r.Err == nil && r.StatusCode >= 200 && r.StatusCode < 300 }

// defaultClient is the Client of a Sender without one.
var defaultClient = sync.OnceValue(func() *Client { return NewClient(ClientConfig{}) })

// Send attempts a delivery once (following redirects).
func (s *Sender) Send(ctx context.Context, o *chat.Outbound) Result {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	at := now()
	h := make(http.Header, 12)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	if s.UserAgent != "" {
		h.Set("User-Agent", s.UserAgent)
	}
	Sign(h, o.Delivery.UUID, at, o.Payload, o.Secrets(at))
	c := s.HTTP
	switch {
	case c != nil:
	default:
		c = defaultClient()
	}
	res := c.Post(ctx, o.Delivery.URL, h, o.Payload)
	r := Result{StatusCode: res.StatusCode, Err: res.Err, Latency: res.Latency, Header: res.Header, Body: res.Body}
	if r.Err == nil && !r.OK() {
		r.Err = fmt.Errorf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return r
}
