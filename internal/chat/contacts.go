package chat

import (
	"context"
	"regexp"
	"strings"
)

// ContactInput holds the writable fields of a contact; nil means unchanged.
type ContactInput struct {
	Name                 *string
	Email                *string
	PhoneNumber          *string
	Identifier           *string
	AvatarURL            *string
	Blocked              *bool
	AdditionalAttributes JSON
	CustomAttributes     JSON
}

// e164 is Chatwoot's phone number rule.
var e164 = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

// apply sets the input on c. JSON attributes are merged into the existing
// ones, as Chatwoot's contact update does.
func (in *ContactInput) apply(c *Contact) error {
	var v Validation
	if in.Name != nil {
		c.Name = strings.TrimSpace(*in.Name)
	}
	if in.Email != nil {
		c.Email = strings.ToLower(strings.TrimSpace(*in.Email))
	}
	if in.PhoneNumber != nil {
		c.PhoneNumber = strings.TrimSpace(*in.PhoneNumber)
	}
	if in.Identifier != nil {
		c.Identifier = strings.TrimSpace(*in.Identifier)
	}
	if in.AvatarURL != nil {
		c.AvatarURL = strings.TrimSpace(*in.AvatarURL)
	}
	if in.Blocked != nil {
		c.Blocked = *in.Blocked
	}
	if len(c.Name) > 255 {
		v.Add("name", "Name is too long (maximum is 255 characters)")
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		v.Add("email", "Email Invalid email")
	}
	if c.PhoneNumber != "" && !e164.MatchString(c.PhoneNumber) {
		v.Add("phone_number", "Phone number should be in e164 format")
	}
	for _, attr := range []struct {
		name string
		in   JSON
		dst  *JSON
	}{{"additional_attributes", in.AdditionalAttributes, &c.AdditionalAttributes}, {"custom_attributes", in.CustomAttributes, &c.CustomAttributes}} {
		if attr.in == nil {
			continue
		}
		obj, err := CanonicalObject(attr.name, attr.in)
		if err != nil {
			return err
		}
		*attr.dst = MergeObjects(*attr.dst, obj)
	}
	return v.Err()
}

// checkContactUnique reports taken emails, identifiers and phone numbers as
// Chatwoot's validations do, before a unique index would (phone numbers
// have none: Chatwoot only validates them).
func checkContactUnique(tx Tx, c *Contact) error {
	var v Validation
	for _, col := range []struct{ name, value, msg string }{
		{"email", c.Email, "Email has already been taken"},
		{"identifier", c.Identifier, "Identifier has already been taken"},
		{"phone_number", c.PhoneNumber, "Phone number has already been taken"},
	} {
		if col.value == "" {
			continue
		}
		other, err := tx.FindContactBy(c.AccountID, col.name, col.value)
		switch {
		case err == nil && other.ID != c.ID:
			v.Add(col.name, col.msg)
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return err
		}
	}
	return v.Err()
}

// ContactWithInbox is a created contact and, when an inbox was given, its
// contact inbox.
type ContactWithInbox struct {
	Contact      *Contact
	ContactInbox *ContactInbox
	Inbox        *Inbox
}

