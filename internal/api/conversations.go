package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// conversationJSON is Chatwoot's conversation partial
// (conversations/partials/_conversation.json.jbuilder).
type conversationJSON struct {
	Meta                   conversationMetaJSON `json:"meta"`
	ID                     int64                `json:"id" doc:"the per-account display id"`
	Messages               []event.MessagePush  `json:"messages" doc:"the last message, if any"`
	AccountID              int64                `json:"account_id"`
	UUID                   string               `json:"uuid"`
	AdditionalAttributes   json.RawMessage      `json:"additional_attributes"`
	AgentLastSeenAt        int64                `json:"agent_last_seen_at"`
	AssigneeLastSeenAt     int64                `json:"assignee_last_seen_at"`
	CanReply               bool                 `json:"can_reply"`
	ContactLastSeenAt      int64                `json:"contact_last_seen_at"`
	CustomAttributes       json.RawMessage      `json:"custom_attributes"`
	InboxID                int64                `json:"inbox_id"`
	Labels                 []string             `json:"labels"`
	Muted                  bool                 `json:"muted"`
	SnoozedUntil           *string              `json:"snoozed_until"`
	Status                 string               `json:"status"`
	CreatedAt              int64                `json:"created_at"`
	UpdatedAt              event.RubyFloat      `json:"updated_at"`
	Timestamp              int64                `json:"timestamp"`
	FirstReplyCreatedAt    int64                `json:"first_reply_created_at"`
	UnreadCount            int                  `json:"unread_count"`
	LastNonActivityMessage *event.MessagePush   `json:"last_non_activity_message"`
	LastActivityAt         int64                `json:"last_activity_at"`
	Priority               *string              `json:"priority"`
	WaitingSince           int64                `json:"waiting_since"`
	SLAPolicyID            *int64               `json:"sla_policy_id"`
}

type conversationMetaJSON struct {
	Sender       contactJSON `json:"sender"`
	Channel      string      `json:"channel"`
	Assignee     *agentJSON  `json:"assignee,omitempty"`
	AssigneeType *string     `json:"assignee_type,omitempty"`
	HMACVerified *bool       `json:"hmac_verified"`
}

func newConversationJSON(d *chat.ConversationDetail, last, lastNonActivity *chat.MessageDetail) conversationJSON {
	c := d.Conversation
	j := conversationJSON{
		ID:                   c.DisplayID,
		Messages:             []event.MessagePush{},
		AccountID:            c.AccountID,
		UUID:                 c.UUID,
		AdditionalAttributes: event.Object(c.AdditionalAttributes),
		AgentLastSeenAt:      event.Unix(c.AgentLastSeenAt),
		AssigneeLastSeenAt:   event.Unix(c.AssigneeLastSeenAt),
		CanReply:             true,
		ContactLastSeenAt:    event.Unix(c.ContactLastSeenAt),
		CustomAttributes:     event.Object(c.CustomAttributes),
		InboxID:              c.InboxID,
		Labels:               c.Labels,
		SnoozedUntil:         event.ISOOrNull(c.SnoozedUntil),
		Status:               c.Status,
		CreatedAt:            c.CreatedAt.Unix(),
		UpdatedAt:            event.RubyFloat(c.UpdatedAt),
		Timestamp:            event.Unix(c.LastActivityAt),
		FirstReplyCreatedAt:  event.Unix(c.FirstReplyCreatedAt),
		UnreadCount:          d.UnreadCount,
		LastActivityAt:       event.Unix(c.LastActivityAt),
		Priority:             event.OptString(c.Priority),
		WaitingSince:         event.Unix(c.WaitingSince),
	}
	if j.Labels == nil {
		j.Labels = []string{}
	}
	j.Meta.Sender = newContactJSON(d.Contact)
	j.Meta.Channel = d.Inbox.ChannelType
	if d.Assignee != nil && d.AssigneeMembership != nil {
		a := newAgentJSON(d.Assignee, d.AssigneeMembership)
		t := chat.SenderUser
		j.Meta.Assignee, j.Meta.AssigneeType = &a, &t
	}
	if d.ContactInbox != nil {
		v := d.ContactInbox.HMACVerified
		j.Meta.HMACVerified = &v
	}
	if last != nil {
		j.Messages = append(j.Messages, event.NewMessagePush(last, d, availability(last, d), false))
	}
	if lastNonActivity != nil {
		p := event.NewMessagePush(lastNonActivity, d, availability(lastNonActivity, d), false)
		j.LastNonActivityMessage = &p
	}
	return j
}

// availability is a user sender's status in the account, which the API
// (unlike webhooks) shows.
func availability(m *chat.MessageDetail, d *chat.ConversationDetail) *string {
	if m.SenderUser == nil {
		return nil
	}
	s := chat.AvailabilityOnline
	if d.AssigneeMembership != nil && d.Assignee != nil && d.Assignee.ID == m.SenderUser.ID {
		s = d.AssigneeMembership.Availability
	}
	return &s
}

// conversationView renders a conversation with its last messages.
func (s *Server) conversationView(c *call, d *chat.ConversationDetail) (conversationJSON, error) {
	last, lastNonActivity, err := s.svc.LastMessages(c.ctx(), d)
	if err != nil {
		return conversationJSON{}, err
	}
	return newConversationJSON(d, last, lastNonActivity), nil
}

type conversationCounts struct {
	MineCount       int `json:"mine_count"`
	AssignedCount   int `json:"assigned_count"`
	UnassignedCount int `json:"unassigned_count"`
	AllCount        int `json:"all_count"`
}

