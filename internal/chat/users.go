package chat

import (
	"context"
	"net/mail"
	"strings"
)

// UserInput holds the writable fields of a user; nil means unchanged.
// Chatwoot also takes a password; Parley has no password login (every
// client authenticates with an access token), so there is none here.
type UserInput struct {
	Name             *string
	DisplayName      *string
	Email            *string
	AvatarURL        *string
	CustomAttributes JSON
}

// apply sets the input on u. Custom attributes are merged into the existing
// ones, as Chatwoot's Platform API user update does.
func (in *UserInput) apply(u *User) error {
	var v Validation
	if in.Name != nil {
		u.Name = strings.TrimSpace(*in.Name)
	}
	if in.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Email != nil {
		u.Email = normalEmail(*in.Email)
	}
	if in.AvatarURL != nil {
		u.AvatarURL = *in.AvatarURL
	}
	if u.Name == "" {
		v.Add("name", "Name can't be blank")
	}
	if u.Email == "" {
		v.Add("email", "Email can't be blank")
	} else if !ValidEmail(u.Email) {
		v.Add("email", "Email is invalid")
	}
	if in.CustomAttributes != nil {
		obj, err := CanonicalObject("custom_attributes", in.CustomAttributes)
		if err != nil {
			return err
		}
		u.CustomAttributes = MergeObjects(u.CustomAttributes, obj)
	}
	return v.Err()
}

// normalEmail is how Chatwoot keeps emails: down-cased (and, in Parley,
// without surrounding spaces).
func normalEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// ValidEmail reports whether s is a plain address ("name@host").
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.IndexByte(s, '@'):], ".")
}

// newUser validates the input as a new user with a fresh access token and
// writes it in the operation.
func newUser(o *op, in UserInput) (*User, error) {
	u := &User{CustomAttributes: EmptyObject, AccessToken: SecureToken(24), PubsubToken: SecureToken(24)}
	if err := in.apply(u); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = o.now, o.now
	return u, o.tx.CreateUser(u)
}

// findUserByEmail returns the user with the email (case-insensitive), or
// nil when there is none.
func findUserByEmail(tx Tx, email *string) (*User, error) {
	if email == nil || normalEmail(*email) == "" {
		return nil, nil
	}
	u, err := tx.FindUserByEmail(normalEmail(*email))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil
	}
	return u, err
}

// CreateUser creates a user with a fresh access token (Platform API). As in
// Chatwoot, an email that already belongs to a user returns that user
// unchanged.
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	var u *User
	err := s.updateAuth(ctx, func(o *op) (err error) {
		if u, err = findUserByEmail(o.tx, in.Email); u != nil || err != nil {
			return err
		}
		u, err = newUser(o, in)
		return err
	})
	return u, err
}

// User returns a user.
func (s *Service) User(ctx context.Context, id int64) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx Tx) (err error) {
		u, err = tx.FindUser(id)
		return err
	})
	return u, err
}

// UpdateUser changes a user (Platform API and profile).
func (s *Service) UpdateUser(ctx context.Context, id int64, in UserInput) (*User, error) {
	var u *User
	err := s.updateAuth(ctx, func(o *op) (err error) {
		if u, err = o.tx.FindUser(id); err != nil {
			return err
		}
		if err := in.apply(u); err != nil {
			return err
		}
		u.UpdatedAt = o.now
		return o.tx.UpdateUser(u)
	})
	return u, err
}

// DeleteUser removes a user and their memberships.
func (s *Service) DeleteUser(ctx context.Context, id int64) error {
	return s.updateAuth(ctx, func(o *op) error { return o.tx.DeleteUser(id) })
}

// Profile is a user with their memberships and the accounts they belong to.
type Profile struct {
	User        *User
	Memberships []AccountUser
	Accounts    []Account // Accounts[i] is the account of Memberships[i]
}

// Active returns the membership Chatwoot calls the active account user: the
// most recently active one. Parley does not track account switching, so it
// is the first; nil when the user belongs to no account.
func (p *Profile) Active() *AccountUser {
	if len(p.Memberships) == 0 {
		return nil
	}
	return &p.Memberships[0]
}

// Profile returns a user with their memberships and accounts.
func (s *Service) Profile(ctx context.Context, u *User) (*Profile, error) {
	p := &Profile{User: u}
	err := s.view(ctx, func(tx Tx) (err error) {
		if p.Memberships, err = tx.ListMemberships(u.ID); err != nil {
			return err
		}
		for _, m := range p.Memberships {
			a, err := tx.FindAccount(m.AccountID)
			if err != nil {
				return err
			}
			p.Accounts = append(p.Accounts, *a)
		}
		return nil
	})
	return p, err
}