// CreateContact creates a contact; with inboxID it also links the contact to
// that inbox under sourceID (generated when empty).
func (s *Service) CreateContact(ctx context.Context, a *Actor, in ContactInput, inboxID int64, sourceID string) (*ContactWithInbox, error) {
	out := &ContactWithInbox{}
	err := s.update(ctx, func(o *op) error {
		c, err := newContact(o, a.AccountID, in)
		if err != nil {
			return err
		}
		out.Contact = c
		if inboxID == 0 {
			return nil
		}
		inbox, err := o.tx.FindInbox(a.AccountID, inboxID)
		if err != nil {
			return err
		}
		out.Inbox = inbox
		out.ContactInbox, err = s.linkContact(o, c, inbox, sourceID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newContact creates a contact from the input (contact_created).
func newContact(o *op, accountID int64, in ContactInput) (*Contact, error) {
	c := &Contact{AccountID: accountID, AdditionalAttributes: EmptyObject, CustomAttributes: EmptyObject,
		CreatedAt: o.now, UpdatedAt: o.now}
	if err := in.apply(c); err != nil {
		return nil, err
	}
	if err := checkContactUnique(o.tx, c); err != nil {
		return nil, err
	}
	if err := o.tx.CreateContact(c); err != nil {
		return nil, err
	}
	o.emit(Event{Name: EventContactCreated, AccountID: accountID, ContactID: c.ID})
	return c, nil
}

// linkContact returns the contact inbox of c in inbox under sourceID,
// creating it when needed. A source id another contact holds in that inbox
// is a validation error.
func (s *Service) linkContact(o *op, c *Contact, inbox *Inbox, sourceID string) (*ContactInbox, error) {
	sourceID = strings.TrimSpace(sourceID)
	if sourceID == "" {
		sourceID = NewUUID()
	}
	if ci, err := o.tx.FindContactInboxBySource(inbox.ID, sourceID); err == nil {
		if ci.ContactID == c.ID {
			return ci, nil
		}
		return nil, Invalid([]string{"source_id"}, "Source has already been taken")
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	ci := &ContactInbox{ContactID: c.ID, InboxID: inbox.ID, SourceID: sourceID, PubsubToken: SecureToken(24),
		CreatedAt: o.now, UpdatedAt: o.now}
	return ci, o.tx.CreateContactInbox(ci)
}

// Contact returns a contact with its contact inboxes.
func (s *Service) Contact(ctx context.Context, a *Actor, id int64) (*Contact, []ContactInbox, error) {
	var (
		c   *Contact
		cis []ContactInbox
	)
	err := s.view(ctx, func(tx Tx) (err error) {
		if c, err = tx.FindContact(a.AccountID, id); err != nil {
			return err
		}
		cis, err = tx.ListContactInboxes(c.ID)
		return err
	})
	return c, cis, err
}

// Contacts lists or searches contacts. It returns one page and the number of
// all matches.
func (s *Service) Contacts(ctx context.Context, a *Actor, f ContactFilter) ([]Contact, int, error) {
	f.AccountID = a.AccountID
	var (
		list  []Contact
		total int
	)
	err := s.view(ctx, func(tx Tx) (err error) {
		list, total, err = tx.ListContacts(f)
		return err
	})
	return list, total, err
}

// UpdateContact changes a contact and fires contact_updated when something
// changed.
func (s *Service) UpdateContact(ctx context.Context, a *Actor, id int64, in ContactInput) (*Contact, error) {
	var c *Contact
	err := s.update(ctx, func(o *op) (err error) {
		c, err = s.updateContactIn(o, a.AccountID, id, in)
		return err
	})
	return c, err
}

// updateContactIn is UpdateContact inside an operation.
func (s *Service) updateContactIn(o *op, accountID, id int64, in ContactInput) (*Contact, error) {
	before, err := o.tx.FindContact(accountID, id)
	if err != nil {
		return nil, err
	}
	after := *before
	if err := in.apply(&after); err != nil {
		return nil, err
	}
	changes := contactChanges(before, &after)
	if len(changes) == 0 {
		return &after, nil
	}
	if err := checkContactUnique(o.tx, &after); err != nil {
		return nil, err
	}
	after.UpdatedAt = o.now
	if err := o.tx.UpdateContact(&after); err != nil {
		return nil, err
	}
	o.emit(Event{Name: EventContactUpdated, AccountID: accountID, ContactID: after.ID, Changes: contactChanges(before, &after)})
	return &after, nil
}

// DeleteContact removes a contact with its conversations. Administrators
// only, as in Chatwoot.
func (s *Service) DeleteContact(ctx context.Context, a *Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.update(ctx, func(o *op) error { return o.tx.DeleteContact(a.AccountID, id) })
}

// CreateContactInbox links an existing contact to an inbox.
// hmacVerified marks the link as identity-verified (the caller vouches).
func (s *Service) CreateContactInbox(ctx context.Context, a *Actor, contactID, inboxID int64, sourceID string, hmacVerified bool) (*ContactInbox, *Inbox, error) {
	var (
		ci    *ContactInbox
		inbox *Inbox
	)
	err := s.update(ctx, func(o *op) error {
		c, err := o.tx.FindContact(a.AccountID, contactID)
		if err != nil {
			return err
		}
		// Chatwoot looks the inbox up with find(): a missing or unknown
		// one is not found.
		if inbox, err = o.tx.FindInbox(a.AccountID, inboxID); err != nil {
			return err
		}
		if ci, err = s.linkContact(o, c, inbox, sourceID); err != nil {
			return err
		}
		if hmacVerified && !ci.HMACVerified {
			ci.HMACVerified, ci.UpdatedAt = true, o.now
			return o.tx.UpdateContactInbox(ci)
		}
		return nil
	})
	return ci, inbox, err
}
