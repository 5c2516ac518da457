package api

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// messageJSON is Chatwoot's message partial (models/_message.json.jbuilder).
type messageJSON struct {
	ID                int64           `json:"id"`
	Content           *string         `json:"content"`
	InboxID           int64           `json:"inbox_id"`
	EchoID            any             `json:"echo_id,omitempty" doc:"create only: the echo_id sent"`
	ConversationID    int64           `json:"conversation_id" doc:"the conversation's display id"`
	MessageType       int             `json:"message_type" doc:"0 incoming, 1 outgoing, 2 activity, 3 template"`
	ContentType       string          `json:"content_type"`
	Status            string          `json:"status"`
	ContentAttributes json.RawMessage `json:"content_attributes"`
	CreatedAt         int64           `json:"created_at"`
	Private           bool            `json:"private"`
	SourceID          *string         `json:"source_id"`
	Sender            any             `json:"sender,omitempty"`
}

func newMessageJSON(m *chat.MessageDetail, d *chat.ConversationDetail) messageJSON {
	msg := m.Message
	return messageJSON{
		ID:                msg.ID,
		Content:           msg.Content,
		InboxID:           msg.InboxID,
		ConversationID:    d.Conversation.DisplayID,
		MessageType:       event.MessageTypeIndex(msg.MessageType),
		ContentType:       msg.ContentType,
		Status:            msg.Status,
		ContentAttributes: event.Object(msg.ContentAttributes),
		CreatedAt:         msg.CreatedAt.Unix(),
		Private:           msg.Private,
		SourceID:          event.OptString(msg.SourceID),
		Sender:            event.Sender(m, availability(m, d)),
	}
}

type messageList struct {
	Meta    messageListMeta `json:"meta"`
	Payload []messageJSON   `json:"payload"`
}

type messageListMeta struct {
	Labels               []string          `json:"labels"`
	AdditionalAttributes json.RawMessage   `json:"additional_attributes"`
	Contact              event.ContactPush `json:"contact"`
	Assignee             *event.UserPush   `json:"assignee,omitempty"`
	AgentLastSeenAt      *string           `json:"agent_last_seen_at"`
	AssigneeLastSeenAt   *string           `json:"assignee_last_seen_at"`
}

var messageListQuery = []queryParam{
	{"before", "integer", "the 20 messages before this message id"},
	{"after", "integer", "up to 100 messages after this message id"},
}

func (s *Server) listMessages(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	list, d, err := s.svc.Messages(c.ctx(), c.actor, id, int64(c.queryInt("before", 0)), int64(c.queryInt("after", 0)))
	if err != nil {
		return nil, err
	}
	conv := d.Conversation
	out := messageList{Payload: []messageJSON{}}
	out.Meta.Labels = conv.Labels
	out.Meta.AdditionalAttributes = event.Object(conv.AdditionalAttributes)
	out.Meta.Contact = event.NewContactPush(d.Contact)
	if d.Assignee != nil {
		var av *string
		if d.AssigneeMembership != nil {
			av = &d.AssigneeMembership.Availability
		}
		p := event.NewUserPush(d.Assignee, av)
		out.Meta.Assignee = &p
	}
	out.Meta.AgentLastSeenAt = event.ISOOrNull(conv.AgentLastSeenAt)
	out.Meta.AssigneeLastSeenAt = event.ISOOrNull(conv.AssigneeLastSeenAt)
	for _, m := range list {
		out.Payload = append(out.Payload, newMessageJSON(m, d))
	}
	return out, nil
}

type messageBody struct {
	Content           Opt[Str]             `json:"content"`
	MessageType       Opt[Str]             `json:"message_type" doc:"outgoing (default), incoming (API inboxes) or template"`
	Private           Opt[Bool]            `json:"private" doc:"a private note, seen by agents only"`
	ContentType       Opt[Str]             `json:"content_type" doc:"text (default), input_select, cards, form, ..."`
	ContentAttributes Opt[Attributes]      `json:"content_attributes"`
	SourceID          Opt[Str]             `json:"source_id" doc:"the message's id in an external system"`
	EchoID            Opt[json.RawMessage] `json:"echo_id" doc:"returned as given, to match the reply to the request"`
}

func (s *Server) createMessage(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b messageBody
	if err := c.bind(&b); err != nil {
		return nil, rejectedFrom(err)
	}
	in := chat.MessageInput{
		Content:           optStr(b.Content),
		MessageType:       string(b.MessageType.V),
		Private:           bool(b.Private.V),
		ContentType:       string(b.ContentType.V),
		ContentAttributes: chat.JSON(b.ContentAttributes.V),
		SourceID:          string(b.SourceID.V),
	}
	m, d, err := s.svc.CreateMessage(c.ctx(), c.actor, id, in)
	if err != nil {
		return nil, err
	}
	out := newMessageJSON(m, d)
	if b.EchoID.Set && !b.EchoID.Null {
		out.EchoID = b.EchoID.V
	}
	return out, nil
}

// rejectedFrom turns a validation error into message create's envelope,
// which Chatwoot gives as 422 {"error": "..."}.
func rejectedFrom(err error) error {
	e := chat.AsError(err)
	if e.Code == chat.EINVALID {
		return &chat.Error{Code: chat.EREJECTED, Message: e.Message}
	}
	return err
}

type messageStatusBody struct {
	Status        Opt[Str] `json:"status" doc:"sent, delivered, read or failed"`
	ExternalError Opt[Str] `json:"external_error" doc:"why delivery failed (kept with status failed)"`
}

func (s *Server) updateMessage(c *call) (any, error) {
	cid, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	mid, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b messageStatusBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	m, d, err := s.svc.SetMessageStatus(c.ctx(), c.actor, cid, mid, string(b.Status.V), string(b.ExternalError.V))
	if err != nil {
		return nil, err
	}
	return newMessageJSON(m, d), nil
}

func (s *Server) deleteMessage(c *call) (any, error) {
	cid, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	mid, err := c.id("id")
	if err != nil {
		return nil, err
	}
	m, d, err := s.svc.DeleteMessage(c.ctx(), c.actor, cid, mid)
	if err != nil {
		return nil, err
	}
	return newMessageJSON(m, d), nil
}
