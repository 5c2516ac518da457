package event

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

// The objects webhook payloads are made of, in Chatwoot's key order
// (chatwoot-webhooks.md §3).

// AccountData is Account#webhook_data.
type AccountData struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// InboxData is Inbox#webhook_data, the small form.
type InboxData struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// UserData is User#webhook_data.
type UserData struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Type  string `json:"type"`
}

// NewUserData builds User#webhook_data.
func NewUserData(u *chat.User) UserData {
	return UserData{ID: u.ID, Name: u.Name, Email: u.Email, Type: "user"}
}

// ContactData is Contact#webhook_data: Chatwoot's 11 keys, then the "type"
// its docs promise (Parley's contract adds it; extra keys break nobody).
type ContactData struct {
	Account              AccountData     `json:"account"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
	Avatar               string          `json:"avatar"`
	CustomAttributes     json.RawMessage `json:"custom_attributes"`
	Email                *string         `json:"email"`
	ID                   int64           `json:"id"`
	Identifier           *string         `json:"identifier"`
	Name                 string          `json:"name"`
	PhoneNumber          *string         `json:"phone_number"`
	Thumbnail            string          `json:"thumbnail"`
	Blocked              bool            `json:"blocked"`
	Type                 string          `json:"type"`
}

// NewContactData builds a contact's webhook data.
func NewContactData(c *chat.Contact, a *chat.Account) ContactData {
	return ContactData{
		Account:              AccountData{ID: a.ID, Name: a.Name},
		AdditionalAttributes: Object(c.AdditionalAttributes),
		Avatar:               c.AvatarURL,
		CustomAttributes:     Object(c.CustomAttributes),
		Email:                OptString(c.Email),
		ID:                   c.ID,
		Identifier:           OptString(c.Identifier),
		Name:                 c.Name,
		PhoneNumber:          OptString(c.PhoneNumber),
		Thumbnail:            c.AvatarURL,
		Blocked:              c.Blocked,
		Type:                 "contact",
	}
}

// ContactInboxRecord is the contact_inbox record inside a conversation.
type ContactInboxRecord struct {
	ID           int64  `json:"id"`
	ContactID    int64  `json:"contact_id"`
	InboxID      int64  `json:"inbox_id"`
	SourceID     string `json:"source_id"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
	HMACVerified bool   `json:"hmac_verified"`
	PubsubToken  string `json:"pubsub_token"`
}

// ConversationData is Conversation#webhook_data (EventDataPresenter), with
// the account_id Chatwoot's docs promise after the account.
type ConversationData struct {
	AdditionalAttributes json.RawMessage     `json:"additional_attributes"`
	CanReply             bool                `json:"can_reply"`
	Channel              string              `json:"channel"`
	ContactInbox         *ContactInboxRecord `json:"contact_inbox"`
	ID                   int64               `json:"id"`
	InboxID              int64               `json:"inbox_id"`
	Messages             []MessagePush       `json:"messages"`
	Labels               []string            `json:"labels"`
	Meta                 ConversationMeta    `json:"meta"`
	Status               string              `json:"status"`
	CustomAttributes     json.RawMessage     `json:"custom_attributes"`
	SnoozedUntil         *string             `json:"snoozed_until"`
	UnreadCount          int                 `json:"unread_count"`
	FirstReplyCreatedAt  *string             `json:"first_reply_created_at"`
	Priority             *string             `json:"priority"`
	WaitingSince         int64               `json:"waiting_since"`
	AgentLastSeenAt      int64               `json:"agent_last_seen_at"`
	ContactLastSeenAt    int64               `json:"contact_last_seen_at"`
	LastActivityAt       int64               `json:"last_activity_at"`
	Timestamp            int64               `json:"timestamp"`
	CreatedAt            int64               `json:"created_at"`
	UpdatedAt            RubyFloat           `json:"updated_at"`
	Account              AccountData         `json:"account"`
	AccountID            int64               `json:"account_id"`
}

// ConversationMeta is the meta object of a conversation.
type ConversationMeta struct {
	Sender       ContactPush `json:"sender"`
	Assignee     *UserPush   `json:"assignee"`
	AssigneeType *string     `json:"assignee_type"`
	Team         *struct{}   `json:"team"`
	HMACVerified *bool       `json:"hmac_verified"`
}

