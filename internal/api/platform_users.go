package api

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

// platformUserJSON is Chatwoot's platform user partial. Unlike the
// Application API's views it carries the user's access_token.
type platformUserJSON struct {
	AccessToken      string                    `json:"access_token"`
	AccountID        *int64                    `json:"account_id" doc:"the active (first) account"`
	AvailableName    string                    `json:"available_name"`
	AvatarURL        string                    `json:"avatar_url"`
	Confirmed        bool                      `json:"confirmed"`
	DisplayName      *string                   `json:"display_name"`
	MessageSignature *string                   `json:"message_signature"`
	Email            string                    `json:"email"`
	ID               int64                     `json:"id"`
	Name             string                    `json:"name"`
	Provider         string                    `json:"provider"`
	PubsubToken      string                    `json:"pubsub_token"`
	CustomAttributes json.RawMessage           `json:"custom_attributes,omitempty" doc:"present only when not empty"`
	Role             *string                   `json:"role" doc:"role in the active account"`
	UISettings       json.RawMessage           `json:"ui_settings"`
	UID              string                    `json:"uid"`
	Accounts         []platformUserAccountJSON `json:"accounts"`
}

type platformUserAccountJSON struct {
	ID       int64   `json:"id"`
	Name     string  `json:"name"`
	ActiveAt *string `json:"active_at"`
	Role     string  `json:"role"`
}

func newPlatformUserJSON(p *chat.Profile) platformUserJSON {
	u := p.User
	j := platformUserJSON{
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
		Accounts:         []platformUserAccountJSON{},
	}
	if m := p.Active(); m != nil {
		j.AccountID, j.Role = &m.AccountID, &m.Role
	}
	for i, m := range p.Memberships {
		j.Accounts = append(j.Accounts, platformUserAccountJSON{ID: m.AccountID, Name: p.Accounts[i].Name, Role: m.Role})
	}
	return j
}

// userBody is what the platform users endpoints read.
type userBody struct {
	Name        Opt[Str] `json:"name"`
	DisplayName Opt[Str] `json:"display_name"`
	Email       Opt[Str] `json:"email" doc:"on create, an existing user with this email is returned unchanged"`
	// Password is accepted so that Chatwoot clients work unchanged, and
	// ignored: Parley has no password login, users authenticate with their
	// access token only.
	Password         Opt[Str]    `json:"password" doc:"accepted and ignored: Parley has no password login"`
	CustomAttributes Opt[Object] `json:"custom_attributes" doc:"merged into the stored object"`
}

func (b *userBody) input() chat.UserInput {
	return chat.UserInput{Name: nullableStr(b.Name, false), DisplayName: nullableStr(b.DisplayName, false),
		Email: nullableStr(b.Email, false), CustomAttributes: optObject(b.CustomAttributes)}
}

func (s *Server) platformUser(c *call, u *chat.User) (any, error) {
	p, err := s.svc.Profile(c.ctx(), u)
	if err != nil {
		return nil, err
	}
	return newPlatformUserJSON(p), nil
}

func (s *Server) platformCreateUser(c *call) (any, error) {
	var b userBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	u, err := s.svc.CreateUser(c.ctx(), b.input())
	if err != nil {
		return nil, err
	}
	return s.platformUser(c, u)
}

func (s *Server) platformShowUser(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	u, err := s.svc.User(c.ctx(), id)
	if err != nil {
		return nil, err
	}
	return s.platformUser(c, u)
}

func (s *Server) platformUpdateUser(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b userBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	u, err := s.svc.UpdateUser(c.ctx(), id, b.input())
	if err != nil {
		return nil, err
	}
	return s.platformUser(c, u)
}

// platformDeleteUser deletes at once what Chatwoot deletes in a job.
func (s *Server) platformDeleteUser(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.DeleteUser(c.ctx(), id)
}
