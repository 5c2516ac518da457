package chat

import (
	"context"
	"slices"
	"time"
)

// ConversationInput creates a conversation.
type ConversationInput struct {
	InboxID              int64
	ContactID            int64
	SourceID             string
	AdditionalAttributes JSON
	CustomAttributes     JSON
	Status               string
	AssigneeID           int64
	SnoozedUntil         time.Time
	// Message, when set, is the conversation's first message.
	Message *MessageInput
}

// saveConversation writes after (the changed copy of before), stamping
// updated_at, and raises the events Chatwoot raises for such a change:
// conversation_status_changed when the status moved and
// conversation_updated when a watched attribute did.
func (o *op) saveConversation(before, after *Conversation) error {
	if len(conversationChanges(before, after)) == 0 {
		return nil
	}
	after.UpdatedAt = o.now
	if err := o.tx.UpdateConversation(after); err != nil {
		return err
	}
	// Chatwoot moves last_activity_at with update_columns (every message
	// does, activity messages included), so it is never among the
	// changed attributes its events report.
	changes := slices.DeleteFunc(conversationChanges(before, after), func(c Change) bool { return c.Attr == "last_activity_at" })
	ev := Event{AccountID: after.AccountID, InboxID: after.InboxID, ConversationID: after.ID, Changes: changes}
	if before.Status != after.Status {
		ev.Name = EventConversationStatusChanged
		o.emit(ev)
	}
	if triggersConversationUpdated(changes) {
		ev.Name = EventConversationUpdated
		o.emit(ev)
	}
	return nil
}

// findConversation loads a conversation of the actor's account by display id.
func findConversation(tx Tx, a *Actor, displayID int64) (*Conversation, error) {
	return tx.FindConversation(a.AccountID, displayID)
}

// Conversation returns a conversation's detail.
func (s *Service) Conversation(ctx context.Context, a *Actor, displayID int64) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.view(ctx, func(tx Tx) error {
		c, err := findConversation(tx, a, displayID)
		if err != nil {
			return err
		}
		d, err = LoadConversation(tx, c)
		return err
	})
	return d, err
}

// ConversationPage is a page of conversations with the list's counts.
type ConversationPage struct {
	Counts        ConversationCounts
	Conversations []*ConversationDetail
}

// Conversations lists conversations; the counts ignore the assignee filter,
// as Chatwoot's tabs do.
func (s *Service) Conversations(ctx context.Context, a *Actor, f ConversationFilter) (*ConversationPage, error) {
	f.AccountID, f.UserID = a.AccountID, a.User.ID
	if f.Status != "" && f.Status != "all" && !slices.Contains(Statuses, f.Status) {
		return nil, Invalid([]string{"status"}, "Status is not included in the list")
	}
	p := &ConversationPage{}
	err := s.view(ctx, func(tx Tx) error {
		var err error
		if p.Counts, err = tx.CountConversations(f); err != nil {
			return err
		}
		list, err := tx.ListConversations(f)
		if err != nil {
			return err
		}
		for i := range list {
			d, err := LoadConversation(tx, &list[i])
			if err != nil {
				return err
			}
			p.Conversations = append(p.Conversations, d)
		}
		return nil
	})
	return p, err
}

// CreateConversation starts a conversation for a contact in an inbox, found
// by contact_id + inbox_id or by an existing contact inbox's source_id.
func (s *Service) CreateConversation(ctx context.Context, a *Actor, in ConversationInput) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.update(ctx, func(o *op) error {
		ci, inbox, contact, err := s.resolveContactInbox(o, a, in)
		if err != nil {
			return err
		}
		c, err := s.newConversation(o, a, in, ci, inbox, contact)
		if err != nil {
			return err
		}
		if in.Message != nil {
			if _, err := s.addMessage(o, a, c, inbox, contact, *in.Message); err != nil {
				return err
			}
		}
		if d, err = loadConversation(o.tx, c, inbox, contact, nil); err != nil {
			return err
		}
		o.loaded(d)
		return nil
	})
	return d, err
}

