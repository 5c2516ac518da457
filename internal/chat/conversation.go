package chat

import "time"

// Conversation statuses, in Chatwoot's enum order.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
)

// Statuses lists the conversation statuses.
var Statuses = []string{StatusOpen, StatusResolved, StatusPending, StatusSnoozed}

// Priorities lists the conversation priorities; "" means none.
var Priorities = []string{"low", "medium", "high", "urgent"}

// Conversation is a thread between a contact and an account in one inbox.
// Fields follow Chatwoot's column order, which changed_attributes reports in.
type Conversation struct {
	ID                   int64
	AccountID            int64
	InboxID              int64
	Status               string
	AssigneeID           int64 // 0 when unassigned
	CreatedAt            time.Time
	UpdatedAt            time.Time
	ContactID            int64
	DisplayID            int64 // per-account number used in URLs and payloads
	ContactLastSeenAt    time.Time
	AgentLastSeenAt      time.Time
	AdditionalAttributes JSON
	ContactInboxID       int64
	UUID                 string
	Identifier           string
	LastActivityAt       time.Time
	TeamID               int64
	CampaignID           int64
	SnoozedUntil         time.Time
	CustomAttributes     JSON
	AssigneeLastSeenAt   time.Time
	FirstReplyCreatedAt  time.Time
	Priority             string // "" when none
	SLAPolicyID          int64
	WaitingSince         time.Time
	Labels               []string // cached_label_list, in the order they were added
	AssigneeAgentBotID   int64
}

// ConversationFilter selects conversations for listing.
type ConversationFilter struct {
	AccountID int64
	// Status is one of Statuses, or "all". Empty means open.
	Status string
	// AssigneeType is "me", "unassigned", "assigned" or "all" (the default).
	AssigneeType string
	// UserID is the caller, for AssigneeType "me" and the mine count.
	UserID  int64
	InboxID int64
	Labels  []string
	// ContactID limits the list to one contact's conversations.
	ContactID int64
	Offset    int
	Limit     int
}

// ConversationCounts are the meta counts of a conversation list.
type ConversationCounts struct {
	Mine       int
	Assigned   int
	Unassigned int
	All        int
}
