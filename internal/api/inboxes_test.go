package api_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var inboxCommonKeys = []string{"id", "avatar_url", "channel_id", "name", "channel_type", "greeting_enabled", "greeting_message",
	"working_hours_enabled", "enable_email_collect", "csat_survey_enabled", "csat_config", "enable_auto_assignment",
	"auto_assignment_config", "out_of_office_message", "working_hours", "timezone", "callback_webhook_url",
	"allow_messages_after_resolved", "lock_to_single_conversation", "sender_name_type", "business_name",
	"widget_color", "website_url", "hmac_mandatory", "welcome_title", "welcome_tagline", "web_widget_script",
	"website_token", "selected_feature_flags", "reply_time"}

func apiInboxKeys(admin bool) []string {
	k := append(append([]string{}, inboxCommonKeys...), "messaging_service_sid", "phone_number")
	if admin {
		k = append(k, "hmac_token", "secret")
	}
	return append(k, "webhook_url", "inbox_identifier", "additional_attributes", "provider")
}

func webInboxKeys(admin bool) []string {
	k := append([]string{}, inboxCommonKeys...)
	if admin {
		k = append(k, "hmac_token")
	}
	return append(k, "pre_chat_form_enabled", "pre_chat_form_options", "continuity_via_email", "messaging_service_sid", "phone_number", "provider")
}

var base58Token = regexp.MustCompile(`^[1-9A-HJ-NP-Za-km-z]{24}$`)

// inboxEvents returns the names and inbox ids of account 1's events after
// an id, as "name:inbox_id".
func (e *testEnv) inboxEvents(after int64) []string {
	var out []string
	for _, ev := range e.events(after) {
		out = append(out, fmt.Sprintf("%s:%d", ev.Name, ev.InboxID))
	}
	return out
}

func TestInboxCreateAPI(t *testing.T) {
	e := newEnv(t)
	start := lastEventID(t, e)
	r := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Support API", "greeting_enabled": true,
		"greeting_message": "Hi", "timezone": "Europe/Paris", "sender_name_type": "professional",
		"channel": map[string]any{"type": "api", "webhook_url": "https://hooks.example.com/in", "hmac_mandatory": true,
			"additional_attributes": map[string]any{"agent_reply_time_window": 24}}})
	wantKeys(t, r.Body, "", apiInboxKeys(true)...)
	v := r.JSON(t)
	wantTypes(t, v, "", map[string]string{"id": "number", "avatar_url": "string", "channel_id": "number", "name": "string",
		"channel_type": "string", "greeting_enabled": "bool", "greeting_message": "string", "working_hours_enabled": "bool",
		"enable_email_collect": "bool", "csat_survey_enabled": "bool", "csat_config": "object", "enable_auto_assignment": "bool",
		"auto_assignment_config": "object", "out_of_office_message": "null", "working_hours": "array", "timezone": "string",
		"callback_webhook_url": "null", "allow_messages_after_resolved": "bool", "lock_to_single_conversation": "bool",
		"sender_name_type": "string", "business_name": "null", "widget_color": "null", "website_url": "null",
		"hmac_mandatory": "bool", "welcome_title": "null", "welcome_tagline": "null", "web_widget_script": "null",
		"website_token": "null", "selected_feature_flags": "null", "reply_time": "null", "messaging_service_sid": "null",
		"phone_number": "null", "hmac_token": "string", "secret": "string", "webhook_url": "string",
		"inbox_identifier": "string", "additional_attributes": "object", "provider": "null"})
	if str(t, v, "channel_type") != "Channel::Api" || str(t, v, "timezone") != "Europe/Paris" || path(t, v, "hmac_mandatory") != true ||
		str(t, v, "sender_name_type") != "professional" || str(t, v, "webhook_url") != "https://hooks.example.com/in" ||
		num(t, v, "additional_attributes.agent_reply_time_window") != 24 || path(t, v, "enable_auto_assignment") != true ||
		path(t, v, "allow_messages_after_resolved") != true || path(t, v, "enable_email_collect") != true {
		t.Fatalf("unexpected inbox: %s", r.Body)
	}
	for _, k := range []string{"hmac_token", "secret", "inbox_identifier"} {
		if !base58Token.MatchString(str(t, v, k)) {
			t.Errorf("%s = %q, want a 24-character base58 token", k, str(t, v, k))
		}
	}
	wantKeys(t, r.Body, "working_hours.0", "day_of_week", "closed_all_day", "open_hour", "open_minutes", "close_hour", "close_minutes", "open_all_day")
	if path(t, v, "working_hours.0.closed_all_day") != true || num(t, v, "working_hours.1.open_hour") != 9 ||
		num(t, v, "working_hours.5.close_hour") != 17 || path(t, v, "working_hours.6.open_hour") != nil {
		t.Fatalf("working hours are not Chatwoot's default: %s", r.Body)
	}
	id := num(t, v, "id")
	if got := fmt.Sprint(e.inboxEvents(start)); got != fmt.Sprintf("[inbox_created:%d]", id) {
		t.Fatalf("events = %s", got)
	}
	// An API inbox without a webhook shows webhook_url null.
	r = e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"inbox": map[string]any{"name": "Quiet", "channel": map[string]any{"type": "api"}}})
	if path(t, r.JSON(t), "webhook_url") != nil || path(t, r.JSON(t), "hmac_mandatory") != false {
		t.Fatalf("defaults: %s", r.Body)
	}
}

