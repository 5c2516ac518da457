package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Shape comparison of a webhook payload against a real Chatwoot capture:
// the same keys in the same order at every level and the same JSON value
// types (int, float, string, bool, null, object, array). Values may differ.
// Every difference must be covered by an allowance that says why, and every
// allowance must be needed, so the list stays exact.

// jv is a decoded JSON value that keeps object key order and tells
// integers from floats (a float has a point or an exponent, as Ruby and Go
// write them).
type jv struct {
	kind string // object, array, string, int, float, bool or null
	keys []string
	obj  map[string]*jv
	arr  []*jv
}

// parseJV decodes one JSON document; duplicate keys are an error.
func parseJV(b []byte) (*jv, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := readJV(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the JSON value")
	}
	return v, nil
}

func readJV(dec *json.Decoder) (*jv, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			v := &jv{kind: "object", obj: map[string]*jv{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				if _, dup := v.obj[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				child, err := readJV(dec)
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.obj[k] = child
			}
			_, err := dec.Token() // }
			return v, err
		}
		v := &jv{kind: "array"}
		for dec.More() {
			child, err := readJV(dec)
			if err != nil {
				return nil, err
			}
			v.arr = append(v.arr, child)
		}
		_, err := dec.Token() // ]
		return v, err
	case string:
		return &jv{kind: "string"}, nil
	case json.Number:
		if strings.ContainsAny(string(t), ".eE") {
			return &jv{kind: "float"}, nil
		}
		return &jv{kind: "int"}, nil
	case bool:
		return &jv{kind: "bool"}, nil
	case nil:
		return &jv{kind: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// without returns a copy of an object without some keys.
func (v *jv) without(keys ...string) *jv {
	out := &jv{kind: v.kind, obj: map[string]*jv{}}
	for _, k := range v.keys {
		if !slices.Contains(keys, k) {
			out.keys = append(out.keys, k)
			out.obj[k] = v.obj[k]
		}
	}
	return out
}

// shapeDiff is one difference between a capture and Parley's payload.
type shapeDiff struct {
	// Path locates the object or value: "" is the root, "conversation.meta",
	// "messages[]" an array's elements, "changed_attributes.status" an
	// element of a change list.
	Path string
	// Kind is missing (a key only Chatwoot sends), extra (a key only Parley
	// sends), order (the shared keys come in another order), type (another
	// JSON type), length (arrays of another length) or shape (a change list
	// element that is not {attr: {previous_value, current_value}}).
	Kind   string
	Key    string // for missing and extra
	Detail string
}

func (d shapeDiff) String() string {
	where := d.Path
	if where == "" {
		where = "(root)"
	}
	if d.Key != "" {
		return fmt.Sprintf("%s %q at %s", d.Kind, d.Key, where)
	}
	return fmt.Sprintf("%s at %s: %s", d.Kind, where, d.Detail)
}

func joinPath(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// compareShape lists the differences between a capture and a payload.
func compareShape(sample, got *jv) []shapeDiff {
	var out []shapeDiff
	walkShape("", sample, got, &out)
	return out
}

func walkShape(p string, s, g *jv, out *[]shapeDiff) {
	if s.kind != g.kind {
		*out = append(*out, shapeDiff{Path: p, Kind: "type", Detail: fmt.Sprintf("%s in Chatwoot, %s in Parley", s.kind, g.kind)})
		return
	}
	switch s.kind {
	case "object":
		var sharedS, sharedG []string
		for _, k := range s.keys {
			if _, ok := g.obj[k]; ok {
				sharedS = append(sharedS, k)
			} else {
				*out = append(*out, shapeDiff{Path: p, Kind: "missing", Key: k})
			}
		}
		for _, k := range g.keys {
			if _, ok := s.obj[k]; ok {
				sharedG = append(sharedG, k)
			} else {
				*out = append(*out, shapeDiff{Path: p, Kind: "extra", Key: k})
			}
		}
		if !slices.Equal(sharedS, sharedG) {
			*out = append(*out, shapeDiff{Path: p, Kind: "order", Detail: fmt.Sprintf("Chatwoot %v, Parley %v", sharedS, sharedG)})
		}
		for _, k := range sharedS {
			walkShape(joinPath(p, k), s.obj[k], g.obj[k], out)
		}
	case "array":
		if p == "changed_attributes" {
			walkChanges(p, s, g, out)
			return
		}
		if len(s.arr) != len(g.arr) {
			*out = append(*out, shapeDiff{Path: p, Kind: "length", Detail: fmt.Sprintf("%d in Chatwoot, %d in Parley", len(s.arr), len(g.arr))})
		}
		for i := 0; i < min(len(s.arr), len(g.arr)); i++ {
			walkShape(p+"[]", s.arr[i], g.arr[i], out)
		}
	}
}

// walkChanges compares two changed_attributes lists by attribute: each
// element must be {attr: {previous_value, current_value}}; attributes only
// one side lists are missing or extra; the shared ones must come in the
// same order and their values must have the same types.
func walkChanges(p string, s, g *jv, out *[]shapeDiff) {
	attrs := func(side string, v *jv) ([]string, map[string]*jv) {
		var names []string
		m := map[string]*jv{}
		for _, el := range v.arr {
			if el.kind != "object" || len(el.keys) != 1 {
				*out = append(*out, shapeDiff{Path: p, Kind: "shape", Detail: side + ": an element is not a single-key object"})
				continue
			}
			k := el.keys[0]
			val := el.obj[k]
			if val.kind != "object" || !slices.Equal(val.keys, []string{"previous_value", "current_value"}) {
				*out = append(*out, shapeDiff{Path: joinPath(p, k), Kind: "shape", Detail: fmt.Sprintf("%s: keys %v, want [previous_value current_value]", side, val.keys)})
				continue
			}
			names = append(names, k)
			m[k] = val
		}
		return names, m
	}
	sNames, sm := attrs("Chatwoot", s)
	gNames, gm := attrs("Parley", g)
	var sharedS, sharedG []string
	for _, k := range sNames {
		if _, ok := gm[k]; ok {
			sharedS = append(sharedS, k)
		} else {
			*out = append(*out, shapeDiff{Path: p, Kind: "missing", Key: k})
		}
	}
	for _, k := range gNames {
		if _, ok := sm[k]; ok {
			sharedG = append(sharedG, k)
		} else {
			*out = append(*out, shapeDiff{Path: p, Kind: "extra", Key: k})
		}
	}
	if !slices.Equal(sharedS, sharedG) {
		*out = append(*out, shapeDiff{Path: p, Kind: "order", Detail: fmt.Sprintf("Chatwoot %v, Parley %v", sharedS, sharedG)})
	}
	for _, k := range sharedS {
		for _, side := range []string{"previous_value", "current_value"} {
			walkShape(joinPath(joinPath(p, k), side), sm[k].obj[side], gm[k].obj[side], out)
		}
	}
}

// allowance permits differences of one kind at the paths (and, for missing
// and extra, the keys) its patterns match, for a stated reason.
type allowance struct {
	Path   string // a regexp matched against the whole path
	Kind   string
	Key    string // a regexp matched against the whole key; "" for any
	Reason string
}

func (a allowance) matches(d shapeDiff) bool {
	if a.Kind != d.Kind || !regexp.MustCompile("^(?:"+a.Path+")$").MatchString(d.Path) {
		return false
	}
	return a.Key == "" || regexp.MustCompile("^(?:"+a.Key+")$").MatchString(d.Key)
}

// expectShape compares payload with a capture and fails on any difference
// no allowance covers, and on any allowance nothing needed. The test log
// lists each allowed difference with its reason.
func expectShape(t *testing.T, name string, sample, payload []byte, allow []allowance) {
	t.Helper()
	s, err := parseJV(sample)
	if err != nil {
		t.Fatalf("%s: capture: %v", name, err)
	}
	g, err := parseJV(payload)
	if err != nil {
		t.Fatalf("%s: payload: %v\n%s", name, err, payload)
	}
	checkShape(t, name, s, g, allow)
}

// checkShape is expectShape on decoded values (for a part of a payload).
func checkShape(t *testing.T, name string, s, g *jv, allow []allowance) {
	t.Helper()
	used := make([]bool, len(allow))
	for _, d := range compareShape(s, g) {
		i := slices.IndexFunc(allow, func(a allowance) bool { return a.matches(d) })
		if i < 0 {
			t.Errorf("%s: difference not allowed: %s", name, d)
			continue
		}
		used[i] = true
		t.Logf("%s: allowed %s\n    because %s", name, d, allow[i].Reason)
	}
	for i, a := range allow {
		if !used[i] {
			t.Errorf("%s: allowance not needed (remove it): %s at %q key %q", name, a.Kind, a.Path, a.Key)
		}
	}
}
