package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/storetest"
)

// attemptLog is a webhook receiver that notices a delivery id attempted
// while an attempt of it is still under way, and remembers which messages
// arrived.
type attemptLog struct {
	mu       sync.Mutex
	inFlight map[string]int
	overlaps []string
	attempts int
	byMsg    map[int64]int
	seen     chan struct{}
}

func newAttemptLog() *attemptLog {
	return &attemptLog{inFlight: map[string]int{}, byMsg: map[int64]int{}, seen: make(chan struct{}, 1)}
}

func (l *attemptLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Chatwoot-Delivery")
	l.mu.Lock()
	l.attempts++
	if l.inFlight[id] > 0 {
		l.overlaps = append(l.overlaps, id)
	}
	l.inFlight[id]++
	l.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	// Long enough for a second attempt of the same delivery to overlap.
	time.Sleep(2 * time.Millisecond)
	var p struct {
		Event string `json:"event"`
		ID    int64  `json:"id"`
	}
	l.mu.Lock()
	l.inFlight[id]--
	if json.Unmarshal(body, &p) == nil && p.Event == "message_created" {
		l.byMsg[p.ID]++
	}
	l.mu.Unlock()
	select {
	case l.seen <- struct{}{}:
	default:
	}
	w.WriteHeader(http.StatusOK)
}

func (l *attemptLog) missing(acked map[int64]bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for id := range acked {
		if l.byMsg[id] == 0 {
			n++
		}
	}
	return n
}

// clusterEnv is what instances on one PostgreSQL database share: short
// leases, so that the survivor takes a dead instance's work in seconds.
var clusterEnv = []string{"PARLEY_ADMIN_TOKEN=tok", "PARLEY_ALLOW_PRIVATE_NETWORK=true",
	"PARLEY_LEASE_DURATION=3s", "PARLEY_WEBHOOK_TIMEOUT=1s"}

// The multi-instance test: two parley serve processes on one
// PostgreSQL database behind a round-robin client; 10,000 events; one
// instance is killed with SIGKILL midway. Every acknowledged event reaches
// the receiver, no delivery id is ever attempted twice at once, and the
// survivor finishes the dead one's work.
func TestInstancesShareDeliveriesAndSurviveAKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills two servers; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	rec := newAttemptLog()
	receiver := httptest.NewServer(rec)
	defer receiver.Close()
	a := start(t, db, clusterEnv...)
	b := start(t, db, clusterEnv...)
	setupBase := a.base + "/api/v1/accounts/1"
	if code, body := postJSON(t, setupBase+"/webhooks", map[string]any{"url": receiver.URL + "/hook", "subscriptions": []string{"message_created"}}); code != 200 {
		t.Fatalf("webhook: %d %s", code, body)
	}
	convs := conversations(t, setupBase, 20)

	const total = 10000
	var (
		mu      sync.Mutex
		acked   = map[int64]bool{}
		sent    atomic.Int64
		aDead   atomic.Bool
		killed  sync.Once
		clients sync.WaitGroup
	)
	servers := []*server{a, b}
	for range 16 {
		clients.Add(1)
		go func() {
			defer clients.Done()
			for {
				n := sent.Add(1)
				if n > total {
					return
				}
				body := map[string]any{"content": fmt.Sprintf("event %d", n)}
				path := fmt.Sprintf("/api/v1/accounts/1/conversations/%d/messages", convs[n%int64(len(convs))])
				s := servers[n%2]
				if aDead.Load() {
					s = b
				}
				code, out := postJSON(t, s.base+path, body)
				if code != 200 && s == a {
					// The round-robin client moves on to the live instance.
					code, out = postJSON(t, b.base+path, body)
				}
				if code != 200 {
					t.Errorf("message create: %d %s", code, out)
					return
				}
				var m struct{ ID int64 }
				json.Unmarshal(out, &m)
				mu.Lock()
				acked[m.ID] = true
				if len(acked) == total/2 {
					killed.Do(func() { a.cmd.Process.Signal(syscall.SIGKILL); aDead.Store(true) })
				}
				mu.Unlock()
			}
		}()
	}
	clients.Wait()
	a.cmd.Wait()
	if t.Failed() {
		return
	}

	deadline := time.After(90 * time.Second)
	for rec.missing(acked) > 0 {
		select {
		case <-rec.seen:
		case <-time.After(time.Second):
		case <-deadline:
			t.Fatalf("%d of %d acknowledged events never reached the receiver; deliveries not delivered:\n%s\nerrors logged:\n%s",
				rec.missing(acked), len(acked), undelivered(t, db), errorLines(a, b))
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.overlaps) > 0 {
		t.Errorf("%d attempts began while an attempt of the same delivery was under way, e.g. delivery %s", len(rec.overlaps), rec.overlaps[0])
	}
	t.Logf("%d events acknowledged, %d received in %d attempts", len(acked), len(rec.byMsg), rec.attempts)
}

