package chat

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in the api package; nothing else
// decides a status, so an error means the same thing everywhere.
const (
	EINVALID         = "invalid"          // input failed validation
	EBADREQUEST      = "bad_request"      // the request is not readable (bad JSON)
	EREJECTED        = "rejected"         // refused as a whole (Chatwoot's 422 {"error"} form)
	ENOTFOUND        = "not_found"        // the resource does not exist or is not visible
	EUNAUTHENTICATED = "unauthenticated"  // no or unknown access token
	EUNAUTHORIZED    = "unauthorized"     // authenticated, but not allowed
	EFORBIDDEN       = "forbidden"        // the action does not apply to this resource
	ECONFLICT        = "conflict"         // a uniqueness rule was broken
	ETOOLARGE        = "too_large"        // the request body is too big
	ETOOMANY         = "too_many"         // over a rate limit; try again later
	EUNAVAILABLE     = "unavailable"      // shutting down or overloaded; try again
	EINTERNAL        = "internal"         // a bug or an infrastructure failure
	EUNSUPPORTED     = "unsupported_type" // a media type the API does not read
)

// Error is the one error type the domain returns. Message is safe to show a
// user; internal failures carry their cause in Err, which is logged and never
// shown.
type Error struct {
	Code    string
	Message string
	// Attributes names the fields a validation error is about, as Chatwoot's
	// 422 envelope lists them.
	Attributes []string
	Err        error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a formatted, user-visible message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a validation error about the named attributes, with Rails-style
// full messages ("Email has already been taken").
func Invalid(attrs []string, messages ...string) *Error {
	return &Error{Code: EINVALID, Message: strings.Join(messages, ", "), Attributes: attrs}
}

// Validation collects validation failures the way an ActiveRecord model does,
// so that every broken rule of one request is reported at once.
type Validation struct {
	attrs    []string
	messages []string
}

// Add records a failure: attr is the attribute name, msg the full message.
func (v *Validation) Add(attr, msg string) {
	seen := false
	for _, a := range v.attrs {
		if a == attr {
			seen = true
		}
	}
	if !seen {
		v.attrs = append(v.attrs, attr)
	}
	v.messages = append(v.messages, msg)
}

// Err returns nil when nothing failed.
func (v *Validation) Err() error {
	if len(v.messages) == 0 {
		return nil
	}
	return Invalid(v.attrs, v.messages...)
}

// NotFound is the error for anything missing or outside the caller's reach.
func NotFound() *Error {
	return &Error{Code: ENOTFOUND, Message: "Resource could not be found"}
}

// Unauthorized is the error for an action the caller's role does not allow.
func Unauthorized() *Error {
	return &Error{Code: EUNAUTHORIZED, Message: "You are not authorized to do this action"}
}

// Internal wraps an unexpected failure. Its cause is for logs only.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "Internal server error", Err: err}
}

// ErrorCode returns the code of err, EINTERNAL for foreign errors and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// AsError returns err as an *Error, wrapping foreign errors as internal ones.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}
