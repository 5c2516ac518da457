package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// inboxJSON is Chatwoot's inbox partial (models/_inbox.json.jbuilder), keys
// in its order. Channel keys of the other channel type are null (the
// jbuilder's channel.try) and blocks marked omitempty appear only for their
// channel type; secrets only for administrators. Chatwoot writes
// hmac_token in the web widget block and again in the API block, so the
// struct has two fields with that name and encodes itself (marshalFields).
type inboxJSON struct {
	ID                         int64             `json:"id"`
	AvatarURL                  string            `json:"avatar_url"`
	ChannelID                  int64             `json:"channel_id"`
	Name                       string            `json:"name"`
	ChannelType                string            `json:"channel_type" doc:"Channel::Api or Channel::WebWidget"`
	GreetingEnabled            bool              `json:"greeting_enabled"`
	GreetingMessage            *string           `json:"greeting_message"`
	WorkingHoursEnabled        bool              `json:"working_hours_enabled"`
	EnableEmailCollect         bool              `json:"enable_email_collect"`
	CSATSurveyEnabled          bool              `json:"csat_survey_enabled"`
	CSATConfig                 json.RawMessage   `json:"csat_config" doc:"always {}: Parley does not store CSAT settings"`
	EnableAutoAssignment       bool              `json:"enable_auto_assignment"`
	AutoAssignmentConfig       json.RawMessage   `json:"auto_assignment_config"`
	OutOfOfficeMessage         *string           `json:"out_of_office_message"`
	WorkingHours               []workingHourJSON `json:"working_hours" doc:"Chatwoot's default schedule: Parley does not store working hours yet"`
	Timezone                   string            `json:"timezone"`
	CallbackWebhookURL         *string           `json:"callback_webhook_url"`
	AllowMessagesAfterResolved bool              `json:"allow_messages_after_resolved"`
	LockToSingleConversation   bool              `json:"lock_to_single_conversation"`
	SenderNameType             string            `json:"sender_name_type" doc:"friendly or professional"`
	BusinessName               *string           `json:"business_name"`

	WidgetColor          *string   `json:"widget_color"`
	WebsiteURL           *string   `json:"website_url"`
	HMACMandatory        *bool     `json:"hmac_mandatory"`
	WelcomeTitle         *string   `json:"welcome_title"`
	WelcomeTagline       *string   `json:"welcome_tagline"`
	WebWidgetScript      *string   `json:"web_widget_script"`
	WebsiteToken         *string   `json:"website_token"`
	SelectedFeatureFlags *[]string `json:"selected_feature_flags"`
	ReplyTime            *string   `json:"reply_time"`

	WidgetHMACToken    *string         `json:"hmac_token,omitempty" doc:"web widget and API inboxes; administrators only"`
	PreChatFormEnabled *bool           `json:"pre_chat_form_enabled,omitempty" doc:"web widget only"`
	PreChatFormOptions json.RawMessage `json:"pre_chat_form_options,omitempty" doc:"web widget only"`
	ContinuityViaEmail *bool           `json:"continuity_via_email,omitempty" doc:"web widget only"`

	MessagingServiceSID *string `json:"messaging_service_sid"`
	PhoneNumber         *string `json:"phone_number"`

	APIInboxKeys

	Provider *string `json:"provider"`
}

// APIInboxKeys are the keys only API inboxes have. They are embedded (and
// flattened) so that hmac_token can appear here as well as in the web
// widget block.
type APIInboxKeys struct {
	APIHMACToken         *string         `json:"hmac_token,omitempty" doc:"administrators only"`
	Secret               *string         `json:"secret,omitempty" doc:"administrators only: signs webhook deliveries (Parley)"`
	WebhookURL           json.RawMessage `json:"webhook_url,omitempty" doc:"string or null"`
	InboxIdentifier      *string         `json:"inbox_identifier,omitempty"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes,omitempty"`
}

// MarshalJSON implements json.Marshaler.
func (j inboxJSON) MarshalJSON() ([]byte, error) { return marshalFields(j) }

type workingHourJSON struct {
	DayOfWeek    int  `json:"day_of_week"`
	ClosedAllDay bool `json:"closed_all_day"`
	OpenHour     *int `json:"open_hour"`
	OpenMinutes  *int `json:"open_minutes"`
	CloseHour    *int `json:"close_hour"`
	CloseMinutes *int `json:"close_minutes"`
	OpenAllDay   bool `json:"open_all_day"`
}