func TestInboxCreateWebWidget(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Website",
		"channel": map[string]any{"type": "web_widget", "website_url": "https://shop.example.com", "welcome_title": "Hello",
			"selected_feature_flags": []string{"attachments", "use_inbox_avatar_for_bot"}, "reply_time": "in_a_day"}})
	wantKeys(t, r.Body, "", webInboxKeys(true)...)
	v := r.JSON(t)
	token := str(t, v, "website_token")
	if !base58Token.MatchString(token) || !base58Token.MatchString(str(t, v, "hmac_token")) {
		t.Fatalf("tokens: %s", r.Body)
	}
	if str(t, v, "channel_type") != "Channel::WebWidget" || str(t, v, "widget_color") != "#1f93ff" || str(t, v, "welcome_title") != "Hello" ||
		path(t, v, "welcome_tagline") != nil || str(t, v, "reply_time") != "in_a_day" || path(t, v, "continuity_via_email") != true ||
		path(t, v, "pre_chat_form_enabled") != false || path(t, v, "hmac_mandatory") != false ||
		fmt.Sprint(path(t, v, "selected_feature_flags")) != "[attachments use_inbox_avatar_for_bot]" {
		t.Fatalf("unexpected widget inbox: %s", r.Body)
	}
	if str(t, v, "pre_chat_form_options.pre_chat_message") != "Share your queries or comments here." ||
		str(t, v, "pre_chat_form_options.pre_chat_fields.0.name") != "emailAddress" {
		t.Fatalf("default pre-chat form missing: %s", r.Body)
	}
	script := str(t, v, "web_widget_script")
	if !strings.Contains(script, `var BASE_URL="`+e.URL+`";`) || !strings.Contains(script, "websiteToken: '"+token+"'") ||
		!strings.HasPrefix(script, "\n    <script>") || !strings.Contains(string(r.Body), `\u003cscript\u003e`) {
		t.Fatalf("embed script: %q", script)
	}
	// Behind a TLS proxy the script points at https.
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s%s/inboxes/%d", e.URL, a1, num(t, v, "id")), nil)
	req.Header.Set("api_access_token", adminToken)
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `var BASE_URL=\"https://` + strings.TrimPrefix(e.URL, "http://") + `\"`; !strings.Contains(string(body), want) {
		t.Fatalf("script behind proxy lacks %s: %s", want, body)
	}
}

