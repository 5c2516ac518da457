package chat

import (
	"context"
	"encoding/json"
	"slices"
	"time"
)

// The visitor's side of conversations: what the widget and the public
// client API do. A visitor reaches only the conversations of its own
// contact inbox; any other is not found.

// visitorConversation loads a conversation of the visitor's contact inbox
// by display id; displayID 0 is the contact inbox's last conversation, and
// nil without error when it has none.
func visitorConversation(tx Tx, v *Visitor, displayID int64) (*Conversation, error) {
	if displayID == 0 {
		return lastOfContactInbox(tx, v)
	}
	c, err := tx.FindConversation(v.Inbox.AccountID, displayID)
	if err != nil {
		return nil, err
	}
	if c.ContactInboxID != v.ContactInbox.ID {
		return nil, NotFound()
	}
	return c, nil
}

// visitorConversations returns the contact inbox's conversations, oldest
// first (by id, as Chatwoot's contact_inbox.conversations).
func visitorConversations(tx Tx, v *Visitor) ([]Conversation, error) {
	var out []Conversation
	const page = 100
	for offset := 0; ; offset += page {
		list, err := tx.ListConversations(ConversationFilter{AccountID: v.Inbox.AccountID, ContactID: v.Contact.ID,
			InboxID: v.Inbox.ID, Status: "all", Offset: offset, Limit: page})
		if err != nil {
			return nil, err
		}
		for _, c := range list {
			if c.ContactInboxID == v.ContactInbox.ID {
				out = append(out, c)
			}
		}
		if len(list) < page {
			break
		}
	}
	slices.SortFunc(out, func(a, b Conversation) int { return int(a.ID - b.ID) })
	return out, nil
}

// visitorConversationOrNone is visitorConversation where no conversation
// at all is not found too.
func visitorConversationOrNone(tx Tx, v *Visitor, displayID int64) (*Conversation, error) {
	c, err := visitorConversation(tx, v, displayID)
	if err == nil && c == nil {
		return nil, NotFound()
	}
	return c, err
}

func lastOfContactInbox(tx Tx, v *Visitor) (*Conversation, error) {
	list, err := visitorConversations(tx, v)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return &list[len(list)-1], nil
}