func (s *Service) resolveContactInbox(o *op, a *Actor, in ConversationInput) (*ContactInbox, *Inbox, *Contact, error) {
	if in.ContactID != 0 && in.InboxID != 0 {
		contact, err := o.tx.FindContact(a.AccountID, in.ContactID)
		if err != nil {
			return nil, nil, nil, err
		}
		inbox, err := o.tx.FindInbox(a.AccountID, in.InboxID)
		if err != nil {
			return nil, nil, nil, err
		}
		ci, err := s.linkContact(o, contact, inbox, in.SourceID)
		return ci, inbox, contact, err
	}
	if in.SourceID == "" {
		return nil, nil, nil, NotFound()
	}
	// Chatwoot looks the source id up in every inbox; Parley stays inside
	// the caller's account.
	inboxes, err := o.tx.ListInboxes(a.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := range inboxes {
		if in.InboxID != 0 && inboxes[i].ID != in.InboxID {
			continue
		}
		ci, err := o.tx.FindContactInboxBySource(inboxes[i].ID, in.SourceID)
		if ErrorCode(err) == ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, nil, err
		}
		contact, err := o.tx.FindContact(a.AccountID, ci.ContactID)
		return ci, &inboxes[i], contact, err
	}
	return nil, nil, nil, NotFound()
}

func (s *Service) newConversation(o *op, a *Actor, in ConversationInput, ci *ContactInbox, inbox *Inbox, contact *Contact) (*Conversation, error) {
	if inbox.LockToSingleConversation {
		last, err := o.tx.ListConversations(ConversationFilter{AccountID: a.AccountID, ContactID: contact.ID, InboxID: inbox.ID, Status: "all", Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(last) > 0 {
			return &last[0], nil
		}
	}
	c := &Conversation{
		AccountID: a.AccountID, InboxID: inbox.ID, Status: StatusOpen, ContactID: contact.ID, ContactInboxID: ci.ID,
		UUID: NewUUID(), CreatedAt: o.now, UpdatedAt: o.now, LastActivityAt: o.now, WaitingSince: o.now,
		AdditionalAttributes: EmptyObject, CustomAttributes: EmptyObject, Labels: []string{},
	}
	if contact.Blocked {
		c.Status = StatusResolved
	}
	var v Validation
	if in.Status != "" {
		if !slices.Contains(Statuses, in.Status) {
			v.Add("status", "Status is not included in the list")
		}
		c.Status = in.Status
	}
	if c.Status == StatusSnoozed {
		c.SnoozedUntil = in.SnoozedUntil
	}
	for _, attr := range []struct {
		name string
		in   JSON
		dst  *JSON
	}{{"additional_attributes", in.AdditionalAttributes, &c.AdditionalAttributes}, {"custom_attributes", in.CustomAttributes, &c.CustomAttributes}} {
		if attr.in != nil {
			obj, err := CanonicalObject(attr.name, attr.in)
			if err != nil {
				return nil, err
			}
			*attr.dst = obj
		}
	}
	if in.AssigneeID != 0 {
		if _, err := assignable(o.tx, a.AccountID, in.AssigneeID); err != nil {
			return nil, err
		}
		c.AssigneeID = in.AssigneeID
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var err error
	if c.DisplayID, err = o.tx.NextDisplayID(a.AccountID); err != nil {
		return nil, err
	}
	if err := o.tx.CreateConversation(c); err != nil {
		return nil, err
	}
	o.emit(Event{Name: EventConversationCreated, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID})
	return c, nil
}

// assignable returns the user with id if they are an agent of the account.
func assignable(tx Tx, accountID, userID int64) (*User, error) {
	if _, err := tx.FindAccountUser(accountID, userID); err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return nil, Invalid([]string{"assignee_id"}, "Assignee must be an agent of this account")
		}
		return nil, err
	}
	return tx.FindUser(userID)
}
