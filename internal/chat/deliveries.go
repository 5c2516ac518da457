package chat

import (
	"context"
	"slices"
	"time"
)

// The delivery log: what Parley sent to an endpoint (an account webhook or
// an API inbox's webhook_url), every attempt and its answer, and the
// operations that send again: redeliver one, recover every failure since a
// time, and re-enable an endpoint the engine disabled (contract §3).

// Delivery log page sizes.
const (
	DefaultDeliveryPage = 50
	MaxDeliveryPage     = 100
)

// DeliveryStatuses are the statuses the delivery log filters on.
var DeliveryStatuses = []string{DeliveryPending, DeliveryDelivered, DeliveryFailed, DeliveryNotice}

// EndpointInfo is a delivery target with its URL and health.
type EndpointInfo struct {
	Endpoint
	AccountID int64
	// URL is where deliveries go now: the webhook's url or the inbox's
	// webhook_url ("" when an API inbox has none).
	URL    string
	Health Health
}

// DeliveryPage is one page of an endpoint's delivery log, newest first.
type DeliveryPage struct {
	Endpoint   EndpointInfo
	Deliveries []Delivery
	// NextBefore is the BeforeID of the next page; 0 on the last page.
	NextBefore int64
}

// DeliveryDetail is a delivery with its attempts, oldest first, and the
// payload bytes every attempt sent.
type DeliveryDetail struct {
	Delivery
	Attempts []Attempt
	Payload  []byte
}

// endpointOf returns the endpoint with its URL and health, or ENOTFOUND
// unless it is a webhook of the account or an API inbox of the account.
func endpointOf(tx Tx, accountID int64, ep Endpoint) (*EndpointInfo, error) {
	switch {
	case ep.WebhookID > 0 && ep.InboxID == 0:
		w, err := tx.FindWebhook(accountID, ep.WebhookID)
		if err != nil {
			return nil, err
		}
		return &EndpointInfo{Endpoint: ep, AccountID: accountID, URL: w.URL, Health: w.Health}, nil
	case ep.InboxID > 0 && ep.WebhookID == 0:
		in, err := tx.FindInbox(accountID, ep.InboxID)
		if err != nil {
			return nil, err
		}
		if in.API == nil {
			return nil, NotFound() // only API inboxes have a webhook_url
		}
		return &EndpointInfo{Endpoint: ep, AccountID: accountID, URL: in.API.WebhookURL, Health: in.API.Health}, nil
	}
	return nil, NotFound()
}

// Endpoint returns a delivery target of the actor's account (an account
// webhook, or an API inbox's webhook_url) with its URL and health.
// Administrators only.
func (s *Service) Endpoint(ctx context.Context, a *Actor, ep Endpoint) (*EndpointInfo, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *EndpointInfo
	err := s.view(ctx, func(tx Tx) (err error) {
		out, err = endpointOf(tx, a.AccountID, ep)
		return err
	})
	return out, err
}

// endpointDelivery finds a delivery of the endpoint; one of another
// endpoint or account is not found.
func endpointDelivery(tx Tx, accountID int64, ep Endpoint, id int64) (*Delivery, error) {
	d, err := tx.FindDelivery(accountID, id)
	if err != nil {
		return nil, err
	}
	if d.Endpoint() != ep {
		return nil, NotFound()
	}
	return d, nil
}

// validate checks the filter's values as the delivery log API takes them.
func (f *DeliveryFilter) validate() error {
	var v Validation
	if f.Status != "" && !slices.Contains(DeliveryStatuses, f.Status) {
		v.Add("status", "Status is not included in the list (pending, delivered, failed, notice)")
	}
	if f.Event != "" && f.Event != EventWebhookDisabled && !slices.Contains(EventNames, f.Event) {
		v.Add("event", "Event is not included in the list of event names")
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		v.Add("until", "Until must be after since")
	}
	if f.BeforeID < 0 {
		v.Add("before", "Before must be a delivery id")
	}
	if f.Limit < 0 {
		v.Add("limit", "Limit must be between 1 and 100")
	}
	return v.Err()
}

