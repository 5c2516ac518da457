package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// MessageInput creates a message.
type MessageInput struct {
	Content *string
	// MessageType defaults to outgoing.
	MessageType string
	Private     bool
	// ContentType defaults to text.
	ContentType       string
	ContentAttributes JSON
	SourceID          string
	// byContact marks a message the contact sends through the widget or
	// the public client API: incoming in any kind of inbox.
	byContact bool
}

// maxContent is Chatwoot's message length limit, in characters.
const maxContent = 150000

// rejected is a message-create failure: Chatwoot answers these with 422
// {"error": "..."} rather than its validation envelope.
func rejected(format string, args ...any) *Error {
	return &Error{Code: EREJECTED, Message: fmt.Sprintf(format, args...)}
}

// CreateMessage adds a message to a conversation: outgoing (and template)
// messages are sent by the actor, incoming ones by the conversation's
// contact.
func (s *Service) CreateMessage(ctx context.Context, a *Actor, displayID int64, in MessageInput) (*MessageDetail, *ConversationDetail, error) {
	var (
		md *MessageDetail
		cd *ConversationDetail
	)
	err := s.update(WritesTo(ctx, a.AccountID, displayID), func(o *op) error {
		c, err := findConversation(o.tx, a, displayID)
		if err != nil {
			return err
		}
		inbox, err := o.tx.FindInbox(a.AccountID, c.InboxID)
		if err != nil {
			return err
		}
		contact, err := o.tx.FindContact(a.AccountID, c.ContactID)
		if err != nil {
			return err
		}
		if md, err = s.addMessage(o, a, c, inbox, contact, in); err != nil {
			return err
		}
		if cd, err = loadConversation(o.tx, c, inbox, contact, md); err != nil {
			return err
		}
		o.loaded(cd)
		return nil
	})
	return md, cd, err
}

