package event

import (
	"encoding/json"
	"fmt"

	"github.com/parleyhq/parley/internal/chat"
)

// typingPayload is the typing events' own shape, event first (§3.9).
type typingPayload struct {
	Event        string           `json:"event"`
	User         any              `json:"user"`
	Conversation ConversationData `json:"conversation"`
	IsPrivate    bool             `json:"is_private"`
}

func typing(tx chat.Tx, ev *chat.Event) (any, error) {
	d, err := conversation(tx, ev)
	if err != nil {
		return nil, err
	}
	p := typingPayload{Event: ev.Name, Conversation: NewConversationData(d), IsPrivate: ev.IsPrivate}
	switch ev.ActorType {
	case chat.SenderUser:
		u, err := tx.FindUser(ev.ActorID)
		if err != nil {
			return nil, err
		}
		p.User = NewUserData(u)
	case chat.SenderContact:
		c, err := tx.FindContact(ev.AccountID, ev.ActorID)
		if err != nil {
			return nil, err
		}
		p.User = NewContactData(c, d.Account)
	default:
		return nil, fmt.Errorf("typing event without an actor")
	}
	return p, nil
}

// inboxPayload is Inbox::EventDataPresenter#webhook_data (§3.12), with the
// channel record stripped of every secret and token Chatwoot leaks there.
type inboxPayload struct {
	AllowMessagesAfterResolved bool             `json:"allow_messages_after_resolved"`
	LockToSingleConversation   bool             `json:"lock_to_single_conversation"`
	AutoAssignmentConfig       json.RawMessage  `json:"auto_assignment_config"`
	EnableAutoAssignment       bool             `json:"enable_auto_assignment"`
	EnableEmailCollect         bool             `json:"enable_email_collect"`
	GreetingEnabled            bool             `json:"greeting_enabled"`
	GreetingMessage            *string          `json:"greeting_message"`
	CSATSurveyEnabled          bool             `json:"csat_survey_enabled"`
	BusinessName               *string          `json:"business_name"`
	SenderNameType             string           `json:"sender_name_type"`
	Timezone                   string           `json:"timezone"`
	OutOfOfficeMessage         *string          `json:"out_of_office_message"`
	WorkingHoursEnabled        bool             `json:"working_hours_enabled"`
	WorkingHours               []workingHourRow `json:"working_hours"`
	CreatedAt                  string           `json:"created_at"`
	UpdatedAt                  string           `json:"updated_at"`
	Channel                    any              `json:"channel"`
	Account                    AccountData      `json:"account"`
}