// EndpointDeliveries returns a page of an endpoint's delivery log, newest
// first, with the endpoint's URL and health. Filter fields left zero do
// not filter; its account and endpoint are the actor's and ep. A Limit of
// 0 means DefaultDeliveryPage, and more than MaxDeliveryPage is cut to it.
// Administrators only.
func (s *Service) EndpointDeliveries(ctx context.Context, a *Actor, ep Endpoint, f DeliveryFilter) (*DeliveryPage, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	f.AccountID, f.Endpoint = a.AccountID, ep
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultDeliveryPage
	case limit > MaxDeliveryPage:
		limit = MaxDeliveryPage
	}
	f.Limit = limit + 1 // one more tells whether a next page exists
	var out *DeliveryPage
	err := s.view(ctx, func(tx Tx) error {
		info, err := endpointOf(tx, a.AccountID, ep)
		if err != nil {
			return err
		}
		if err := f.validate(); err != nil {
			return err
		}
		list, err := tx.ListEndpointDeliveries(f)
		if err != nil {
			return err
		}
		out = &DeliveryPage{Endpoint: *info, Deliveries: list}
		if len(list) > limit {
			out.Deliveries = list[:limit]
			out.NextBefore = list[limit-1].ID
		}
		return nil
	})
	return out, err
}

// Delivery returns one delivery of an endpoint with every attempt
// kept and the payload it sends. Administrators only.
func (s *Service) Delivery(ctx context.Context, a *Actor, ep Endpoint, id int64) (*DeliveryDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *DeliveryDetail
	err := s.view(ctx, func(tx Tx) error {
		if _, err := endpointOf(tx, a.AccountID, ep); err != nil {
			return err
		}
		d, err := endpointDelivery(tx, a.AccountID, ep, id)
		if err != nil {
			return err
		}
		attempts, err := tx.ListAttempts(d.ID)
		if err != nil {
			return err
		}
		ob, err := tx.LoadOutbound(d.ID)
		if err != nil {
			return err
		}
		out = &DeliveryDetail{Delivery: *d, Attempts: attempts, Payload: ob.Payload}
		return nil
	})
	return out, err
}

// errEndpointDisabled refuses to send to a disabled endpoint: the engine
// would fail the delivery at once. Enable (with recover_since) does both.
var errEndpointDisabled = Invalid([]string{"endpoint"},
	"Endpoint is disabled after failing for too long: enable it (with recover_since to send what it missed)")

// errNoURL refuses to send to an API inbox without a webhook_url.
var errNoURL = Invalid([]string{"webhook_url"}, "Webhook url is blank: the inbox has nowhere to send to")

// sendable checks that an endpoint can take deliveries now.
func (e *EndpointInfo) sendable() error {
	if !e.Health.DisabledAt.IsZero() {
		return errEndpointDisabled
	}
	if e.URL == "" {
		return errNoURL
	}
	return nil
}

// Redeliver sends a delivery again, with the same delivery id so that the
// receiver can tell it is the same event: it becomes pending and due now,
// whatever its status was (a pending one is just made due now), and goes
// to the endpoint's current URL. A notice is a log entry, never sent, and
// cannot be redelivered; nor can anything be sent to a disabled endpoint.
// Administrators only.
func (s *Service) Redeliver(ctx context.Context, a *Actor, ep Endpoint, id int64) (*Delivery, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *Delivery
	err := s.update(ctx, func(o *op) error {
		info, err := endpointOf(o.tx, a.AccountID, ep)
		if err != nil {
			return err
		}
		d, err := endpointDelivery(o.tx, a.AccountID, ep, id)
		if err != nil {
			return err
		}
		if d.Status == DeliveryNotice {
			return Invalid([]string{"status"}, "Status notice: a notice is a log entry and cannot be redelivered")
		}
		if err := info.sendable(); err != nil {
			return err
		}
		if _, err := o.tx.Requeue(a.AccountID, ep, d.ID, o.now); err != nil {
			return err
		}
		if out, err = o.tx.FindDelivery(a.AccountID, d.ID); err != nil {
			return err
		}
		s.afterRequeue(o.tx, ep, false, 1)
		return nil
	})
	return out, err
}