// inboxContact creates an API inbox in account 1 and a contact in it, and
// returns their ids.
func inboxContact(t *testing.T, base string) (inboxID, contactID int64) {
	t.Helper()
	code, body := postJSON(t, base+"/inboxes", map[string]any{"name": "Cluster", "channel": map[string]any{"type": "api"}})
	if code != 200 {
		t.Fatalf("inbox: %d %s", code, body)
	}
	var inbox struct{ ID int64 }
	json.Unmarshal(body, &inbox)
	code, body = postJSON(t, base+"/contacts", map[string]any{"name": "Cluster Test", "inbox_id": inbox.ID})
	if code != 200 {
		t.Fatalf("contact: %d %s", code, body)
	}
	var contact struct {
		Payload struct{ Contact struct{ ID int64 } }
	}
	json.Unmarshal(body, &contact)
	return inbox.ID, contact.Payload.Contact.ID
}

// conversations creates n conversations in account 1 and returns their
// display ids.
func conversations(t *testing.T, base string, n int) []int64 {
	t.Helper()
	inboxID, contactID := inboxContact(t, base)
	var ids []int64
	for range n {
		code, body := postJSON(t, base+"/conversations", map[string]any{"inbox_id": inboxID, "contact_id": contactID})
		if code != 200 {
			t.Fatalf("conversation: %d %s", code, body)
		}
		var c struct{ ID int64 }
		json.Unmarshal(body, &c)
		ids = append(ids, c.ID)
	}
	return ids
}

// The concurrency test: 8 clients creating conversations in one
// account through two instances get distinct, consecutive display ids.
func TestDisplayIDsStayConsecutiveAcrossInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	a := start(t, db, clusterEnv...)
	b := start(t, db, clusterEnv...)
	first := conversations(t, a.base+"/api/v1/accounts/1", 1)[0]
	inboxID, contactID := inboxContact(t, a.base+"/api/v1/accounts/1")

	const perClient = 50
	var mu sync.Mutex
	var got []int64
	var wg sync.WaitGroup
	for c := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := []*server{a, b}[c%2]
			for range perClient {
				code, body := postJSON(t, s.base+"/api/v1/accounts/1/conversations", map[string]any{"inbox_id": inboxID, "contact_id": contactID})
				if code != 200 {
					t.Errorf("conversation: %d %s", code, body)
					return
				}
				var conv struct{ ID int64 }
				json.Unmarshal(body, &conv)
				mu.Lock()
				got = append(got, conv.ID)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	if len(got) != 8*perClient {
		t.Fatalf("%d conversations created, want %d", len(got), 8*perClient)
	}
	for i, id := range got {
		if want := first + 1 + int64(i); id != want {
			t.Fatalf("display ids not distinct and consecutive: position %d holds %d, want %d (all: %v)", i, id, want, got)
		}
	}
}

