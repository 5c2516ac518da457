package api

import (
	"encoding/json"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/event"
)

// JSON shapes of the widget and public client APIs (Chatwoot's
// api/v1/widget and public/api/v1 views).

// visitorMessageJSON is the widget's and the public API's message partial.
type visitorMessageJSON struct {
	ID                int64           `json:"id"`
	Content           *string         `json:"content"`
	MessageType       int             `json:"message_type"`
	ContentType       string          `json:"content_type"`
	ContentAttributes json.RawMessage `json:"content_attributes"`
	CreatedAt         int64           `json:"created_at"`
	ConversationID    int64           `json:"conversation_id"`
	EchoID            any             `json:"echo_id,omitempty"`
	Sender            any             `json:"sender,omitempty"`
}

func newVisitorMessage(m *chat.MessageDetail, d *chat.ConversationDetail) visitorMessageJSON {
	msg := m.Message
	return visitorMessageJSON{
		ID:                msg.ID,
		Content:           msg.Content,
		MessageType:       event.MessageTypeIndex(msg.MessageType),
		ContentType:       msg.ContentType,
		ContentAttributes: event.Object(msg.ContentAttributes),
		CreatedAt:         msg.CreatedAt.Unix(),
		ConversationID:    d.Conversation.DisplayID,
		Sender:            event.Sender(m, availability(m, d)),
	}
}

// echoing returns the answer with the echo_id the client sent, which its
// page uses to match the answer to the message it showed while sending.
func (m visitorMessageJSON) echoing(id Opt[json.RawMessage]) visitorMessageJSON {
	if id.Set && !id.Null {
		m.EchoID = id.V
	}
	return m
}

func newVisitorMessages(list []*chat.MessageDetail, d *chat.ConversationDetail) []visitorMessageJSON {
	out := []visitorMessageJSON{}
	for _, m := range list {
		out = append(out, newVisitorMessage(m, d))
	}
	return out
}

// widgetConfigJSON is POST /api/v1/widget/config's answer.
type widgetConfigJSON struct {
	WebsiteChannelConfig widgetChannelConfig `json:"website_channel_config"`
	Contact              widgetConfigContact `json:"contact"`
	GlobalConfig         struct{}            `json:"global_config"`
}

type widgetChannelConfig struct {
	AllowMessagesAfterResolved bool            `json:"allow_messages_after_resolved"`
	APIHost                    string          `json:"api_host"`
	AuthToken                  string          `json:"auth_token"`
	AvatarURL                  string          `json:"avatar_url"`
	ChannelAvatarURL           string          `json:"channel_avatar_url"`
	CSATSurveyEnabled          bool            `json:"csat_survey_enabled"`
	DisableBranding            bool            `json:"disable_branding"`
	EnabledFeatures            []string        `json:"enabled_features"`
	EnabledLanguages           []any           `json:"enabled_languages"`
	Locale                     string          `json:"locale"`
	OutOfOfficeMessage         *string         `json:"out_of_office_message"`
	Portal                     any             `json:"portal"`
	PreChatFormEnabled         bool            `json:"pre_chat_form_enabled"`
	PreChatFormOptions         json.RawMessage `json:"pre_chat_form_options"`
	ReplyTime                  string          `json:"reply_time"`
	Timezone                   string          `json:"timezone"`
	UTCOffSet                  string          `json:"utc_off_set"`
	WebsiteName                string          `json:"website_name"`
	WebsiteToken               string          `json:"website_token"`
	WelcomeTagline             string          `json:"welcome_tagline"`
	WelcomeTitle               string          `json:"welcome_title"`
	WidgetColor                string          `json:"widget_color"`
	WorkingHours               []any           `json:"working_hours"`
	WorkingHoursEnabled        bool            `json:"working_hours_enabled"`
	AccountID                  int64           `json:"account_id"`
}

