package chat

import "context"

// ConversationDetail is a conversation with everything its JSON and its
// webhook payloads show: inbox, contact, assignee, the last message and the
// unread count.
type ConversationDetail struct {
	Conversation *Conversation
	Account      *Account
	Inbox        *Inbox
	Contact      *Contact
	ContactInbox *ContactInbox // nil when the conversation has none
	Assignee     *User         // nil when unassigned
	// AssigneeMembership is the assignee's membership of the account.
	AssigneeMembership *AccountUser
	// LastMessage is the newest public, non-activity message, or nil.
	LastMessage *MessageDetail
	// UnreadCount counts incoming messages the agents have not seen, up to 10.
	UnreadCount int
}

// MessageDetail is a message with its sender.
type MessageDetail struct {
	Message *Message
	// Exactly one of these is set when the message has a sender.
	SenderContact *Contact
	SenderUser    *User
}

// UnreadCap is where Chatwoot stops counting unread messages (the
// conversation JSON's unread_count never exceeds it).
const UnreadCap = 10

// LoadConversation gathers a conversation's detail in tx.
func LoadConversation(tx Tx, c *Conversation) (*ConversationDetail, error) {
	return loadConversation(tx, c, nil, nil, nil)
}

// loadConversation is LoadConversation reusing what the caller has already
// read in the same transaction (nil to look it up): the inbox, the contact,
// and a message just added, which is the last chat message when it is
// public and not an activity.
func loadConversation(tx Tx, c *Conversation, inbox *Inbox, contact *Contact, added *MessageDetail) (*ConversationDetail, error) {
	d := &ConversationDetail{Conversation: c, Inbox: inbox, Contact: contact}
	var err error
	if d.Account, err = tx.FindAccount(c.AccountID); err != nil {
		return nil, err
	}
	if d.Inbox == nil {
		if d.Inbox, err = tx.FindInbox(c.AccountID, c.InboxID); err != nil {
			return nil, err
		}
	}
	if d.Contact == nil {
		if d.Contact, err = tx.FindContact(c.AccountID, c.ContactID); err != nil {
			return nil, err
		}
	}
	if c.ContactInboxID != 0 {
		if d.ContactInbox, err = tx.FindContactInbox(c.ContactInboxID); err != nil {
			return nil, err
		}
	}
	if c.AssigneeID != 0 {
		d.Assignee, err = tx.FindUser(c.AssigneeID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		d.AssigneeMembership, err = tx.FindAccountUser(c.AccountID, c.AssigneeID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	if added != nil && added.Message.IsChat() && !added.Message.Private {
		d.LastMessage = added
	} else {
		last, err := tx.LastChatMessage(c.ID)
		if err != nil {
			return nil, err
		}
		if last != nil {
			if d.LastMessage, err = LoadMessage(tx, last, d.Contact); err != nil {
				return nil, err
			}
		}
	}
	if d.UnreadCount, err = tx.CountIncomingSince(c.ID, c.AgentLastSeenAt, UnreadCap); err != nil {
		return nil, err
	}
	return d, nil
}

// LoadMessage gathers a message's sender. contact, when given, is the
// conversation's contact, which saves a lookup for incoming messages.
func LoadMessage(tx Tx, m *Message, contact *Contact) (*MessageDetail, error) {
	d := &MessageDetail{Message: m}
	var err error
	switch m.SenderType {
	case SenderContact:
		if contact != nil && contact.ID == m.SenderID {
			d.SenderContact = contact
			return d, nil
		}
		d.SenderContact, err = tx.FindContact(m.AccountID, m.SenderID)
	case SenderUser:
		d.SenderUser, err = tx.FindUser(m.SenderID)
	}
	if ErrorCode(err) == ENOTFOUND {
		// The sender was deleted; the message stays, without a sender.
		return d, nil
	}
	return d, err
}

// LastMessages returns what the API's conversation JSON shows besides the
// last chat message: the newest message of any kind and the newest
// non-activity one (private notes included).
func (s *Service) LastMessages(ctx context.Context, d *ConversationDetail) (last, lastNonActivity *MessageDetail, err error) {
	err = s.view(ctx, func(tx Tx) error {
		for _, q := range []struct {
			activity bool
			dst      **MessageDetail
		}{{true, &last}, {false, &lastNonActivity}} {
			m, err := tx.LastMessage(d.Conversation.ID, true, q.activity)
			if err != nil || m == nil {
				return err
			}
			if *q.dst, err = LoadMessage(tx, m, d.Contact); err != nil {
				return err
			}
		}
		return nil
	})
	return last, lastNonActivity, err
}
