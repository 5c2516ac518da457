package chat

import "time"

// Webhook event names, in the order Chatwoot lists its subscriptions.
const (
	EventConversationStatusChanged = "conversation_status_changed"
	EventConversationUpdated       = "conversation_updated"
	EventConversationCreated       = "conversation_created"
	EventContactCreated            = "contact_created"
	EventContactUpdated            = "contact_updated"
	EventMessageCreated            = "message_created"
	EventMessageUpdated            = "message_updated"
	EventWebwidgetTriggered        = "webwidget_triggered"
	EventInboxCreated              = "inbox_created"
	EventInboxUpdated              = "inbox_updated"
	EventConversationTypingOn      = "conversation_typing_on"
	EventConversationTypingOff     = "conversation_typing_off"
)

// EventNames lists every event name a webhook may subscribe to.
var EventNames = []string{
	EventConversationStatusChanged, EventConversationUpdated, EventConversationCreated,
	EventContactCreated, EventContactUpdated, EventMessageCreated, EventMessageUpdated,
	EventWebwidgetTriggered, EventInboxCreated, EventInboxUpdated,
	EventConversationTypingOn, EventConversationTypingOff,
}

// Event records that a change happened. It is written in the transaction of
// the change (a transactional outbox), so an event exists exactly when its
// change was committed. The subject ids say what the payload is built from.
type Event struct {
	ID        int64
	Name      string
	AccountID int64
	InboxID   int64 // 0 for account-wide events
	CreatedAt time.Time

	ConversationID int64 // row id
	MessageID      int64
	ContactID      int64
	ContactInboxID int64
	// Changes lists changed attributes in column order (updated events).
	Changes []Change
	// ActorType and ActorID name who acted ("User" or "Contact"), for typing events.
	ActorType string
	ActorID   int64
	IsPrivate bool
	// Info is extra data the source supplied (webwidget_triggered's event_info).
	Info JSON
	// Payload is the JSON body delivered to webhooks; the EventSink sets it.
	Payload []byte
	// Conversation is the event's conversation as the operation left it,
	// when the operation had already loaded it; payload builders use it
	// rather than read it again. Not stored.
	Conversation *ConversationDetail
	// Message is the event's message with its sender, when the operation
	// has it at hand. Not stored.
	Message *MessageDetail
}

// Change is one changed attribute with its value before and after.
// Values are Go values: string, bool, int64, time.Time (zero means null),
// JSON, []string or nil.
type Change struct {
	Attr     string
	Previous any
	Current  any
}

// EventSink extends event recording; the webhook layer plugs in here to build
// payloads and route deliveries inside the same transaction.
type EventSink interface {
	// Prepare runs before the event row is written and may set ev.Payload.
	Prepare(tx Tx, ev *Event) error
	// Recorded runs after the row is written (ev.ID is set), in the same
	// transaction.
	Recorded(tx Tx, ev *Event) error
}

// LiveSink hears of each recorded event inside its transaction, to push it
// to live clients (open widgets) once the transaction commits.
type LiveSink interface {
	Recorded(tx Tx, ev *Event) error
}

// DeliveryWatcher is an EventSink that also wants to hear, after commit, of
// changes the delivery log API makes, so that the delivery engine acts on
// them at once rather than at its next poll.
type DeliveryWatcher interface {
	// EndpointEnabled reports an endpoint an administrator re-enabled.
	EndpointEnabled(ep Endpoint)
	// Requeued reports deliveries made pending again (redeliver, recover).
	Requeued()
}
