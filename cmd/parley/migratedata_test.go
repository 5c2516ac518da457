package main_test

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/storetest"
)

// migrate-data moves a SQLite database to PostgreSQL: the server started
// on the copy answers the API exactly as the one on the file did, its
// delivery log included, and goes on creating rows after the copied ids.
func TestMigrateDataToPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers; skipped with -short")
	}
	pg := storetest.PostgresURL(t)
	file := filepath.Join(t.TempDir(), "parley.db")
	rec := newAttemptLog()
	receiver := httptest.NewServer(rec)
	defer receiver.Close()
	env := []string{"PARLEY_ADMIN_TOKEN=tok", "PARLEY_ALLOW_PRIVATE_NETWORK=true"}

	s := start(t, file, env...)
	a1 := s.base + "/api/v1/accounts/1"
	code, body := postJSON(t, a1+"/webhooks", map[string]any{"url": receiver.URL + "/hook", "subscriptions": []string{"message_created", "contact_created"}})
	if code != 200 {
		t.Fatalf("webhook: %d %s", code, body)
	}
	var hook struct {
		Payload struct{ Webhook struct{ ID int64 } }
	}
	json.Unmarshal(body, &hook)
	if code, body := postJSON(t, a1+"/inboxes", map[string]any{"name": "Site", "channel": map[string]any{"type": "web_widget", "website_url": "https://example.com"}}); code != 200 {
		t.Fatalf("web inbox: %d %s", code, body)
	}
	convs := conversations(t, a1, 3)
	for i, c := range convs {
		for j := range 3 {
			if code, body := postJSON(t, fmt.Sprintf("%s/conversations/%d/messages", a1, c), map[string]any{"content": fmt.Sprintf("m %d %d", i, j), "private": j == 2}); code != 200 {
				t.Fatalf("message: %d %s", code, body)
			}
		}
	}
	waitFor(t, "the deliveries", func() bool { rec.mu.Lock(); defer rec.mu.Unlock(); return len(rec.byMsg) == 9 })
	paths := []string{"/api/v1/profile", "/api/v1/accounts/1/contacts", "/api/v1/accounts/1/inboxes", "/api/v1/accounts/1/conversations?status=all",
		"/api/v1/accounts/1/webhooks", fmt.Sprintf("/api/v1/accounts/1/webhooks/%d/deliveries", hook.Payload.Webhook.ID)}
	for _, c := range convs {
		paths = append(paths, fmt.Sprintf("/api/v1/accounts/1/conversations/%d", c), fmt.Sprintf("/api/v1/accounts/1/conversations/%d/messages", c))
	}
	before := map[string]string{}
	for _, p := range paths {
		code, body := get(t, s.base+p, "tok")
		if code != 200 {
			t.Fatalf("GET %s: %d %s", p, code, body)
		}
		before[p] = strings.ReplaceAll(body, s.base, "BASE")
	}
	s.stop(t)

	out, err := exec.Command(binary, "migrate-data", "-from", "sqlite://"+file, "-to", pg).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "done:") || !strings.Contains(string(out), "deliveries") {
		t.Fatalf("migrate-data: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "password") {
		t.Errorf("migrate-data output shows the URL's password:\n%s", out)
	}

	p := start(t, pg, env...)
	for _, path := range paths {
		code, body := get(t, p.base+path, "tok")
		body = strings.ReplaceAll(body, p.base, "BASE") // the widget snippet names the server
		if code != 200 || body != before[path] {
			t.Errorf("GET %s on PostgreSQL after migrate-data: %d\n%s\nwant, as on SQLite:\n%s", path, code, body, before[path])
		}
	}
	// New rows take ids after the copied ones.
	if code, body := postJSON(t, p.base+"/api/v1/accounts/1/contacts", map[string]any{"name": "After the move"}); code != 200 {
		t.Errorf("creating a contact after migrate-data: %d %s", code, body)
	}
	if code, body := postJSON(t, fmt.Sprintf("%s/api/v1/accounts/1/conversations/%d/messages", p.base, convs[0]), map[string]any{"content": "after"}); code != 200 {
		t.Errorf("creating a message after migrate-data: %d %s", code, body)
	}

	// A second copy into the same database is refused, leaving it as it is.
	out, err = exec.Command(binary, "migrate-data", "-from", "sqlite://"+file, "-to", pg).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already holds") || !strings.Contains(string(out), "nothing was copied") {
		t.Errorf("migrate-data into a database with data: %v\n%s", err, out)
	}
}

func TestMigrateDataBadArguments(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-from", "x.db"}, "needs both -from and -to"},
		{[]string{"-from", "sqlite://x.db", "-to", "sqlite://y.db"}, "-to must be a postgres:// URL"},
		{[]string{"-from", "sqlite://" + filepath.Join(t.TempDir(), "none.db"), "-to", "postgres://u:pw@127.0.0.1:1/db"}, "no SQLite database at"},
	} {
		out, err := exec.Command(binary, append([]string{"migrate-data"}, tc.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("migrate-data %v: %v\n%s\nwant an error saying %q", tc.args, err, out, tc.want)
		}
	}
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
