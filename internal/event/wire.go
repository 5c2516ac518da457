// Package event builds Chatwoot's wire shapes: the push forms that both the
// API and webhook payloads embed, and (with the webhook layer) the event
// payloads. Key order follows Chatwoot's, because people diff payloads
// against real captures; types follow Chatwoot's exactly, because consumers
// decode strictly.
package event

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// ISO formats a time as ActiveSupport does: UTC with milliseconds.
func ISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ISOOrNull is ISO, or nil for a zero time.
func ISOOrNull(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ISO(t)
	return &s
}

// Unix is Ruby's Time#to_i, and 0 for a zero (nil) time.
func Unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// RubyFloat is epoch seconds printed as Ruby prints a Float: the shortest
// digits that round-trip, with ".0" on whole numbers.
type RubyFloat time.Time

// MarshalJSON implements json.Marshaler.
func (f RubyFloat) MarshalJSON() ([]byte, error) {
	t := time.Time(f)
	// The value is the double nearest the exact decimal sec.usec, as Ruby's
	// Time#to_f gives for a microsecond time.
	dec := strconv.FormatInt(t.Unix(), 10) + "." + leftPad(t.Nanosecond()/1000)
	v, err := strconv.ParseFloat(dec, 64)
	if err != nil {
		return nil, err
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return []byte(s), nil
		}
	}
	return []byte(s + ".0"), nil
}

func leftPad(us int) string {
	s := strconv.Itoa(us)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}

