package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// RetrySchedule is the wait before each retry, in order: a delivery that
// fails its first attempt is retried after RetrySchedule[0], and so on.
// When the list is used up the delivery has failed for good. The default is
// the contract's: about three days in all, as Stripe's.
type RetrySchedule []time.Duration

// DefaultRetrySchedule is 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, 14 h, 20 h.
var DefaultRetrySchedule = RetrySchedule{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour,
}

// JitterFraction spreads each wait by up to ±20%, so that retries of many
// deliveries that failed together do not arrive together.
const JitterFraction = 0.2

// Retry decides what follows a failed attempt. attempts counts the attempts
// made so far (1 after the first). jitter is a number in [-1, 1]; 0 gives
// the schedule's exact wait. A Retry-After the receiver sent on 429 or 503
// is honoured when it asks for longer. It returns when to try again, or
// false when the delivery has failed for good.
func (s RetrySchedule) Retry(attempts int, failedAt time.Time, status int, retryAfter time.Duration, jitter float64) (time.Time, bool) {
	if attempts < 1 || attempts > len(s) {
		return time.Time{}, false
	}
	wait := s[attempts-1]
	wait += time.Duration(float64(wait) * JitterFraction * clamp(jitter))
	if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && retryAfter > wait {
		wait = retryAfter
	}
	return failedAt.Add(wait), true
}

func clamp(x float64) float64 {
	switch {
	case x < -1:
		return -1
	case x > 1:
		return 1
	}
	return x
}

// RandomJitter is the default jitter source: uniform in [-1, 1].
func RandomJitter() float64 { return rand.Float64()*2 - 1 }

// maxRetryAfter caps what a receiver may ask for: past it the schedule's
// own wait applies, so one header cannot park a delivery for a year.
const maxRetryAfter = 24 * time.Hour

// ParseRetryAfter reads a Retry-After header: seconds, or an HTTP date
// (relative to now). It returns 0 when there is none or it is unreadable.
func ParseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(v); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 || d > maxRetryAfter {
		return 0
	}
	return d
}
