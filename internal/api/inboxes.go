package api

import (
	"github.com/parleyhq/parley/internal/chat"
)

type inboxList struct {
	Payload []inboxJSON `json:"payload"`
}

// inboxBody is what inbox create and update read: top-level keys, as
// Chatwoot's permitted_params does.
type inboxBody struct {
	Name                       Opt[Str]         `json:"name"`
	GreetingEnabled            Opt[Bool]        `json:"greeting_enabled"`
	GreetingMessage            Opt[Str]         `json:"greeting_message"`
	EnableEmailCollect         Opt[Bool]        `json:"enable_email_collect"`
	CSATSurveyEnabled          Opt[Bool]        `json:"csat_survey_enabled"`
	EnableAutoAssignment       Opt[Bool]        `json:"enable_auto_assignment"`
	AutoAssignmentConfig       Opt[Object]      `json:"auto_assignment_config"`
	WorkingHoursEnabled        Opt[Bool]        `json:"working_hours_enabled"`
	OutOfOfficeMessage         Opt[Str]         `json:"out_of_office_message"`
	Timezone                   Opt[Str]         `json:"timezone" doc:"an IANA time zone name; defaults to UTC"`
	AllowMessagesAfterResolved Opt[Bool]        `json:"allow_messages_after_resolved"`
	LockToSingleConversation   Opt[Bool]        `json:"lock_to_single_conversation"`
	SenderNameType             Opt[Str]         `json:"sender_name_type" doc:"friendly or professional"`
	BusinessName               Opt[Str]         `json:"business_name"`
	Channel                    Opt[channelBody] `json:"channel" doc:"required on create"`
}

// channelBody is the channel object of an inbox request. Each channel type
// reads its own keys and ignores the rest.
type channelBody struct {
	Type                 Opt[Str]      `json:"type" doc:"api or web_widget; create only"`
	HMACMandatory        Opt[Bool]     `json:"hmac_mandatory"`
	WebhookURL           Opt[Str]      `json:"webhook_url" doc:"api: where the inbox's events are posted"`
	AdditionalAttributes Opt[Object]   `json:"additional_attributes" doc:"api: replaces the stored object"`
	WebsiteURL           Opt[Str]      `json:"website_url" doc:"web_widget: required"`
	WidgetColor          Opt[Str]      `json:"widget_color" doc:"web_widget: defaults to #1f93ff"`
	WelcomeTitle         Opt[Str]      `json:"welcome_title"`
	WelcomeTagline       Opt[Str]      `json:"welcome_tagline"`
	ReplyTime            Opt[Str]      `json:"reply_time" doc:"in_a_few_minutes, in_a_few_hours or in_a_day"`
	PreChatFormEnabled   Opt[Bool]     `json:"pre_chat_form_enabled"`
	PreChatFormOptions   Opt[Object]   `json:"pre_chat_form_options"`
	ContinuityViaEmail   Opt[Bool]     `json:"continuity_via_email"`
	SelectedFeatureFlags Opt[[]string] `json:"selected_feature_flags" doc:"attachments, emoji_picker, end_conversation, use_inbox_avatar_for_bot"`
}

// nullableStr reads a string that null (or, for top-level inbox keys,
// Chatwoot's "null" string) clears.
func nullableStr(o Opt[Str], nullString bool) *string {
	if !o.Set {
		return nil
	}
	s := string(o.V)
	if o.Null || nullString && s == "null" {
		s = ""
	}
	return &s
}

// optBool maps a sent, non-null boolean to a pointer; null changes nothing.
func optBool(o Opt[Bool]) *bool {
	if !o.Set || o.Null {
		return nil
	}
	v := bool(o.V)
	return &v
}

func optObject(o Opt[Object]) chat.JSON {
	if !o.Set {
		return nil
	}
	return chat.JSON(orEmpty(o))
}

