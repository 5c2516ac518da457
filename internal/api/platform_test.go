package api_test

import (
	"fmt"
	"regexp"
	"testing"
)

var platformAccountKeys = []string{"id", "name", "locale", "domain", "support_email", "features", "custom_attributes", "limits", "status"}

func TestPlatformAccounts(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", plat+"/accounts", platformToken, map[string]any{"name": "Acme", "support_email": "help@acme.test",
		"features": map[string]any{"channel_website": true, "help_center": "yes", "campaigns": false},
		"limits":   map[string]any{"agents": 5}, "custom_attributes": map[string]any{"plan": "pro"}})
	wantKeys(t, r.Body, "", platformAccountKeys...)
	v := r.JSON(t)
	wantTypes(t, v, "", map[string]string{"id": "number", "name": "string", "locale": "string", "domain": "null",
		"support_email": "string", "features": "object", "custom_attributes": "object", "limits": "object", "status": "string"})
	id := num(t, v, "id")
	if id != 2 || str(t, v, "locale") != "en" || str(t, v, "status") != "active" || num(t, v, "limits.agents") != 5 ||
		str(t, v, "custom_attributes.plan") != "pro" {
		t.Fatalf("unexpected account: %s", r.Body)
	}
	wantKeys(t, r.Body, "features", "help_center", "channel_website") // enabled flags only, in jsonb order
	if path(t, v, "features.help_center") != true || path(t, v, "features.channel_website") != true {
		t.Fatalf("features: %s", r.Body)
	}
	p := fmt.Sprintf("%s/accounts/%d", plat, id)
	r = e.must(200, "GET", p, platformToken, nil)
	wantKeys(t, r.Body, "", platformAccountKeys...)

	// Update: features toggle one by one; custom_attributes and limits are replaced.
	r = e.must(200, "PATCH", p, platformToken, map[string]any{"name": "Acme Inc", "status": "suspended", "domain": "acme.test",
		"features": map[string]any{"help_center": false, "campaigns": 1}, "custom_attributes": map[string]any{"tier": 2}})
	v = r.JSON(t)
	if str(t, v, "name") != "Acme Inc" || str(t, v, "status") != "suspended" || str(t, v, "domain") != "acme.test" ||
		path(t, v, "features.campaigns") != true || num(t, v, "custom_attributes.tier") != 2 || num(t, v, "limits.agents") != 5 {
		t.Fatalf("unexpected update: %s", r.Body)
	}
	wantKeys(t, r.Body, "features", "campaigns", "channel_website")
	wantKeys(t, r.Body, "custom_attributes", "tier")
	// A suspended account refuses its members.
	uid, token := e.platformUser("Sue", "sue@acme.test")
	e.platformMember(id, uid, "administrator")
	e.expectRefusals([]authCase{{"GET", fmt.Sprintf("/api/v1/accounts/%d/inboxes", id), token, nil, 401, `{"error":"Account is suspended"}`}})
	e.must(200, "PUT", p, platformToken, map[string]any{"status": "active"})
	e.must(200, "GET", fmt.Sprintf("/api/v1/accounts/%d/inboxes", id), token, nil)

	e.expectRefusals([]authCase{
		{"POST", plat + "/accounts", platformToken, map[string]any{"locale": "fr"}, 422, `{"message":"Name can't be blank","attributes":["name"]}`},
		{"PATCH", p, platformToken, map[string]any{"status": "closed"}, 422, `{"message":"Status is not included in the list","attributes":["status"]}`},
		{"GET", plat + "/accounts/999", platformToken, nil, 404, errNotFound},
		{"PATCH", plat + "/accounts/999", platformToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"DELETE", plat + "/accounts/999", platformToken, nil, 404, errNotFound},
		{"POST", plat + "/accounts", "", map[string]any{"name": "X"}, 401, errBadPlatTok},
		{"POST", plat + "/accounts", "wrong", map[string]any{"name": "X"}, 401, errBadPlatTok},
		{"POST", plat + "/accounts", adminToken, map[string]any{"name": "X"}, 401, errBadPlatTok},
		{"GET", p, "", nil, 401, errBadPlatTok},
		{"PATCH", p, adminToken, map[string]any{"name": "X"}, 401, errBadPlatTok},
		{"DELETE", p, "", nil, 401, errBadPlatTok},
	})

	r = e.must(200, "DELETE", p, platformToken, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %s", r.Body)
	}
	e.must(404, "GET", p, platformToken, nil)
	if n := len(path(t, e.must(200, "GET", "/api/v1/profile", token, nil).JSON(t), "accounts").([]any)); n != 0 {
		t.Fatalf("the deleted account is still in its member's profile")
	}
}

