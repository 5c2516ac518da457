package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/parleyhq/parley/internal/chat"
)

// statusOf is the one place an error code becomes an HTTP status.
var statusOf = map[string]int{
	chat.EINVALID:         http.StatusUnprocessableEntity,
	chat.ECONFLICT:        http.StatusUnprocessableEntity,
	chat.EBADREQUEST:      http.StatusBadRequest,
	chat.EREJECTED:        http.StatusUnprocessableEntity,
	chat.ENOTFOUND:        http.StatusNotFound,
	chat.EUNAUTHENTICATED: http.StatusUnauthorized,
	chat.EUNAUTHORIZED:    http.StatusUnauthorized,
	chat.EFORBIDDEN:       http.StatusForbidden,
	chat.ETOOLARGE:        http.StatusRequestEntityTooLarge,
	chat.ETOOMANY:         http.StatusTooManyRequests,
	chat.EUNSUPPORTED:     http.StatusUnsupportedMediaType,
	chat.EUNAVAILABLE:     http.StatusServiceUnavailable,
	chat.EINTERNAL:        http.StatusInternalServerError,
}

// statusClientClosed is nginx's code for a request the client abandoned.
const statusClientClosed = 499

// validationError is Chatwoot's 422 envelope.
type validationError struct {
	Message    string   `json:"message"`
	Attributes []string `json:"attributes"`
}

// plainError is Chatwoot's envelope for every other error.
type plainError struct {
	Error string `json:"error"`
}

// errorBody returns the status and JSON body for err, in Chatwoot's
// envelopes: 422 {"message", "attributes"}, otherwise {"error"}. Internal
// errors never show their cause.
func errorBody(err error) (int, any) {
	switch {
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		return statusClientClosed, plainError{Error: "Client closed request"}
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, plainError{Error: "The request took too long"}
	}
	e := chat.AsError(err)
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	switch {
	case e.Code == chat.EREJECTED:
		return status, plainError{Error: e.Message}
	case status == http.StatusUnprocessableEntity:
		attrs := e.Attributes
		if attrs == nil {
			attrs = []string{}
		}
		return status, validationError{Message: e.Message, Attributes: attrs}
	case status == http.StatusInternalServerError:
		return status, plainError{Error: "Internal server error"}
	}
	return status, plainError{Error: e.Message}
}
