// Package webhook turns recorded events into deliveries and sends them:
// payloads are built and deliveries written in the transaction of the
// change (a transactional outbox), then sent after commit.
package webhook

import (
	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// Sink is the chat.EventSink that builds each event's payload and writes a
// delivery for each of its targets, inside the event's transaction.
type Sink struct {
	// Notify, when set, is called after commit with the new deliveries'
	// ids, so they can be sent at once rather than found by a sweep.
	Notify func(ids []int64)
}

var _ chat.EventSink = (*Sink)(nil)

// Prepare builds the payload from the state the transaction leaves behind.
func (s *Sink) Prepare(tx chat.Tx, ev *chat.Event) error {
	p, err := event.Build(tx, ev)
	if err != nil {
		return err
	}
	ev.Payload = p
	return nil
}

// Recorded writes one pending delivery per target of the event.
func (s *Sink) Recorded(tx chat.Tx, ev *chat.Event) error {
	targets, err := Targets(tx, ev)
	if err != nil || len(targets) == 0 {
		return err
	}
	ds := make([]chat.Delivery, len(targets))
	for i, t := range targets {
		ds[i] = chat.Delivery{
			UUID: chat.NewUUID(), EventID: ev.ID, AccountID: ev.AccountID, WebhookID: t.WebhookID, InboxID: t.InboxID,
			URL: t.URL, Status: chat.DeliveryPending, NextAttemptAt: ev.CreatedAt, CreatedAt: ev.CreatedAt, UpdatedAt: ev.CreatedAt,
		}
	}
	if err := tx.InsertDeliveries(ds); err != nil {
		return err
	}
	if s.Notify != nil {
		ids := make([]int64, len(ds))
		for i := range ds {
			ids[i] = ds[i].ID
		}
		tx.AfterCommit(func() { s.Notify(ids) })
	}
	return nil
}

// Target is where one delivery goes.
type Target struct {
	WebhookID int64 // an account webhook, or
	InboxID   int64 // an API inbox's webhook_url
	URL       string
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
		if hooks[i].Subscribed(ev.Name, ev.InboxID) {
			out = append(out, Target{WebhookID: hooks[i].ID, URL: hooks[i].URL})
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
		out = append(out, Target{InboxID: inbox.ID, URL: inbox.API.WebhookURL})
	}
	return out, nil
}