// Recover sends again every delivery of an endpoint that failed for good
// at or after since (its completed_at), each with its own delivery id, to
// the endpoint's current URL. It returns how many it requeued. since is
// required and cannot be in the future. Administrators only.
func (s *Service) Recover(ctx context.Context, a *Actor, ep Endpoint, since time.Time) (int, error) {
	if err := a.RequireAdmin(); err != nil {
		return 0, err
	}
	var p recoverPage
	err := s.update(ctx, func(o *op) error {
		p = recoverPage{} // a store may run this more than once
		info, err := endpointOf(o.tx, a.AccountID, ep)
		if err != nil {
			return err
		}
		if err := validSince("since", since, o.now, true); err != nil {
			return err
		}
		if err := info.sendable(); err != nil {
			return err
		}
		if err := s.requeuePage(o, a, ep, since, &p); err != nil {
			return err
		}
		s.afterRequeue(o.tx, ep, false, p.n)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return s.requeueRest(ctx, a, ep, since, p)
}

// RecoverPageDefault is how many deliveries Recover and Enable requeue per
// transaction unless Service.RecoverPage says otherwise.
const RecoverPageDefault = 5000

// recoverPage is the progress of a recovery: deliveries requeued so far,
// the last id taken, and whether the last page came back full.
type recoverPage struct {
	n    int
	last int64
	full bool
}

// requeuePage requeues the next page of a recovery in o.
func (s *Service) requeuePage(o *op, a *Actor, ep Endpoint, since time.Time, p *recoverPage) error {
	limit := s.RecoverPage
	if limit <= 0 {
		limit = RecoverPageDefault
	}
	n, last, err := o.tx.RequeueFailed(a.AccountID, ep, since, p.last, limit, o.now)
	if err != nil {
		return err
	}
	p.n, p.full = p.n+n, n == limit
	if n > 0 {
		p.last = last
	}
	return nil
}

// requeueRest requeues the pages of a recovery after its first, each in a
// transaction of its own, so that recovering millions of deliveries never
// holds the database (and every other write) for long. Once the first page
// has committed the recovery runs to its end even if the caller leaves:
// it always ends, as each page takes ids after the last.
func (s *Service) requeueRest(ctx context.Context, a *Actor, ep Endpoint, since time.Time, p recoverPage) (int, error) {
	ctx = context.WithoutCancel(ctx)
	for p.full {
		before := p
		err := s.update(ctx, func(o *op) error {
			p = before // a store may run this more than once
			if _, err := endpointOf(o.tx, a.AccountID, ep); err != nil {
				return err
			}
			if err := s.requeuePage(o, a, ep, since, &p); err != nil {
				return err
			}
			s.afterRequeue(o.tx, ep, false, p.n-before.n)
			return nil
		})
		if err != nil {
			return p.n, err
		}
	}
	return p.n, nil
}

// Enable re-enables an endpoint, clearing its failure record, and, when
// recoverSince is not zero, recovers what failed since then (deliveries
// refused while it was disabled among them): one call, as contract §3
// promises. The first page of the recovery commits with the enabling. It returns the endpoint as it now is and
// how many deliveries it requeued. Administrators only.
func (s *Service) Enable(ctx context.Context, a *Actor, ep Endpoint, recoverSince time.Time) (*EndpointInfo, int, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, 0, err
	}
	var (
		out *EndpointInfo
		p   recoverPage
	)
	err := s.update(ctx, func(o *op) error {
		p = recoverPage{} // a store may run this more than once
		info, err := endpointOf(o.tx, a.AccountID, ep)
		if err != nil {
			return err
		}
		if err := validSince("recover_since", recoverSince, o.now, false); err != nil {
			return err
		}
		if err := o.tx.SetHealth(a.AccountID, ep, Health{}); err != nil {
			return err
		}
		info.Health = Health{}
		if !recoverSince.IsZero() {
			if info.URL == "" {
				return errNoURL
			}
			if err := s.requeuePage(o, a, ep, recoverSince, &p); err != nil {
				return err
			}
		}
		out = info
		s.afterRequeue(o.tx, ep, true, p.n)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	n, err := s.requeueRest(ctx, a, ep, recoverSince, p)
	return out, n, err
}

// validSince checks a "since" time: not in the future, and given when
// required.
func validSince(attr string, since, now time.Time, required bool) error {
	name := humanAttr(attr)
	switch {
	case since.IsZero() && required:
		return Invalid([]string{attr}, name+" can't be blank")
	case since.After(now):
		return Invalid([]string{attr}, name+" must not be in the future")
	}
	return nil
}

func humanAttr(attr string) string {
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

// afterRequeue tells the delivery engine, once the transaction commits,
// that an endpoint was enabled and that deliveries are due, so it sends
// them now rather than at its next poll.
func (s *Service) afterRequeue(tx Tx, ep Endpoint, enabled bool, requeued int) {
	w, ok := s.Events.(DeliveryWatcher)
	if !ok || (!enabled && requeued == 0) {
		return
	}
	tx.AfterCommit(func() {
		if enabled {
			w.EndpointEnabled(ep)
		}
		if requeued > 0 {
			w.Requeued()
		}
	})
}