// Object returns a JSON object column for output ({} when empty).
func Object(j chat.JSON) json.RawMessage {
	if len(j) == 0 {
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(j)
}

// OptString is nil for "", for nullable string columns.
func OptString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MessageTypeIndex is a message type's enum integer.
func MessageTypeIndex(t string) int {
	for i, v := range chat.MessageTypes {
		if v == t {
			return i
		}
	}
	return 0
}

// ContactPush is Contact#push_event_data.
type ContactPush struct {
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
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

// NewContactPush builds Contact#push_event_data.
func NewContactPush(c *chat.Contact) ContactPush {
	return ContactPush{
		AdditionalAttributes: Object(c.AdditionalAttributes),
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

// UserPush is User#push_event_data.
type UserPush struct {
	ID                 int64   `json:"id"`
	Name               string  `json:"name"`
	AvailableName      string  `json:"available_name"`
	AvatarURL          string  `json:"avatar_url"`
	Type               string  `json:"type"`
	AvailabilityStatus *string `json:"availability_status"`
	Thumbnail          string  `json:"thumbnail"`
}

// NewUserPush builds User#push_event_data. availability is the user's
// status in the account; webhooks pass nil, as Chatwoot's jobs compute it
// without an account and send null.
func NewUserPush(u *chat.User, availability *string) UserPush {
	return UserPush{
		ID:                 u.ID,
		Name:               u.Name,
		AvailableName:      u.AvailableName(),
		AvatarURL:          u.AvatarURL,
		Type:               "user",
		AvailabilityStatus: availability,
		Thumbnail:          u.AvatarURL,
	}
}

// Sender returns a message sender's push form, or nil without a sender.
func Sender(d *chat.MessageDetail, availability *string) any {
	switch {
	case d.SenderContact != nil:
		return NewContactPush(d.SenderContact)
	case d.SenderUser != nil:
		return NewUserPush(d.SenderUser, availability)
	}
	return nil
}

// MessagePush is Message#push_event_data: the message columns in schema
// order with some values converted, then the appended keys. It is what
// conversation.messages[] holds in the API and in webhooks.
type MessagePush struct {
	ID                      int64                   `json:"id"`
	Content                 *string                 `json:"content"`
	AccountID               int64                   `json:"account_id"`
	InboxID                 int64                   `json:"inbox_id"`
	ConversationID          int64                   `json:"conversation_id" doc:"the conversation's display id"`
	MessageType             int                     `json:"message_type" doc:"0 incoming, 1 outgoing, 2 activity, 3 template"`
	CreatedAt               int64                   `json:"created_at"`
	UpdatedAt               string                  `json:"updated_at"`
	Private                 bool                    `json:"private"`
	Status                  string                  `json:"status"`
	SourceID                *string                 `json:"source_id"`
	ContentType             string                  `json:"content_type"`
	ContentAttributes       json.RawMessage         `json:"content_attributes"`
	SenderType              *string                 `json:"sender_type"`
	SenderID                *int64                  `json:"sender_id"`
	ExternalSourceIDs       json.RawMessage         `json:"external_source_ids"`
	AdditionalAttributes    json.RawMessage         `json:"additional_attributes"`
	ProcessedMessageContent *string                 `json:"processed_message_content"`
	Sentiment               json.RawMessage         `json:"sentiment"`
	Conversation            MessagePushConversation `json:"conversation"`
	Sender                  any                     `json:"sender,omitempty"`
}

// MessagePushConversation is the conversation summary inside a message push.
type MessagePushConversation struct {
	AssigneeID     *int64 `json:"assignee_id"`
	UnreadCount    int    `json:"unread_count"`
	LastActivityAt int64  `json:"last_activity_at"`
	ContactInbox   struct {
		SourceID *string `json:"source_id"`
	} `json:"contact_inbox"`
}

// NewMessagePush builds a message's push form within its conversation.
// normalize applies Chatwoot's webhook content rule (hard breaks).
func NewMessagePush(d *chat.MessageDetail, cd *chat.ConversationDetail, availability *string, normalize bool) MessagePush {
	m, c := d.Message, cd.Conversation
	content, processed := m.Content, m.ProcessedMessageContent
	if normalize {
		content, processed = NormalizeContent(content), NormalizeContent(processed)
	}
	p := MessagePush{
		ID:                      m.ID,
		Content:                 content,
		AccountID:               m.AccountID,
		InboxID:                 m.InboxID,
		ConversationID:          c.DisplayID,
		MessageType:             MessageTypeIndex(m.MessageType),
		CreatedAt:               m.CreatedAt.Unix(),
		UpdatedAt:               ISO(m.UpdatedAt),
		Private:                 m.Private,
		Status:                  m.Status,
		SourceID:                OptString(m.SourceID),
		ContentType:             m.ContentType,
		ContentAttributes:       Object(m.ContentAttributes),
		SenderType:              OptString(m.SenderType),
		ExternalSourceIDs:       Object(m.ExternalSourceIDs),
		AdditionalAttributes:    Object(m.AdditionalAttributes),
		ProcessedMessageContent: processed,
		Sentiment:               Object(m.Sentiment),
		Sender:                  Sender(d, availability),
	}
	if m.SenderID != 0 {
		id := m.SenderID
		p.SenderID = &id
	}
	if c.AssigneeID != 0 {
		id := c.AssigneeID
		p.Conversation.AssigneeID = &id
	}
	p.Conversation.UnreadCount = cd.UnreadCount
	p.Conversation.LastActivityAt = Unix(c.LastActivityAt)
	if cd.ContactInbox != nil {
		p.Conversation.ContactInbox.SourceID = &cd.ContactInbox.SourceID
	}
	return p
}

// NormalizeContent applies Chatwoot's webhook content rule: a backslash
// directly before a line break becomes a plain line break, and trailing
// line breaks are removed.
func NormalizeContent(s *string) *string {
	if s == nil {
		return nil
	}
	b := []byte(*s)
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) && b[i+1] == '\n' {
			continue
		}
		if b[i] == '\\' && i+2 < len(b) && b[i+1] == '\r' && b[i+2] == '\n' {
			continue
		}
		out = append(out, b[i])
	}
	for len(out) > 0 && (out[len(out)-1] == '\n' || out[len(out)-1] == '\r') {
		out = out[:len(out)-1]
	}
	r := string(out)
	return &r
}