func newCounts(c chat.ConversationCounts) conversationCounts {
	return conversationCounts{MineCount: c.Mine, AssignedCount: c.Assigned, UnassignedCount: c.Unassigned, AllCount: c.All}
}

type conversationList struct {
	Data struct {
		Meta    conversationCounts `json:"meta"`
		Payload []conversationJSON `json:"payload"`
	} `json:"data"`
}

type conversationMeta struct {
	Meta conversationCounts `json:"meta"`
}

var conversationListQuery = []queryParam{
	{"status", "string", "open (default), resolved, pending, snoozed or all"},
	{"assignee_type", "string", "me, unassigned, assigned or all (default)"},
	{"inbox_id", "integer", "only this inbox"},
	{"labels[]", "string", "only conversations with any of these labels"},
	{"page", "integer", "page number, 25 conversations a page"},
}

const conversationsPerPage = 25

func (c *call) conversationFilter() (chat.ConversationFilter, error) {
	q := c.r.URL.Query()
	f := chat.ConversationFilter{Status: q.Get("status"), AssigneeType: q.Get("assignee_type"), Limit: conversationsPerPage}
	if v := q.Get("inbox_id"); v != "" {
		var id Int
		if err := id.UnmarshalJSON([]byte(v)); err != nil {
			return f, chat.Invalid([]string{"inbox_id"}, "Inbox must be an integer")
		}
		f.InboxID = int64(id)
	}
	for _, key := range []string{"labels[]", "labels"} {
		for _, v := range q[key] {
			for _, l := range strings.Split(v, ",") {
				if l = strings.TrimSpace(l); l != "" {
					f.Labels = append(f.Labels, strings.ToLower(l))
				}
			}
		}
	}
	f.Offset = (max(c.queryInt("page", 1), 1) - 1) * conversationsPerPage
	return f, nil
}

func (s *Server) listConversations(c *call) (any, error) {
	f, err := c.conversationFilter()
	if err != nil {
		return nil, err
	}
	page, err := s.svc.Conversations(c.ctx(), c.actor, f)
	if err != nil {
		return nil, err
	}
	var out conversationList
	out.Data.Meta = newCounts(page.Counts)
	out.Data.Payload = []conversationJSON{}
	for _, d := range page.Conversations {
		j, err := s.conversationView(c, d)
		if err != nil {
			return nil, err
		}
		out.Data.Payload = append(out.Data.Payload, j)
	}
	return out, nil
}

func (s *Server) conversationsMeta(c *call) (any, error) {
	f, err := c.conversationFilter()
	if err != nil {
		return nil, err
	}
	f.Limit = 1
	page, err := s.svc.Conversations(c.ctx(), c.actor, f)
	if err != nil {
		return nil, err
	}
	return conversationMeta{Meta: newCounts(page.Counts)}, nil
}

type conversationBody struct {
	InboxID              Opt[Int]          `json:"inbox_id"`
	ContactID            Opt[Int]          `json:"contact_id"`
	SourceID             Opt[Str]          `json:"source_id"`
	AdditionalAttributes Opt[Object]       `json:"additional_attributes"`
	CustomAttributes     Opt[Object]       `json:"custom_attributes"`
	Status               Opt[Str]          `json:"status"`
	AssigneeID           Opt[Int]          `json:"assignee_id"`
	SnoozedUntil         Opt[Time]         `json:"snoozed_until"`
	Message              Opt[messageInner] `json:"message" doc:"an optional first message"`
}

// messageInner is the message object inside a conversation create body.
type messageInner struct {
	Content           Opt[Str]        `json:"content"`
	MessageType       Opt[Str]        `json:"message_type"`
	Private           Opt[Bool]       `json:"private"`
	ContentType       Opt[Str]        `json:"content_type"`
	ContentAttributes Opt[Attributes] `json:"content_attributes"`
	SourceID          Opt[Str]        `json:"source_id"`
}

func (m *messageInner) input() chat.MessageInput {
	return chat.MessageInput{
		Content:           optStr(m.Content),
		MessageType:       string(m.MessageType.V),
		Private:           bool(m.Private.V),
		ContentType:       string(m.ContentType.V),
		ContentAttributes: chat.JSON(m.ContentAttributes.V),
		SourceID:          string(m.SourceID.V),
	}
}

func (s *Server) createConversation(c *call) (any, error) {
	var b conversationBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	in := chat.ConversationInput{
		InboxID:      int64(b.InboxID.V),
		ContactID:    int64(b.ContactID.V),
		SourceID:     strings.TrimSpace(string(b.SourceID.V)),
		Status:       string(b.Status.V),
		AssigneeID:   int64(b.AssigneeID.V),
		SnoozedUntil: time.Time(b.SnoozedUntil.V),
	}
	if b.AdditionalAttributes.Set {
		in.AdditionalAttributes = chat.JSON(orEmpty(b.AdditionalAttributes))
	}
	if b.CustomAttributes.Set {
		in.CustomAttributes = chat.JSON(orEmpty(b.CustomAttributes))
	}
	if m := b.Message.Ptr(); m != nil {
		mi := m.input()
		in.Message = &mi
	}
	d, err := s.svc.CreateConversation(c.ctx(), c.actor, in)
	if err != nil {
		return nil, err
	}
	return s.conversationView(c, d)
}

func (s *Server) showConversation(c *call) (any, error) {
	id, err := c.id("conversation_id")
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Conversation(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	return s.conversationView(c, d)
}
