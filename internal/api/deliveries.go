package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/parleyhq/parley/internal/chat"
)

// The delivery log API (Parley's own; Chatwoot has none). The same five
// routes serve both kinds of delivery target:
//
//	/api/v1/accounts/{account_id}/webhooks/{webhook_id}/...   an account webhook
//	/api/v1/accounts/{account_id}/inboxes/{inbox_id}/webhook/...   an API inbox's webhook_url
//
// deliveries (list), deliveries/{id} (detail), deliveries/{id}/redeliver,
// recover and enable.

// deliveryEndpointJSON is a target's URL and health.
type deliveryEndpointJSON struct {
	URL          *string `json:"url" doc:"where deliveries go now; null when an API inbox has no webhook_url"`
	FailingSince *string `json:"failing_since" doc:"since when every attempt has failed; null while it works"`
	DisabledAt   *string `json:"disabled_at" doc:"when failing for 5 days disabled it; null while enabled"`
}

// deliveryJSON is one entry of a delivery log.
type deliveryJSON struct {
	ID             int64   `json:"id"`
	DeliveryID     string  `json:"delivery_id" doc:"sent as X-Chatwoot-Delivery and webhook-id, the same on every attempt"`
	Event          string  `json:"event" doc:"the event name, or webhook_disabled for the notice of a disabled endpoint"`
	Status         string  `json:"status" doc:"pending, delivered, failed, or notice (a log entry, never sent)"`
	Attempts       int     `json:"attempts" doc:"attempts made"`
	NextAttemptAt  *string `json:"next_attempt_at" doc:"when a pending delivery is tried next"`
	LastStatusCode *int    `json:"last_status_code" doc:"the HTTP status of the last attempt; null when none came"`
	LastError      *string `json:"last_error"`
	CreatedAt      string  `json:"created_at"`
	CompletedAt    *string `json:"completed_at" doc:"when it was delivered or failed for good"`
}

// deliveryDetailJSON is a delivery with the payload it sends and every
// attempt kept. Its attempts key lists the attempts (the list's entries
// carry their count under that key).
type deliveryDetailJSON struct {
	ID             int64           `json:"id"`
	DeliveryID     string          `json:"delivery_id" doc:"sent as X-Chatwoot-Delivery and webhook-id, the same on every attempt"`
	Event          string          `json:"event"`
	Status         string          `json:"status" doc:"pending, delivered, failed or notice"`
	NextAttemptAt  *string         `json:"next_attempt_at"`
	LastStatusCode *int            `json:"last_status_code"`
	LastError      *string         `json:"last_error"`
	CreatedAt      string          `json:"created_at"`
	CompletedAt    *string         `json:"completed_at"`
	Payload        json.RawMessage `json:"payload" doc:"the JSON body every attempt sends, byte for byte"`
	Attempts       []attemptJSON   `json:"attempts" doc:"every attempt kept, oldest first"`
}

// attemptJSON is one attempt and what the receiver answered.
type attemptJSON struct {
	AttemptedAt     string            `json:"attempted_at"`
	StatusCode      *int              `json:"status_code" doc:"null when no response came"`
	LatencyMS       float64           `json:"latency_ms" doc:"from sending to the response head, in milliseconds"`
	ResponseHeaders map[string]string `json:"response_headers" doc:"each header's values joined with \", \""`
	ResponseBody    string            `json:"response_body" doc:"the first 4 KiB of the response body: text, or base64 when response_body_base64 is true"`
	// ResponseBodyBase64 flags a body that is not valid UTF-8.
	ResponseBodyBase64 bool    `json:"response_body_base64" doc:"true when the body is not UTF-8 text and response_body is its base64"`
	Error              *string `json:"error" doc:"why the attempt failed; null on success"`
}

type deliveryListReply struct {
	Payload deliveryListPayload `json:"payload"`
	Meta    deliveryListMeta    `json:"meta"`
}

type deliveryListPayload struct {
	Endpoint   deliveryEndpointJSON `json:"endpoint"`
	Deliveries []deliveryJSON       `json:"deliveries"`
}

type deliveryListMeta struct {
	NextBefore *int64 `json:"next_before" doc:"pass as before for the next page; null on the last page"`
}

type recoverReply struct {
	Payload recoverPayload `json:"payload"`
}

type recoverPayload struct {
	Recovered int `json:"recovered" doc:"deliveries made pending again"`
}

type enableReply struct {
	Payload enablePayload `json:"payload"`
}

type enablePayload struct {
	Endpoint  deliveryEndpointJSON `json:"endpoint"`
	Recovered int                  `json:"recovered" doc:"deliveries made pending again (0 without recover_since)"`
}

// recoverBody is recover's body.
type recoverBody struct {
	Since Opt[Time] `json:"since" doc:"required: resend every delivery that failed for good at or after this time (ISO 8601 or Unix seconds), not in the future"`
}

