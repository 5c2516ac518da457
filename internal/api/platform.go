package api

import (
	"encoding/json"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

// The Platform API (/platform/api/v1) manages accounts, users and
// memberships with PARLEY_PLATFORM_TOKEN. Chatwoot limits a platform app to
// the resources it created ("permissibles"); Parley's one platform token
// may manage every account and user.

// accountJSON is Chatwoot's platform account partial.
type accountJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Locale           string          `json:"locale"`
	Domain           *string         `json:"domain"`
	SupportEmail     *string         `json:"support_email"`
	Features         json.RawMessage `json:"features" doc:"the enabled feature flags, as {\"name\": true}"`
	CustomAttributes json.RawMessage `json:"custom_attributes"`
	Limits           json.RawMessage `json:"limits"`
	Status           string          `json:"status" doc:"active or suspended"`
}

func newAccountJSON(a *chat.Account) accountJSON {
	return accountJSON{ID: a.ID, Name: a.Name, Locale: a.Locale, Domain: optString(a.Domain), SupportEmail: optString(a.SupportEmail),
		Features: rawObject(a.Features), CustomAttributes: rawObject(a.CustomAttributes), Limits: rawObject(a.Limits), Status: a.Status}
}

type accountBody struct {
	Name             Opt[Str]    `json:"name" doc:"required on create"`
	Locale           Opt[Str]    `json:"locale"`
	Domain           Opt[Str]    `json:"domain"`
	SupportEmail     Opt[Str]    `json:"support_email"`
	Status           Opt[Str]    `json:"status" doc:"active or suspended"`
	Features         Opt[Object] `json:"features" doc:"{\"name\": bool}: a present, truthy value enables the feature, anything else disables it"`
	Limits           Opt[Object] `json:"limits" doc:"replaces the stored object"`
	CustomAttributes Opt[Object] `json:"custom_attributes" doc:"replaces the stored object"`
}

func (b *accountBody) input() (chat.AccountInput, error) {
	in := chat.AccountInput{
		Name:             nullableStr(b.Name, false),
		Locale:           sentStr(b.Locale),
		Domain:           nullableStr(b.Domain, false),
		SupportEmail:     nullableStr(b.SupportEmail, false),
		Status:           sentStr(b.Status),
		Limits:           optObject(b.Limits),
		CustomAttributes: optObject(b.CustomAttributes),
	}
	if b.Features.Set && !b.Features.Null {
		var flags map[string]any
		if err := json.Unmarshal(b.Features.V, &flags); err != nil {
			return in, chat.Invalid([]string{"features"}, "Features must be an object")
		}
		in.Features = map[string]bool{}
		for name, v := range flags {
			in.Features[name] = present(v)
		}
	}
	return in, nil
}

// sentStr maps a sent, non-null string to a pointer.
func sentStr(o Opt[Str]) *string {
	if !o.Set || o.Null {
		return nil
	}
	v := string(o.V)
	return &v
}

// present is Ruby's present? for a decoded JSON value.
func present(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case string:
		return strings.TrimSpace(t) != ""
	case []any:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}

func (s *Server) platformCreateAccount(c *call) (any, error) {
	var b accountBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	in, err := b.input()
	if err != nil {
		return nil, err
	}
	a, err := s.svc.CreateAccount(c.ctx(), in)
	if err != nil {
		return nil, err
	}
	return newAccountJSON(a), nil
}

func (s *Server) platformShowAccount(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	a, err := s.svc.Account(c.ctx(), id)
	if err != nil {
		return nil, err
	}
	return newAccountJSON(a), nil
}

func (s *Server) platformUpdateAccount(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b accountBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	in, err := b.input()
	if err != nil {
		return nil, err
	}
	a, err := s.svc.UpdateAccount(c.ctx(), id, in)
	if err != nil {
		return nil, err
	}
	return newAccountJSON(a), nil
}

// platformDeleteAccount deletes at once what Chatwoot deletes in a job.
func (s *Server) platformDeleteAccount(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.DeleteAccount(c.ctx(), id)
}

// accountUserBody is what the account_users endpoints read.
type accountUserBody struct {
	UserID Opt[Int] `json:"user_id"`
	Role   Opt[Str] `json:"role" doc:"agent or administrator; create only"`
}

// accountUserJSON is an AccountUser record as ActiveRecord's as_json dumps
// it: Chatwoot's account_users columns in schema order.
type accountUserJSON struct {
	ID           int64   `json:"id"`
	AccountID    int64   `json:"account_id"`
	UserID       int64   `json:"user_id"`
	Role         string  `json:"role"`
	InviterID    *int64  `json:"inviter_id"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	ActiveAt     *string `json:"active_at" doc:"always null: Parley does not track account switching"`
	Availability string  `json:"availability"`
	AutoOffline  bool    `json:"auto_offline"`
	CustomRoleID *int64  `json:"custom_role_id"`
}

func newAccountUserJSON(m *chat.AccountUser) accountUserJSON {
	j := accountUserJSON{ID: m.ID, AccountID: m.AccountID, UserID: m.UserID, Role: m.Role, CreatedAt: isoTime(m.CreatedAt),
		UpdatedAt: isoTime(m.UpdatedAt), Availability: m.Availability, AutoOffline: m.AutoOffline}
	if m.InviterID != 0 {
		j.InviterID = &m.InviterID
	}
	return j
}

func (s *Server) platformCreateAccountUser(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b accountUserBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	m, err := s.svc.AddAccountUser(c.ctx(), id, int64(b.UserID.V), sentStr(b.Role))
	if err != nil {
		return nil, err
	}
	return newAccountUserJSON(m), nil
}

func (s *Server) platformListAccountUsers(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	list, err := s.svc.AccountUsers(c.ctx(), id)
	if err != nil {
		return nil, err
	}
	out := []accountUserJSON{}
	for i := range list {
		out = append(out, newAccountUserJSON(&list[i]))
	}
	return out, nil
}

func (s *Server) platformDeleteAccountUser(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b accountUserBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.RemoveAccountUser(c.ctx(), id, int64(b.UserID.V))
}
