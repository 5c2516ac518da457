package chat

import "time"

// Channel types, as Chatwoot names them in inbox JSON and payloads.
const (
	ChannelAPI       = "Channel::Api"
	ChannelWebWidget = "Channel::WebWidget"
)

// Inbox is where conversations arrive. Its channel holds the channel-specific
// settings; exactly one of API and WebWidget is set, matching ChannelType.
type Inbox struct {
	ID                         int64
	AccountID                  int64
	ChannelID                  int64
	Name                       string
	ChannelType                string
	EnableAutoAssignment       bool
	GreetingEnabled            bool
	GreetingMessage            string
	WorkingHoursEnabled        bool
	OutOfOfficeMessage         string
	Timezone                   string
	EnableEmailCollect         bool
	CSATSurveyEnabled          bool
	AllowMessagesAfterResolved bool
	AutoAssignmentConfig       JSON
	LockToSingleConversation   bool
	SenderNameType             string // "friendly" or "professional"
	BusinessName               string
	CreatedAt                  time.Time
	UpdatedAt                  time.Time

	API       *APIChannel
	WebWidget *WebWidgetChannel
}

// APIChannel is the channel of an API inbox: programs post messages in and
// receive the inbox's events at WebhookURL.
type APIChannel struct {
	ID                   int64
	AccountID            int64
	WebhookURL           string
	Identifier           string // public inbox identifier for the client API
	HMACToken            string // for contact identity validation, not webhook signing
	HMACMandatory        bool
	AdditionalAttributes JSON
	Secret               string // signs deliveries to WebhookURL
	Health               Health // of WebhookURL as a delivery endpoint
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// WebWidgetChannel is the channel of a website live-chat inbox.
type WebWidgetChannel struct {
	ID                 int64
	AccountID          int64
	WebsiteURL         string
	WebsiteToken       string
	WidgetColor        string
	WelcomeTitle       string
	WelcomeTagline     string
	FeatureFlags       int64
	ReplyTime          string // "in_a_few_minutes", "in_a_few_hours", "in_a_day"
	HMACToken          string
	PreChatFormEnabled bool
	PreChatFormOptions JSON
	HMACMandatory      bool
	ContinuityViaEmail bool
	AllowedDomains     string
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// Sender name types.
const (
	SenderNameFriendly     = "friendly"
	SenderNameProfessional = "professional"
)

// Reply time values of a web widget.
var ReplyTimes = []string{"in_a_few_minutes", "in_a_few_hours", "in_a_day"}
