package api

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

// profileJSON is Chatwoot's _user partial as GET /api/v1/profile renders it.
// Parley keeps no data for some of its keys; they hold Chatwoot's values for
// a plain, confirmed, email-provider user.
type profileJSON struct {
	AccessToken      string               `json:"access_token"`
	AccountID        *int64               `json:"account_id" doc:"the active (first) account"`
	AvailableName    string               `json:"available_name"`
	AvatarURL        string               `json:"avatar_url"`
	Confirmed        bool                 `json:"confirmed"`
	DisplayName      *string              `json:"display_name"`
	MessageSignature *string              `json:"message_signature"`
	Email            string               `json:"email"`
	ID               int64                `json:"id"`
	InviterID        *int64               `json:"inviter_id"`
	Name             string               `json:"name"`
	Provider         string               `json:"provider"`
	PubsubToken      string               `json:"pubsub_token"`
	CustomAttributes json.RawMessage      `json:"custom_attributes,omitempty" doc:"present only when not empty"`
	Role             *string              `json:"role" doc:"role in the active account"`
	UISettings       json.RawMessage      `json:"ui_settings"`
	UID              string               `json:"uid"`
	Type             *string              `json:"type"`
	Accounts         []profileAccountJSON `json:"accounts"`
}

type profileAccountJSON struct {
	ID                 int64           `json:"id"`
	Name               string          `json:"name"`
	Status             string          `json:"status"`
	ActiveAt           *string         `json:"active_at"`
	Role               string          `json:"role"`
	Permissions        []string        `json:"permissions"`
	Availability       string          `json:"availability"`
	AvailabilityStatus string          `json:"availability_status" doc:"the configured availability: Parley has no presence tracking"`
	AutoOffline        bool            `json:"auto_offline"`
	CustomRoleID       *int64          `json:"custom_role_id"`
	CustomRole         json.RawMessage `json:"custom_role"`
}

func newProfileJSON(p *chat.Profile) profileJSON {
	u := p.User
	j := profileJSON{
		AccessToken:      u.AccessToken,
		AvailableName:    u.AvailableName(),
		AvatarURL:        u.AvatarURL,
		Confirmed:        true,
		DisplayName:      optString(u.DisplayName),
		Email:            u.Email,
		ID:               u.ID,
		Name:             u.Name,
		Provider:         "email",
		PubsubToken:      u.PubsubToken,
		CustomAttributes: presentObject(u.CustomAttributes),
		UISettings:       json.RawMessage(`{}`),
		UID:              u.Email,
		Accounts:         []profileAccountJSON{},
	}
	if m := p.Active(); m != nil {
		j.AccountID, j.Role = &m.AccountID, &m.Role
		if m.InviterID != 0 {
			j.InviterID = &m.InviterID
		}
	}
	for i, m := range p.Memberships {
		j.Accounts = append(j.Accounts, profileAccountJSON{
			ID:                 m.AccountID,
			Name:               p.Accounts[i].Name,
			Status:             p.Accounts[i].Status,
			Role:               m.Role,
			Permissions:        []string{m.Role},
			Availability:       m.Availability,
			AvailabilityStatus: m.Availability,
			AutoOffline:        m.AutoOffline,
			CustomRole:         json.RawMessage(`null`),
		})
	}
	return j
}

func (s *Server) showProfile(c *call) (any, error) {
	p, err := s.svc.Profile(c.ctx(), c.user)
	if err != nil {
		return nil, err
	}
	return newProfileJSON(p), nil
}