func TestInboxCreateRefused(t *testing.T) {
	e := newEnv(t)
	start := lastEventID(t, e)
	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	api := map[string]any{"type": "api"}
	// Encoded as Rails encodes it: < and > escaped.
	nameRule := `Name should not start or end with symbols, and it should not have \u003c \u003e / \\ @ characters.`
	e.expectRefusals([]authCase{
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"channel": api}, 422,
			`{"message":"Name can't be blank, ` + nameRule + `","attributes":["name"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "-Support", "channel": api}, 422,
			`{"message":"` + nameRule + `","attributes":["name"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "help@shop", "channel": api}, 422,
			`{"message":"` + nameRule + `","attributes":["name"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Web", "channel": map[string]any{"type": "web_widget"}}, 422,
			`{"message":"Website url can't be blank","attributes":["website_url"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Web", "channel": map[string]any{"type": "web_widget", "website_url": "https://x.example", "reply_time": "never"}}, 422,
			`{"message":"Reply time is not included in the list","attributes":["reply_time"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Mail", "channel": map[string]any{"type": "email"}}, 422,
			`{"message":"Channel must exist","attributes":["channel"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Nothing"}, 422,
			`{"message":"Channel must exist","attributes":["channel"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Zone", "timezone": "Mars/Olympus", "channel": api}, 422,
			`{"message":"Timezone is not included in the list","attributes":["timezone"]}`},
		{"POST", a1 + "/inboxes", adminToken, map[string]any{"name": "Window", "channel": map[string]any{"type": "api", "additional_attributes": map[string]any{"agent_reply_time_window": "0"}}}, 422,
			`{"message":"Agent reply time window agent_reply_time_window must be greater than 0","attributes":["agent_reply_time_window"]}`},
		{"POST", a1 + "/inboxes", "", map[string]any{"name": "X", "channel": api}, 401, errNoToken},
		{"POST", a1 + "/inboxes", outsiderToken, map[string]any{"name": "X", "channel": api}, 401, errNotMember},
		{"POST", a1 + "/inboxes", agentToken, map[string]any{"name": "X", "channel": api}, 401, errNotAdmin},
	})
	if evs := e.inboxEvents(start); len(evs) != 0 {
		t.Fatalf("refused creates recorded events: %v", evs)
	}
	r := e.must(200, "GET", a1+"/inboxes", adminToken, nil)
	if n := len(path(t, r.JSON(t), "payload").([]any)); n != 0 {
		t.Fatalf("refused creates made %d inboxes", n)
	}
}

func TestInboxListAndShow(t *testing.T) {
	e := newEnv(t)
	for _, name := range []string{"beta", "Alpha", "gamma"} {
		e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": name, "channel": map[string]any{"type": "api"}})
	}
	web := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Delta web",
		"channel": map[string]any{"type": "web_widget", "website_url": "https://x.example"}})
	webID := num(t, web.JSON(t), "id")
	_, agentToken := e.memberAgent("Eve Agent")

	r := e.must(200, "GET", a1+"/inboxes", adminToken, nil)
	wantKeys(t, r.Body, "", "payload")
	var names []string
	for _, in := range path(t, r.JSON(t), "payload").([]any) {
		names = append(names, in.(map[string]any)["name"].(string))
	}
	if fmt.Sprint(names) != "[Alpha beta Delta web gamma]" {
		t.Fatalf("inboxes not ordered by lower(name): %v", names)
	}
	wantKeys(t, r.Body, "payload.0", apiInboxKeys(true)...)

	// Agents see every inbox, without secrets.
	r = e.must(200, "GET", a1+"/inboxes", agentToken, nil)
	wantKeys(t, r.Body, "payload.0", apiInboxKeys(false)...)
	wantKeys(t, r.Body, "payload.2", webInboxKeys(false)...)
	if strings.Contains(string(r.Body), "hmac_token") || strings.Contains(string(r.Body), `"secret"`) {
		t.Fatalf("agent sees secrets: %s", r.Body)
	}
	r = e.must(200, "GET", fmt.Sprintf("%s/inboxes/%d", a1, webID), agentToken, nil)
	wantKeys(t, r.Body, "", webInboxKeys(false)...)
	if str(t, r.JSON(t), "website_token") != str(t, web.JSON(t), "website_token") {
		t.Fatalf("website_token is not secret and must show: %s", r.Body)
	}
	r = e.must(200, "GET", fmt.Sprintf("%s/inboxes/%d", a1, webID), adminToken, nil)
	wantKeys(t, r.Body, "", webInboxKeys(true)...)

	otherAcct, outsiderToken := e.outsider()
	other := e.must(200, "POST", fmt.Sprintf("/api/v1/accounts/%d/inboxes", otherAcct), outsiderToken,
		map[string]any{"name": "Theirs", "channel": map[string]any{"type": "api"}})
	otherID := num(t, other.JSON(t), "id")
	e.expectRefusals([]authCase{
		{"GET", a1 + "/inboxes", "", nil, 401, errNoToken},
		{"GET", a1 + "/inboxes", outsiderToken, nil, 401, errNotMember},
		{"GET", fmt.Sprintf("%s/inboxes/%d", a1, webID), "", nil, 401, errNoToken},
		{"GET", fmt.Sprintf("%s/inboxes/%d", a1, webID), outsiderToken, nil, 401, errNotMember},
		{"GET", a1 + "/inboxes/999", adminToken, nil, 404, errNotFound},
		{"GET", fmt.Sprintf("%s/inboxes/%d", a1, otherID), adminToken, nil, 404, errNotFound},
	})
}

func TestInboxUpdate(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Support", "channel": map[string]any{"type": "api"}})
	id := num(t, r.JSON(t), "id")
	hmac := str(t, r.JSON(t), "hmac_token")
	p := fmt.Sprintf("%s/inboxes/%d", a1, id)
	start := lastEventID(t, e)

	r = e.must(200, "PATCH", p, adminToken, map[string]any{"name": "Support 2", "greeting_enabled": true, "greeting_message": "Welcome",
		"enable_auto_assignment": false, "business_name": "Acme"})
	wantKeys(t, r.Body, "", apiInboxKeys(true)...)
	v := r.JSON(t)
	if str(t, v, "name") != "Support 2" || path(t, v, "greeting_enabled") != true || str(t, v, "greeting_message") != "Welcome" ||
		path(t, v, "enable_auto_assignment") != false || str(t, v, "business_name") != "Acme" || str(t, v, "hmac_token") != hmac {
		t.Fatalf("update not applied: %s", r.Body)
	}
	if got, want := fmt.Sprint(e.inboxEvents(start)), fmt.Sprintf("[inbox_updated:%d]", id); got != want {
		t.Fatalf("events = %s, want %s", got, want)
	}

	// A channel-only change is an update too; "null" clears like null.
	start = lastEventID(t, e)
	r = e.must(200, "PUT", p, adminToken, map[string]any{"greeting_message": "null", "channel": map[string]any{"webhook_url": "https://new.example.com/hook", "website_url": "ignored"}})
	if str(t, r.JSON(t), "webhook_url") != "https://new.example.com/hook" || path(t, r.JSON(t), "greeting_message") != nil {
		t.Fatalf("channel update: %s", r.Body)
	}
	r = e.must(200, "PATCH", p, adminToken, map[string]any{"channel": map[string]any{"hmac_mandatory": true}})
	if got := len(e.inboxEvents(start)); got != 2 {
		t.Fatalf("%d events for two updates, want 2", got)
	}

	// Nothing changed: no event.
	start = lastEventID(t, e)
	e.must(200, "PATCH", p, adminToken, map[string]any{"name": "Support 2", "channel": map[string]any{"hmac_mandatory": true}})
	if evs := e.inboxEvents(start); len(evs) != 0 {
		t.Fatalf("no-op update recorded %v", evs)
	}

	// Web widget settings.
	w := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Web", "channel": map[string]any{"type": "web_widget", "website_url": "https://a.example"}})
	wp := fmt.Sprintf("%s/inboxes/%d", a1, num(t, w.JSON(t), "id"))
	r = e.must(200, "PATCH", wp, adminToken, map[string]any{"channel": map[string]any{"widget_color": "#000000", "selected_feature_flags": []string{},
		"pre_chat_form_enabled": true, "webhook_url": "ignored"}})
	v = r.JSON(t)
	if str(t, v, "widget_color") != "#000000" || len(path(t, v, "selected_feature_flags").([]any)) != 0 || path(t, v, "pre_chat_form_enabled") != true {
		t.Fatalf("widget update: %s", r.Body)
	}

	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	start = lastEventID(t, e)
	e.expectRefusals([]authCase{
		{"PATCH", p, adminToken, map[string]any{"name": ""}, 422, `{"message":"Name can't be blank, Name should not start or end with symbols, and it should not have \u003c \u003e / \\ @ characters.","attributes":["name"]}`},
		{"PATCH", p, adminToken, map[string]any{"sender_name_type": "robotic"}, 422, `{"message":"Sender name type is not included in the list","attributes":["sender_name_type"]}`},
		{"PATCH", p, adminToken, map[string]any{"greeting_message": strings.Repeat("x", 10001)}, 422, `{"message":"Greeting message is too long (maximum is 10000 characters)","attributes":["greeting_message"]}`},
		{"PATCH", wp, adminToken, map[string]any{"name": "Renamed", "channel": map[string]any{"website_url": ""}}, 422, `{"message":"Website url can't be blank","attributes":["website_url"]}`},
		{"PATCH", a1 + "/inboxes/999", adminToken, map[string]any{"name": "X"}, 404, errNotFound},
		{"PATCH", p, "", map[string]any{"name": "X"}, 401, errNoToken},
		{"PATCH", p, outsiderToken, map[string]any{"name": "X"}, 401, errNotMember},
		{"PATCH", p, agentToken, map[string]any{"name": "X"}, 401, errNotAdmin},
	})
	if evs := e.inboxEvents(start); len(evs) != 0 {
		t.Fatalf("refused updates recorded %v", evs)
	}
	r = e.must(200, "GET", wp, adminToken, nil)
	if str(t, r.JSON(t), "name") != "Web" || str(t, r.JSON(t), "website_url") != "https://a.example" {
		t.Fatalf("a refused update is all or nothing: %s", r.Body)
	}
}

func TestInboxDelete(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Support", "channel": map[string]any{"type": "api"}})
	p := fmt.Sprintf("%s/inboxes/%d", a1, num(t, r.JSON(t), "id"))
	_, agentToken := e.memberAgent("Eve Agent")
	_, outsiderToken := e.outsider()
	e.expectRefusals([]authCase{
		{"DELETE", p, "", nil, 401, errNoToken},
		{"DELETE", p, outsiderToken, nil, 401, errNotMember},
		{"DELETE", p, agentToken, nil, 401, errNotAdmin},
		{"DELETE", a1 + "/inboxes/999", adminToken, nil, 404, errNotFound},
	})
	r = e.must(200, "DELETE", p, adminToken, nil)
	if string(r.Body) != `{"message":"Your inbox deletion request will be processed in some time."}` {
		t.Fatalf("delete answer: %s", r.Body)
	}
	e.must(404, "GET", p, adminToken, nil)
	e.must(404, "DELETE", p, adminToken, nil)
}

// The contact create response embeds the raw inbox record.
func TestRawInboxInContactCreate(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "POST", a1+"/inboxes", adminToken, map[string]any{"name": "Support", "channel": map[string]any{"type": "api"}})
	inboxID := num(t, r.JSON(t), "id")
	r = e.must(200, "POST", a1+"/contacts", adminToken, map[string]any{"name": "Carol", "inbox_id": inboxID})
	wantKeys(t, r.Body, "payload.contact_inbox.inbox", "id", "channel_id", "account_id", "name", "created_at", "updated_at",
		"channel_type", "enable_auto_assignment", "greeting_enabled", "greeting_message", "email_address", "working_hours_enabled",
		"out_of_office_message", "timezone", "enable_email_collect", "csat_survey_enabled", "allow_messages_after_resolved",
		"auto_assignment_config", "lock_to_single_conversation", "portal_id", "sender_name_type", "business_name", "csat_config")
	v := r.JSON(t)
	iso := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if c := str(t, v, "payload.contact_inbox.inbox.created_at"); !iso.MatchString(c) {
		t.Fatalf("created_at %q is not ISO 8601 with milliseconds", c)
	}
	wantTypes(t, v, "payload.contact_inbox.inbox", map[string]string{"id": "number", "updated_at": "string", "greeting_message": "null",
		"email_address": "null", "portal_id": "null", "sender_name_type": "string", "csat_config": "object", "auto_assignment_config": "object"})
	// The contact's inboxes use the partial.
	wantKeys(t, r.Body, "payload.contact.contact_inboxes.0.inbox", apiInboxKeys(true)...)
}
