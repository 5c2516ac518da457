package widget

import (
	"github.com/parleyhq/parley/internal/chat"
)

// Live is the chat.LiveSink that turns recorded events into updates for
// open widgets, published after commit, so a widget never hears of a
// change that rolled back.
type Live struct {
	Broker Broker
}

// kinds maps the events a widget shows to its update kinds (Chatwoot's
// ActionCable event names).
var kinds = map[string]string{
	chat.EventMessageCreated:            "message.created",
	chat.EventMessageUpdated:            "message.updated",
	chat.EventConversationTypingOn:      "conversation.typing_on",
	chat.EventConversationTypingOff:     "conversation.typing_off",
	chat.EventConversationStatusChanged: "conversation.status_changed",
	chat.EventConversationCreated:       "conversation.created",
}

// Recorded implements chat.LiveSink.
func (l *Live) Recorded(tx chat.Tx, ev *chat.Event) error {
	kind, ok := kinds[ev.Name]
	if !ok || ev.ConversationID == 0 {
		return nil
	}
	if ev.ActorType == chat.SenderContact || ev.IsPrivate {
		// The visitor's own typing goes to the agents only, and so does
		// an agent typing a private note.
		return nil
	}
	if h, ok := l.Broker.(*Hub); ok && !h.Any() {
		return nil // nobody is watching: skip the lookup
	}
	var c *chat.Conversation
	if ev.Conversation != nil {
		c = ev.Conversation.Conversation
	} else {
		var err error
		if c, err = tx.FindConversationByID(ev.ConversationID); err != nil {
			return err
		}
	}
	if c.ContactInboxID == 0 || !l.Broker.Listening(c.ContactInboxID) {
		return nil
	}
	if web, err := onWebWidget(tx, ev, c); err != nil || !web {
		return err // only a widget visitor has a stream to push to
	}
	u := Update{ContactInboxID: c.ContactInboxID, Kind: kind, ConversationID: c.DisplayID, MessageID: ev.MessageID, Status: c.Status}
	tx.AfterCommit(func() { l.Broker.Publish(u) })
	return nil
}

// onWebWidget reports whether c is a web widget inbox's conversation.
func onWebWidget(tx chat.Tx, ev *chat.Event, c *chat.Conversation) (bool, error) {
	if ev.Conversation != nil && ev.Conversation.Inbox != nil && ev.Conversation.Inbox.ID == c.InboxID {
		return ev.Conversation.Inbox.ChannelType == chat.ChannelWebWidget, nil
	}
	in, err := tx.FindInbox(c.AccountID, c.InboxID)
	if err != nil {
		return false, err
	}
	return in.ChannelType == chat.ChannelWebWidget, nil
}