// defaultWorkingHours is the schedule Chatwoot gives every new inbox:
// closed on Sunday (0) and Saturday (6), 9:00 to 17:00 on the other days.
func defaultWorkingHours() []workingHourJSON {
	nine, zero, five := 9, 0, 17
	out := make([]workingHourJSON, 7)
	for d := range out {
		out[d] = workingHourJSON{DayOfWeek: d, ClosedAllDay: true}
		if d >= 1 && d <= 5 {
			out[d] = workingHourJSON{DayOfWeek: d, OpenHour: &nine, OpenMinutes: &zero, CloseHour: &five, CloseMinutes: &zero}
		}
	}
	return out
}

// newInboxJSON renders an inbox; admin shows its secrets. baseURL is the
// server's address as the client sees it, for the widget's embed script.
func newInboxJSON(in *chat.Inbox, admin bool, baseURL string) inboxJSON {
	j := inboxJSON{
		ID:                         in.ID,
		ChannelID:                  in.ChannelID,
		Name:                       in.Name,
		ChannelType:                in.ChannelType,
		GreetingEnabled:            in.GreetingEnabled,
		GreetingMessage:            optString(in.GreetingMessage),
		WorkingHoursEnabled:        in.WorkingHoursEnabled,
		EnableEmailCollect:         in.EnableEmailCollect,
		CSATSurveyEnabled:          in.CSATSurveyEnabled,
		CSATConfig:                 json.RawMessage(`{}`),
		EnableAutoAssignment:       in.EnableAutoAssignment,
		AutoAssignmentConfig:       rawObject(in.AutoAssignmentConfig),
		OutOfOfficeMessage:         optString(in.OutOfOfficeMessage),
		WorkingHours:               defaultWorkingHours(),
		Timezone:                   in.Timezone,
		AllowMessagesAfterResolved: in.AllowMessagesAfterResolved,
		LockToSingleConversation:   in.LockToSingleConversation,
		SenderNameType:             in.SenderNameType,
		BusinessName:               optString(in.BusinessName),
	}
	if w := in.WebWidget; w != nil {
		flags := w.SelectedFeatureFlags()
		script := widgetScript(baseURL, w.WebsiteToken)
		j.WidgetColor, j.WebsiteURL, j.HMACMandatory = optString(w.WidgetColor), optString(w.WebsiteURL), &w.HMACMandatory
		j.WelcomeTitle, j.WelcomeTagline = optString(w.WelcomeTitle), optString(w.WelcomeTagline)
		j.WebWidgetScript, j.WebsiteToken, j.SelectedFeatureFlags = &script, optString(w.WebsiteToken), &flags
		j.ReplyTime = optString(w.ReplyTime)
		if admin {
			j.WidgetHMACToken = &w.HMACToken
		}
		j.PreChatFormEnabled, j.PreChatFormOptions = &w.PreChatFormEnabled, rawObject(w.PreChatFormOptions)
		j.ContinuityViaEmail = &w.ContinuityViaEmail
	}
	if a := in.API; a != nil {
		j.HMACMandatory = &a.HMACMandatory
		if admin {
			j.APIHMACToken, j.Secret = &a.HMACToken, &a.Secret
		}
		j.WebhookURL = json.RawMessage(`null`)
		if a.WebhookURL != "" {
			j.WebhookURL, _ = json.Marshal(a.WebhookURL)
		}
		j.InboxIdentifier, j.AdditionalAttributes = &a.Identifier, rawObject(a.AdditionalAttributes)
	}
	return j
}

// widgetScript is Chatwoot's embed snippet (Channel::WebWidget#web_widget_script)
// with the server's address where Chatwoot puts FRONTEND_URL.
func widgetScript(baseURL, token string) string {
	return `
    <script>
      (function(d,t) {
        var BASE_URL="` + baseURL + `";
        var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
        g.src=BASE_URL+"/packs/js/sdk.js";
        g.defer = true;
        g.async = true;
        s.parentNode.insertBefore(g,s);
        g.onload=function(){
          window.chatwootSDK.run({
            websiteToken: '` + token + `',
            baseUrl: BASE_URL
          })
        }
      })(document,"script");
    </script>
    `
}

