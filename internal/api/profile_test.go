package api_test

import (
	"fmt"
	"testing"
)

var profileKeys = []string{"access_token", "account_id", "available_name", "avatar_url", "confirmed", "display_name",
	"message_signature", "email", "id", "inviter_id", "name", "provider", "pubsub_token", "role", "ui_settings", "uid",
	"type", "accounts"}

func TestProfile(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "GET", "/api/v1/profile", adminToken, nil)
	wantKeys(t, r.Body, "", profileKeys...)
	wantKeys(t, r.Body, "accounts.0", "id", "name", "status", "active_at", "role", "permissions", "availability",
		"availability_status", "auto_offline", "custom_role_id", "custom_role")
	v := r.JSON(t)
	wantTypes(t, v, "", map[string]string{"access_token": "string", "account_id": "number", "available_name": "string",
		"avatar_url": "string", "confirmed": "bool", "display_name": "null", "message_signature": "null", "email": "string",
		"id": "number", "inviter_id": "null", "name": "string", "provider": "string", "pubsub_token": "string", "role": "string",
		"ui_settings": "object", "uid": "string", "type": "null", "accounts": "array"})
	wantTypes(t, v, "accounts.0", map[string]string{"id": "number", "name": "string", "status": "string", "active_at": "null",
		"role": "string", "permissions": "array", "availability": "string", "availability_status": "string",
		"auto_offline": "bool", "custom_role_id": "null", "custom_role": "null"})
	pubsub := str(t, v, "pubsub_token")
	if str(t, v, "access_token") != adminToken || num(t, v, "account_id") != 1 || str(t, v, "role") != "administrator" ||
		str(t, v, "uid") != str(t, v, "email") || path(t, v, "confirmed") != true || str(t, v, "provider") != "email" ||
		str(t, v, "accounts.0.name") != "Default" || str(t, v, "accounts.0.permissions.0") != "administrator" ||
		str(t, v, "accounts.0.availability_status") != "online" || !base58Token.MatchString(pubsub) {
		t.Fatalf("unexpected profile: %s", r.Body)
	}
	// The pubsub token is stable.
	if again := str(t, e.must(200, "GET", "/api/v1/profile", adminToken, nil).JSON(t), "pubsub_token"); again != pubsub {
		t.Fatalf("pubsub_token changed: %s then %s", pubsub, again)
	}

	// An agent invited through the agents API, busy, with a display name
	// and custom attributes, also in a second account.
	r = e.must(200, "POST", a1+"/agents", adminToken, map[string]any{"name": "Ann", "email": "ann@example.com", "availability": "busy"})
	annID := num(t, r.JSON(t), "id")
	r = e.must(200, "PATCH", fmt.Sprintf("%s/users/%d", plat, annID), platformToken, map[string]any{"display_name": "Annie", "custom_attributes": map[string]any{"desk": 4}})
	token := str(t, r.JSON(t), "access_token")
	other := e.platformAccount("Second")
	e.platformMember(other, annID, "administrator")
	r = e.must(200, "GET", "/api/v1/profile", token, nil)
	wantKeys(t, r.Body, "", "access_token", "account_id", "available_name", "avatar_url", "confirmed", "display_name",
		"message_signature", "email", "id", "inviter_id", "name", "provider", "pubsub_token", "custom_attributes", "role",
		"ui_settings", "uid", "type", "accounts")
	v = r.JSON(t)
	if str(t, v, "available_name") != "Annie" || str(t, v, "display_name") != "Annie" || num(t, v, "inviter_id") != 1 ||
		str(t, v, "role") != "agent" || num(t, v, "custom_attributes.desk") != 4 || len(path(t, v, "accounts").([]any)) != 2 ||
		str(t, v, "accounts.0.availability") != "busy" || str(t, v, "accounts.0.availability_status") != "busy" ||
		num(t, v, "accounts.1.id") != other || str(t, v, "accounts.1.role") != "administrator" || str(t, v, "accounts.1.name") != "Second" {
		t.Fatalf("unexpected agent profile: %s", r.Body)
	}
	if str(t, v, "pubsub_token") == pubsub {
		t.Fatal("two users share a pubsub token")
	}

	e.expectRefusals([]authCase{
		{"GET", "/api/v1/profile", "", nil, 401, errNoToken},
		{"GET", "/api/v1/profile", "nope", nil, 401, errNoToken},
		{"GET", "/api/v1/profile", platformToken, nil, 401, errNoToken},
	})
}
