package chat

import (
	"context"
	"net/mail"
	"strings"
)

// AccountInput holds the writable fields of an account; nil means unchanged.
type AccountInput struct {
	Name             *string
	Locale           *string
	Domain           *string
	SupportEmail     *string
	Status           *string
	CustomAttributes JSON
}

func (in *AccountInput) apply(a *Account) error {
	var v Validation
	if in.Name != nil {
		a.Name = strings.TrimSpace(*in.Name)
	}
	if a.Name == "" {
		v.Add("name", "Name can't be blank")
	}
	if len(a.Name) > 255 {
		v.Add("name", "Name is too long (maximum is 255 characters)")
	}
	if in.Locale != nil {
		a.Locale = *in.Locale
	}
	if in.Domain != nil {
		a.Domain = *in.Domain
	}
	if in.SupportEmail != nil {
		a.SupportEmail = *in.SupportEmail
	}
	if in.Status != nil {
		if *in.Status != AccountActive && *in.Status != AccountSuspended {
			v.Add("status", "Status is not included in the list")
		}
		a.Status = *in.Status
	}
	if in.CustomAttributes != nil {
		obj, err := CanonicalObject("custom_attributes", in.CustomAttributes)
		if err != nil {
			return err
		}
		a.CustomAttributes = MergeObjects(a.CustomAttributes, obj)
	}
	return v.Err()
}

// CreateAccount creates an account (Platform API).
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (*Account, error) {
	a := &Account{Locale: "en", Status: AccountActive, CustomAttributes: EmptyObject}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(o *op) error {
		a.CreatedAt, a.UpdatedAt = o.now, o.now
		return o.tx.CreateAccount(a)
	})
	return a, err
}

// Account returns an account.
func (s *Service) Account(ctx context.Context, id int64) (*Account, error) {
	var a *Account
	err := s.view(ctx, func(tx Tx) (err error) {
		a, err = tx.FindAccount(id)
		return err
	})
	return a, err
}

// UpdateAccount changes an account (Platform API).
func (s *Service) UpdateAccount(ctx context.Context, id int64, in AccountInput) (*Account, error) {
	var a *Account
	err := s.update(ctx, func(o *op) (err error) {
		if a, err = o.tx.FindAccount(id); err != nil {
			return err
		}
		if err := in.apply(a); err != nil {
			return err
		}
		a.UpdatedAt = o.now
		return o.tx.UpdateAccount(a)
	})
	return a, err
}

// DeleteAccount removes an account and everything in it.
func (s *Service) DeleteAccount(ctx context.Context, id int64) error {
	return s.update(ctx, func(o *op) error { return o.tx.DeleteAccount(id) })
}

// UserInput holds the writable fields of a user; nil means unchanged.
type UserInput struct {
	Name             *string
	DisplayName      *string
	Email            *string
	AvatarURL        *string
	CustomAttributes JSON
}

func (in *UserInput) apply(u *User) error {
	var v Validation
	if in.Name != nil {
		u.Name = strings.TrimSpace(*in.Name)
	}
	if in.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*in.DisplayName)
	}
	if in.Email != nil {
		u.Email = strings.ToLower(strings.TrimSpace(*in.Email))
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

// ValidEmail reports whether s is a plain address ("name@host").
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.IndexByte(s, '@'):], ".")
}

