package api

import (
	"encoding/json"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

// The public client API for API-channel inboxes
// (/public/api/v1/inboxes/{inbox_identifier}), as Chatwoot serves it: a
// program on the customer's side creates its contact, then talks in that
// contact's conversations.

// publicCreateContact makes the contact and its contact inbox
// (contact_created). An identifier_hash that proves the identifier marks
// the contact inbox hmac_verified.
func (s *Server) publicCreateContact(c *call) (any, error) {
	var b visitorContactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	verified, err := b.identity(c.inbox)
	if err != nil {
		return nil, err
	}
	sourceID := strings.TrimSpace(string(b.SourceID.V))
	if sourceID != "" {
		// The source id names the visitor: taking another's is refused.
		if _, err := s.svc.FindVisitor(c.ctx(), c.inbox, c.account, sourceID); err == nil {
			return nil, chat.Invalid([]string{"source_id"}, "Source has already been taken")
		}
	}
	v, err := s.svc.CreateVisitor(c.ctx(), c.inbox, c.account, b.input(), sourceID, verified)
	if err != nil {
		return nil, err
	}
	return newPublicContact(v, true), nil
}

func (s *Server) publicShowContact(c *call) (any, error) {
	return newPublicContact(c.visitor, true), nil
}

func (s *Server) publicUpdateContact(c *call) (any, error) {
	var b visitorContactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	verified, err := b.identity(c.inbox)
	if err != nil {
		return nil, err
	}
	v, err := s.svc.IdentifyVisitor(c.ctx(), c.visitor, b.input(), verified)
	if err != nil {
		return nil, err
	}
	return newPublicContact(v, false), nil
}

// publicConversation renders a conversation with its latest messages.
func (s *Server) publicConversation(c *call, d *chat.ConversationDetail) (publicConversationJSON, error) {
	msgs, _, err := s.svc.VisitorMessages(c.ctx(), c.visitor, d.Conversation.DisplayID, 0)
	if err != nil {
		return publicConversationJSON{}, err
	}
	return newPublicConversation(d, msgs), nil
}

func (s *Server) publicListConversations(c *call) (any, error) {
	list, err := s.svc.VisitorConversations(c.ctx(), c.visitor)
	if err != nil {
		return nil, err
	}
	out := []publicConversationJSON{}
	for _, d := range list {
		j, err := s.publicConversation(c, d)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

type publicConversationBody struct {
	CustomAttributes Opt[Object] `json:"custom_attributes"`
}

func (s *Server) publicCreateConversation(c *call) (any, error) {
	var b publicConversationBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	var in chat.ConversationInput
	if b.CustomAttributes.Set {
		in.CustomAttributes = chat.JSON(orEmpty(b.CustomAttributes))
	}
	d, err := s.svc.StartConversation(c.ctx(), c.visitor, nil, in)
	if err != nil {
		return nil, err
	}
	return s.publicConversation(c, d)
}

func (s *Server) publicShowConversation(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.VisitorConversation(c.ctx(), c.visitor, id)
	if err != nil {
		return nil, err
	}
	return s.publicConversation(c, d)
}

// publicToggleStatus resolves the conversation, as Chatwoot's does.
func (s *Server) publicToggleStatus(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.VisitorResolve(c.ctx(), c.visitor, id)
	if err != nil {
		return nil, err
	}
	return s.publicConversation(c, d)
}

func (s *Server) publicToggleTyping(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b typingStatusBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	on, err := b.on()
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.VisitorTyping(c.ctx(), c.visitor, id, on)
}

func (s *Server) publicUpdateLastSeen(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	_, err = s.svc.VisitorSeen(c.ctx(), c.visitor, id)
	return emptyBody{}, err
}

func (s *Server) publicListMessages(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	list, d, err := s.svc.VisitorMessages(c.ctx(), c.visitor, id, int64(c.queryInt("before", 0)))
	if err != nil {
		return nil, err
	}
	return newVisitorMessages(list, d), nil
}

type publicMessageBody struct {
	Content Opt[Str]             `json:"content"`
	EchoID  Opt[json.RawMessage] `json:"echo_id"`
}

func (s *Server) publicCreateMessage(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b publicMessageBody
	if err := c.bind(&b); err != nil {
		return nil, rejectedFrom(err)
	}
	m, d, err := s.svc.SendVisitorMessage(c.ctx(), c.visitor, id, chat.MessageInput{Content: optStr(b.Content)}, nil)
	if err != nil {
		return nil, err
	}
	return newVisitorMessage(m, d).echoing(b.EchoID), nil
}

func (s *Server) publicUpdateMessage(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	return s.submit(c, id)
}
