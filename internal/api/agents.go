package api

import (
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

// agentJSON is Chatwoot's agent partial (models/_agent.json.jbuilder): a
// user seen as a member of an account. Parley has no websocket presence or
// email confirmation: availability_status is the configured availability
// and every user is confirmed.
type agentJSON struct {
	ID                 int64           `json:"id"`
	AccountID          *int64          `json:"account_id"`
	AvailabilityStatus *string         `json:"availability_status" doc:"online, busy or offline"`
	AutoOffline        *bool           `json:"auto_offline"`
	Confirmed          bool            `json:"confirmed"`
	Email              string          `json:"email"`
	Provider           string          `json:"provider"`
	AvailableName      string          `json:"available_name"`
	CustomAttributes   json.RawMessage `json:"custom_attributes,omitempty" doc:"present only when not empty"`
	Name               string          `json:"name"`
	Role               *string         `json:"role" doc:"administrator or agent"`
	Thumbnail          string          `json:"thumbnail"`
	CustomRoleID       *int64          `json:"custom_role_id" doc:"always null: Parley has no custom roles"`
}

// newAgentJSON renders a user as an agent of an account. m may be nil for a
// user who is no longer a member (an old assignee); the membership's keys
// are then null, as Chatwoot's current_account_user&. gives.
func newAgentJSON(u *chat.User, m *chat.AccountUser) agentJSON {
	j := agentJSON{
		ID:               u.ID,
		Confirmed:        true,
		Email:            u.Email,
		Provider:         "email",
		AvailableName:    u.AvailableName(),
		CustomAttributes: presentObject(u.CustomAttributes),
		Name:             u.Name,
		Thumbnail:        u.AvatarURL,
	}
	if m != nil {
		j.AccountID, j.AvailabilityStatus, j.AutoOffline, j.Role = &m.AccountID, &m.Availability, &m.AutoOffline, &m.Role
	}
	return j
}

// presentObject returns a JSON object, or nil when it is empty (Rails'
// present?), for keys Chatwoot writes only when present.
func presentObject(j chat.JSON) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(j, &m) != nil || len(m) == 0 {
		return nil
	}
	return json.RawMessage(j)
}

// agentBody is read from the "agent" wrapper or the top level.
type agentBody struct {
	Name         Opt[Str]  `json:"name"`
	Email        Opt[Str]  `json:"email" doc:"create only; an existing user with this email is added to the account"`
	Role         Opt[Str]  `json:"role" doc:"agent (default) or administrator"`
	Availability Opt[Str]  `json:"availability" doc:"online (default), busy or offline"`
	AutoOffline  Opt[Bool] `json:"auto_offline" doc:"defaults to true"`
}

// input maps the body; nulls are ignored, as the controller's compact does.
func (b *agentBody) input() chat.AgentInput {
	return chat.AgentInput{Name: sentStr(b.Name), Email: sentStr(b.Email), Role: sentStr(b.Role),
		Availability: sentStr(b.Availability), AutoOffline: optBool(b.AutoOffline)}
}

// bindAgent reads an agent body. Chatwoot's params.require(:agent) fails
// when the request carries no agent parameters at all.
func bindAgent(c *call) (*agentBody, error) {
	var b agentBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if !b.Name.Set && !b.Email.Set && !b.Role.Set && !b.Availability.Set && !b.AutoOffline.Set {
		return nil, &chat.Error{Code: chat.EREJECTED, Message: "param is missing or the value is empty: agent"}
	}
	return &b, nil
}

func (s *Server) listAgents(c *call) (any, error) {
	list, err := s.svc.Agents(c.ctx(), c.actor)
	if err != nil {
		return nil, err
	}
	out := []agentJSON{}
	for i := range list {
		out = append(out, newAgentJSON(&list[i].User, &list[i].Membership))
	}
	return out, nil
}

func (s *Server) createAgent(c *call) (any, error) {
	b, err := bindAgent(c)
	if err != nil {
		return nil, err
	}
	a, err := s.svc.CreateAgent(c.ctx(), c.actor, b.input())
	if err != nil {
		return nil, err
	}
	return newAgentJSON(&a.User, &a.Membership), nil
}

func (s *Server) updateAgent(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	// Chatwoot looks the agent up before it reads the parameters.
	if _, err := s.svc.Agent(c.ctx(), c.actor, id); err != nil {
		return nil, err
	}
	b, err := bindAgent(c)
	if err != nil {
		return nil, err
	}
	in := b.input()
	in.Email = nil // the update reads only name, role, availability and auto_offline
	a, err := s.svc.UpdateAgent(c.ctx(), c.actor, id, in)
	if err != nil {
		return nil, err
	}
	return newAgentJSON(&a.User, &a.Membership), nil
}

func (s *Server) deleteAgent(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.DeleteAgent(c.ctx(), c.actor, id)
}