// addMessage creates the message and keeps the conversation the way
// Chatwoot's message callbacks do: reopen on a customer message, last
// activity, waiting time and first reply. c is updated in place.
func (s *Service) addMessage(o *op, a *Actor, c *Conversation, inbox *Inbox, contact *Contact, in MessageInput) (*MessageDetail, error) {
	m := &Message{
		Content: in.Content, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID,
		MessageType: in.MessageType, CreatedAt: o.now, UpdatedAt: o.now, Private: in.Private,
		Status: MessageSent, SourceID: in.SourceID, ContentType: in.ContentType,
		ContentAttributes: in.ContentAttributes, ExternalSourceIDs: EmptyObject,
		AdditionalAttributes: EmptyObject, Sentiment: EmptyObject,
	}
	if m.MessageType == "" {
		m.MessageType = MessageOutgoing
	}
	if m.ContentType == "" {
		m.ContentType = "text"
	}
	ca, err := CompactObject("content_attributes", in.ContentAttributes)
	if err != nil {
		return nil, rejected("content_attributes must be an object")
	}
	m.ContentAttributes = ca
	m.processContent()
	switch {
	case !slices.Contains(MessageTypes, m.MessageType):
		return nil, rejected("'%s' is not a valid message_type", m.MessageType)
	case !slices.Contains(ContentTypes, m.ContentType):
		return nil, rejected("'%s' is not a valid content_type", m.ContentType)
	case m.MessageType == MessageIncoming && inbox.ChannelType != ChannelAPI && !in.byContact:
		return nil, rejected("Incoming messages are only allowed in Api inboxes")
	case m.Content != nil && utf8.RuneCountInString(*m.Content) > maxContent:
		return nil, rejected("Validation failed: Content is too long (maximum is %d characters)", maxContent)
	}
	d := &MessageDetail{Message: m}
	if m.MessageType == MessageIncoming {
		m.SenderType, m.SenderID, d.SenderContact = SenderContact, contact.ID, contact
	} else {
		m.SenderType, m.SenderID, d.SenderUser = SenderUser, a.User.ID, a.User
	}
	if err := o.tx.CreateMessage(m); err != nil {
		return nil, err
	}
	if m.MessageType != MessageActivity {
		o.emit(Event{Name: EventMessageCreated, AccountID: m.AccountID, InboxID: m.InboxID, ConversationID: c.ID, MessageID: m.ID, Message: d})
	}

	before := *c
	if m.MessageType == MessageIncoming && (c.Status == StatusResolved || c.Status == StatusSnoozed) {
		c.Status, c.SnoozedUntil = StatusOpen, time.Time{}
		if err := o.addActivity(c, statusActivity(StatusOpen, "")); err != nil {
			return nil, err
		}
	}
	c.LastActivityAt = m.CreatedAt
	humanReply := m.MessageType == MessageOutgoing && m.SenderType == SenderUser
	switch {
	case humanReply && !m.Private && c.FirstReplyCreatedAt.IsZero():
		c.FirstReplyCreatedAt, c.WaitingSince = m.CreatedAt, time.Time{}
	case humanReply && !m.Private:
		c.WaitingSince = time.Time{}
	case m.MessageType == MessageIncoming && c.WaitingSince.IsZero():
		c.WaitingSince = m.CreatedAt
	}
	if err := o.saveConversation(&before, c); err != nil {
		return nil, err
	}
	if m.SenderType == SenderContact {
		// Chatwoot fires contact_updated for this on every customer message
		// (its issue #11973); Parley keeps the time without the noise.
		contact.LastActivityAt = o.now
		if err := o.tx.UpdateContact(contact); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// Messages lists a conversation's messages: the newest page by default,
// older ones with before, newer ones with after (ids).
func (s *Service) Messages(ctx context.Context, a *Actor, displayID int64, before, after int64) ([]*MessageDetail, *ConversationDetail, error) {
	var (
		list []*MessageDetail
		cd   *ConversationDetail
	)
	err := s.view(ctx, func(tx Tx) error {
		c, err := findConversation(tx, a, displayID)
		if err != nil {
			return err
		}
		if cd, err = LoadConversation(tx, c); err != nil {
			return err
		}
		f := MessageFilter{ConversationID: c.ID, Before: before, After: after, Limit: 20}
		switch {
		case before != 0 && after != 0:
			// Chatwoot's messages_between includes the after id itself
			// (id >= after), unlike after alone.
			f.After, f.Limit = after-1, 1000
		case after != 0:
			f.Limit = 100
		}
		msgs, err := tx.ListMessages(f)
		if err != nil {
			return err
		}
		for i := range msgs {
			d, err := LoadMessage(tx, &msgs[i], cd.Contact)
			if err != nil {
				return err
			}
			list = append(list, d)
		}
		return nil
	})
	return list, cd, err
}

// changeMessage runs fn on a copy of a message and saves it, firing
// message_updated when something changed. allow, when set, vets the
// conversation's inbox before the message is looked up (Chatwoot's
// before_action).
func (s *Service) changeMessage(ctx context.Context, a *Actor, displayID, id int64, allow func(inbox *Inbox) error, fn func(m *Message) error) (*MessageDetail, *ConversationDetail, error) {
	var (
		md *MessageDetail
		cd *ConversationDetail
	)
	err := s.update(ctx, func(o *op) error {
		c, err := findConversation(o.tx, a, displayID)
		if err != nil {
			return err
		}
		inbox, err := o.tx.FindInbox(a.AccountID, c.InboxID)
		if err != nil {
			return err
		}
		if allow != nil {
			if err := allow(inbox); err != nil {
				return err
			}
		}
		before, err := o.tx.FindMessage(c.ID, id)
		if err != nil {
			return err
		}
		after := *before
		if err := fn(&after); err != nil {
			return err
		}
		if len(messageChanges(before, &after)) > 0 {
			after.UpdatedAt = o.now
			after.processContent()
			if err := o.tx.UpdateMessage(&after); err != nil {
				return err
			}
			if after.MessageType != MessageActivity {
				o.emit(Event{Name: EventMessageUpdated, AccountID: after.AccountID, InboxID: after.InboxID, ConversationID: c.ID,
					MessageID: after.ID, Changes: messageChanges(before, &after)})
			}
		}
		if cd, err = loadConversation(o.tx, c, inbox, nil, nil); err != nil {
			return err
		}
		md, err = LoadMessage(o.tx, &after, cd.Contact)
		return err
	})
	return md, cd, err
}

// statusRank orders message statuses; a status never moves back from read
// to delivered, as in Chatwoot.
var statusRank = map[string]int{MessageSent: 0, MessageDelivered: 1, MessageRead: 2, MessageFailed: 3}

// SetMessageStatus records a delivery status reported by an API channel.
// externalError is kept (in content_attributes) only with failed.
// Unknown statuses and read→delivered are ignored, as Chatwoot does.
func (s *Service) SetMessageStatus(ctx context.Context, a *Actor, displayID, id int64, status, externalError string) (*MessageDetail, *ConversationDetail, error) {
	allow := func(inbox *Inbox) error {
		if inbox.ChannelType != ChannelAPI {
			return &Error{Code: EFORBIDDEN, Message: "Message status update is only allowed for API inboxes"}
		}
		return nil
	}
	return s.changeMessage(ctx, a, displayID, id, allow, func(m *Message) error {
		if _, ok := statusRank[status]; !ok || (m.Status == MessageRead && status == MessageDelivered) {
			return nil
		}
		m.Status = status
		// external_error is a store accessor on content_attributes: Rails
		// writes it only when the value differs from the one read (a
		// missing key reads as nil), so a cleared error stays as null.
		var want, cur any
		if status == MessageFailed && externalError != "" {
			want = externalError
		}
		for _, mb := range members(m.ContentAttributes) {
			if mb.key == "external_error" {
				json.Unmarshal(mb.val, &cur)
			}
		}
		if cur != want {
			m.ContentAttributes = setKey(m.ContentAttributes, "external_error", want)
		}
		return nil
	})
}

// deletedContent is what a deleted message says, as in Chatwoot.
const deletedContent = "This message was deleted"

// DeleteMessage blanks a message: its content is replaced and
// content_attributes becomes {"deleted": true}. The row stays.
func (s *Service) DeleteMessage(ctx context.Context, a *Actor, displayID, id int64) (*MessageDetail, *ConversationDetail, error) {
	return s.changeMessage(ctx, a, displayID, id, nil, func(m *Message) error {
		content := deletedContent
		m.Content, m.ContentType = &content, "text"
		m.ContentAttributes = JSON(`{"deleted":true}`)
		return nil
	})
}
