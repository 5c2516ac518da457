package chat

import "time"

// Contact is a customer of an account.
type Contact struct {
	ID                   int64
	AccountID            int64
	Name                 string
	Email                string // "" when unset; stored as NULL
	PhoneNumber          string
	Identifier           string
	AvatarURL            string
	AdditionalAttributes JSON
	CustomAttributes     JSON
	Blocked              bool
	LastActivityAt       time.Time // zero when never active
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// ContactInbox links a contact to an inbox under the channel's id for the
// contact (SourceID: a visitor UUID, a phone number, a program's own id).
type ContactInbox struct {
	ID           int64
	ContactID    int64
	InboxID      int64
	SourceID     string
	HMACVerified bool
	PubsubToken  string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ContactFilter selects contacts for listing and search.
type ContactFilter struct {
	AccountID int64
	// Query matches name, email, phone number or identifier (search).
	Query string
	// Resolved limits the list to contacts with an email, phone number or
	// identifier, as Chatwoot's contact list does.
	Resolved bool
	// Sort is a column name, "-" prefixed for descending, as Chatwoot takes
	// it; empty means creation order.
	Sort   string
	Offset int
	Limit  int
}
