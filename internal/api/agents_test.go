package api_test

import (
	"fmt"
	"testing"
)

var agentKeys = []string{"id", "account_id", "availability_status", "auto_offline", "confirmed", "email", "provider",
	"available_name", "name", "role", "thumbnail", "custom_role_id"}

func TestAgentsList(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"bob", "Carl", "alice"} {
		e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": name, "email": name + "@example.com"})
	}
	// custom_attributes appears only when present, after available_name.
	id, _ := e.platformUser("Dora", "dora@example.com")
	e.must(200, "PATCH", fmt.Sprintf("%s/users/%d", plat, id), platformToken, map[string]any{"custom_attributes": map[string]any{"team": "red"}})
	e.platformMember(1, id, "agent")
	_, agentToken := e.memberAgent("Eve Agent")

	r := e.must(200, "GET", a1+"/agents", agentToken, nil)
	list, ok := r.JSON(t).([]any)
	if !ok {
		t.Fatalf("agents is not a bare array: %s", r.Body)
	}
	var names []string
	for i := range list {
		names = append(names, str(t, list, fmt.Sprintf("%d.name", i)))
	}
	if fmt.Sprint(names) != "[Administrator alice bob Carl Dora Eve Agent]" {
		t.Fatalf("agents not ordered by lower(name): %v", names)
	}
	wantKeys(t, r.Body, "0", agentKeys...)
	wantKeys(t, r.Body, "4", "id", "account_id", "availability_status", "auto_offline", "confirmed", "email", "provider",
		"available_name", "custom_attributes", "name", "role", "thumbnail", "custom_role_id")
	wantTypes(t, list, "0", map[string]string{"id": "number", "account_id": "number", "availability_status": "string",
		"auto_offline": "bool", "confirmed": "bool", "email": "string", "provider": "string", "available_name": "string",
		"name": "string", "role": "string", "thumbnail": "string", "custom_role_id": "null"})
	if str(t, list, "0.role") != "administrator" || str(t, list, "1.role") != "agent" || num(t, list, "0.account_id") != 1 ||
		path(t, list, "1.confirmed") != true || str(t, list, "1.provider") != "email" || str(t, list, "4.custom_attributes.team") != "red" {
		t.Fatalf("unexpected agents: %s", r.Body)
	}

	outsiderAcct, outsiderToken := e.outsider()
	e.expectRefusals([]authCase{
		{"GET", a1 + "/agents", "", nil, 401, errNoToken},
		{"GET", a1 + "/agents", "wrong-token", nil, 401, errNoToken},
		{"GET", a1 + "/agents", outsiderToken, nil, 401, errNotMember},
		{"GET", "/api/v1/accounts/999/agents", adminToken, nil, 404, errNotFound},
	})
	// The outsider's own account lists only its own member.
	r = e.must(200, "GET", fmt.Sprintf("/api/v1/accounts/%d/agents", outsiderAcct), outsiderToken, nil)
	if n := len(r.JSON(t).([]any)); n != 1 {
		t.Fatalf("outsider account has %d agents, want 1: %s", n, r.Body)
	}
}

