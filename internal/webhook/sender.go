package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Sender makes one attempt at one delivery: the seam between the outbox and
// the network. It POSTs the stored payload bytes with the contract's
// headers and reports what happened.
type Sender struct {
	Client *http.Client
	// UserAgent is sent as User-Agent ("Parley/<version>").
	UserAgent string
	// Now is the clock for signature timestamps. Defaults to time.Now.
	Now func() time.Time
}

// Result is the outcome of one attempt.
type Result struct {
	StatusCode int           // 0 when no response came
	Err        error         // a transport error or a non-2xx status
	Latency    time.Duration // from sending to the response head
	Header     http.Header   // the response's headers
	Body       []byte        // the first 4 KiB of the response body
}

// OK reports whether the receiver acknowledged the delivery (any 2xx).
func (r Result) OK() bool { return r.Err == nil && r.StatusCode >= 200 && r.StatusCode < 300 }

// maxResponseBody is how much of a response is kept.
const maxResponseBody = 4 << 10

// Send attempts a delivery once.
func (s *Sender) Send(ctx context.Context, o *chat.Outbound) Result {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.Delivery.URL, bytes.NewReader(o.Payload))
	if err != nil {
		return Result{Err: fmt.Errorf("invalid webhook URL: %w", err)}
	}
	at := now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", s.UserAgent)
	Sign(req.Header, o.Delivery.UUID, at, o.Payload, o.Secrets(at))
	start := time.Now()
	res, err := s.Client.Do(req)
	if err != nil {
		return Result{Err: err, Latency: time.Since(start)}
	}
	defer res.Body.Close()
	r := Result{StatusCode: res.StatusCode, Latency: time.Since(start), Header: res.Header}
	r.Body, _ = io.ReadAll(io.LimitReader(res.Body, maxResponseBody))
	// Drain a little more so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if !r.OK() {
		r.Err = fmt.Errorf("%d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return r
}