// A widget's stream may be open on one instance while the agent answers
// through another: the reply still reaches it (PostgreSQL NOTIFY).
func TestWidgetStreamHearsOtherInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	a := start(t, db, clusterEnv...)
	b := start(t, db, clusterEnv...)
	code, body := postJSON(t, a.base+"/api/v1/accounts/1/inboxes", map[string]any{"name": "Site",
		"channel": map[string]any{"type": "web_widget", "website_url": "https://example.com"}})
	if code != 200 {
		t.Fatalf("inbox: %d %s", code, body)
	}
	var inbox struct {
		WebsiteToken string `json:"website_token"`
	}
	json.Unmarshal(body, &inbox)
	q := "?website_token=" + inbox.WebsiteToken
	code, body = postJSON(t, b.base+"/api/v1/widget/config"+q, nil)
	var config struct {
		Channel struct {
			AuthToken string `json:"auth_token"`
		} `json:"website_channel_config"`
	}
	if json.Unmarshal(body, &config); code != 200 || config.Channel.AuthToken == "" {
		t.Fatalf("widget config: %d %s", code, body)
	}
	req, _ := http.NewRequest("POST", b.base+"/api/v1/widget/messages"+q, strings.NewReader(`{"message":{"content":"Hi"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Auth-Token", config.Channel.AuthToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		ConversationID int64 `json:"conversation_id"`
	}
	json.NewDecoder(res.Body).Decode(&msg)
	res.Body.Close()
	if res.StatusCode != 200 || msg.ConversationID == 0 {
		t.Fatalf("visitor message: %d", res.StatusCode)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	sreq, _ := http.NewRequestWithContext(ctx, "GET", b.base+"/api/v1/widget/stream"+q+"&auth_token="+config.Channel.AuthToken, nil)
	stream, err := http.DefaultClient.Do(sreq)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	lines := bufio.NewScanner(stream.Body)
	for lines.Scan() && lines.Text() != ": connected" {
	}
	if code, body := postJSON(t, fmt.Sprintf("%s/api/v1/accounts/1/conversations/%d/messages", a.base, msg.ConversationID),
		map[string]any{"content": "Hello from the other instance"}); code != 200 {
		t.Fatalf("agent reply: %d %s", code, body)
	}
	for lines.Scan() {
		if strings.HasPrefix(lines.Text(), "data: ") && strings.Contains(lines.Text(), "Hello from the other instance") {
			return
		}
	}
	t.Fatalf("the widget's stream on instance B never heard of the reply made on instance A: %v", lines.Err())
}

// Instances started at the same moment on an empty database: one migrates
// while the others wait, one makes the administrator and account 1, all
// serve.
func TestInstancesStartTogetherOnAnEmptyDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	type started struct {
		s   *server
		err error
	}
	results := make(chan started, 3)
	for range 3 {
		go func() {
			s, err := startProcess(db, clusterEnv...)
			results <- started{s, err}
		}()
	}
	for range 3 {
		r := <-results
		if r.err != nil {
			t.Errorf("an instance did not start: %v", r.err)
			continue
		}
		t.Cleanup(func() { r.s.cmd.Process.Kill(); r.s.cmd.Wait() })
		code, body := get(t, r.s.base+"/api/v1/profile", "tok")
		var profile struct{ Accounts []struct{ ID int64 } }
		if json.Unmarshal([]byte(body), &profile); code != 200 || len(profile.Accounts) != 1 || profile.Accounts[0].ID != 1 {
			t.Errorf("an instance's profile: %d %s; want the administrator in account 1 only", code, body)
		}
	}
}

// An instance on a server that runs without autovacuum says so when it
// starts, and one on a server that runs with it says nothing of it.
func TestServeWarnsWhenAutovacuumIsOff(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	conn, err := postgres.OpenDB(t.Context(), db, postgres.Options{MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	off, err := postgres.AutovacuumOff(t.Context(), conn)
	if err != nil {
		t.Fatal(err)
	}
	s := start(t, db, clusterEnv...)
	if warned := strings.Contains(s.startLog, "autovacuum is off"); warned != off {
		t.Errorf("autovacuum off: %v; warned: %v; the start's log:\n%s", off, warned, s.startLog)
	}
}

// Access removed through one instance stops working on the others at once
// (PostgreSQL NOTIFY), not when their sign-in caches expire: the caches
// here keep sign-ins for an hour, so only the news can end the session.
func TestRevokedAccessStopsOnEveryInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two servers; skipped with -short")
	}
	db := storetest.PostgresURL(t)
	env := append([]string{"PARLEY_AUTH_CACHE=1h", "PARLEY_PLATFORM_TOKEN=plat"}, clusterEnv...)
	a := start(t, db, env...)
	b := start(t, db, env...)
	platform := func(method, url string, body any) []byte {
		t.Helper()
		code, out := sendJSON(t, method, url, "plat", body)
		if code != 200 {
			t.Fatalf("%s %s: %d %s", method, url, code, out)
		}
		return out
	}
	var user struct {
		ID          int64  `json:"id"`
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(platform("POST", a.base+"/platform/api/v1/users",
		map[string]any{"name": "Temp Agent", "email": "temp-agent@example.com", "password": "Password1!"}), &user)
	platform("POST", a.base+"/platform/api/v1/accounts/1/account_users", map[string]any{"user_id": user.ID, "role": "agent"})

	for _, s := range []*server{a, b} { // remembered by both, for an hour
		if code, body := get(t, s.base+"/api/v1/accounts/1/agents", user.AccessToken); code != 200 {
			t.Fatalf("the new agent is refused: %d %s", code, body)
		}
	}
	platform("DELETE", a.base+"/platform/api/v1/accounts/1/account_users", map[string]any{"user_id": user.ID})
	if code, _ := get(t, a.base+"/api/v1/accounts/1/agents", user.AccessToken); code != 401 {
		t.Errorf("instance A still lets the removed agent in: %d", code)
	}
	waitFor(t, "instance B to refuse the removed agent", func() bool {
		code, _ := get(t, b.base+"/api/v1/accounts/1/agents", user.AccessToken)
		return code == 401
	})
}

// errorLines returns what the servers logged at level ERROR, to tell why a
// cluster test failed.
func errorLines(servers ...*server) string {
	var out []string
	for _, s := range servers {
		for _, line := range strings.Split(s.stdout.String(), "\n") {
			if strings.Contains(line, "ERROR") {
				out = append(out, line)
			}
		}
	}
	return strings.Join(out, "\n")
}

// undelivered describes the deliveries that are not delivered, by status
// and lease holder.
func undelivered(t *testing.T, dbURL string) string {
	db, err := postgres.OpenDB(context.Background(), dbURL, postgres.Options{MaxConns: 1})
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	rows, err := db.Query(`SELECT status, COALESCE(lease_owner, ''), count(*), COALESCE(max(lease_until), 0) - (extract(epoch FROM now()) * 1e6)::bigint,
		max(attempts), min(id) FROM deliveries WHERE status <> 'delivered' GROUP BY 1, 2`)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var status, owner string
		var n, leaseLeft, attempts, id int64
		if err := rows.Scan(&status, &owner, &n, &leaseLeft, &attempts, &id); err != nil {
			return err.Error()
		}
		out = append(out, fmt.Sprintf("%d %s, lease %q ending in %v, up to %d attempts, e.g. delivery %d", n, status, owner,
			time.Duration(leaseLeft)*time.Microsecond, attempts, id))
	}
	return strings.Join(out, "\n")
}