// workingHourRow is a working_hours record. Parley keeps Chatwoot's default
// schedule (Monday to Friday, 9 to 17) for every inbox; ids are what a
// fresh Chatwoot would number them.
type workingHourRow struct {
	ID           int64  `json:"id"`
	InboxID      int64  `json:"inbox_id"`
	AccountID    int64  `json:"account_id"`
	DayOfWeek    int    `json:"day_of_week"`
	ClosedAllDay bool   `json:"closed_all_day"`
	OpenHour     *int   `json:"open_hour"`
	OpenMinutes  *int   `json:"open_minutes"`
	CloseHour    *int   `json:"close_hour"`
	CloseMinutes *int   `json:"close_minutes"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
	OpenAllDay   bool   `json:"open_all_day"`
}

func workingHours(in *chat.Inbox) []workingHourRow {
	nine, zero, five := 9, 0, 17
	rows := make([]workingHourRow, 7)
	for d := range rows {
		r := workingHourRow{ID: (in.ID-1)*7 + int64(d) + 1, InboxID: in.ID, AccountID: in.AccountID, DayOfWeek: d,
			CreatedAt: ISO(in.CreatedAt), UpdatedAt: ISO(in.CreatedAt)}
		if d == 0 || d == 6 {
			r.ClosedAllDay = true
		} else {
			r.OpenHour, r.OpenMinutes, r.CloseHour, r.CloseMinutes = &nine, &zero, &five, &zero
		}
		rows[d] = r
	}
	return rows
}

// apiChannelRecord is channel_api without hmac_token and secret.
type apiChannelRecord struct {
	ID                   int64           `json:"id"`
	AccountID            int64           `json:"account_id"`
	WebhookURL           *string         `json:"webhook_url"`
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	Identifier           string          `json:"identifier"`
	HMACMandatory        bool            `json:"hmac_mandatory"`
	AdditionalAttributes json.RawMessage `json:"additional_attributes"`
}

// webWidgetRecord is channel_web_widgets without its tokens: hmac_token and
// website_token (contract §2: inbox events carry no secret or token; facts
// §3.12 names website_token among the tokens Chatwoot leaks there).
type webWidgetRecord struct {
	ID                 int64           `json:"id"`
	WebsiteURL         *string         `json:"website_url"`
	AccountID          int64           `json:"account_id"`
	CreatedAt          string          `json:"created_at"`
	UpdatedAt          string          `json:"updated_at"`
	WidgetColor        string          `json:"widget_color"`
	WelcomeTitle       *string         `json:"welcome_title"`
	WelcomeTagline     *string         `json:"welcome_tagline"`
	FeatureFlags       int64           `json:"feature_flags"`
	ReplyTime          string          `json:"reply_time"`
	PreChatFormEnabled bool            `json:"pre_chat_form_enabled"`
	PreChatFormOptions json.RawMessage `json:"pre_chat_form_options"`
	HMACMandatory      bool            `json:"hmac_mandatory"`
	ContinuityViaEmail bool            `json:"continuity_via_email"`
	AllowedDomains     string          `json:"allowed_domains"`
}

func channelRecord(in *chat.Inbox) any {
	switch {
	case in.API != nil:
		a := in.API
		return apiChannelRecord{ID: a.ID, AccountID: a.AccountID, WebhookURL: OptString(a.WebhookURL), CreatedAt: ISO(a.CreatedAt),
			UpdatedAt: ISO(a.UpdatedAt), Identifier: a.Identifier, HMACMandatory: a.HMACMandatory, AdditionalAttributes: Object(a.AdditionalAttributes)}
	case in.WebWidget != nil:
		w := in.WebWidget
		return webWidgetRecord{ID: w.ID, WebsiteURL: OptString(w.WebsiteURL), AccountID: w.AccountID, CreatedAt: ISO(w.CreatedAt),
			UpdatedAt: ISO(w.UpdatedAt), WidgetColor: w.WidgetColor, WelcomeTitle: OptString(w.WelcomeTitle),
			WelcomeTagline: OptString(w.WelcomeTagline), FeatureFlags: w.FeatureFlags, ReplyTime: w.ReplyTime,
			PreChatFormEnabled: w.PreChatFormEnabled, PreChatFormOptions: Object(w.PreChatFormOptions), HMACMandatory: w.HMACMandatory,
			ContinuityViaEmail: w.ContinuityViaEmail, AllowedDomains: w.AllowedDomains}
	}
	return nil
}

type inboxEventPayload struct {
	inboxPayload
	Event             string
	ChangedAttributes changes
	withChanges       bool
}

func (p inboxEventPayload) MarshalJSON() ([]byte, error) {
	extra := []kv{{"event", p.Event}}
	if p.withChanges {
		extra = append(extra, kv{"changed_attributes", p.ChangedAttributes})
	}
	return appendKeys(p.inboxPayload, extra...)
}

func inboxEvent(tx chat.Tx, ev *chat.Event) (any, error) {
	in, err := tx.FindInbox(ev.AccountID, ev.InboxID)
	if err != nil {
		return nil, err
	}
	a, err := tx.FindAccount(ev.AccountID)
	if err != nil {
		return nil, err
	}
	p := inboxEventPayload{Event: ev.Name, inboxPayload: inboxPayload{
		AllowMessagesAfterResolved: in.AllowMessagesAfterResolved,
		LockToSingleConversation:   in.LockToSingleConversation,
		AutoAssignmentConfig:       Object(in.AutoAssignmentConfig),
		EnableAutoAssignment:       in.EnableAutoAssignment,
		EnableEmailCollect:         in.EnableEmailCollect,
		GreetingEnabled:            in.GreetingEnabled,
		GreetingMessage:            OptString(in.GreetingMessage),
		CSATSurveyEnabled:          in.CSATSurveyEnabled,
		BusinessName:               OptString(in.BusinessName),
		SenderNameType:             in.SenderNameType,
		Timezone:                   in.Timezone,
		OutOfOfficeMessage:         OptString(in.OutOfOfficeMessage),
		WorkingHoursEnabled:        in.WorkingHoursEnabled,
		WorkingHours:               workingHours(in),
		CreatedAt:                  ISO(in.CreatedAt),
		UpdatedAt:                  ISO(in.UpdatedAt),
		Channel:                    channelRecord(in),
		Account:                    AccountData{ID: a.ID, Name: a.Name},
	}}
	if ev.Name == chat.EventInboxUpdated {
		p.ChangedAttributes, p.withChanges = newChanges(ev.Changes), true
	}
	return p, nil
}

// contactInboxPayload is ContactInbox#webhook_data with webwidget_triggered's
// event and event_info (§3.11).
type contactInboxPayload struct {
	ID                  int64             `json:"id"`
	Contact             ContactData       `json:"contact"`
	Inbox               InboxData         `json:"inbox"`
	Account             AccountData       `json:"account"`
	CurrentConversation *ConversationData `json:"current_conversation"`
	SourceID            string            `json:"source_id"`
	Event               string            `json:"event"`
	EventInfo           json.RawMessage   `json:"event_info"`
}

func webwidgetTriggered(tx chat.Tx, ev *chat.Event) (any, error) {
	ci, err := tx.FindContactInbox(ev.ContactInboxID)
	if err != nil {
		return nil, err
	}
	c, err := tx.FindContact(ev.AccountID, ci.ContactID)
	if err != nil {
		return nil, err
	}
	in, err := tx.FindInbox(ev.AccountID, ci.InboxID)
	if err != nil {
		return nil, err
	}
	a, err := tx.FindAccount(ev.AccountID)
	if err != nil {
		return nil, err
	}
	p := contactInboxPayload{ID: ci.ID, Contact: NewContactData(c, a), Inbox: InboxData{ID: in.ID, Name: in.Name},
		Account: AccountData{ID: a.ID, Name: a.Name}, SourceID: ci.SourceID, Event: ev.Name, EventInfo: Object(ev.Info)}
	last, err := lastConversation(tx, ev.AccountID, ci)
	if err != nil {
		return nil, err
	}
	if last != nil {
		d, err := chat.LoadConversation(tx, last)
		if err != nil {
			return nil, err
		}
		cd := NewConversationData(d)
		p.CurrentConversation = &cd
	}
	return p, nil
}

// lastConversation is ContactInbox#current_conversation, Chatwoot's
// conversations.last: the contact inbox's newest conversation by id,
// whatever the activity of the others; nil when it has none. The store
// lists by activity, so the contact's conversations in the inbox are read
// page by page.
func lastConversation(tx chat.Tx, accountID int64, ci *chat.ContactInbox) (*chat.Conversation, error) {
	const page = 100
	var last *chat.Conversation
	for offset := 0; ; offset += page {
		list, err := tx.ListConversations(chat.ConversationFilter{AccountID: accountID, ContactID: ci.ContactID, InboxID: ci.InboxID,
			Status: "all", Offset: offset, Limit: page})
		if err != nil {
			return nil, err
		}
		for i := range list {
			if c := &list[i]; c.ContactInboxID == ci.ID && (last == nil || c.ID > last.ID) {
				last = c
			}
		}
		if len(list) < page {
			return last, nil
		}
	}
}
