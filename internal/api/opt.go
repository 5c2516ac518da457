package api

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// Request fields are decoded leniently, as Rails parameters are: numbers may
// come as strings ("3"), booleans as "true"/"1". Opt records whether a field
// was sent at all and whether it was null, which PATCH-style updates and
// "null unassigns" need.

// Opt is an optional request field.
type Opt[T any] struct {
	Set  bool // the key was present
	Null bool // its value was null
	V    T
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.V)
}

// Ptr returns the value's address when it was sent and not null.
func (o Opt[T]) Ptr() *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.V
	return &v
}

// Int is an integer that also accepts a numeric string.
type Int int64

// UnmarshalJSON implements json.Unmarshaler.
func (n *Int) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) > 0 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// Rails turns "12abc" into 12 and garbage into 0; a clear error is
		// kinder to a client with a bug.
		return &fieldError{msg: "must be an integer"}
	}
	*n = Int(v)
	return nil
}

// Bool is a boolean that also accepts "true"/"false", "1"/"0" and 1/0.
type Bool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *Bool) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) > 0 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	switch strings.ToLower(s) {
	case "true", "1", "t", "yes", "on":
		*v = true
	case "false", "0", "f", "no", "off", "":
		*v = false
	default:
		return &fieldError{msg: "must be true or false"}
	}
	return nil
}

// Str is a string that also accepts a number or boolean (kept as written).
// null, as encoding/json's convention has it, changes nothing: in a list
// (labels: [null]) it reads as "", not as the text "null".
type Str string

// UnmarshalJSON implements json.Unmarshaler.
func (v *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = Str(s)
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return &fieldError{msg: "must be a string"}
	}
	*v = Str(b)
	return nil
}

// Object is a JSON object field, kept raw.
type Object json.RawMessage

// UnmarshalJSON implements json.Unmarshaler.
func (o *Object) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return &fieldError{msg: "must be an object"}
	}
	*o = append(Object(nil), b...)
	return nil
}

// Time is a time given as an ISO 8601 string or as Unix seconds.
type Time time.Time

// Unix seconds of 0001-01-01 and 9999-12-31T23:59:59Z: the years an ISO
// 8601 time can write, and the database can store.
const (
	minUnixSeconds = -62135596800
	maxUnixSeconds = 253402300799
)

// unixTime converts Unix seconds (fractional: microseconds are kept) to a
// time; NaN, infinities and times outside years 1 to 9999 are invalid.
func unixTime(f float64) (Time, error) {
	if math.IsNaN(f) || f < minUnixSeconds || f > maxUnixSeconds {
		return Time{}, &fieldError{msg: "must be a time"}
	}
	return Time(time.UnixMicro(int64(math.Round(f * 1e6))).UTC()), nil
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '"' {
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return &fieldError{msg: "must be a time"}
		}
		v, err := unixTime(f)
		if err != nil {
			return err
		}
		*t = v
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		tv, err := unixTime(v)
		if err != nil {
			return err
		}
		*t = tv
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05 MST", "2006-01-02"} {
		if v, err := time.Parse(layout, s); err == nil {
			if v = v.UTC(); v.Year() < 1 || v.Year() > 9999 {
				// A zone offset can push 0001-01-01 or 9999-12-31 out.
				return &fieldError{msg: "must be a time"}
			}
			*t = Time(v)
			return nil
		}
	}
	return &fieldError{msg: "must be a time"}
}

// fieldError is a decoding failure of one field; bind adds the field name.
type fieldError struct{ msg string }

func (e *fieldError) Error() string { return e.msg }

// Attributes is a JSON object that may also come encoded as a string, as
// Chatwoot's content_attributes may; a string that is not a JSON object
// reads as {} (what Chatwoot does with it).
type Attributes json.RawMessage

// UnmarshalJSON implements json.Unmarshaler.
func (a *Attributes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		var probe map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &probe) != nil || probe == nil {
			*a = Attributes(`{}`)
			return nil
		}
		*a = Attributes(s)
		return nil
	}
	if len(b) == 0 || b[0] != '{' {
		return &fieldError{msg: "must be an object"}
	}
	*a = append(Attributes(nil), b...)
	return nil
}
