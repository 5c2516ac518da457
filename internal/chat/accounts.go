package chat

import (
	"context"
	"strings"
)

// AccountInput holds the writable fields of an account; nil means unchanged.
type AccountInput struct {
	Name         *string
	Locale       *string
	Domain       *string
	SupportEmail *string
	Status       *string
	// CustomAttributes and Limits replace the stored objects, as the
	// Platform API's assign_attributes does.
	CustomAttributes JSON
	Limits           JSON
	// Features enables (true) or disables (false) the named feature flags;
	// flags not named keep their state.
	Features map[string]bool
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
	for _, attr := range []struct {
		name string
		in   JSON
		dst  *JSON
	}{{"custom_attributes", in.CustomAttributes, &a.CustomAttributes}, {"limits", in.Limits, &a.Limits}} {
		if attr.in == nil {
			continue
		}
		obj, err := CanonicalObject(attr.name, attr.in)
		if err != nil {
			return err
		}
		*attr.dst = obj
	}
	if len(in.Features) > 0 {
		a.Features = setFeatures(a.Features, in.Features)
	}
	return v.Err()
}

// setFeatures returns the enabled-flags object with the changes applied.
func setFeatures(enabled JSON, changes map[string]bool) JSON {
	var m map[string]any
	if err := decodeNumber(enabled, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	for name, on := range changes {
		if on {
			m[name] = true
		} else {
			delete(m, name)
		}
	}
	return MarshalJSONB(m)
}

// CreateAccount creates an account (Platform API).
func (s *Service) CreateAccount(ctx context.Context, in AccountInput) (*Account, error) {
	a := &Account{Locale: "en", Status: AccountActive, CustomAttributes: EmptyObject, Features: EmptyObject, Limits: EmptyObject}
	if err := in.apply(a); err != nil {
		return nil, err
	}
	err := s.updateAuth(ctx, func(o *op) error {
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
	err := s.updateAuth(ctx, func(o *op) (err error) {
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
	return s.updateAuth(ctx, func(o *op) error { return o.tx.DeleteAccount(id) })
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
// account: the work every account-scoped request starts with. Answers are
// cached briefly (see authCache).
func (s *Service) Actor(ctx context.Context, token string, accountID int64) (*Actor, error) {
	invalid := &Error{Code: EUNAUTHENTICATED, Message: "Invalid Access Token"}
	if token == "" {
		return nil, invalid
	}
	if a := s.auth.get(token, accountID); a != nil {
		return a, nil
	}
	gen := s.auth.generation()
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
	if err != nil {
		return nil, err
	}
	ttl := s.AuthTTL
	if ttl == 0 {
		ttl = DefaultAuthTTL
	}
	s.auth.put(token, accountID, actor, gen, ttl)
	return actor, nil
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

// Bootstrap prepares an empty database: account 1 ("Default") and an
// administrator. It returns the administrator and whether it was created
// now. When adminToken is set it becomes the administrator's token, on the
// first start and every start after (so scripts can rely on it).
func (s *Service) Bootstrap(ctx context.Context, adminToken, adminEmail string) (*User, bool, error) {
	if adminEmail == "" {
		adminEmail = "admin@parley.local"
	}
	admin, created, err := s.bootstrap(ctx, adminToken, adminEmail)
	if ErrorCode(err) == ECONFLICT {
		// Another instance starting on the same empty database made the
		// administrator first: take it as it is.
		admin, created, err = s.bootstrap(ctx, adminToken, adminEmail)
	}
	return admin, created, err
}

func (s *Service) bootstrap(ctx context.Context, adminToken, adminEmail string) (*User, bool, error) {
	var (
		admin   *User
		created bool
	)
	err := s.updateAuth(ctx, func(o *op) error {
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
