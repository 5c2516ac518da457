package chat

import (
	"cmp"
	"context"
	"slices"
	"strings"
)

// AgentInput holds what the agents endpoints write; nil means not given.
type AgentInput struct {
	Name         *string
	Email        *string // create only
	Role         *string
	Availability *string
	AutoOffline  *bool
}

var (
	roles          = []string{RoleAgent, RoleAdministrator}
	availabilities = []string{AvailabilityOnline, AvailabilityOffline, AvailabilityBusy}
)

// applyMembership sets role, availability and auto_offline on m. Chatwoot
// fails with a 500 on an unknown enum value; Parley reports it as invalid.
func (in *AgentInput) applyMembership(m *AccountUser) error {
	var v Validation
	if in.Role != nil {
		if slices.Contains(roles, *in.Role) {
			m.Role = *in.Role
		} else {
			v.Add("role", "Role is not included in the list")
		}
	}
	if in.Availability != nil {
		if slices.Contains(availabilities, *in.Availability) {
			m.Availability = *in.Availability
		} else {
			v.Add("availability", "Availability is not included in the list")
		}
	}
	if in.AutoOffline != nil {
		m.AutoOffline = *in.AutoOffline
	}
	return v.Err()
}

// Agents lists the users of the actor's account by name.
func (s *Service) Agents(ctx context.Context, a *Actor) ([]Agent, error) {
	var list []Agent
	err := s.view(ctx, func(tx Tx) (err error) {
		list, err = tx.ListAgents(a.AccountID)
		return err
	})
	return list, err
}

// Agent returns a user of the actor's account with their membership.
func (s *Service) Agent(ctx context.Context, a *Actor, userID int64) (*Agent, error) {
	var agent *Agent
	err := s.view(ctx, func(tx Tx) error {
		m, err := tx.FindAccountUser(a.AccountID, userID)
		if err != nil {
			return err
		}
		u, err := tx.FindUser(userID)
		if err != nil {
			return err
		}
		agent = &Agent{User: *u, Membership: *m}
		return nil
	})
	return agent, err
}

// CreateAgent adds a user to the actor's account, as Chatwoot's AgentBuilder
// does: a user with the email is reused, otherwise one is created (with a
// fresh access token). Administrators only.
func (s *Service) CreateAgent(ctx context.Context, a *Actor, in AgentInput) (*Agent, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var agent *Agent
	err := s.updateAuth(ctx, func(o *op) error {
		u, err := findUserByEmail(o.tx, in.Email)
		switch {
		case err != nil:
			return err
		case u == nil:
			if u, err = newUser(o, UserInput{Name: in.Name, Email: in.Email}); err != nil {
				return err
			}
		default:
			_, err := o.tx.FindAccountUser(a.AccountID, u.ID)
			if err == nil {
				return Invalid([]string{"user_id"}, "User has already been taken")
			}
			if ErrorCode(err) != ENOTFOUND {
				return err
			}
		}
		// Absent values take the column defaults, as the builder's compact does.
		m := &AccountUser{AccountID: a.AccountID, UserID: u.ID, Role: RoleAgent, Availability: AvailabilityOnline,
			AutoOffline: true, InviterID: a.User.ID, CreatedAt: o.now, UpdatedAt: o.now}
		if err := in.applyMembership(m); err != nil {
			return err
		}
		if err := o.tx.CreateAccountUser(m); err != nil {
			return err
		}
		agent = &Agent{User: *u, Membership: *m}
		return nil
	})
	return agent, err
}