type widgetConfigContact struct {
	Email       *string `json:"email"`
	ID          int64   `json:"id"`
	Identifier  *string `json:"identifier"`
	Name        string  `json:"name"`
	PhoneNumber *string `json:"phone_number"`
	PubsubToken string  `json:"pubsub_token"`
}

// widgetFeatures are the web widget's feature_flags bits, in Chatwoot's order.
var widgetFeatures = []string{"attachments", "emoji_picker", "end_conversation", "use_inbox_avatar_for_bot"}

func newWidgetConfig(in *chat.Inbox, acc *chat.Account, v *chat.Visitor, token, apiHost string) widgetConfigJSON {
	w := in.WebWidget
	var out widgetConfigJSON
	cfg := &out.WebsiteChannelConfig
	*cfg = widgetChannelConfig{
		AllowMessagesAfterResolved: in.AllowMessagesAfterResolved, APIHost: apiHost, AuthToken: token,
		CSATSurveyEnabled: in.CSATSurveyEnabled, EnabledFeatures: []string{}, EnabledLanguages: []any{},
		Locale: acc.Locale, OutOfOfficeMessage: optString(in.OutOfOfficeMessage), PreChatFormEnabled: w.PreChatFormEnabled,
		PreChatFormOptions: event.Object(w.PreChatFormOptions), ReplyTime: w.ReplyTime, Timezone: in.Timezone,
		UTCOffSet: utcOffset(in.Timezone), WebsiteName: in.Name, WebsiteToken: w.WebsiteToken, WelcomeTagline: w.WelcomeTagline,
		WelcomeTitle: w.WelcomeTitle, WidgetColor: w.WidgetColor, WorkingHours: []any{}, WorkingHoursEnabled: in.WorkingHoursEnabled,
		AccountID: in.AccountID,
	}
	if cfg.Locale == "" {
		cfg.Locale = "en"
	}
	for i, f := range widgetFeatures {
		if w.FeatureFlags&(1<<i) != 0 {
			cfg.EnabledFeatures = append(cfg.EnabledFeatures, f)
		}
	}
	c := v.Contact
	out.Contact = widgetConfigContact{Email: optString(c.Email), ID: c.ID, Identifier: optString(c.Identifier), Name: c.Name,
		PhoneNumber: optString(c.PhoneNumber), PubsubToken: v.ContactInbox.PubsubToken}
	return out
}

// utcOffset is Rails' formatted_offset ("+05:30") of a time zone now.
func utcOffset(tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	return time.Now().In(loc).Format("-07:00")
}

// widgetContactJSON is GET /api/v1/widget/contact.
type widgetContactJSON struct {
	ID             int64   `json:"id"`
	HasEmail       bool    `json:"has_email"`
	HasName        bool    `json:"has_name"`
	HasPhoneNumber bool    `json:"has_phone_number"`
	Identifier     *string `json:"identifier"`
	SourceID       string  `json:"source_id"`
}

// widgetUserJSON answers set_user; widgetContactUpdated answers update.
type widgetUserJSON struct {
	ID              int64   `json:"id"`
	Name            string  `json:"name"`
	Email           *string `json:"email"`
	PhoneNumber     *string `json:"phone_number"`
	PubsubToken     string  `json:"pubsub_token"`
	WidgetAuthToken string  `json:"widget_auth_token,omitempty"`
}

type widgetContactUpdated struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Email       *string `json:"email"`
	PhoneNumber *string `json:"phone_number"`
}

// widgetConversationJSON is the widget's conversation create answer.
type widgetConversationJSON struct {
	ID                int64  `json:"id"`
	InboxID           int64  `json:"inbox_id"`
	ContactLastSeenAt int64  `json:"contact_last_seen_at"`
	Status            string `json:"status"`
	Meta              struct {
		Assignee *agentJSON `json:"assignee,omitempty"`
	} `json:"meta"`
	Messages  []event.MessagePush `json:"messages"`
	Muted     bool                `json:"muted"`
	Timestamp int64               `json:"timestamp"`
}

