package chat

import "time"

// Account is a tenant: every inbox, contact and conversation belongs to one.
type Account struct {
	ID               int64
	Name             string
	Locale           string
	Domain           string
	SupportEmail     string
	Status           string // "active" or "suspended"
	CustomAttributes JSON
	// Features holds the enabled feature flags as {"name": true}.
	Features JSON
	// Limits is the Platform API's free-form limits object.
	Limits    JSON
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Account statuses.
const (
	AccountActive    = "active"
	AccountSuspended = "suspended"
)

// User is a person who signs in: an agent or administrator of one or more
// accounts. AccessToken authenticates API calls (header api_access_token).
type User struct {
	ID               int64
	Name             string
	DisplayName      string
	Email            string
	AccessToken      string
	AvatarURL        string
	CustomAttributes JSON
	// PubsubToken names the user's realtime channel; it never changes.
	PubsubToken string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// AvailableName is the name Chatwoot shows for a user: the display name when
// set, otherwise the full name.
func (u *User) AvailableName() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Name
}

// Roles a user holds in an account.
const (
	RoleAgent         = "agent"
	RoleAdministrator = "administrator"
)

// Availability values of an account user.
const (
	AvailabilityOnline  = "online"
	AvailabilityOffline = "offline"
	AvailabilityBusy    = "busy"
)

// AccountUser is a user's membership of an account.
type AccountUser struct {
	ID           int64
	AccountID    int64
	UserID       int64
	Role         string
	Availability string
	AutoOffline  bool
	InviterID    int64 // the user who added the member; 0 when none
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Agent is a user seen from one account: the user and their membership.
type Agent struct {
	User
	Membership AccountUser
}
