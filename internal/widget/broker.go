package widget

import "sync"

// Update is one change an open widget should show: a new or changed
// message, an agent typing, a status change. It names what changed; the
// stream reads the current state itself, so an update is small enough to
// cross instances (a PostgreSQL NOTIFY, say) as it is.
type Update struct {
	ContactInboxID int64  `json:"contact_inbox_id"`
	Kind           string `json:"kind"`            // message.created, message.updated, conversation.typing_on, ...
	ConversationID int64  `json:"conversation_id"` // display id
	MessageID      int64  `json:"message_id,omitempty"`
	Status         string `json:"status,omitempty"`
}

// Broker carries updates to the widgets listening for a contact inbox.
// Hub is the in-process one; a cross-instance broker implements the same
// interface.
type Broker interface {
	Publish(u Update)
	// Subscribe listens for a contact inbox's updates until cancel. The
	// channel closes when the broker drops a listener that fell behind:
	// the widget reconnects and reloads.
	Subscribe(contactInboxID int64) (updates <-chan Update, cancel func())
	// Listening reports whether anyone may be listening for the contact
	// inbox, so publishers skip work nobody would see. A cross-instance
	// broker answers true.
	Listening(contactInboxID int64) bool
}

// Hub is the in-process Broker.
type Hub struct {
	mu   sync.Mutex
	subs map[int64]map[chan Update]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int64]map[chan Update]struct{}{}} }

// hubBuffer is how many updates a listener may lag behind before it is
// dropped; a widget gets a handful per message.
const hubBuffer = 64

// Publish sends u to every listener of its contact inbox without waiting.
func (h *Hub) Publish(u Update) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[u.ContactInboxID] {
		select {
		case ch <- u:
		default:
			// A stalled listener must not hold up the others: drop it.
			h.remove(u.ContactInboxID, ch)
		}
	}
}

// Subscribe implements Broker.
func (h *Hub) Subscribe(id int64) (<-chan Update, func()) {
	ch := make(chan Update, hubBuffer)
	h.mu.Lock()
	if h.subs[id] == nil {
		h.subs[id] = map[chan Update]struct{}{}
	}
	h.subs[id][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		h.remove(id, ch)
		h.mu.Unlock()
	}
}

// remove drops a listener; the caller holds the lock.
func (h *Hub) remove(id int64, ch chan Update) {
	if _, ok := h.subs[id][ch]; !ok {
		return
	}
	delete(h.subs[id], ch)
	close(ch)
	if len(h.subs[id]) == 0 {
		delete(h.subs, id)
	}
}

// Listening implements Broker.
func (h *Hub) Listening(id int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[id]) > 0
}

// Any reports whether anyone listens at all.
func (h *Hub) Any() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) > 0
}