func TestAgentCreate(t *testing.T) {
	e := newEnv(t)
	// Unwrapped body: defaults are role agent, availability online, auto_offline true.
	r := e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": "Ann", "email": "Ann@Example.com"})
	wantKeys(t, r.Body, "", agentKeys...)
	v := r.JSON(t)
	annID := num(t, v, "id")
	if str(t, v, "email") != "ann@example.com" || str(t, v, "role") != "agent" || str(t, v, "availability_status") != "online" ||
		path(t, v, "auto_offline") != true || num(t, v, "account_id") != 1 || str(t, v, "available_name") != "Ann" {
		t.Fatalf("unexpected agent: %s", r.Body)
	}
	// The new user can sign in with the token the Platform API shows.
	r = e.must(200, "GET", fmt.Sprintf("%s/users/%d", plat, annID), platformToken, nil)
	r = e.must(200, "GET", "/api/v1/profile", str(t, r.JSON(t), "access_token"), nil)
	if str(t, r.JSON(t), "role") != "agent" || num(t, r.JSON(t), "inviter_id") != 1 {
		t.Fatalf("new agent's profile: %s", r.Body)
	}

	// Wrapped body with every setting.
	r = e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"agent": map[string]any{"name": "Ben", "email": "ben@example.com",
		"role": "administrator", "availability": "busy", "auto_offline": false}})
	v = r.JSON(t)
	if str(t, v, "role") != "administrator" || str(t, v, "availability_status") != "busy" || path(t, v, "auto_offline") != false {
		t.Fatalf("settings not applied: %s", r.Body)
	}

	// A user of another account is reused, keeping their name.
	otherAcct, _ := e.outsider()
	olgaID := int64(0)
	r = e.must(200, "GET", fmt.Sprintf("%s/accounts/%d/account_users", plat, otherAcct), platformToken, nil)
	olgaID = num(t, r.JSON(t), "0.user_id")
	r = e.must(200, "GET", fmt.Sprintf("%s/users/%d", plat, olgaID), platformToken, nil)
	olgaEmail := str(t, r.JSON(t), "email")
	r = e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": "Ignored", "email": olgaEmail})
	if num(t, r.JSON(t), "id") != olgaID || str(t, r.JSON(t), "name") != "Olga Outsider" {
		t.Fatalf("existing user not reused: %s", r.Body)
	}
	r = e.must(200, "GET", fmt.Sprintf("%s/accounts/1/account_users", plat), platformToken, nil)
	if num(t, r.JSON(t), "1.inviter_id") != 1 {
		t.Fatalf("inviter not recorded: %s", r.Body)
	}

	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	e.expectRefusals([]authCase{
		{"POST", a1 + "/agents", adminToken, map[string]any{"name": "Ann again", "email": "ANN@example.com"}, 422,
			`{"message":"User has already been taken","attributes":["user_id"]}`},
		{"POST", a1 + "/agents", adminToken, map[string]any{"email": "nameless@example.com"}, 422,
			`{"message":"Name can't be blank","attributes":["name"]}`},
		{"POST", a1 + "/agents", adminToken, map[string]any{"name": "Bad", "email": "not-an-email"}, 422,
			`{"message":"Email is invalid","attributes":["email"]}`},
		{"POST", a1 + "/agents", adminToken, map[string]any{"name": "Role", "email": "role@example.com", "role": "owner"}, 422,
			`{"message":"Role is not included in the list","attributes":["role"]}`},
		{"POST", a1 + "/agents", adminToken, map[string]any{}, 422, `{"error":"param is missing or the value is empty: agent"}`},
		{"POST", a1 + "/agents", "", map[string]any{"name": "X", "email": "x@example.com"}, 401, errNoToken},
		{"POST", a1 + "/agents", outsiderToken, map[string]any{"name": "X", "email": "x@example.com"}, 401, errNotMember},
		{"POST", a1 + "/agents", agentToken, map[string]any{"name": "X", "email": "x@example.com"}, 401, errNotAdmin},
	})
	// Nothing was created by the refused requests.
	r = e.must(200, "GET", a1+"/agents", adminToken, nil)
	if n := len(r.JSON(t).([]any)); n != 5 {
		t.Fatalf("%d agents after refusals, want 5: %s", n, r.Body)
	}
	e.must(404, "GET", fmt.Sprintf("%s/users/%d", plat, 99), platformToken, nil)
}