// baseURL is the server's address as the client reached it: the Host
// header, with https when the request came over TLS or a proxy says so.
func (c *call) baseURL() string {
	scheme := "http"
	proto, _, _ := strings.Cut(c.r.Header.Get("X-Forwarded-Proto"), ",")
	if c.r.TLS != nil || strings.EqualFold(strings.TrimSpace(proto), "https") {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host
}

// rawInboxJSON is the inbox record as ActiveRecord's as_json dumps it: every
// column of Chatwoot's inboxes table in schema order, times as ISO strings.
type rawInboxJSON struct {
	ID                         int64           `json:"id"`
	ChannelID                  int64           `json:"channel_id"`
	AccountID                  int64           `json:"account_id"`
	Name                       string          `json:"name"`
	CreatedAt                  string          `json:"created_at"`
	UpdatedAt                  string          `json:"updated_at"`
	ChannelType                string          `json:"channel_type"`
	EnableAutoAssignment       bool            `json:"enable_auto_assignment"`
	GreetingEnabled            bool            `json:"greeting_enabled"`
	GreetingMessage            *string         `json:"greeting_message"`
	EmailAddress               *string         `json:"email_address"`
	WorkingHoursEnabled        bool            `json:"working_hours_enabled"`
	OutOfOfficeMessage         *string         `json:"out_of_office_message"`
	Timezone                   string          `json:"timezone"`
	EnableEmailCollect         bool            `json:"enable_email_collect"`
	CSATSurveyEnabled          bool            `json:"csat_survey_enabled"`
	AllowMessagesAfterResolved bool            `json:"allow_messages_after_resolved"`
	AutoAssignmentConfig       json.RawMessage `json:"auto_assignment_config"`
	LockToSingleConversation   bool            `json:"lock_to_single_conversation"`
	PortalID                   *int64          `json:"portal_id"`
	SenderNameType             string          `json:"sender_name_type"`
	BusinessName               *string         `json:"business_name"`
	CSATConfig                 json.RawMessage `json:"csat_config"`
}

func newRawInboxJSON(in *chat.Inbox) rawInboxJSON {
	return rawInboxJSON{
		ID:                         in.ID,
		ChannelID:                  in.ChannelID,
		AccountID:                  in.AccountID,
		Name:                       in.Name,
		CreatedAt:                  isoTime(in.CreatedAt),
		UpdatedAt:                  isoTime(in.UpdatedAt),
		ChannelType:                in.ChannelType,
		EnableAutoAssignment:       in.EnableAutoAssignment,
		GreetingEnabled:            in.GreetingEnabled,
		GreetingMessage:            optString(in.GreetingMessage),
		WorkingHoursEnabled:        in.WorkingHoursEnabled,
		OutOfOfficeMessage:         optString(in.OutOfOfficeMessage),
		Timezone:                   in.Timezone,
		EnableEmailCollect:         in.EnableEmailCollect,
		CSATSurveyEnabled:          in.CSATSurveyEnabled,
		AllowMessagesAfterResolved: in.AllowMessagesAfterResolved,
		AutoAssignmentConfig:       rawObject(in.AutoAssignmentConfig),
		LockToSingleConversation:   in.LockToSingleConversation,
		SenderNameType:             in.SenderNameType,
		BusinessName:               optString(in.BusinessName),
		CSATConfig:                 json.RawMessage(`{}`),
	}
}

// isoTime is how ActiveSupport encodes a time: ISO 8601 in UTC with
// milliseconds.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// marshalFields encodes a struct's exported fields in declaration order as
// encoding/json would, flattening embedded structs, except that fields may
// share a JSON name and omitempty leaves out only nil values (false, 0 and
// "" are kept).
func marshalFields(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	if err := writeFields(&buf, reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func writeFields(buf *bytes.Buffer, rv reflect.Value) error {
	rt := rv.Type()
	for i := 0; i < rt.NumField(); i++ {
		f := rt.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		fv := rv.Field(i)
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			if err := writeFields(buf, fv); err != nil {
				return err
			}
			continue
		}
		switch fv.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Interface:
			if opts == "omitempty" && fv.IsNil() {
				continue
			}
		}
		b, err := json.Marshal(fv.Interface())
		if err != nil {
			return err
		}
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		kb, _ := json.Marshal(name)
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(b)
	}
	return nil
}
