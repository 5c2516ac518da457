package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/chat"
)

// fuzzContentTypes are the Content-Type headers FuzzDecodeParams sends,
// chosen by the fuzzer's first argument.
var fuzzContentTypes = []string{
	"application/json",
	"",
	"application/x-www-form-urlencoded",
	"text/plain",
	"application/json; charset=utf-8",
	"multipart/form-data; boundary=x",
	"application/vnd.api+json",
}

// fuzzTargets are the request bodies the API decodes, each with the key
// Rails would wrap it in.
var fuzzTargets = []struct {
	wrapper string
	new     func() any
}{
	{"contact", func() any { return new(contactBody) }},
	{"conversation", func() any { return new(conversationBody) }},
	{"message", func() any { return new(messageBody) }},
	{"contact_inbox", func() any { return new(contactInboxBody) }},
	{"conversation", func() any { return new(toggleStatusBody) }},
	{"conversation", func() any { return new(togglePriorityBody) }},
	{"assignment", func() any { return new(assignmentBody) }},
	{"conversation", func() any { return new(customAttributesBody) }},
	{"label", func() any { return new(labelsBody) }},
	{"conversation", func() any { return new(typingBody) }},
	{"message", func() any { return new(messageStatusBody) }},
	{"webhook", func() any { return new(webhookBody) }},
	{"inbox", func() any { return new(inboxBody) }},
	{"agent", func() any { return new(agentBody) }},
}

// checkParamsError fails unless err is nil or a *chat.Error, not wrapped,
// whose code the API answers with a 4xx and a message.
func checkParamsError(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	ce, ok := err.(*chat.Error)
	if !ok {
		t.Fatalf("%s: error %T %v, want *chat.Error", what, err, err)
	}
	status, known := statusOf[ce.Code]
	if !known || status < 400 || status > 499 {
		t.Fatalf("%s: error code %q maps to status %d, want a 4xx", what, ce.Code, status)
	}
	if ce.Message == "" {
		t.Fatalf("%s: error without a message: %#v", what, ce)
	}
	if ce.Code == chat.EINVALID && len(ce.Attributes) == 0 {
		t.Fatalf("%s: validation error without attributes: %#v", what, ce)
	}
	if code, _ := errorBody(err); code != status {
		t.Fatalf("%s: errorBody gives %d, statusOf %d", what, code, status)
	}
}