// CreateUser creates a user with a fresh access token (Platform API).
func (s *Service) CreateUser(ctx context.Context, in UserInput) (*User, error) {
	u := &User{CustomAttributes: EmptyObject, AccessToken: SecureToken(24)}
	if err := in.apply(u); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(o *op) error {
		u.CreatedAt, u.UpdatedAt = o.now, o.now
		return o.tx.CreateUser(u)
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
	err := s.update(ctx, func(o *op) (err error) {
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
	return s.update(ctx, func(o *op) error { return o.tx.DeleteUser(id) })
}

// AddAccountUser makes a user a member of an account, or changes the role of
// an existing member (Platform API).
func (s *Service) AddAccountUser(ctx context.Context, accountID, userID int64, role string) (*AccountUser, error) {
	if role == "" {
		role = RoleAgent
	}
	if role != RoleAgent && role != RoleAdministrator {
		return nil, Invalid([]string{"role"}, "Role is not included in the list")
	}
	var m *AccountUser
	err := s.update(ctx, func(o *op) (err error) {
		if _, err := o.tx.FindAccount(accountID); err != nil {
			return err
		}
		if _, err := o.tx.FindUser(userID); err != nil {
			return Invalid([]string{"user"}, "User must exist")
		}
		m, err = o.tx.FindAccountUser(accountID, userID)
		switch {
		case err == nil:
			m.Role, m.UpdatedAt = role, o.now
			return o.tx.UpdateAccountUser(m)
		case ErrorCode(err) == ENOTFOUND:
			m = &AccountUser{AccountID: accountID, UserID: userID, Role: role, Availability: AvailabilityOnline,
				AutoOffline: true, CreatedAt: o.now, UpdatedAt: o.now}
			return o.tx.CreateAccountUser(m)
		default:
			return err
		}
	})
	return m, err
}

// AccountUsers lists the memberships of an account (Platform API).
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
	return list, err
}

// RemoveAccountUser ends a user's membership of an account (Platform API).
func (s *Service) RemoveAccountUser(ctx context.Context, accountID, userID int64) error {
	return s.update(ctx, func(o *op) error {
		if _, err := o.tx.FindAccount(accountID); err != nil {
			return err
		}
		return o.tx.DeleteAccountUser(accountID, userID)
	})
}

// Authenticate returns the user an access token belongs to, or an
// EUNAUTHENTICATED error.
func (s *Service) Authenticate(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, &Error{Code: EUNAUTHENTICATED, Message: "Invalid Access Token"}
	}
	var u *User
	err := s.view(ctx, func(tx Tx) (err error) {
		u, err = tx.FindUserByToken(token)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, &Error{Code: EUNAUTHENTICATED, Message: "Invalid Access Token"}
	}
	return u, err
}

// Actor authenticates a token and resolves the user's membership of an
// account in one read: the work every account-scoped request starts with.
func (s *Service) Actor(ctx context.Context, token string, accountID int64) (*Actor, error) {
	invalid := &Error{Code: EUNAUTHENTICATED, Message: "Invalid Access Token"}
	if token == "" {
		return nil, invalid
	}
	var actor *Actor
	err := s.view(ctx, func(tx Tx) error {
		u, err := tx.FindUserByToken(token)
		if ErrorCode(err) == ENOTFOUND {
			return invalid
		}
		if err != nil {
			return err
		}
		actor, err = findMember(tx, u, accountID)
		return err
	})
	return actor, err
}

// Member returns the actor for a user acting in an account. A missing
// account is ENOTFOUND; an account the user is not a member of, or a
// suspended one, is EUNAUTHORIZED with Chatwoot's message.
func (s *Service) Member(ctx context.Context, u *User, accountID int64) (*Actor, error) {
	var actor *Actor
	err := s.view(ctx, func(tx Tx) (err error) {
		actor, err = findMember(tx, u, accountID)
		return err
	})
	return actor, err
}

func findMember(tx Tx, u *User, accountID int64) (*Actor, error) {
	a, err := tx.FindAccount(accountID)
	if err != nil {
		return nil, err
	}
	if a.Status == AccountSuspended {
		return nil, &Error{Code: EUNAUTHORIZED, Message: "Account is suspended"}
	}
	m, err := tx.FindAccountUser(accountID, u.ID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, &Error{Code: EUNAUTHORIZED, Message: "You are not authorized to access this account"}
	}
	if err != nil {
		return nil, err
	}
	return &Actor{User: u, AccountID: accountID, Role: m.Role}, nil
}

// Profile is a user with their memberships and the accounts they belong to.
type Profile struct {
	User        *User
	Memberships []AccountUser
	Accounts    []Account
}

// Profile returns the signed-in user's profile.
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

// Bootstrap prepares an empty database: account 1 ("Default") and an
// administrator. It returns the administrator and whether it was created
// now. When adminToken is set it becomes the administrator's token, on the
// first start and every start after (so scripts can rely on it).
func (s *Service) Bootstrap(ctx context.Context, adminToken, adminEmail string) (*User, bool, error) {
	if adminEmail == "" {
		adminEmail = "admin@parley.local"
	}
	var (
		admin   *User
		created bool
	)
	err := s.update(ctx, func(o *op) error {
		n, err := o.tx.CountUsers()
		if err != nil {
			return err
		}
		if n > 0 {
			// The first user is the bootstrap administrator; if it was
			// deleted there is nothing to keep in step.
			if admin, err = o.tx.FindUser(1); err != nil {
				if ErrorCode(err) == ENOTFOUND {
					return nil
				}
				return err
			}
			if adminToken != "" && admin.AccessToken != adminToken {
				admin.AccessToken, admin.UpdatedAt = adminToken, o.now
				return o.tx.UpdateUser(admin)
			}
			return nil
		}
		acct := &Account{Name: "Default", Locale: "en", Status: AccountActive, CustomAttributes: EmptyObject, CreatedAt: o.now, UpdatedAt: o.now}
		if err := o.tx.CreateAccount(acct); err != nil {
			return err
		}
		token := adminToken
		if token == "" {
			token = SecureToken(24)
		}
		admin = &User{Name: "Administrator", Email: adminEmail, AccessToken: token, CustomAttributes: EmptyObject, CreatedAt: o.now, UpdatedAt: o.now}
		if err := o.tx.CreateUser(admin); err != nil {
			return err
		}
		created = true
		return o.tx.CreateAccountUser(&AccountUser{AccountID: acct.ID, UserID: admin.ID, Role: RoleAdministrator,
			Availability: AvailabilityOnline, AutoOffline: true, CreatedAt: o.now, UpdatedAt: o.now})
	})
	return admin, created, err
}
