package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/postgres"
	"github.com/parleyhq/parley/internal/storetest"
)

// These tests run the real parley binary as a user would.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "parley-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "parley")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build failed: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running parley serve process.
type server struct {
	cmd    *exec.Cmd
	base   string
	stdout *lockedBuffer
	// startLog is what it logged until it listened.
	startLog string
}

// lockedBuffer collects a process's output; waitFor blocks until some text
// has arrived (the process writes it asynchronously).
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{changed: make(chan struct{}, 1)} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.buf.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *lockedBuffer) waitFor(t *testing.T, substr string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if s := b.String(); strings.Contains(s, substr) {
			return s
		}
		select {
		case <-b.changed:
		case <-timeout:
			t.Fatalf("no %q in output:\n%s", substr, b.String())
		}
	}
}

// start runs parley serve and waits until it listens.
func start(t *testing.T, db string, env ...string) *server {
	t.Helper()
	s, err := startProcess(db, env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.cmd.Process.Kill(); s.cmd.Wait() })
	return s
}

// startProcess runs parley serve and waits until it listens; the caller
// stops it.
func startProcess(db string, env ...string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(binary, "serve", "-addr", addr, "-db", db)
	cmd.Env = append(os.Environ(), env...)
	stdout := newLockedBuffer()
	cmd.Stdout = stdout
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var log []string
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				cmd.Wait()
				return nil, fmt.Errorf("parley serve exited before listening; stderr:\n%s\nstdout:\n%s", strings.Join(log, "\n"), stdout.String())
			}
			log = append(log, line)
			if strings.Contains(line, "parley listening") {
				go func() {
					for range lines {
					}
				}()
				return &server{cmd: cmd, base: "http://" + addr, stdout: stdout, startLog: strings.Join(log, "\n")}, nil
			}
		case <-timeout:
			cmd.Process.Kill()
			cmd.Wait()
			return nil, errors.New("parley serve did not start in 30 s")
		}
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("api_access_token", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestServeFirstStartPrintsTokenOnce(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	s := start(t, db)
	status, body := get(t, s.base+"/healthz", "")
	if status != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthz: %d %s", status, body)
	}
	// The welcome text carries the token and a ready curl line.
	welcome := s.stdout.waitFor(t, "/api/v1/profile")
	m := regexp.MustCompile(`curl -H "api_access_token: ([1-9A-HJ-NP-Za-km-z]{24})" (\S+)/api/v1/profile`).FindStringSubmatch(welcome)
	if m == nil {
		t.Fatalf("no token and curl line in the welcome text:\n%s", s.stdout.String())
	}
	token := m[1]
	status, body = get(t, s.base+"/api/v1/profile", token)
	if status != 200 || !strings.Contains(body, `"email":"admin@parley.local"`) {
		t.Fatalf("profile with the printed token: %d %s", status, body)
	}
	s.stop(t)

	// A second start on the same database prints no token and keeps it.
	s2 := start(t, db)
	if status, _ := get(t, s2.base+"/api/v1/profile", token); status != 200 {
		t.Fatalf("token no longer works after restart: %d", status)
	}
	s2.stop(t)
	if strings.Contains(s2.stdout.String(), token) {
		t.Fatal("the token was printed again on the second start")
	}
}

// stop interrupts the server and waits until it exits and its output is in.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGINT)
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("parley serve did not exit cleanly on SIGINT: %v", err)
	}
}

func TestServeAdminTokenFromEnv(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	s := start(t, db, "PARLEY_ADMIN_TOKEN=my-script-token")
	if status, body := get(t, s.base+"/api/v1/profile", "my-script-token"); status != 200 {
		t.Fatalf("profile: %d %s", status, body)
	}
	if status, body := get(t, s.base+"/api/v1/profile", "wrong"); status != 401 || body != `{"error":"Invalid Access Token"}` {
		t.Fatalf("wrong token: %d %s", status, body)
	}
	s.stop(t)
	out := s.stdout.String()
	if !strings.Contains(out, "Parley is ready") || strings.Contains(out, "my-script-token") {
		t.Fatalf("want the welcome text without the token from the environment:\n%s", out)
	}
}

func TestServeGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	db := filepath.Join(t.TempDir(), "parley.db")
	s := start(t, db, "PARLEY_ADMIN_TOKEN=tok")
	// Send a request whose body is still on its way when Ctrl-C arrives.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name":"Graceful","email":"graceful@example.com"}`
	fmt.Fprintf(conn, "POST /api/v1/accounts/1/contacts HTTP/1.1\r\nHost: x\r\napi_access_token: tok\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n\r\n", len(body))
	// The server answers "100 Continue" once the handler starts reading the
	// body: from then on the request is in flight.
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("want 100 Continue, got %q (%v)", line, err)
	}
	br.ReadString('\n') // the blank line after it
	fmt.Fprint(conn, body[:10])
	s.cmd.Process.Signal(syscall.SIGINT)
	fmt.Fprint(conn, body[10:])
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("in-flight request lost at shutdown: %v", err)
	}
	if res.StatusCode != 200 {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("in-flight request: %d %s", res.StatusCode, b)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("exit: %v", err)
	}
}

func TestServeHelpListsConfiguration(t *testing.T) {
	out, _ := exec.Command(binary, "serve", "-h").CombinedOutput()
	for _, want := range []string{"-addr", "PARLEY_ADDR", "-db", "PARLEY_DATABASE_URL", "PARLEY_ADMIN_TOKEN",
		"PARLEY_PLATFORM_TOKEN", "PARLEY_AUTH_CACHE", "PARLEY_SQLITE_SYNCHRONOUS", "PARLEY_LOG_LEVEL", "PARLEY_SHUTDOWN_TIMEOUT", "-retention", "PARLEY_RETENTION",
		"-db-max-conns", "PARLEY_DB_MAX_CONNS", "-db-writers", "PARLEY_DB_WRITERS"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("parley serve -h does not mention %s:\n%s", want, out)
		}
	}
}

