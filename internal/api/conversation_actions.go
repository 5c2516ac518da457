package api

import (
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

type toggleStatusBody struct {
	Status       Opt[Str]  `json:"status" doc:"open, resolved, pending or snoozed; without it open and resolved toggle"`
	SnoozedUntil Opt[Time] `json:"snoozed_until" doc:"with status snoozed: when to reopen (Unix seconds or ISO 8601)"`
}

type toggleStatusReply struct {
	Meta    struct{} `json:"meta"`
	Payload struct {
		Success        bool    `json:"success"`
		ConversationID int64   `json:"conversation_id"`
		CurrentStatus  string  `json:"current_status"`
		SnoozedUntil   *string `json:"snoozed_until"`
	} `json:"payload"`
}

func (s *Server) toggleStatus(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b toggleStatusBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	conv, err := s.svc.ToggleStatus(c.ctx(), c.actor, id, string(b.Status.V), time.Time(b.SnoozedUntil.V))
	if err != nil {
		return nil, err
	}
	var out toggleStatusReply
	out.Payload.Success = true
	out.Payload.ConversationID = conv.DisplayID
	out.Payload.CurrentStatus = conv.Status
	out.Payload.SnoozedUntil = event.ISOOrNull(conv.SnoozedUntil)
	return out, nil
}

type togglePriorityBody struct {
	Priority Opt[Str] `json:"priority" doc:"low, medium, high or urgent; null or empty removes it"`
}

func (s *Server) togglePriority(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b togglePriorityBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	_, err = s.svc.SetPriority(c.ctx(), c.actor, id, string(b.Priority.V))
	return emptyBody{}, err
}

type assignmentBody struct {
	AssigneeID Opt[Int] `json:"assignee_id" doc:"an agent's user id; null unassigns"`
}

func (s *Server) assignConversation(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b assignmentBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if !b.AssigneeID.Set {
		// Chatwoot answers null when neither assignee nor team is given
		// (Parley has no teams) and changes nothing.
		if _, err := s.svc.Conversation(c.ctx(), c.actor, id); err != nil {
			return nil, err
		}
		return rawJSON("null"), nil
	}
	agent, err := s.svc.Assign(c.ctx(), c.actor, id, int64(b.AssigneeID.V))
	if err != nil {
		return nil, err
	}
	if agent == nil {
		return rawJSON("null"), nil
	}
	return newAgentJSON(&agent.User, &agent.Membership), nil
}

type customAttributesBody struct {
	CustomAttributes Opt[Object] `json:"custom_attributes" doc:"replaces every custom attribute"`
}

type customAttributesReply struct {
	CustomAttributes json.RawMessage `json:"custom_attributes"`
}

func (s *Server) setConversationCustomAttributes(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b customAttributesBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if !b.CustomAttributes.Set {
		return nil, chat.Invalid([]string{"custom_attributes"}, "Custom attributes can't be blank")
	}
	conv, err := s.svc.SetCustomAttributes(c.ctx(), c.actor, id, chat.JSON(orEmpty(b.CustomAttributes)))
	if err != nil {
		return nil, err
	}
	return customAttributesReply{CustomAttributes: event.Object(conv.CustomAttributes)}, nil
}

type labelsReply struct {
	Payload []string `json:"payload"`
}

type labelsBody struct {
	Labels Opt[[]Str] `json:"labels" doc:"the complete new label list"`
}

func (s *Server) listLabels(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Conversation(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	return labelsReply{Payload: d.Conversation.Labels}, nil
}

func (s *Server) setLabels(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b labelsBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	labels := make([]string, 0, len(b.Labels.V))
	for _, l := range b.Labels.V {
		labels = append(labels, string(l))
	}
	got, err := s.svc.SetLabels(c.ctx(), c.actor, id, labels)
	if err != nil {
		return nil, err
	}
	return labelsReply{Payload: got}, nil
}

func (s *Server) updateLastSeen(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.MarkSeen(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	return s.conversationView(c, d)
}

type typingBody struct {
	TypingStatus Opt[Str]  `json:"typing_status" doc:"on or off"`
	IsPrivate    Opt[Bool] `json:"is_private" doc:"typing a private note"`
}

func (s *Server) toggleTyping(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	var b typingBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	var on bool
	switch b.TypingStatus.V {
	case "on":
		on = true
	case "off":
	case "recording":
		// Chatwoot broadcasts recording to dashboards only; no webhook.
		_, err := s.svc.Conversation(c.ctx(), c.actor, id)
		return emptyBody{}, err
	default:
		return nil, chat.Invalid([]string{"typing_status"}, "Typing status must be on or off")
	}
	return emptyBody{}, s.svc.Typing(c.ctx(), c.actor, id, on, bool(b.IsPrivate.V))
}