// NewConversationData builds a conversation's webhook data from its detail.
// The messages array holds the last public, non-activity message, whose
// content is normalised as Chatwoot's webhook content is.
func NewConversationData(d *chat.ConversationDetail) ConversationData {
	c := d.Conversation
	out := ConversationData{
		AdditionalAttributes: Object(c.AdditionalAttributes),
		CanReply:             true,
		Channel:              d.Inbox.ChannelType,
		ID:                   c.DisplayID,
		InboxID:              c.InboxID,
		Messages:             []MessagePush{},
		Labels:               c.Labels,
		Status:               c.Status,
		CustomAttributes:     Object(c.CustomAttributes),
		SnoozedUntil:         ISOOrNull(c.SnoozedUntil),
		UnreadCount:          d.UnreadCount,
		FirstReplyCreatedAt:  ISOOrNull(c.FirstReplyCreatedAt),
		Priority:             OptString(c.Priority),
		WaitingSince:         Unix(c.WaitingSince),
		AgentLastSeenAt:      Unix(c.AgentLastSeenAt),
		ContactLastSeenAt:    Unix(c.ContactLastSeenAt),
		LastActivityAt:       Unix(c.LastActivityAt),
		Timestamp:            Unix(c.LastActivityAt),
		CreatedAt:            Unix(c.CreatedAt),
		UpdatedAt:            RubyFloat(c.UpdatedAt),
		Account:              AccountData{ID: d.Account.ID, Name: d.Account.Name},
		AccountID:            d.Account.ID,
	}
	if out.Labels == nil {
		out.Labels = []string{}
	}
	if ci := d.ContactInbox; ci != nil {
		out.ContactInbox = &ContactInboxRecord{ID: ci.ID, ContactID: ci.ContactID, InboxID: ci.InboxID, SourceID: ci.SourceID,
			CreatedAt: ISO(ci.CreatedAt), UpdatedAt: ISO(ci.UpdatedAt), HMACVerified: ci.HMACVerified, PubsubToken: ci.PubsubToken}
		v := ci.HMACVerified
		out.Meta.HMACVerified = &v
	}
	if d.LastMessage != nil {
		out.Messages = append(out.Messages, NewMessagePush(d.LastMessage, d, nil, true))
	}
	out.Meta.Sender = NewContactPush(d.Contact)
	if d.Assignee != nil {
		p := NewUserPush(d.Assignee, nil)
		t := chat.SenderUser
		out.Meta.Assignee, out.Meta.AssigneeType = &p, &t
	}
	return out
}

// MessageData is Message#webhook_data, with the delivery status Chatwoot's
// payload lacks (after source_id, per Parley's contract).
type MessageData struct {
	Account              AccountData      `json:"account"`
	AdditionalAttributes json.RawMessage  `json:"additional_attributes"`
	ContentAttributes    json.RawMessage  `json:"content_attributes"`
	ContentType          string           `json:"content_type"`
	Content              *string          `json:"content"`
	Conversation         ConversationData `json:"conversation"`
	CreatedAt            string           `json:"created_at"`
	ID                   int64            `json:"id"`
	Inbox                InboxData        `json:"inbox"`
	MessageType          string           `json:"message_type"`
	Private              bool             `json:"private"`
	Sender               any              `json:"sender"`
	SourceID             *string          `json:"source_id"`
	Status               string           `json:"status"`
}

// NewMessageData builds a message's webhook data within its conversation.
func NewMessageData(m *chat.MessageDetail, d *chat.ConversationDetail) MessageData {
	msg := m.Message
	out := MessageData{
		Account:              AccountData{ID: d.Account.ID, Name: d.Account.Name},
		AdditionalAttributes: Object(msg.AdditionalAttributes),
		ContentAttributes:    Object(msg.ContentAttributes),
		ContentType:          msg.ContentType,
		Content:              NormalizeContent(msg.Content),
		Conversation:         NewConversationData(d),
		CreatedAt:            ISO(msg.CreatedAt),
		ID:                   msg.ID,
		Inbox:                InboxData{ID: d.Inbox.ID, Name: d.Inbox.Name},
		MessageType:          msg.MessageType,
		Private:              msg.Private,
		SourceID:             OptString(msg.SourceID),
		Status:               msg.Status,
	}
	switch {
	case m.SenderContact != nil:
		out.Sender = NewContactData(m.SenderContact, d.Account)
	case m.SenderUser != nil:
		out.Sender = NewUserData(m.SenderUser)
	}
	return out
}
