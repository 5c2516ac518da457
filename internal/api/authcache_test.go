package api_test

import (
	"fmt"
	"testing"
)

// Sign-ins are cached; a change to a user's access must still apply to the
// very next request.
func TestAccessChangesApplyAtOnce(t *testing.T) {
	e := newEnv(t)
	id, token := e.memberAgent("cached")
	e.must(200, "GET", a1+"/agents", token, nil) // now cached

	// Promoted to administrator: admin routes open up at once.
	e.must(401, "POST", a1+"/inboxes", token, map[string]any{"name": "X", "channel": map[string]any{"type": "api"}})
	e.must(200, "PATCH", fmt.Sprintf("%s/agents/%d", a1, id), adminToken, map[string]any{"role": "administrator"})
	e.must(200, "POST", a1+"/inboxes", token, map[string]any{"name": "X", "channel": map[string]any{"type": "api"}})

	// Removed from the account: the cached sign-in must not survive.
	e.must(200, "DELETE", fmt.Sprintf("%s/agents/%d", a1, id), adminToken, nil)
	r := e.do("GET", a1+"/agents", token, nil)
	if r.Status != 401 {
		t.Fatalf("removed agent still signed in: %d %s", r.Status, r.Body)
	}
}
