package chat

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // timezone names are validated on machines without zoneinfo too
	"unicode/utf8"
)

// Channel types as the inboxes API names them in channel.type.
const (
	ChannelTypeAPI       = "api"
	ChannelTypeWebWidget = "web_widget"
)

// WidgetFeatures are the web widget's feature flags in bit order (Chatwoot's
// has_flags 1 => :attachments, 2 => ...). The default, 7, enables the
// first three.
var WidgetFeatures = []string{"attachments", "emoji_picker", "end_conversation", "use_inbox_avatar_for_bot"}

// SelectedFeatureFlags names the widget's enabled features in bit order.
func (w *WebWidgetChannel) SelectedFeatureFlags() []string {
	out := []string{}
	for i, name := range WidgetFeatures {
		if w.FeatureFlags&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// InboxInput holds the writable fields of an inbox; nil means unchanged.
type InboxInput struct {
	Name                       *string
	GreetingEnabled            *bool
	GreetingMessage            *string
	EnableEmailCollect         *bool
	CSATSurveyEnabled          *bool
	EnableAutoAssignment       *bool
	AutoAssignmentConfig       JSON
	WorkingHoursEnabled        *bool
	OutOfOfficeMessage         *string
	Timezone                   *string
	AllowMessagesAfterResolved *bool
	LockToSingleConversation   *bool
	SenderNameType             *string
	BusinessName               *string
	// Channel holds the channel settings; nil when none were given.
	Channel *ChannelInput
}

// ChannelInput holds channel settings. Each channel reads its own fields and
// ignores the others, as Chatwoot's EDITABLE_ATTRS do.
type ChannelInput struct {
	Type string // ChannelTypeAPI or ChannelTypeWebWidget; read on create only

	HMACMandatory *bool // both types

	WebhookURL           *string // API
	AdditionalAttributes JSON    // API; replaces the stored object

	WebsiteURL           *string // web widget
	WidgetColor          *string
	WelcomeTitle         *string
	WelcomeTagline       *string
	ReplyTime            *string
	PreChatFormEnabled   *bool
	PreChatFormOptions   JSON
	ContinuityViaEmail   *bool
	SelectedFeatureFlags *[]string
}

// inboxName is Chatwoot's name rule for API, web widget and email inboxes:
// no leading or trailing symbol and none of / \ < > @.
var inboxName = regexp.MustCompile(`(?m)^\b[^/\\<>@]*\b$`)

const (
	maxMessageLength = 10000 // Limits::GREETING_MESSAGE_MAX_LENGTH and OUT_OF_OFFICE_MESSAGE_MAX_LENGTH
	maxURLLength     = 2048  // Limits::URL_LENGTH_LIMIT
)

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

// apply sets the input's inbox fields on in and validates the inbox as
// Chatwoot's Inbox model does, in its order.
func (x *InboxInput) apply(in *Inbox) error {
	setString(&in.Name, x.Name)
	setBool(&in.GreetingEnabled, x.GreetingEnabled)
	setString(&in.GreetingMessage, x.GreetingMessage)
	setBool(&in.EnableEmailCollect, x.EnableEmailCollect)
	setBool(&in.CSATSurveyEnabled, x.CSATSurveyEnabled)
	setBool(&in.EnableAutoAssignment, x.EnableAutoAssignment)
	setBool(&in.WorkingHoursEnabled, x.WorkingHoursEnabled)
	setString(&in.OutOfOfficeMessage, x.OutOfOfficeMessage)
	setString(&in.Timezone, x.Timezone)
	setBool(&in.AllowMessagesAfterResolved, x.AllowMessagesAfterResolved)
	setBool(&in.LockToSingleConversation, x.LockToSingleConversation)
	setString(&in.SenderNameType, x.SenderNameType)
	setString(&in.BusinessName, x.BusinessName)
	if x.AutoAssignmentConfig != nil {
		obj, err := CanonicalObject("auto_assignment_config", x.AutoAssignmentConfig)
		if err != nil {
			return err
		}
		in.AutoAssignmentConfig = obj
	}
	var v Validation
	hasChannel := in.API != nil || in.WebWidget != nil
	if strings.TrimSpace(in.Name) == "" {
		v.Add("name", "Name can't be blank")
	}
	if hasChannel && !inboxName.MatchString(in.Name) {
		v.Add("name", `Name should not start or end with symbols, and it should not have < > / \ @ characters.`)
	}
	if !validTimezone(in.Timezone) {
		v.Add("timezone", "Timezone is not included in the list")
	}
	if utf8.RuneCountInString(in.OutOfOfficeMessage) > maxMessageLength {
		v.Add("out_of_office_message", "Out of office message is too long (maximum is 10000 characters)")
	}
	if utf8.RuneCountInString(in.GreetingMessage) > maxMessageLength {
		v.Add("greeting_message", "Greeting message is too long (maximum is 10000 characters)")
	}
	if in.SenderNameType != SenderNameFriendly && in.SenderNameType != SenderNameProfessional {
		v.Add("sender_name_type", "Sender name type is not included in the list")
	}
	if !hasChannel {
		v.Add("channel", "Channel must exist")
	}
	return v.Err()
}

// validTimezone accepts IANA zone names, as Chatwoot's TZInfo list does.
func validTimezone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// applyAPI sets the API channel's fields and validates them.
func (x *ChannelInput) applyAPI(a *APIChannel) error {
	setString(&a.WebhookURL, x.WebhookURL)
	setBool(&a.HMACMandatory, x.HMACMandatory)
	if x.AdditionalAttributes != nil {
		obj, err := CanonicalObject("additional_attributes", x.AdditionalAttributes)
		if err != nil {
			return err
		}
		a.AdditionalAttributes = obj
	}
	var v Validation
	if !validReplyWindow(a.AdditionalAttributes) {
		v.Add("agent_reply_time_window", "Agent reply time window agent_reply_time_window must be greater than 0")
	}
	if utf8.RuneCountInString(a.WebhookURL) > maxURLLength {
		v.Add("webhook_url", "Webhook url is too long (maximum is 2048 characters)")
	}
	return v.Err()
}

// validReplyWindow applies Chatwoot's rule: agent_reply_time_window, when
// present, must be a positive number (Ruby's to_i of it).
func validReplyWindow(attrs JSON) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(attrs, &m) != nil {
		return true
	}
	raw, ok := m["agent_reply_time_window"]
	if !ok {
		return true
	}
	var val any
	if decodeNumber(raw, &val) != nil {
		return true
	}
	switch t := val.(type) {
	case nil, bool:
		return t == nil || t == false // blank values are allowed; true.to_i fails
	case json.Number:
		f, err := t.Float64()
		return err == nil && int64(f) > 0
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return true
		}
		end := 0
		for end < len(s) && (s[end] >= '0' && s[end] <= '9' || end == 0 && (s[end] == '+' || s[end] == '-')) {
			end++
		}
		n, err := strconv.ParseInt(s[:end], 10, 64)
		return err == nil && n > 0
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// applyWebWidget sets the web widget channel's fields and validates them.
func (x *ChannelInput) applyWebWidget(w *WebWidgetChannel) error {
	setString(&w.WebsiteURL, x.WebsiteURL)
	setString(&w.WidgetColor, x.WidgetColor)
	setString(&w.WelcomeTitle, x.WelcomeTitle)
	setString(&w.WelcomeTagline, x.WelcomeTagline)
	setString(&w.ReplyTime, x.ReplyTime)
	setBool(&w.PreChatFormEnabled, x.PreChatFormEnabled)
	setBool(&w.ContinuityViaEmail, x.ContinuityViaEmail)
	setBool(&w.HMACMandatory, x.HMACMandatory)
	var v Validation
	if x.PreChatFormOptions != nil {
		obj, err := CanonicalObject("pre_chat_form_options", x.PreChatFormOptions)
		if err != nil {
			return err
		}
		w.PreChatFormOptions = obj
	}
	// Chatwoot's before_validation: options without pre-chat fields become
	// the default form.
	if !hasPreChatFields(w.PreChatFormOptions) {
		w.PreChatFormOptions = DefaultPreChatFormOptions
	}
	if x.SelectedFeatureFlags != nil {
		var flags int64
		for _, name := range *x.SelectedFeatureFlags {
			i := slices.Index(WidgetFeatures, name)
			switch {
			case name == "":
			case i < 0:
				v.Add("selected_feature_flags", "Selected feature flags is not included in the list")
			default:
				flags |= 1 << i
			}
		}
		w.FeatureFlags = flags
	}
	if strings.TrimSpace(w.WebsiteURL) == "" {
		v.Add("website_url", "Website url can't be blank")
	}
	if strings.TrimSpace(w.WidgetColor) == "" {
		v.Add("widget_color", "Widget color can't be blank")
	}
	if !slices.Contains(ReplyTimes, w.ReplyTime) {
		v.Add("reply_time", "Reply time is not included in the list")
	}
	return v.Err()
}

func hasPreChatFields(opts JSON) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(opts, &m) != nil {
		return false
	}
	var fields []json.RawMessage
	return json.Unmarshal(m["pre_chat_fields"], &fields) == nil && len(fields) > 0
}

// DefaultPreChatFormOptions is the pre-chat form a web widget starts with.
var DefaultPreChatFormOptions = mustCanonical(`{
	"pre_chat_message": "Share your queries or comments here.",
	"pre_chat_fields": [
		{"field_type": "standard", "label": "Email Id", "name": "emailAddress", "type": "email", "required": true, "enabled": false},
		{"field_type": "standard", "label": "Full name", "name": "fullName", "type": "text", "required": false, "enabled": false},
		{"field_type": "standard", "label": "Phone number", "name": "phoneNumber", "type": "text", "required": false, "enabled": false}
	]}`)

func mustCanonical(s string) JSON {
	obj, err := CanonicalObject("default", []byte(s))
	if err != nil {
		panic(err)
	}
	return bytes.Clone(obj)
}