func TestAgentUpdate(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": "Ann", "email": "ann@example.com"})
	id := num(t, r.JSON(t), "id")
	p := fmt.Sprintf("%s/agents/%d", a1, id)

	r = e.must(200, "PATCH", p, adminToken, map[string]any{"name": "Ann B", "role": "administrator", "availability": "offline", "auto_offline": false})
	wantKeys(t, r.Body, "", agentKeys...)
	v := r.JSON(t)
	if str(t, v, "name") != "Ann B" || str(t, v, "role") != "administrator" || str(t, v, "availability_status") != "offline" ||
		path(t, v, "auto_offline") != false || str(t, v, "email") != "ann@example.com" {
		t.Fatalf("update not applied: %s", r.Body)
	}
	// Nulls and the email are ignored; PUT works as PATCH.
	r = e.must(200, "PUT", p, adminToken, map[string]any{"agent": map[string]any{"name": nil, "role": nil, "email": "new@example.com", "availability": "busy"}})
	v = r.JSON(t)
	if str(t, v, "name") != "Ann B" || str(t, v, "role") != "administrator" || str(t, v, "email") != "ann@example.com" || str(t, v, "availability_status") != "busy" {
		t.Fatalf("nulls should be ignored: %s", r.Body)
	}
	r = e.must(200, "GET", a1+"/agents", adminToken, nil)
	if str(t, r.JSON(t), "1.name") != "Ann B" {
		t.Fatalf("update not stored: %s", r.Body)
	}

	otherAcct, outsiderToken := e.outsider()
	r = e.must(200, "GET", fmt.Sprintf("%s/accounts/%d/account_users", plat, otherAcct), platformToken, nil)
	olgaID := num(t, r.JSON(t), "0.user_id")
	_, agentToken := e.memberAgent("Eve Agent")
	e.expectRefusals([]authCase{
		{"PATCH", p, adminToken, map[string]any{"name": "  "}, 422, `{"message":"Name can't be blank","attributes":["name"]}`},
		{"PATCH", p, adminToken, map[string]any{"availability": "away"}, 422, `{"message":"Availability is not included in the list","attributes":["availability"]}`},
		{"PATCH", p, adminToken, map[string]any{}, 422, `{"error":"param is missing or the value is empty: agent"}`},
		{"PATCH", a1 + "/agents/999", adminToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"PATCH", fmt.Sprintf("%s/agents/%d", a1, olgaID), adminToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"PATCH", p, "", map[string]any{"name": "X"}, 401, errNoToken},
		{"PATCH", p, outsiderToken, map[string]any{"name": "X"}, 401, errNotMember},
		{"PATCH", p, agentToken, map[string]any{"name": "X"}, 401, errNotAdmin},
	})
	r = e.must(200, "GET", a1+"/agents", adminToken, nil)
	if str(t, r.JSON(t), "1.name") != "Ann B" || str(t, r.JSON(t), "1.availability_status") != "busy" {
		t.Fatalf("refused updates changed the agent: %s", r.Body)
	}
}

func TestAgentDelete(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": "Ann", "email": "ann@example.com"})
	annID := num(t, r.JSON(t), "id")
	// An agent who also belongs to another account keeps their user.
	otherAcct := e.platformAccount("Other")
	bobID, _ := e.memberAgent("Bob Both")
	e.platformMember(otherAcct, bobID, "agent")
	// Ann is assigned a conversation; removing her unassigns it.
	convID, _ := e.newConversation(e.apiInbox("API"), "hello")
	e.must(200, "POST", fmt.Sprintf("%s/conversations/%d/assignments", a1, convID), adminToken, map[string]any{"assignee_id": annID})

	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	p := fmt.Sprintf("%s/agents/%d", a1, annID)
	e.expectRefusals([]authCase{
		{"DELETE", a1 + "/agents/999", adminToken, nil, 404, errNotFound},
		{"DELETE", p, "", nil, 401, errNoToken},
		{"DELETE", p, outsiderToken, nil, 401, errNotMember},
		{"DELETE", p, agentToken, nil, 401, errNotAdmin},
	})

	r = e.must(200, "DELETE", p, adminToken, nil)
	if len(r.Body) != 0 {
		t.Fatalf("delete answered a body: %s", r.Body)
	}
	e.must(404, "GET", fmt.Sprintf("%s/users/%d", plat, annID), platformToken, nil) // no account left: user deleted
	r = e.must(200, "GET", fmt.Sprintf("%s/conversations/%d", a1, convID), adminToken, nil)
	if _, assigned := r.Obj(t)["meta"].(map[string]any)["assignee"]; assigned {
		t.Fatalf("conversation still assigned: %s", r.Body)
	}

	e.must(200, "DELETE", fmt.Sprintf("%s/agents/%d", a1, bobID), adminToken, nil)
	r = e.must(200, "GET", fmt.Sprintf("%s/users/%d", plat, bobID), platformToken, nil) // still in the other account
	if n := len(path(t, r.JSON(t), "accounts").([]any)); n != 1 {
		t.Fatalf("Bob should keep one account: %s", r.Body)
	}
	r = e.must(200, "GET", a1+"/agents", adminToken, nil)
	if n := len(r.JSON(t).([]any)); n != 2 { // Administrator and Eve
		t.Fatalf("%d agents left, want 2: %s", n, r.Body)
	}
	e.must(404, "DELETE", p, adminToken, nil)
}
