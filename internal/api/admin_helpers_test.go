package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// Helpers for the admin API tests (agents, inboxes, profile, Platform API).

const plat = "/platform/api/v1"

// platformAccount creates an account through the Platform API.
func (e *testEnv) platformAccount(name string) int64 {
	e.t.Helper()
	r := e.must(200, "POST", plat+"/accounts", platformToken, map[string]any{"name": name})
	return num(e.t, r.JSON(e.t), "id")
}

// platformUser creates a user through the Platform API and returns its id
// and access token.
func (e *testEnv) platformUser(name, email string) (int64, string) {
	e.t.Helper()
	r := e.must(200, "POST", plat+"/users", platformToken, map[string]any{"name": name, "email": email, "password": "Secret123!"})
	v := r.JSON(e.t)
	return num(e.t, v, "id"), str(e.t, v, "access_token")
}

// platformMember adds a user to an account with a role.
func (e *testEnv) platformMember(accountID, userID int64, role string) {
	e.t.Helper()
	e.must(200, "POST", fmt.Sprintf("%s/accounts/%d/account_users", plat, accountID), platformToken,
		map[string]any{"user_id": userID, "role": role})
}

// outsider creates a second account with an administrator and returns the
// account id and that administrator's token: a valid user who is not a
// member of account 1.
func (e *testEnv) outsider() (int64, string) {
	e.t.Helper()
	acct := e.platformAccount("Elsewhere")
	id, token := e.platformUser("Olga Outsider", fmt.Sprintf("olga%d@example.com", acct))
	e.platformMember(acct, id, "administrator")
	return acct, token
}

// memberAgent adds a non-admin agent to account 1 through the Platform API
// and returns its id and token.
func (e *testEnv) memberAgent(name string) (int64, string) {
	e.t.Helper()
	id, token := e.platformUser(name, strings.ToLower(strings.ReplaceAll(name, " ", "."))+"@example.com")
	e.platformMember(1, id, "agent")
	return id, token
}

func wantKeys(t testing.TB, body []byte, p string, want ...string) {
	t.Helper()
	if got := keys(t, body, p); !slices.Equal(got, want) {
		t.Fatalf("keys of %q\n got %v\nwant %v\nbody %s", p, got, want, body)
	}
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// wantTypes checks the JSON type of each key of the object at p.
func wantTypes(t testing.TB, v any, p string, types map[string]string) {
	t.Helper()
	obj := v
	if p != "" {
		obj = path(t, v, p)
	}
	m, ok := obj.(map[string]any)
	if !ok {
		t.Fatalf("%q is not an object", p)
	}
	for k, want := range types {
		if got := jsonType(m[k]); got != want {
			t.Errorf("%s.%s is %s (%v), want %s", p, k, got, m[k], want)
		}
	}
}

// authCase is a request that must be refused with a status and body.
type authCase struct {
	method, path, token string
	body                any
	status              int
	want                string
}

const (
	errNoToken    = `{"error":"Invalid Access Token"}`
	errNotMember  = `{"error":"You are not authorized to access this account"}`
	errNotAdmin   = `{"error":"You are not authorized to do this action"}`
	errNotFound   = `{"error":"Resource could not be found"}`
	errBadPlatTok = `{"error":"Invalid access_token"}`
)

func (e *testEnv) expectRefusals(cases []authCase) {
	e.t.Helper()
	for _, c := range cases {
		r := e.do(c.method, c.path, c.token, c.body)
		if r.Status != c.status || strings.TrimSpace(string(r.Body)) != c.want {
			e.t.Errorf("%s %s (token %q): got %d %s, want %d %s", c.method, c.path, c.token, r.Status, r.Body, c.status, c.want)
		}
	}
}