func paramsRequest(contentType, query string, body []byte) *http.Request {
	r := &http.Request{
		Method: http.MethodPost,
		URL:    &url.URL{Path: "/", RawQuery: query},
		Header: http.Header{},
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func FuzzDecodeParams(f *testing.F) {
	seeds := []struct {
		ct    uint8
		query string
		body  string
	}{
		{0, "", `{"name":"Alice","email":"alice@example.com","phone_number":"+15550001111","identifier":"a-1","inbox_id":1}`},
		{0, "", `{"contact":{"name":"Alice","blocked":"true","custom_attributes":{"plan":"pro"}}}`},
		{0, "", `{"contact":{"name":"Alice"},"name":"outer"}`},
		{0, "", `{"inbox_id":"1","contact_id":2,"source_id":"s-1","status":"snoozed","snoozed_until":1781690400,"assignee_id":null}`},
		{0, "", `{"conversation":{"inbox_id":1,"message":{"content":"Hello","message_type":"incoming","content_attributes":"{\"a\":1}"}}}`},
		{0, "", `{"content":"Hi","message_type":"outgoing","private":1,"content_type":"input_select","content_attributes":{"items":[{"title":"a","value":"a"}]},"echo_id":"e-1"}`},
		{0, "", `{"message":{"content":123,"private":"yes","echo_id":{"x":[1,2]}}}`},
		{0, "", `{"snoozed_until":"2026-06-17T10:00:00Z","status":"snoozed"}`},
		{0, "", `{"snoozed_until":"2026-06-17 10:00:00 UTC"}`},
		{0, "", `{"snoozed_until":"NaN"}`},
		{0, "", `{"snoozed_until":1e300}`},
		{0, "", `{"snoozed_until":"-62135596801"}`},
		{0, "", `{"labels":["a","b",null,7,true]}`},
		{0, "", `{"labels":"a"}`},
		{0, "", `{"assignee_id":"12abc"}`},
		{0, "", `{"inbox_id":1.5,"contact_id":-1,"source_id":["x"]}`},
		{0, "", `{"name":{"first":"A"},"blocked":"maybe","custom_attributes":[1],"additional_attributes":"x"}`},
		{0, "", "{\"custom_attributes\":{\"k\":\"\xff\xfe\"},\"name\":\"\xc3\",\"echo_id\":\"\xff\"}"},
		{0, "", `{"content":"\u0000\ud800"}`},
		{0, "", `[]`},
		{0, "", `null`},
		{0, "", `"just a string"`},
		{0, "", `{"name":`},
		{0, "", ``},
		{0, "name=Query&inbox_id=1&labels[]=a&labels[]=b", `{}`},
		{0, "%zz=1&a=%", `{"name":"x"}`},
		{1, "", `{"name":"no content type"}`},
		{2, "", `contact[name]=Form&contact[email]=f%40example.com&labels[]=x&labels[]=y`},
		{2, "", `name=%ZZ`},
		{3, "", `hello`},
		{3, "", `{"name":"text/plain but JSON"}`},
		{5, "", "--x\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nA\r\n--x--"},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.query, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ct uint8, query string, body []byte) {
		contentType := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]
		for _, target := range fuzzTargets {
			params, err := readParams(paramsRequest(contentType, query, body), target.wrapper)
			checkParamsError(t, "readParams", err)
			if err != nil {
				continue
			}
			dst := target.new()
			err = decodeParams(params, dst)
			checkParamsError(t, reflect.TypeOf(dst).Elem().Name(), err)
			checkDecoded(t, reflect.ValueOf(dst).Elem(), reflect.TypeOf(dst).Elem().Name())

			// Decoding is deterministic: the same params give the same
			// value and the same error, messages in the same order.
			again := target.new()
			err2 := decodeParams(params, again)
			if !reflect.DeepEqual(dst, again) || !sameError(err, err2) {
				t.Fatalf("%T: decoding twice differs:\n%#v %v\n%#v %v", dst, dst, err, again, err2)
			}

			// Rails' ParamsWrapper: an object body means the same wrapped.
			var obj map[string]json.RawMessage
			if query != "" || contentType == fuzzContentTypes[2] || json.Unmarshal(body, &obj) != nil || obj == nil {
				continue
			}
			if _, clash := obj[target.wrapper]; clash {
				continue
			}
			// Wrap the bytes as they are: re-encoding would change escapes
			// inside raw JSON fields ("&" against "\u0026").
			wrapped := append([]byte(`{"`+target.wrapper+`":`), bytes.TrimSpace(body)...)
			wrapped = append(wrapped, '}')
			wp, werr := readParams(paramsRequest(contentType, "", wrapped), target.wrapper)
			if werr != nil {
				// Invalid UTF-8 can make the wrapped form differ.
				continue
			}
			wdst := target.new()
			werr = decodeParams(wp, wdst)
			if !reflect.DeepEqual(dst, wdst) || !sameError(err, werr) {
				t.Fatalf("%T: wrapped and unwrapped bodies decode differently:\n%#v %v\n%#v %v", dst, dst, err, wdst, werr)
			}
		}
	})
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ea, eb *chat.Error
	if !errors.As(a, &ea) || !errors.As(b, &eb) {
		return a.Error() == b.Error()
	}
	return ea.Code == eb.Code && ea.Message == eb.Message && slices.Equal(ea.Attributes, eb.Attributes)
}

// checkDecoded fails when a decoded value is one the API must not store or
// echo: a time outside years 1 to 9999 (it would print as no ISO 8601 time),
// or raw JSON that is not valid UTF-8 JSON.
func checkDecoded(t *testing.T, v reflect.Value, at string) {
	t.Helper()
	switch v.Type() {
	case typeTime:
		if y := time.Time(v.Interface().(Time)).Year(); !v.IsZero() && (y < 1 || y > 9999) {
			t.Fatalf("%s: decoded time %v is outside years 1 to 9999", at, time.Time(v.Interface().(Time)))
		}
		return
	case typeRaw, typeObject, typeAttributes:
		if b := v.Bytes(); len(b) > 0 && (!json.Valid(b) || !utf8.Valid(b)) {
			t.Fatalf("%s: decoded raw JSON is not valid UTF-8 JSON: %q", at, b)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				checkDecoded(t, v.Field(i), at+"."+v.Type().Field(i).Name)
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			checkDecoded(t, v.Index(i), at)
		}
	}
}