var platformUserKeys = []string{"access_token", "account_id", "available_name", "avatar_url", "confirmed", "display_name",
	"message_signature", "email", "id", "name", "provider", "pubsub_token", "role", "ui_settings", "uid", "accounts"}

func TestPlatformUsers(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", plat+"/users", platformToken, map[string]any{"name": "Pat", "email": "Pat@Example.com", "password": "ignored"})
	wantKeys(t, r.Body, "", platformUserKeys...)
	v := r.JSON(t)
	wantTypes(t, v, "", map[string]string{"access_token": "string", "account_id": "null", "available_name": "string",
		"avatar_url": "string", "confirmed": "bool", "display_name": "null", "message_signature": "null", "email": "string",
		"id": "number", "name": "string", "provider": "string", "pubsub_token": "string", "role": "null", "ui_settings": "object",
		"uid": "string", "accounts": "array"})
	id, token := num(t, v, "id"), str(t, v, "access_token")
	if !base58Token.MatchString(token) || str(t, v, "email") != "pat@example.com" || str(t, v, "uid") != "pat@example.com" {
		t.Fatalf("unexpected user: %s", r.Body)
	}
	e.must(200, "GET", "/api/v1/profile", token, nil)

	// The same email (any case) returns the same user, unchanged.
	r = e.must(200, "POST", plat+"/users", platformToken, map[string]any{"name": "Other", "email": "PAT@example.com"})
	if num(t, r.JSON(t), "id") != id || str(t, r.JSON(t), "name") != "Pat" || str(t, r.JSON(t), "access_token") != token {
		t.Fatalf("existing user not reused: %s", r.Body)
	}

	// Membership shows in accounts; custom attributes merge.
	e.platformMember(1, id, "agent")
	p := fmt.Sprintf("%s/users/%d", plat, id)
	e.must(200, "PATCH", p, platformToken, map[string]any{"custom_attributes": map[string]any{"a": 1}})
	r = e.must(200, "PUT", p, platformToken, map[string]any{"name": "Pat Doe", "display_name": "PD", "custom_attributes": map[string]any{"b": 2}})
	wantKeys(t, r.Body, "", "access_token", "account_id", "available_name", "avatar_url", "confirmed", "display_name",
		"message_signature", "email", "id", "name", "provider", "pubsub_token", "custom_attributes", "role", "ui_settings", "uid", "accounts")
	wantKeys(t, r.Body, "accounts.0", "id", "name", "active_at", "role")
	v = r.JSON(t)
	if str(t, v, "name") != "Pat Doe" || str(t, v, "available_name") != "PD" || num(t, v, "custom_attributes.a") != 1 ||
		num(t, v, "custom_attributes.b") != 2 || num(t, v, "account_id") != 1 || str(t, v, "role") != "agent" ||
		str(t, v, "accounts.0.name") != "Default" || path(t, v, "accounts.0.active_at") != nil {
		t.Fatalf("unexpected update: %s", r.Body)
	}
	r = e.must(200, "GET", p, platformToken, nil)
	wantKeys(t, r.Body, "", "access_token", "account_id", "available_name", "avatar_url", "confirmed", "display_name",
		"message_signature", "email", "id", "name", "provider", "pubsub_token", "custom_attributes", "role", "ui_settings", "uid", "accounts")

	e.expectRefusals([]authCase{
		{"POST", plat + "/users", platformToken, map[string]any{"email": "nobody@example.com"}, 422, `{"message":"Name can't be blank","attributes":["name"]}`},
		{"POST", plat + "/users", platformToken, map[string]any{"name": "NoMail"}, 422, `{"message":"Email can't be blank","attributes":["email"]}`},
		{"POST", plat + "/users", platformToken, map[string]any{"name": "Bad", "email": "bad@"}, 422, `{"message":"Email is invalid","attributes":["email"]}`},
		{"PATCH", p, platformToken, map[string]any{"email": "admin@parley.local"}, 422, `{"message":"Email has already been taken","attributes":["email"]}`},
		{"GET", plat + "/users/999", platformToken, nil, 404, errNotFound},
		{"PATCH", plat + "/users/999", platformToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"DELETE", plat + "/users/999", platformToken, nil, 404, errNotFound},
		{"POST", plat + "/users", "", map[string]any{"name": "X", "email": "x@example.com"}, 401, errBadPlatTok},
		{"GET", p, token, nil, 401, errBadPlatTok},
		{"PATCH", p, adminToken, map[string]any{"name": "X"}, 401, errBadPlatTok},
		{"DELETE", p, "", nil, 401, errBadPlatTok},
	})

	r = e.must(200, "DELETE", p, platformToken, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %s", r.Body)
	}
	e.must(404, "GET", p, platformToken, nil)
	e.expectRefusals([]authCase{{"GET", "/api/v1/profile", token, nil, 401, errNoToken}})
}