// enableBody is enable's optional body.
type enableBody struct {
	RecoverSince Opt[Time] `json:"recover_since" doc:"also resend, in the same change, every delivery that failed at or after this time (ISO 8601 or Unix seconds)"`
}

// deliveryQuery is the delivery list's query string.
type deliveryQuery struct {
	Status Opt[Str]  `json:"status"`
	Event  Opt[Str]  `json:"event"`
	Since  Opt[Time] `json:"since"`
	Until  Opt[Time] `json:"until"`
	Before Opt[Int]  `json:"before"`
	Limit  Opt[Int]  `json:"limit"`
}

var deliveryListQuery = []queryParam{
	{"status", "string", "pending, delivered, failed or notice"},
	{"event", "string", "an event name, or webhook_disabled"},
	{"since", "string", "created at or after this time: ISO 8601 or Unix seconds"},
	{"until", "string", "created before this time: ISO 8601 or Unix seconds"},
	{"before", "integer", "the deliveries older than this delivery id: meta.next_before of the previous page"},
	{"limit", "integer", "deliveries a page: 50 by default, 100 at most"},
}

// isoMillis is a time in ISO 8601 UTC with milliseconds, or null.
func isoMillis(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := isoTime(t)
	return &s
}

func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

func newDeliveryEndpointJSON(e *chat.EndpointInfo) deliveryEndpointJSON {
	return deliveryEndpointJSON{URL: optString(e.URL), FailingSince: isoMillis(e.Health.FailingSince), DisabledAt: isoMillis(e.Health.DisabledAt)}
}

func newDeliveryJSON(d *chat.Delivery) deliveryJSON {
	j := deliveryJSON{ID: d.ID, DeliveryID: d.UUID, Event: d.EventName, Status: d.Status, Attempts: d.Attempts,
		LastStatusCode: optInt(d.LastStatusCode), LastError: optString(d.LastError), CreatedAt: isoTime(d.CreatedAt),
		CompletedAt: isoMillis(d.CompletedAt)}
	if d.Status == chat.DeliveryPending {
		j.NextAttemptAt = isoMillis(d.NextAttemptAt)
	}
	return j
}

func newAttemptJSON(a *chat.Attempt) attemptJSON {
	j := attemptJSON{AttemptedAt: isoTime(a.AttemptedAt), StatusCode: optInt(a.StatusCode),
		LatencyMS: float64(a.Latency.Microseconds()) / 1000, ResponseHeaders: map[string]string{}, Error: optString(a.Error)}
	if len(a.ResponseHeaders) > 0 {
		var h map[string]string
		if json.Unmarshal(a.ResponseHeaders, &h) == nil && h != nil {
			j.ResponseHeaders = h
		}
	}
	if utf8.Valid(a.ResponseBody) {
		j.ResponseBody = string(a.ResponseBody)
	} else {
		j.ResponseBody, j.ResponseBodyBase64 = base64.StdEncoding.EncodeToString(a.ResponseBody), true
	}
	return j
}

// encodeDeliveryDetail writes the detail with the payload spliced in as
// the stored bytes: encoding/json would compact and re-escape a
// json.RawMessage, and the log shows exactly what was sent.
func encodeDeliveryDetail(d *chat.DeliveryDetail) (rawJSON, error) {
	item := newDeliveryJSON(&d.Delivery)
	j := deliveryDetailJSON{ID: item.ID, DeliveryID: item.DeliveryID, Event: item.Event, Status: item.Status,
		NextAttemptAt: item.NextAttemptAt, LastStatusCode: item.LastStatusCode, LastError: item.LastError,
		CreatedAt: item.CreatedAt, CompletedAt: item.CompletedAt, Payload: json.RawMessage(`null`), Attempts: []attemptJSON{}}
	for i := range d.Attempts {
		j.Attempts = append(j.Attempts, newAttemptJSON(&d.Attempts[i]))
	}
	b, err := json.Marshal(j)
	if err != nil {
		return nil, err
	}
	payload := bytes.TrimSpace(d.Payload)
	if !json.Valid(payload) {
		// Never expected; still answer valid JSON.
		payload, _ = json.Marshal(string(d.Payload))
	}
	const marker = `"payload":null,`
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return nil, errors.New("delivery detail: no payload key")
	}
	out := make([]byte, 0, len(b)+len(payload))
	out = append(out, b[:i+len(`"payload":`)]...)
	out = append(out, payload...)
	out = append(out, ',')
	out = append(out, b[i+len(marker):]...)
	return rawJSON(out), nil
}

// deliveryTarget reads the endpoint a delivery log route names.
type deliveryTarget func(c *call) (chat.Endpoint, error)

func webhookTarget(c *call) (chat.Endpoint, error) {
	id, err := c.id("webhook_id")
	return chat.Endpoint{WebhookID: id}, err
}