func (b *inboxBody) input() chat.InboxInput {
	in := chat.InboxInput{
		Name:                       nullableStr(b.Name, true),
		GreetingEnabled:            optBool(b.GreetingEnabled),
		GreetingMessage:            nullableStr(b.GreetingMessage, true),
		EnableEmailCollect:         optBool(b.EnableEmailCollect),
		CSATSurveyEnabled:          optBool(b.CSATSurveyEnabled),
		EnableAutoAssignment:       optBool(b.EnableAutoAssignment),
		AutoAssignmentConfig:       optObject(b.AutoAssignmentConfig),
		WorkingHoursEnabled:        optBool(b.WorkingHoursEnabled),
		OutOfOfficeMessage:         nullableStr(b.OutOfOfficeMessage, true),
		Timezone:                   nullableStr(b.Timezone, true),
		AllowMessagesAfterResolved: optBool(b.AllowMessagesAfterResolved),
		LockToSingleConversation:   optBool(b.LockToSingleConversation),
		SenderNameType:             nullableStr(b.SenderNameType, true),
		BusinessName:               nullableStr(b.BusinessName, true),
	}
	if ch := b.Channel; ch.Set && !ch.Null {
		x := ch.V
		in.Channel = &chat.ChannelInput{
			Type:                 string(x.Type.V),
			HMACMandatory:        optBool(x.HMACMandatory),
			WebhookURL:           nullableStr(x.WebhookURL, false),
			AdditionalAttributes: optObject(x.AdditionalAttributes),
			WebsiteURL:           nullableStr(x.WebsiteURL, false),
			WidgetColor:          nullableStr(x.WidgetColor, false),
			WelcomeTitle:         nullableStr(x.WelcomeTitle, false),
			WelcomeTagline:       nullableStr(x.WelcomeTagline, false),
			ReplyTime:            nullableStr(x.ReplyTime, false),
			PreChatFormEnabled:   optBool(x.PreChatFormEnabled),
			PreChatFormOptions:   optObject(x.PreChatFormOptions),
			ContinuityViaEmail:   optBool(x.ContinuityViaEmail),
			SelectedFeatureFlags: x.SelectedFeatureFlags.Ptr(),
		}
		if x.SelectedFeatureFlags.Set && x.SelectedFeatureFlags.Null {
			in.Channel.SelectedFeatureFlags = &[]string{}
		}
	}
	return in
}

func (s *Server) inboxJSON(c *call, in *chat.Inbox) inboxJSON {
	return newInboxJSON(in, c.actor.IsAdmin(), c.baseURL())
}

func (s *Server) listInboxes(c *call) (any, error) {
	list, err := s.svc.Inboxes(c.ctx(), c.actor)
	if err != nil {
		return nil, err
	}
	out := inboxList{Payload: []inboxJSON{}}
	for i := range list {
		out.Payload = append(out.Payload, s.inboxJSON(c, &list[i]))
	}
	return out, nil
}

func (s *Server) showInbox(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	in, err := s.svc.Inbox(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	return s.inboxJSON(c, in), nil
}

func (s *Server) createInbox(c *call) (any, error) {
	var b inboxBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	in, err := s.svc.CreateInbox(c.ctx(), c.actor, b.input())
	if err != nil {
		return nil, err
	}
	return s.inboxJSON(c, in), nil
}

func (s *Server) updateInbox(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b inboxBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	in, err := s.svc.UpdateInbox(c.ctx(), c.actor, id, b.input())
	if err != nil {
		return nil, err
	}
	return s.inboxJSON(c, in), nil
}

// inboxDeleted is Chatwoot's answer to an inbox deletion, which it runs in
// the background; Parley has already deleted the inbox when it answers.
type inboxDeleted struct {
	Message string `json:"message"`
}

func (s *Server) deleteInbox(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	if err := s.svc.DeleteInbox(c.ctx(), c.actor, id); err != nil {
		return nil, err
	}
	return inboxDeleted{Message: "Your inbox deletion request will be processed in some time."}, nil
}
