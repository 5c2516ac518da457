package chat

import (
	"encoding/json"
	"time"
)

// Message types, in Chatwoot's enum order (the push form sends the index).
const (
	MessageIncoming = "incoming"
	MessageOutgoing = "outgoing"
	MessageActivity = "activity"
	MessageTemplate = "template"
)

// MessageTypes lists the message types in enum order.
var MessageTypes = []string{MessageIncoming, MessageOutgoing, MessageActivity, MessageTemplate}

// Message statuses, in enum order.
const (
	MessageSent      = "sent"
	MessageDelivered = "delivered"
	MessageRead      = "read"
	MessageFailed    = "failed"
)

// MessageStatuses lists the message statuses in enum order.
var MessageStatuses = []string{MessageSent, MessageDelivered, MessageRead, MessageFailed}

// ContentTypes lists Chatwoot's message content types in enum order.
var ContentTypes = []string{
	"text", "input_text", "input_textarea", "input_email", "input_select", "cards", "form",
	"article", "incoming_email", "input_csat", "integrations", "sticker", "voice_call",
}

// Sender types of a message.
const (
	SenderContact  = "Contact"
	SenderUser     = "User"
	SenderAgentBot = "AgentBot"
)

// Message is one entry of a conversation. Fields follow Chatwoot's column
// order, which the message push form and changed_attributes report in.
type Message struct {
	ID                      int64
	Content                 *string // nil when the message has no text
	AccountID               int64
	InboxID                 int64
	ConversationID          int64 // row id of the conversation
	MessageType             string
	CreatedAt               time.Time
	UpdatedAt               time.Time
	Private                 bool
	Status                  string
	SourceID                string // "" when unset
	ContentType             string
	ContentAttributes       JSON   // kept in the order given (a json column in Chatwoot)
	SenderType              string // "" when there is no sender
	SenderID                int64
	ExternalSourceIDs       JSON
	AdditionalAttributes    JSON
	ProcessedMessageContent *string
	Sentiment               JSON
}

// processContent sets processed_message_content as Chatwoot's before_save
// (ensure_processed_message_content) does on every save: the quoted part of
// an email when content_attributes has one, otherwise the content.
func (m *Message) processContent() {
	var ca struct {
		Email struct {
			TextContent struct {
				Quoted *string `json:"quoted"`
			} `json:"text_content"`
			HTMLContent struct {
				Quoted *string `json:"quoted"`
			} `json:"html_content"`
		} `json:"email"`
	}
	// Attributes of another shape have no quoted part.
	json.Unmarshal(m.ContentAttributes, &ca)
	switch {
	case ca.Email.TextContent.Quoted != nil:
		m.ProcessedMessageContent = ca.Email.TextContent.Quoted
	case ca.Email.HTMLContent.Quoted != nil:
		m.ProcessedMessageContent = ca.Email.HTMLContent.Quoted
	default:
		m.ProcessedMessageContent = m.Content
	}
}

// IsChat reports whether the message counts as conversation content: what
// the conversation's last-message preview and webhooks consider.
func (m *Message) IsChat() bool {
	return m.MessageType == MessageIncoming || m.MessageType == MessageOutgoing || m.MessageType == MessageTemplate
}

// MessageFilter pages through one conversation's messages by id.
type MessageFilter struct {
	ConversationID int64
	Before         int64 // only ids below this, when non-zero
	After          int64 // only ids above this, when non-zero
	Limit          int
}