var accountUserKeys = []string{"id", "account_id", "user_id", "role", "inviter_id", "created_at", "updated_at", "active_at",
	"availability", "auto_offline", "custom_role_id"}

func TestPlatformAccountUsers(t *testing.T) {
	e := newEnv(t)
	acct := e.platformAccount("Acme")
	uid, token := e.platformUser("Una", "una@example.com")
	p := fmt.Sprintf("%s/accounts/%d/account_users", plat, acct)

	r := e.must(200, "POST", p, platformToken, map[string]any{"user_id": uid})
	wantKeys(t, r.Body, "", accountUserKeys...)
	v := r.JSON(t)
	wantTypes(t, v, "", map[string]string{"id": "number", "account_id": "number", "user_id": "number", "role": "string",
		"inviter_id": "null", "created_at": "string", "updated_at": "string", "active_at": "null", "availability": "string",
		"auto_offline": "bool", "custom_role_id": "null"})
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if str(t, v, "role") != "agent" || str(t, v, "availability") != "online" || path(t, v, "auto_offline") != true ||
		num(t, v, "account_id") != acct || num(t, v, "user_id") != uid || !iso.MatchString(str(t, v, "created_at")) {
		t.Fatalf("unexpected account user: %s", r.Body)
	}
	e.must(200, "GET", fmt.Sprintf("/api/v1/accounts/%d/agents", acct), token, nil)
	e.must(401, "POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acct), token, map[string]any{"name": "X", "email": "x@example.com"})

	// Posting again changes the role of the same membership; without a role it stays.
	r = e.must(200, "POST", p, platformToken, map[string]any{"account_user": map[string]any{"user_id": uid, "role": "administrator"}})
	if str(t, r.JSON(t), "role") != "administrator" || num(t, r.JSON(t), "id") != num(t, v, "id") ||
		str(t, r.JSON(t), "updated_at") == str(t, v, "updated_at") {
		t.Fatalf("role not updated in place: %s", r.Body)
	}
	r = e.must(200, "POST", p, platformToken, map[string]any{"user_id": fmt.Sprint(uid)})
	if str(t, r.JSON(t), "role") != "administrator" {
		t.Fatalf("role changed without one given: %s", r.Body)
	}
	e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/agents", acct), token, map[string]any{"name": "Vic", "email": "vic@example.com"})

	r = e.must(200, "GET", p, platformToken, nil)
	list := r.JSON(t).([]any)
	if len(list) != 2 || num(t, list, "0.user_id") != uid || num(t, list, "1.inviter_id") != uid {
		t.Fatalf("unexpected list: %s", r.Body)
	}
	wantKeys(t, r.Body, "1", accountUserKeys...)

	e.expectRefusals([]authCase{
		{"POST", p, platformToken, map[string]any{"user_id": 999}, 422, `{"message":"User must exist","attributes":["user"]}`},
		{"POST", p, platformToken, map[string]any{}, 422, `{"message":"User must exist","attributes":["user"]}`},
		{"POST", p, platformToken, map[string]any{"user_id": uid, "role": "owner"}, 422, `{"message":"Role is not included in the list","attributes":["role"]}`},
		{"POST", plat + "/accounts/999/account_users", platformToken, map[string]any{"user_id": uid}, 404, errNotFound},
		{"GET", plat + "/accounts/999/account_users", platformToken, nil, 404, errNotFound},
		{"DELETE", plat + "/accounts/999/account_users", platformToken, map[string]any{"user_id": uid}, 404, errNotFound},
		{"POST", p, "", map[string]any{"user_id": uid}, 401, errBadPlatTok},
		{"GET", p, token, nil, 401, errBadPlatTok},
		{"DELETE", p, adminToken, map[string]any{"user_id": uid}, 401, errBadPlatTok},
	})

	r = e.must(200, "DELETE", p, platformToken, map[string]any{"user_id": uid})
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %s", r.Body)
	}
	e.expectRefusals([]authCase{{"GET", fmt.Sprintf("/api/v1/accounts/%d/agents", acct), token, nil, 401, errNotMember}})
	e.must(200, "GET", "/api/v1/profile", token, nil)                       // the user stays
	e.must(200, "DELETE", p, platformToken, map[string]any{"user_id": uid}) // not a member: nothing to do
	if n := len(e.must(200, "GET", p, platformToken, nil).JSON(t).([]any)); n != 1 {
		t.Fatalf("%d members left, want 1", n)
	}
}