func newWidgetConversation(d *chat.ConversationDetail) widgetConversationJSON {
	c := d.Conversation
	j := widgetConversationJSON{ID: c.DisplayID, InboxID: c.InboxID, ContactLastSeenAt: event.Unix(c.ContactLastSeenAt),
		Status: c.Status, Messages: []event.MessagePush{}, Timestamp: event.Unix(c.LastActivityAt)}
	if d.Assignee != nil && d.AssigneeMembership != nil {
		a := newAgentJSON(d.Assignee, d.AssigneeMembership)
		j.Meta.Assignee = &a
	}
	if d.LastMessage != nil {
		j.Messages = append(j.Messages, event.NewMessagePush(d.LastMessage, d, availability(d.LastMessage, d), false))
	}
	return j
}

// publicContactJSON is the public API's contact answer (source_id and
// pubsub_token, then the contact partial).
type publicContactJSON struct {
	SourceID    string  `json:"source_id,omitempty"`
	PubsubToken string  `json:"pubsub_token,omitempty"`
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Email       *string `json:"email"`
}

func newPublicContact(v *chat.Visitor, withInbox bool) publicContactJSON {
	j := publicContactJSON{ID: v.Contact.ID, Name: v.Contact.Name, Email: optString(v.Contact.Email)}
	if withInbox {
		j.SourceID, j.PubsubToken = v.ContactInbox.SourceID, v.ContactInbox.PubsubToken
	}
	return j
}

// publicConversationJSON is the public API's conversation partial.
type publicConversationJSON struct {
	ID                int64                `json:"id"`
	UUID              string               `json:"uuid"`
	InboxID           int64                `json:"inbox_id"`
	ContactLastSeenAt int64                `json:"contact_last_seen_at"`
	Status            string               `json:"status"`
	AgentLastSeenAt   int64                `json:"agent_last_seen_at"`
	Messages          []visitorMessageJSON `json:"messages"`
	Contact           publicConvContact    `json:"contact"`
}

// publicConvContact is the contact record inside a public conversation.
type publicConvContact struct {
	ID                   int64           `json:"id"`
	Name                 string          `json:"name"`
	Email                *string         `json:"email"`
	PhoneNumber          *string         `json:"phone_number"`
	Identifier           *string         `json:"identifier"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
	CustomAttributes     json.RawMessage `json:"custom_attributes"`
	AccountID            int64           `json:"account_id"`
	Blocked              bool            `json:"blocked"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
}

func newPublicConversation(d *chat.ConversationDetail, msgs []*chat.MessageDetail) publicConversationJSON {
	c, ct := d.Conversation, d.Contact
	j := publicConversationJSON{ID: c.DisplayID, UUID: c.UUID, InboxID: c.InboxID, ContactLastSeenAt: event.Unix(c.ContactLastSeenAt),
		Status: c.Status, AgentLastSeenAt: event.Unix(c.AgentLastSeenAt), Messages: []visitorMessageJSON{},
		Contact: publicConvContact{ID: ct.ID, Name: ct.Name, Email: optString(ct.Email), PhoneNumber: optString(ct.PhoneNumber),
			Identifier: optString(ct.Identifier), AdditionalAttributes: event.Object(ct.AdditionalAttributes),
			CustomAttributes: event.Object(ct.CustomAttributes), AccountID: ct.AccountID, Blocked: ct.Blocked,
			CreatedAt: event.ISO(ct.CreatedAt), UpdatedAt: event.ISO(ct.UpdatedAt)}}
	for _, m := range msgs {
		// Chatwoot's messages.chat: incoming and outgoing only.
		if t := m.Message.MessageType; t == chat.MessageIncoming || t == chat.MessageOutgoing {
			j.Messages = append(j.Messages, newVisitorMessage(m, d))
		}
	}
	return j
}
