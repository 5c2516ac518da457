package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/chat"
)

// maxBody caps request bodies. Chatwoot's own limit is far larger because it
// takes attachments inline; Parley's API takes JSON only.
const maxBody = 1 << 20

// params returns the request's parameters as Rails sees them: query string
// parameters, overlaid by the JSON body's top-level keys, overlaid by the
// keys inside the body's wrapper object ({"contact": {...}}) when present.
// Rails' ParamsWrapper makes wrapped and unwrapped bodies equivalent; Parley
// does the same.
func readParams(r *http.Request, wrapper string) (map[string]json.RawMessage, error) {
	out := map[string]json.RawMessage{}
	for k, vs := range r.URL.Query() {
		if strings.HasSuffix(k, "[]") {
			b, _ := json.Marshal(vs)
			out[strings.TrimSuffix(k, "[]")] = b
			continue
		}
		b, _ := json.Marshal(vs[len(vs)-1])
		out[k] = b
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return out, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			// A tighter limit set on the body earlier (the visitor
			// routes') names itself.
			return nil, tooLarge(min(tooBig.Limit, maxBody))
		}
		return nil, &chat.Error{Code: chat.EINVALID, Message: "Request body could not be read", Err: err}
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return out, nil
	}
	if !utf8.Valid(body) {
		// encoding/json turns invalid UTF-8 in strings into U+FFFD, but
		// fields kept as raw JSON (custom attributes, echo_id) would keep
		// the bytes and be stored and echoed as invalid JSON text. Outside
		// strings they are a syntax error either way.
		body = bytes.ToValidUTF8(body, []byte("\uFFFD"))
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(ct, "json") && body[0] != '{' {
		if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return formParams(out, body, wrapper)
		}
		return nil, &chat.Error{Code: chat.EUNSUPPORTED, Message: "Request body must be JSON (Content-Type: application/json)"}
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, &chat.Error{Code: chat.EBADREQUEST, Message: "Request body must be a JSON object"}
	}
	for k, v := range top {
		out[k] = v
	}
	if w, ok := top[wrapper]; ok && wrapper != "" {
		var inner map[string]json.RawMessage
		if json.Unmarshal(w, &inner) == nil && inner != nil {
			for k, v := range inner {
				out[k] = v
			}
		}
	}
	return out, nil
}

// formParams reads a form body: name=x, contact[name]=x and labels[]=a.
func formParams(out map[string]json.RawMessage, body []byte, wrapper string) (map[string]json.RawMessage, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, &chat.Error{Code: chat.EBADREQUEST, Message: "Request body is not a valid form"}
	}
	for k, vs := range vals {
		key := k
		if wrapper != "" && strings.HasPrefix(key, wrapper+"[") && strings.HasSuffix(key, "]") {
			key = key[len(wrapper)+1 : len(key)-1]
		}
		if strings.HasSuffix(key, "[]") {
			b, _ := json.Marshal(vs)
			out[strings.TrimSuffix(key, "[]")] = b
			continue
		}
		b, _ := json.Marshal(vs[len(vs)-1])
		out[key] = b
	}
	return out, nil
}

// decodeParams sets the fields of the struct dst from params by their json
// tags, one field at a time so that an error names its attribute. Keys that
// match no field are ignored, as Rails' strong parameters drop them. Fields
// are read in declaration order, so that the messages of a failure come in
// the same order every time (a map's order is random).
func decodeParams(params map[string]json.RawMessage, dst any) error {
	v := reflect.ValueOf(dst).Elem()
	var bad chat.Validation
	for _, f := range jsonFields(v.Type()) {
		raw, ok := params[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, v.Field(f.index).Addr().Interface()); err != nil {
			bad.Add(f.name, humanName(f.name)+" "+describeDecodeError(err))
		}
	}
	return bad.Err()
}

func describeDecodeError(err error) string {
	var fe *fieldError
	if errors.As(err, &fe) {
		return fe.msg
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		switch te.Type.Kind() {
		case reflect.String:
			return "must be a string"
		case reflect.Slice:
			return "must be an array"
		case reflect.Map, reflect.Struct:
			return "must be an object"
		case reflect.Bool:
			return "must be true or false"
		}
		return "must be a " + te.Type.Kind().String()
	}
	return "is invalid"
}

var fieldCache sync.Map // reflect.Type -> []jsonField

// jsonField is a struct field a request parameter can set.
type jsonField struct {
	name  string
	index int
}

func jsonFields(t reflect.Type) []jsonField {
	if m, ok := fieldCache.Load(t); ok {
		return m.([]jsonField)
	}
	var out []jsonField
	for i := 0; i < t.NumField(); i++ {
		if !t.Field(i).IsExported() {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, jsonField{name, i})
		}
	}
	fieldCache.Store(t, out)
	return out
}

// humanName turns "phone_number" into "Phone number", as Rails messages do.
func humanName(attr string) string {
	s := strings.ReplaceAll(attr, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