func decodeBody(t *testing.T, body string, wrapper string, dst any) error {
	t.Helper()
	params, err := readParams(paramsRequest("application/json", "", []byte(body)), wrapper)
	if err != nil {
		return err
	}
	return decodeParams(params, dst)
}

// Failures come in the order of the body type's fields, every time.
func TestDecodeParamsErrorOrder(t *testing.T) {
	for range 20 {
		err := decodeBody(t, `{"custom_attributes":[1],"blocked":"maybe","name":{"a":1},"inbox_id":"x"}`, "contact", new(contactBody))
		var ce *chat.Error
		if !errors.As(err, &ce) {
			t.Fatalf("got %v", err)
		}
		want := []string{"name", "blocked", "custom_attributes", "inbox_id"}
		if !slices.Equal(ce.Attributes, want) || ce.Message != "Name must be a string, Blocked must be true or false, Custom attributes must be an object, Inbox id must be an integer" {
			t.Fatalf("got %v %q, want attributes %v in field order", ce.Attributes, ce.Message, want)
		}
	}
}

func TestDecodeTimeRange(t *testing.T) {
	for _, bad := range []string{`"NaN"`, `"Inf"`, `1e300`, `1e12`, `"1e12"`, `-1e12`, `253402300800`, `-62135596801`,
		`"10000-01-01"`, `"0001-01-01T00:30:00+01:00"`, `"9999-12-31T23:00:00-01:00"`, `"soon"`, `true`} {
		var b toggleStatusBody
		if err := decodeBody(t, `{"snoozed_until":`+bad+`}`, "conversation", &b); err == nil {
			t.Errorf("snoozed_until %s: accepted as %v", bad, time.Time(b.SnoozedUntil.V))
		}
	}
	for in, want := range map[string]string{
		`1781690400.5`:                "2026-06-17T10:00:00.5Z",
		`"1781690400"`:                "2026-06-17T10:00:00Z",
		`"2026-06-17T12:00:00+02:00"`: "2026-06-17T10:00:00Z",
		`"2026-06-17 10:00:00"`:       "2026-06-17T10:00:00Z",
		`253402300799`:                "9999-12-31T23:59:59Z",
		`-62135596800`:                "0001-01-01T00:00:00Z",
	} {
		var b toggleStatusBody
		if err := decodeBody(t, `{"snoozed_until":`+in+`}`, "conversation", &b); err != nil {
			t.Errorf("snoozed_until %s: %v", in, err)
		} else if got := time.Time(b.SnoozedUntil.V).Format(time.RFC3339Nano); got != want {
			t.Errorf("snoozed_until %s = %s, want %s", in, got, want)
		}
	}
}

// Raw JSON fields keep what was sent, but never invalid UTF-8: it would be
// stored and echoed as invalid JSON text.
func TestDecodeInvalidUTF8(t *testing.T) {
	var b messageBody
	if err := decodeBody(t, "{\"echo_id\":\"a\xffb\",\"content_attributes\":{\"k\":\"\xc3\"},\"content\":\"\xfe\"}", "message", &b); err != nil {
		t.Fatal(err)
	}
	if got := string(b.EchoID.V); got != "\"a\uFFFDb\"" {
		t.Errorf("echo_id = %q", got)
	}
	if got := string(b.ContentAttributes.V); got != "{\"k\":\"\uFFFD\"}" {
		t.Errorf("content_attributes = %q", got)
	}
	if got := string(b.Content.V); got != "\uFFFD" {
		t.Errorf("content = %q", got)
	}
}

// null in a list of strings is "", as encoding/json's convention has it,
// not the label "null".
func TestDecodeNullInStringList(t *testing.T) {
	var b labelsBody
	if err := decodeBody(t, `{"labels":[null,"a",1,true]}`, "label", &b); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(b.Labels.V); got != "[ a 1 true]" {
		t.Errorf("labels = %q", got)
	}
}
