// Package webhook turns recorded events into deliveries and sends them:
// payloads are built and deliveries written in the transaction of the
// change (a transactional outbox), then handed to the delivery engine after
// commit.
package webhook

import (
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// Sink is the chat.EventSink that builds each event's payload and writes a
// delivery for each of its targets, inside the event's transaction.
type Sink struct {
	// Notify, when set, gets the new deliveries after commit, with all that
	// sending them needs, so they go out at once without being read back.
	Notify func([]chat.Outbound)
	// Engine, when set, hears of re-enabled endpoints and requeued
	// deliveries (chat.DeliveryWatcher).
	Engine *Engine
}

var (
	_ chat.EventSink       = (*Sink)(nil)
	_ chat.DeliveryWatcher = (*Sink)(nil)
)

// EndpointEnabled tells the engine an endpoint was re-enabled.
func (s *Sink) EndpointEnabled(ep chat.Endpoint) {
	if s.Engine != nil {
		s.Engine.EndpointEnabled(ep)
	}
}

// Requeued tells the engine to look for due deliveries now.
func (s *Sink) Requeued() {
	if s.Engine != nil {
		s.Engine.Kick()
	}
}

// Prepare builds the payload from the state the transaction leaves behind.
func (s *Sink) Prepare(tx chat.Tx, ev *chat.Event) error {
	p, err := event.Build(tx, ev)
	if err != nil {
		return err
	}
	ev.Payload = p
	return nil
}

// Recorded writes one pending delivery per target of the event. A target
// that is disabled gets its delivery failed at once, ready for a recovery
// once it is enabled again.
func (s *Sink) Recorded(tx chat.Tx, ev *chat.Event) error {
	targets, err := Targets(tx, ev)
	if err != nil || len(targets) == 0 {
		return err
	}
	ds := make([]chat.Delivery, len(targets))
	for i, t := range targets {
		d := chat.Delivery{
			UUID: chat.NewUUID(), EventID: ev.ID, EventName: ev.Name, AccountID: ev.AccountID, WebhookID: t.WebhookID,
			InboxID: t.InboxID, URL: t.URL, Status: chat.DeliveryPending, NextAttemptAt: ev.CreatedAt,
			CreatedAt: ev.CreatedAt, UpdatedAt: ev.CreatedAt,
		}
		if !t.Health.DisabledAt.IsZero() {
			d.Status, d.NextAttemptAt, d.CompletedAt, d.LastError = chat.DeliveryFailed, time.Time{}, ev.CreatedAt, errDisabled.Error()
		} else if s.Notify != nil && s.Engine != nil {
			// Sent by this instance at once: no other may claim it meanwhile.
			d.LeaseOwner, d.LeaseUntil = s.Engine.LeaseFor(ev.CreatedAt)
		}
		ds[i] = d
	}
	if err := tx.InsertDeliveries(ds); err != nil {
		return err
	}
	if s.Notify == nil {
		return nil
	}
	// Built after the commit: a server database sets the deliveries' ids
	// only then (see chat.Tx.InsertDeliveries).
	tx.AfterCommit(func() {
		out := make([]chat.Outbound, 0, len(ds))
		for i, d := range ds {
			if d.Status != chat.DeliveryPending {
				continue
			}
			t := targets[i]
			out = append(out, chat.Outbound{Delivery: d, Event: ev.Name, Payload: ev.Payload, Secret: t.Secret,
				PreviousSecret: t.PreviousSecret, PreviousSecretExpiresAt: t.PreviousSecretExpiresAt, Health: t.Health})
		}
		if len(out) > 0 {
			s.Notify(out)
		}
	})
	return nil
}

// Target is where one delivery goes, with what signs it.
type Target struct {
	WebhookID int64 // an account webhook, or
	InboxID   int64 // an API inbox's webhook_url
	URL       string

	Secret                  string
	PreviousSecret          string
	PreviousSecretExpiresAt time.Time
	Health                  chat.Health
}

// inboxEvents are the events an API inbox's webhook_url receives: all of
// its conversations', messages' and typing events, with no subscription
// list (as Chatwoot).
var inboxEvents = map[string]bool{
	chat.EventConversationCreated: true, chat.EventConversationUpdated: true, chat.EventConversationStatusChanged: true,
	chat.EventMessageCreated: true, chat.EventMessageUpdated: true, chat.EventWebwidgetTriggered: true,
	chat.EventConversationTypingOn: true, chat.EventConversationTypingOff: true,
}

// Targets lists an event's targets (contract §2): every account webhook
// subscribed to it (and, when the webhook names an inbox, only for that
// inbox's events), then the API inbox's webhook_url for its conversation,
// message and typing events.
func Targets(tx chat.Tx, ev *chat.Event) ([]Target, error) {
	hooks, err := tx.ListWebhooks(ev.AccountID)
	if err != nil {
		return nil, err
	}
	var out []Target
	for i := range hooks {
		h := &hooks[i]
		if h.Subscribed(ev.Name, ev.InboxID) {
			out = append(out, Target{WebhookID: h.ID, URL: h.URL, Secret: h.Secret, PreviousSecret: h.PreviousSecret,
				PreviousSecretExpiresAt: h.PreviousSecretExpiresAt, Health: h.Health})
		}
	}
	if !inboxEvents[ev.Name] || ev.InboxID == 0 {
		return out, nil
	}
	var inbox *chat.Inbox
	if ev.Conversation != nil && ev.Conversation.Inbox != nil && ev.Conversation.Inbox.ID == ev.InboxID {
		inbox = ev.Conversation.Inbox
	} else if inbox, err = tx.FindInbox(ev.AccountID, ev.InboxID); err != nil {
		return nil, err
	}
	if inbox.API != nil && inbox.API.WebhookURL != "" {
		out = append(out, Target{InboxID: inbox.ID, URL: inbox.API.WebhookURL, Secret: inbox.API.Secret, Health: inbox.API.Health})
	}
	return out, nil
}
