package bench

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// receiver is a webhook endpoint for the benchmarks: it reads each request
// whole, answers 200 (or, dead, never answers), and counts.
type receiver struct {
	url      string
	dead     bool
	count    atomic.Int64
	srv      *http.Server
	latency  *latencySampler
	stopDead chan struct{}
}

func startReceiver(dead bool, lat *latencySampler) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/hook", dead: dead, latency: lat, stopDead: make(chan struct{})}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.dead {
		select {
		case <-req.Context().Done():
		case <-r.stopDead:
		}
		return
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	io.Copy(buf, req.Body)
	r.count.Add(1)
	if r.latency != nil {
		r.latency.arrived(buf.Bytes())
	}
	bodyPool.Put(buf)
	w.WriteHeader(http.StatusOK)
}

func (r *receiver) close() {
	close(r.stopDead)
	r.srv.Close()
}

// latencySampler measures first-attempt latency, from the API's answer to
// the message create to the receiver's getting the message_created
// delivery, for a sample of messages.
type latencySampler struct {
	mu      sync.Mutex
	sent    map[int64]time.Time // message id -> when the API answered
	early   map[int64]time.Time // deliveries that beat the API's answer
	samples []time.Duration
	on      atomic.Bool
}

func newLatencySampler() *latencySampler {
	return &latencySampler{sent: map[int64]time.Time{}, early: map[int64]time.Time{}}
}

// sampled picks the messages whose latency is measured: one in 8, the same
// on both sides.
func sampled(id int64) bool { return id%8 == 0 }

// answered records the API's answer for a message. The delivery can arrive
// first (it leaves right after commit, as the answer does): that counts as
// no wait at all.
func (l *latencySampler) answered(id int64, at time.Time) {
	l.mu.Lock()
	if _, ok := l.early[id]; ok {
		delete(l.early, id)
		if l.on.Load() {
			l.samples = append(l.samples, 0)
		}
	} else {
		l.sent[id] = at
	}
	l.mu.Unlock()
}

// arrived matches a delivered payload to its message. The message's own id
// follows its created_at, the last ISO created_at of the payload (the
// conversation's are integers or come before it).
func (l *latencySampler) arrived(body []byte) {
	now := time.Now()
	i := bytes.LastIndex(body, []byte(`"created_at":"`))
	if i < 0 {
		return
	}
	rest := body[i:]
	j := bytes.Index(rest, []byte(`"id":`))
	if j < 0 {
		return
	}
	rest = rest[j+5:]
	k := bytes.IndexByte(rest, ',')
	if k < 0 {
		return
	}
	id, err := strconv.ParseInt(string(rest[:k]), 10, 64)
	if err != nil || !sampled(id) {
		return
	}
	l.mu.Lock()
	if at, ok := l.sent[id]; ok {
		delete(l.sent, id)
		if l.on.Load() {
			l.samples = append(l.samples, now.Sub(at))
		}
	} else if len(l.early) < 1<<20 {
		l.early[id] = now
	}
	l.mu.Unlock()
}