// UpdateAgent changes an agent of the actor's account: the name on the user,
// the rest on the membership. Administrators only.
func (s *Service) UpdateAgent(ctx context.Context, a *Actor, userID int64, in AgentInput) (*Agent, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var agent *Agent
	err := s.updateAuth(ctx, func(o *op) error {
		m, err := o.tx.FindAccountUser(a.AccountID, userID)
		if err != nil {
			return err
		}
		u, err := o.tx.FindUser(userID)
		if err != nil {
			return err
		}
		if in.Name != nil {
			name := strings.TrimSpace(*in.Name)
			if name == "" {
				return Invalid([]string{"name"}, "Name can't be blank")
			}
			if name != u.Name {
				u.Name, u.UpdatedAt = name, o.now
				if err := o.tx.UpdateUser(u); err != nil {
					return err
				}
			}
		}
		before := *m
		if err := in.applyMembership(m); err != nil {
			return err
		}
		if *m != before {
			m.UpdatedAt = o.now
			if err := o.tx.UpdateAccountUser(m); err != nil {
				return err
			}
		}
		agent = &Agent{User: *u, Membership: *m}
		return nil
	})
	return agent, err
}

// DeleteAgent removes a user from the actor's account, and deletes the user
// when they belong to no account any more (Chatwoot does that in a job).
// Administrators only.
func (s *Service) DeleteAgent(ctx context.Context, a *Actor, userID int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.updateAuth(ctx, func(o *op) error {
		if err := o.tx.DeleteAccountUser(a.AccountID, userID); err != nil {
			return err
		}
		left, err := o.tx.ListMemberships(userID)
		if err != nil || len(left) > 0 {
			return err
		}
		return o.tx.DeleteUser(userID)
	})
}

// AddAccountUser makes a user a member of an account, or changes the role of
// an existing member (Platform API). A nil role keeps the member's role; a
// new member without one is an agent.
func (s *Service) AddAccountUser(ctx context.Context, accountID, userID int64, role *string) (*AccountUser, error) {
	var m *AccountUser
	err := s.updateAuth(ctx, func(o *op) (err error) {
		if _, err := o.tx.FindAccount(accountID); err != nil {
			return err
		}
		in := AgentInput{Role: role}
		if err := in.applyMembership(&AccountUser{}); err != nil {
			return err
		}
		if _, err := o.tx.FindUser(userID); err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return Invalid([]string{"user"}, "User must exist")
			}
			return err
		}
		m, err = o.tx.FindAccountUser(accountID, userID)
		switch {
		case err == nil:
			before := *m
			if in.applyMembership(m); *m == before {
				return nil
			}
			m.UpdatedAt = o.now
			return o.tx.UpdateAccountUser(m)
		case ErrorCode(err) == ENOTFOUND:
			m = &AccountUser{AccountID: accountID, UserID: userID, Role: RoleAgent, Availability: AvailabilityOnline,
				AutoOffline: true, CreatedAt: o.now, UpdatedAt: o.now}
			in.applyMembership(m)
			return o.tx.CreateAccountUser(m)
		default:
			return err
		}
	})
	return m, err
}

// AccountUsers lists the memberships of an account in creation order
// (Platform API).
func (s *Service) AccountUsers(ctx context.Context, accountID int64) ([]AccountUser, error) {
	var list []AccountUser
	err := s.view(ctx, func(tx Tx) error {
		if _, err := tx.FindAccount(accountID); err != nil {
			return err
		}
		agents, err := tx.ListAgents(accountID)
		for _, a := range agents {
			list = append(list, a.Membership)
		}
		return err
	})
	slices.SortFunc(list, func(a, b AccountUser) int { return cmp.Compare(a.ID, b.ID) })
	return list, err
}

// RemoveAccountUser ends a user's membership of an account (Platform API).
// Like Chatwoot it does nothing when the user is not a member; the user
// stays even when they belong to no account any more.
func (s *Service) RemoveAccountUser(ctx context.Context, accountID, userID int64) error {
	return s.updateAuth(ctx, func(o *op) error {
		if _, err := o.tx.FindAccount(accountID); err != nil {
			return err
		}
		err := o.tx.DeleteAccountUser(accountID, userID)
		if ErrorCode(err) == ENOTFOUND {
			return nil
		}
		return err
	})
}