func TestServeRetentionSetting(t *testing.T) {
	db := filepath.Join(t.TempDir(), "r.db")
	// A duration or days are taken (-h then stops before serving).
	for _, ok := range []string{"720h", "30d", "1.5d", "36h30m", "0"} {
		out, _ := exec.Command(binary, "serve", "-db", db, "-retention", ok, "-h").CombinedOutput()
		if strings.Contains(string(out), "invalid") || !strings.Contains(string(out), "Usage") {
			t.Errorf("-retention %s:\n%s", ok, out)
		}
	}
	// Anything else stops the start with a clear message, from the flag or
	// from the environment.
	// (A deadline, in case one starts serving after all.)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, bad := range []string{"30 days", "-1h", "-2d", "d", "forever"} {
		out, err := exec.CommandContext(ctx, binary, "serve", "-addr", "127.0.0.1:0", "-db", db, "-retention", bad).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "retention") {
			t.Errorf("-retention %q: %v\n%s", bad, err, out)
		}
		cmd := exec.CommandContext(ctx, binary, "serve", "-addr", "127.0.0.1:0", "-db", db)
		cmd.Env = append(os.Environ(), "PARLEY_RETENTION="+bad)
		out, err = cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "PARLEY_RETENTION") {
			t.Errorf("PARLEY_RETENTION=%q: %v\n%s", bad, err, out)
		}
	}
}

func TestServeUnreachablePostgresIsAClearErrorWithoutThePassword(t *testing.T) {
	cmd := exec.Command(binary, "serve", "-addr", "127.0.0.1:0", "-db", "postgres://parley:hunter2@127.0.0.1:1/chat?connect_timeout=2")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "connect to PostgreSQL at parley@127.0.0.1:1/chat") {
		t.Fatalf("want a clear connection error, got %v:\n%s", err, out)
	}
	if strings.Contains(string(out), "hunter2") {
		t.Errorf("the password shows in the output:\n%s", out)
	}
}

// TestServeDBWritersChecked: a writer count PostgreSQL cannot serve stops the
// start with a message saying why, before anything listens.
func TestServeDBWritersChecked(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, tc := range []struct{ args []string }{
		{[]string{"-db-writers", "0"}},
		{[]string{"-db-writers", "-1"}},
		{[]string{"-db-writers", "4", "-db-max-conns", "4"}},
	} {
		args := append([]string{"serve", "-addr", "127.0.0.1:0", "-db", url}, tc.args...)
		out, err := exec.CommandContext(ctx, binary, args...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "writers") {
			t.Errorf("%v: want a refusal naming the writers, got %v:\n%s", tc.args, err, out)
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	db := "sqlite://" + filepath.Join(t.TempDir(), "sub", "m.db")
	out, err := exec.Command(binary, "migrate", "-db", db).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "up to date") {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
}

func TestServeMetrics(t *testing.T) {
	s := start(t, filepath.Join(t.TempDir(), "parley.db"), "PARLEY_ADMIN_TOKEN=tok")
	status, body := get(t, s.base+"/metrics", "")
	for _, want := range []string{`parley_webhook_attempts_total{outcome="delivered"} 0`, "parley_webhook_queued 0",
		"# TYPE parley_store_write_batches_total counter", "parley_store_writers 1", `parley_db_connections_open{pool="read"}`,
		`parley_db_connection_waits_total{pool="write"}`} {
		if status != 200 || !strings.Contains(body, want) {
			t.Fatalf("metrics: %d, no %q in\n%s", status, want, body)
		}
	}
}

// The benchmarks run to the end and report, on SQLite and (when it is
// configured) PostgreSQL, leaving no schema behind. What they measure is
// not judged here: timings belong in BENCHMARKS.md.
func TestBenchCommandsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs short benchmarks; skipped with -short")
	}
	runs := [][]string{
		{"bench", "api", "-json", "-duration", "300ms", "-clients", "2"},
		{"bench", "-json", "-duration", "300ms", "-raw-duration=-1s", "-clients", "2"},
		{"bench", "backlog", "-json", "-deliveries", "2000", "-endpoints", "2"},
	}
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		runs = append(runs,
			[]string{"bench", "api", "-json", "-duration", "300ms", "-clients", "2", "-postgres", pg},
			[]string{"bench", "-json", "-duration", "300ms", "-raw-duration=-1s", "-clients", "2", "-postgres", pg, "-instances", "2"},
			[]string{"bench", "backlog", "-json", "-deliveries", "2000", "-endpoints", "2", "-postgres", pg})
	}
	for _, args := range runs {
		out, err := exec.Command(binary, args...).Output()
		if err != nil {
			t.Fatalf("parley %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var res map[string]any
		if err := json.Unmarshal(out, &res); err != nil {
			t.Fatalf("parley %s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
		for _, k := range []string{"api_errors", "errors"} {
			if n, ok := res[k].(float64); ok && n != 0 {
				t.Errorf("parley %s: %s = %v", strings.Join(args, " "), k, n)
			}
		}
	}
	if pg := os.Getenv(storetest.EnvPostgres); pg != "" {
		db, err := postgres.OpenDB(t.Context(), pg, postgres.Options{MaxConns: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var left int
		if err := db.QueryRow(`SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'parley_bench%'`).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left != 0 {
			t.Errorf("%d benchmark schemas left behind", left)
		}
	}
}