func inboxTarget(c *call) (chat.Endpoint, error) {
	id, err := c.id("inbox_id")
	return chat.Endpoint{InboxID: id}, err
}

// queryFilter reads the delivery list's query string. Empty values are
// ignored, as if absent.
func queryFilter(c *call) (chat.DeliveryFilter, error) {
	params := map[string]json.RawMessage{}
	for k, vs := range c.r.URL.Query() {
		if v := vs[len(vs)-1]; v != "" {
			b, _ := json.Marshal(v)
			params[k] = b
		}
	}
	var q deliveryQuery
	if err := decodeParams(params, &q); err != nil {
		return chat.DeliveryFilter{}, err
	}
	f := chat.DeliveryFilter{Status: string(q.Status.V), Event: string(q.Event.V), Since: time.Time(q.Since.V),
		Until: time.Time(q.Until.V), BeforeID: int64(q.Before.V)}
	var v chat.Validation
	if q.Before.Set && q.Before.V <= 0 {
		v.Add("before", "Before must be a delivery id")
	}
	if q.Limit.Set {
		if q.Limit.V < 1 {
			v.Add("limit", "Limit must be between 1 and 100")
		}
		f.Limit = int(min(q.Limit.V, chat.MaxDeliveryPage))
	}
	return f, v.Err()
}

// checkFirst answers err, unless the endpoint does not exist: a missing
// endpoint is not found whatever the parameters, as Chatwoot finds the
// record before it reads them.
func (s *Server) checkFirst(c *call, ep chat.Endpoint, err error) error {
	if _, ferr := s.svc.Endpoint(c.ctx(), c.actor, ep); ferr != nil {
		return ferr
	}
	return err
}

func (s *Server) listDeliveries(target deliveryTarget) func(*call) (any, error) {
	return func(c *call) (any, error) {
		ep, err := target(c)
		if err != nil {
			return nil, err
		}
		f, err := queryFilter(c)
		if err != nil {
			return nil, s.checkFirst(c, ep, err)
		}
		page, err := s.svc.EndpointDeliveries(c.ctx(), c.actor, ep, f)
		if err != nil {
			return nil, err
		}
		out := deliveryListReply{Payload: deliveryListPayload{Endpoint: newDeliveryEndpointJSON(&page.Endpoint), Deliveries: []deliveryJSON{}}}
		for i := range page.Deliveries {
			out.Payload.Deliveries = append(out.Payload.Deliveries, newDeliveryJSON(&page.Deliveries[i]))
		}
		if page.NextBefore != 0 {
			out.Meta.NextBefore = &page.NextBefore
		}
		return out, nil
	}
}

func (s *Server) showDelivery(target deliveryTarget) func(*call) (any, error) {
	return func(c *call) (any, error) {
		ep, err := target(c)
		if err != nil {
			return nil, err
		}
		id, err := c.id("id")
		if err != nil {
			return nil, err
		}
		d, err := s.svc.Delivery(c.ctx(), c.actor, ep, id)
		if err != nil {
			return nil, err
		}
		return encodeDeliveryDetail(d)
	}
}

func (s *Server) redeliver(target deliveryTarget) func(*call) (any, error) {
	return func(c *call) (any, error) {
		ep, err := target(c)
		if err != nil {
			return nil, err
		}
		id, err := c.id("id")
		if err != nil {
			return nil, err
		}
		d, err := s.svc.Redeliver(c.ctx(), c.actor, ep, id)
		if err != nil {
			return nil, err
		}
		return newDeliveryJSON(d), nil
	}
}

func (s *Server) recoverDeliveries(target deliveryTarget) func(*call) (any, error) {
	return func(c *call) (any, error) {
		ep, err := target(c)
		if err != nil {
			return nil, err
		}
		var b recoverBody
		if err := c.bind(&b); err != nil {
			return nil, s.checkFirst(c, ep, err)
		}
		n, err := s.svc.Recover(c.ctx(), c.actor, ep, time.Time(b.Since.V))
		if err != nil {
			return nil, err
		}
		return recoverReply{Payload: recoverPayload{Recovered: n}}, nil
	}
}

func (s *Server) enableEndpoint(target deliveryTarget) func(*call) (any, error) {
	return func(c *call) (any, error) {
		ep, err := target(c)
		if err != nil {
			return nil, err
		}
		var b enableBody
		if err := c.bind(&b); err != nil {
			return nil, s.checkFirst(c, ep, err)
		}
		info, n, err := s.svc.Enable(c.ctx(), c.actor, ep, time.Time(b.RecoverSince.V))
		if err != nil {
			return nil, err
		}
		return enableReply{Payload: enablePayload{Endpoint: newDeliveryEndpointJSON(info), Recovered: n}}, nil
	}
}
