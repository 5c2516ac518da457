package chat

import (
	"bytes"
	"encoding/json"
	"sort"
)

// JSON is a JSON document stored as bytes. Objects that Chatwoot keeps in
// jsonb columns (additional_attributes, custom_attributes) are stored in
// jsonb's canonical key order, shorter keys first, so that payloads diff
// cleanly against Chatwoot's on either database.
type JSON = json.RawMessage

// EmptyObject is the value of an unset JSON object column.
var EmptyObject = JSON(`{}`)

// CanonicalObject checks that raw is a JSON object (or null, meaning empty)
// and returns it with its keys in jsonb order at every depth. attr names the
// attribute in the validation error.
func CanonicalObject(attr string, raw []byte) (JSON, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return EmptyObject, nil
	}
	if raw[0] != '{' {
		return nil, Invalid([]string{attr}, humanize(attr)+" must be an object")
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, Invalid([]string{attr}, humanize(attr)+" is not valid JSON")
	}
	return MarshalJSONB(v), nil
}

// MarshalJSONB encodes v (as decoded with UseNumber) with object keys in
// jsonb order.
func MarshalJSONB(v any) JSON {
	var buf bytes.Buffer
	writeJSONB(&buf, v)
	return buf.Bytes()
}

func writeJSONB(buf *bytes.Buffer, v any) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}
			return keys[i] < keys[j]
		})
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			writeJSONB(buf, t[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSONB(buf, e)
		}
		buf.WriteByte(']')
	default:
		b, _ := json.Marshal(t)
		buf.Write(b)
	}
}

// MergeObjects returns base with every top-level key of patch set, as Rails'
// Hash#merge does for jsonb attributes. Both must be JSON objects.
func MergeObjects(base, patch JSON) JSON {
	var b, p map[string]any
	if err := decodeNumber(base, &b); err != nil || b == nil {
		b = map[string]any{}
	}
	if err := decodeNumber(patch, &p); err != nil {
		return MarshalJSONB(b)
	}
	for k, v := range p {
		b[k] = v
	}
	return MarshalJSONB(b)
}

// RemoveKeys returns obj without the named top-level keys.
func RemoveKeys(obj JSON, keys []string) JSON {
	var m map[string]any
	if err := decodeNumber(obj, &m); err != nil || m == nil {
		return EmptyObject
	}
	for _, k := range keys {
		delete(m, k)
	}
	return MarshalJSONB(m)
}

func decodeNumber(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// humanize turns an attribute name into the start of a Rails full message:
// "phone_number" becomes "Phone number".
func humanize(attr string) string {
	b := []byte(attr)
	for i, c := range b {
		if c == '_' {
			b[i] = ' '
		}
	}
	if len(b) > 0 && b[0] >= 'a' && b[0] <= 'z' {
		b[0] -= 'a' - 'A'
	}
	return string(b)
}

// member is one key of a JSON object, in document order.
type member struct {
	key string
	val json.RawMessage
}

// members returns an object's keys in document order; nil if obj is not an
// object.
func members(obj JSON) []member {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil || m == nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	dec.Token() // {
	var out []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return out
		}
		out = append(out, member{key: tok.(string), val: v})
	}
	return out
}

func writeMembers(ms []member) JSON {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(m.val)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}

// setKey sets one key of an object kept in insertion order (a json column,
// not jsonb): an existing key keeps its place, a new one goes last.
func setKey(obj JSON, key string, value any) JSON {
	raw, _ := json.Marshal(value)
	ms := members(obj)
	for i := range ms {
		if ms[i].key == key {
			ms[i].val = raw
			return writeMembers(ms)
		}
	}
	return writeMembers(append(ms, member{key: key, val: raw}))
}

// removeKey drops one key of an object kept in insertion order.
func removeKey(obj JSON, key string) JSON {
	ms := members(obj)
	out := ms[:0]
	for _, m := range ms {
		if m.key != key {
			out = append(out, m)
		}
	}
	return writeMembers(out)
}

// CompactObject checks that raw is a JSON object and compacts it, keeping
// its key order (for json columns such as content_attributes).
func CompactObject(attr string, raw []byte) (JSON, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return EmptyObject, nil
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		return nil, Invalid([]string{attr}, humanize(attr)+" must be an object")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, Invalid([]string{attr}, humanize(attr)+" is not valid JSON")
	}
	return buf.Bytes(), nil
}
