package chat

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

// unreadCap is where Chatwoot stops counting unread messages.
const unreadCap = 10

// LoadConversation gathers a conversation's detail in tx.
func LoadConversation(tx Tx, c *Conversation) (*ConversationDetail, error) {
	d := &ConversationDetail{Conversation: c}
	var err error
	if d.Account, err = tx.FindAccount(c.AccountID); err != nil {
		return nil, err
	}
	if d.Inbox, err = tx.FindInbox(c.AccountID, c.InboxID); err != nil {
		return nil, err
	}
	if d.Contact, err = tx.FindContact(c.AccountID, c.ContactID); err != nil {
		return nil, err
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
	}
	last, err := tx.LastChatMessage(c.ID)
	if err != nil {
		return nil, err
	}
	if last != nil {
		if d.LastMessage, err = LoadMessage(tx, last, d.Contact); err != nil {
			return nil, err
		}
	}
	if d.UnreadCount, err = tx.CountIncomingSince(c.ID, c.AgentLastSeenAt, unreadCap); err != nil {
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