// VisitorConversations lists the visitor's conversations, oldest first.
func (s *Service) VisitorConversations(ctx context.Context, v *Visitor) ([]*ConversationDetail, error) {
	var out []*ConversationDetail
	err := s.view(ctx, func(tx Tx) error {
		list, err := visitorConversations(tx, v)
		if err != nil {
			return err
		}
		for i := range list {
			d, err := loadConversation(tx, &list[i], v.Inbox, v.Contact, nil)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// VisitorConversation returns one of the visitor's conversations; displayID
// 0 is the last one, nil when there is none.
func (s *Service) VisitorConversation(ctx context.Context, v *Visitor, displayID int64) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.view(ctx, func(tx Tx) error {
		c, err := visitorConversation(tx, v, displayID)
		if err != nil || c == nil {
			return err
		}
		d, err = loadConversation(tx, c, v.Inbox, v.Contact, nil)
		return err
	})
	return d, err
}

// StartConversation opens a conversation for the visitor
// (conversation_created), with an optional first message from the contact.
// contact, when set, first updates the contact (the widget's pre-chat
// form), in the same transaction: all or nothing.
func (s *Service) StartConversation(ctx context.Context, v *Visitor, contact *ContactInput, in ConversationInput) (*ConversationDetail, error) {
	var d *ConversationDetail
	a := v.actor()
	in.Status, in.AssigneeID = "", 0 // a visitor chooses neither
	err := s.update(ctx, func(o *op) error {
		ct := v.Contact
		if contact != nil {
			var err error
			if ct, err = s.updateContactIn(o, ct.AccountID, ct.ID, *contact); err != nil {
				return err
			}
		}
		c, err := s.newConversation(o, a, in, v.ContactInbox, v.Inbox, ct)
		if err != nil {
			return err
		}
		var md *MessageDetail
		if in.Message != nil {
			if md, err = s.addMessage(o, a, c, v.Inbox, ct, contactMessage(*in.Message)); err != nil {
				return err
			}
		}
		if d, err = loadConversation(o.tx, c, v.Inbox, ct, md); err != nil {
			return err
		}
		o.loaded(d)
		return nil
	})
	return d, err
}

// contactMessage is a message input as the contact sends it: incoming,
// public.
func contactMessage(in MessageInput) MessageInput {
	in.MessageType, in.Private, in.byContact = MessageIncoming, false, true
	return in
}

// SendVisitorMessage adds the visitor's message to a conversation.
// displayID 0 is the widget's way: the contact inbox's last conversation,
// or a new one with attrs as its additional attributes when there is none
// (conversation_created, then message_created).
func (s *Service) SendVisitorMessage(ctx context.Context, v *Visitor, displayID int64, in MessageInput, attrs JSON) (*MessageDetail, *ConversationDetail, error) {
	var (
		md *MessageDetail
		cd *ConversationDetail
	)
	a := v.actor()
	err := s.update(v.writesTo(ctx, displayID), func(o *op) error {
		c, err := visitorConversation(o.tx, v, displayID)
		if err != nil {
			return err
		}
		if c == nil {
			if c, err = s.newConversation(o, a, ConversationInput{AdditionalAttributes: attrs}, v.ContactInbox, v.Inbox, v.Contact); err != nil {
				return err
			}
		}
		if md, err = s.addMessage(o, a, c, v.Inbox, v.Contact, contactMessage(in)); err != nil {
			return err
		}
		if cd, err = loadConversation(o.tx, c, v.Inbox, v.Contact, md); err != nil {
			return err
		}
		o.loaded(cd)
		return nil
	})
	return md, cd, err
}

// VisitorMessages lists a conversation's messages as the visitor sees
// them: no private notes. displayID 0 is the last conversation (none: an
// empty list). before pages back by message id.
func (s *Service) VisitorMessages(ctx context.Context, v *Visitor, displayID, before int64) ([]*MessageDetail, *ConversationDetail, error) {
	var (
		list []*MessageDetail
		cd   *ConversationDetail
	)
	err := s.view(ctx, func(tx Tx) error {
		c, err := visitorConversation(tx, v, displayID)
		if err != nil || c == nil {
			return err
		}
		if cd, err = loadConversation(tx, c, v.Inbox, v.Contact, nil); err != nil {
			return err
		}
		msgs, err := tx.ListMessages(MessageFilter{ConversationID: c.ID, Before: before, Limit: 20})
		if err != nil {
			return err
		}
		for i := range msgs {
			if msgs[i].Private {
				continue
			}
			d, err := LoadMessage(tx, &msgs[i], v.Contact)
			if err != nil {
				return err
			}
			list = append(list, d)
		}
		return nil
	})
	return list, cd, err
}

// VisitorMessage reads one message of a visitor's conversation (0: the
// last conversation); private notes are not found.
func (s *Service) VisitorMessage(ctx context.Context, v *Visitor, displayID, id int64) (*MessageDetail, *ConversationDetail, error) {
	var (
		md *MessageDetail
		cd *ConversationDetail
	)
	err := s.view(ctx, func(tx Tx) error {
		c, err := visitorConversationOrNone(tx, v, displayID)
		if err != nil {
			return err
		}
		m, err := tx.FindMessage(c.ID, id)
		if err != nil {
			return err
		}
		if m.Private {
			return NotFound()
		}
		if cd, err = loadConversation(tx, c, v.Inbox, v.Contact, nil); err != nil {
			return err
		}
		md, err = LoadMessage(tx, m, v.Contact)
		return err
	})
	return md, cd, err
}

// SubmitForm records the visitor's answer to an input message (a form,
// options, an email request): content_attributes.submitted_values, or
// submitted_email, which also becomes the contact's email when it has
// none. It fires message_updated.
func (s *Service) SubmitForm(ctx context.Context, v *Visitor, displayID, id int64, values JSON, email string) (*MessageDetail, *ConversationDetail, error) {
	var (
		md *MessageDetail
		cd *ConversationDetail
	)
	err := s.update(v.writesTo(ctx, displayID), func(o *op) error {
		c, err := visitorConversationOrNone(o.tx, v, displayID)
		if err != nil {
			return err
		}
		before, err := o.tx.FindMessage(c.ID, id)
		if err != nil {
			return err
		}
		if before.Private {
			return NotFound()
		}
		after := *before
		if values != nil {
			after.ContentAttributes = setKey(after.ContentAttributes, "submitted_values", json.RawMessage(values))
		}
		if email != "" {
			after.ContentAttributes = setKey(after.ContentAttributes, "submitted_email", email)
			if v.Contact.Email == "" {
				if _, err := s.updateContactIn(o, v.Contact.AccountID, v.Contact.ID, ContactInput{Email: &email}); err != nil {
					return err
				}
			}
		}
		if len(messageChanges(before, &after)) > 0 {
			after.UpdatedAt = o.now
			if err := o.tx.UpdateMessage(&after); err != nil {
				return err
			}
			o.emit(Event{Name: EventMessageUpdated, AccountID: after.AccountID, InboxID: after.InboxID, ConversationID: c.ID,
				MessageID: after.ID, Changes: messageChanges(before, &after)})
		}
		if cd, err = loadConversation(o.tx, c, v.Inbox, nil, nil); err != nil {
			return err
		}
		md, err = LoadMessage(o.tx, &after, cd.Contact)
		return err
	})
	return md, cd, err
}

// VisitorTyping reports the visitor typing (conversation_typing_on/off,
// with the contact as the user).
func (s *Service) VisitorTyping(ctx context.Context, v *Visitor, displayID int64, on bool) error {
	return s.update(v.writesTo(ctx, displayID), func(o *op) error {
		c, err := visitorConversationOrNone(o.tx, v, displayID)
		if err != nil {
			return err
		}
		name := EventConversationTypingOff
		if on {
			name = EventConversationTypingOn
		}
		o.emit(Event{Name: name, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID,
			ActorType: SenderContact, ActorID: v.Contact.ID})
		return nil
	})
}

// VisitorSeen records that the visitor has seen the conversation
// (contact_last_seen_at), without an event, as Chatwoot's update_columns.
func (s *Service) VisitorSeen(ctx context.Context, v *Visitor, displayID int64) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.update(v.writesTo(ctx, displayID), func(o *op) error {
		c, err := visitorConversationOrNone(o.tx, v, displayID)
		if err != nil {
			return err
		}
		c.ContactLastSeenAt = o.now
		if err := o.tx.UpdateConversation(c); err != nil {
			return err
		}
		d, err = loadConversation(o.tx, c, v.Inbox, v.Contact, nil)
		return err
	})
	return d, err
}

// VisitorResolve is the visitor ending the chat: the conversation is
// resolved (an already resolved one stays so), with the activity message
// naming the contact.
func (s *Service) VisitorResolve(ctx context.Context, v *Visitor, displayID int64) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.update(v.writesTo(ctx, displayID), func(o *op) error {
		before, err := visitorConversationOrNone(o.tx, v, displayID)
		if err != nil {
			return err
		}
		after := *before
		after.Labels = slices.Clone(before.Labels)
		if after.Status != StatusResolved {
			after.Status, after.SnoozedUntil = StatusResolved, time.Time{}
			if err := o.addActivity(&after, statusActivity(StatusResolved, v.Contact.Name)); err != nil {
				return err
			}
			if err := o.saveConversation(before, &after); err != nil {
				return err
			}
		}
		if d, err = loadConversation(o.tx, &after, v.Inbox, v.Contact, nil); err != nil {
			return err
		}
		o.loaded(d)
		return nil
	})
	return d, err
}

// WidgetTriggered records that the visitor opened the widget
// (webwidget_triggered, with the widget's event_info).
func (s *Service) WidgetTriggered(ctx context.Context, v *Visitor, info JSON) error {
	// CompactObject keeps the widget's key order, which the payload shows
	// (facts §5: initiated_at, referer, widget_language, ...).
	obj, err := CompactObject("event_info", info)
	if err != nil {
		return err
	}
	return s.update(ctx, func(o *op) error {
		o.emit(Event{Name: EventWebwidgetTriggered, AccountID: v.Inbox.AccountID, InboxID: v.Inbox.ID,
			ContactID: v.Contact.ID, ContactInboxID: v.ContactInbox.ID, Info: obj})
		return nil
	})
}

// writesTo tells the store which conversation a visitor's write is for, when
// the request names one (see WritesTo): its writes then queue with the
// agents' writes to it.
func (v *Visitor) writesTo(ctx context.Context, displayID int64) context.Context {
	if displayID == 0 {
		return ctx
	}
	return WritesTo(ctx, v.Inbox.AccountID, displayID)
}
