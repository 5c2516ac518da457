package chat

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
)

// Visitor is a contact acting for itself rather than an agent acting on it:
// a website visitor in the live-chat widget, or an API channel's client
// program on the public client API. It is known by its contact inbox, whose
// source_id its visitor token carries.
type Visitor struct {
	Account      *Account
	Inbox        *Inbox
	Contact      *Contact
	ContactInbox *ContactInbox
}

// actor is the account scope of the visitor's operations. It has no user:
// the operations that need one (outgoing messages, agent activity) are never
// reached from a visitor.
func (v *Visitor) actor() *Actor { return &Actor{AccountID: v.Inbox.AccountID} }

// HMAC returns the inbox's identity validation settings (Chatwoot's
// hmac_token and hmac_mandatory, on either channel).
func (in *Inbox) HMAC() (token string, mandatory bool) {
	switch {
	case in.WebWidget != nil:
		return in.WebWidget.HMACToken, in.WebWidget.HMACMandatory
	case in.API != nil:
		return in.API.HMACToken, in.API.HMACMandatory
	}
	return "", false
}

// VerifyIdentity checks an identifier_hash: HMAC-SHA256 of the identifier
// keyed by the inbox's hmac_token, in hex. It reports whether the hash
// proves the identifier; when the inbox makes identity validation
// mandatory, a missing or wrong hash is an error.
func (in *Inbox) VerifyIdentity(identifier, hash string) (bool, error) {
	token, mandatory := in.HMAC()
	ok := false
	if identifier != "" && hash != "" && token != "" {
		m := hmac.New(sha256.New, []byte(token))
		m.Write([]byte(identifier))
		want := hex.EncodeToString(m.Sum(nil))
		ok = hmac.Equal([]byte(want), []byte(hash))
	}
	if !ok && mandatory {
		return false, &Error{Code: EUNAUTHENTICATED, Message: "HMAC failed: Invalid Identifier Hash Provided"}
	}
	return ok, nil
}

// WidgetInbox finds the web widget inbox of a website token.
func (s *Service) WidgetInbox(ctx context.Context, websiteToken string) (*Inbox, *Account, error) {
	return s.visitorInbox(ctx, func(tx Tx) (*Inbox, error) { return tx.FindInboxByWebsiteToken(websiteToken) })
}

// PublicInbox finds the API inbox of a public inbox identifier.
func (s *Service) PublicInbox(ctx context.Context, identifier string) (*Inbox, *Account, error) {
	return s.visitorInbox(ctx, func(tx Tx) (*Inbox, error) { return tx.FindInboxByIdentifier(identifier) })
}

func (s *Service) visitorInbox(ctx context.Context, find func(Tx) (*Inbox, error)) (*Inbox, *Account, error) {
	var (
		in  *Inbox
		acc *Account
	)
	err := s.view(ctx, func(tx Tx) (err error) {
		if in, err = find(tx); err != nil {
			return err
		}
		acc, err = tx.FindAccount(in.AccountID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if acc.Status == AccountSuspended {
		return nil, nil, &Error{Code: EUNAUTHORIZED, Message: "Account is suspended"}
	}
	return in, acc, nil
}

// FindVisitor loads the visitor of inbox known by sourceID.
func (s *Service) FindVisitor(ctx context.Context, inbox *Inbox, acc *Account, sourceID string) (*Visitor, error) {
	v := &Visitor{Account: acc, Inbox: inbox}
	err := s.view(ctx, func(tx Tx) error { return v.load(tx, sourceID) })
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Visitor) load(tx Tx, sourceID string) (err error) {
	if sourceID == "" {
		return NotFound()
	}
	if v.ContactInbox, err = tx.FindContactInboxBySource(v.Inbox.ID, sourceID); err != nil {
		return err
	}
	v.Contact, err = tx.FindContact(v.Inbox.AccountID, v.ContactInbox.ContactID)
	return err
}

// CreateVisitor links a contact to inbox under sourceID (a new UUID when
// empty) and fires contact_created when the contact is new. A contact of
// the account with the input's identifier or email is reused, as Chatwoot's
// ContactInboxWithContactBuilder does; otherwise a new contact is made, with
// a generated name when none is given ("morning-rain-190", as Chatwoot's
// widget names its visitors). verified marks the link as identity-proven.
func (s *Service) CreateVisitor(ctx context.Context, inbox *Inbox, acc *Account, in ContactInput, sourceID string, verified bool) (*Visitor, error) {
	v := &Visitor{Account: acc, Inbox: inbox}
	err := s.update(ctx, func(o *op) error {
		c, err := existingContact(o.tx, inbox.AccountID, in)
		if err != nil {
			return err
		}
		if c == nil {
			if in.Name == nil || *in.Name == "" {
				name := haikuName()
				in.Name = &name
			}
			if c, err = newContact(o, inbox.AccountID, in); err != nil {
				return err
			}
		}
		v.Contact = c
		if v.ContactInbox, err = s.linkContact(o, c, inbox, sourceID); err != nil {
			return err
		}
		if verified && !v.ContactInbox.HMACVerified {
			v.ContactInbox.HMACVerified, v.ContactInbox.UpdatedAt = true, o.now
			return o.tx.UpdateContactInbox(v.ContactInbox)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// existingContact finds the contact of the account with the input's
// identifier, else its email; nil when there is none.
func existingContact(tx Tx, accountID int64, in ContactInput) (*Contact, error) {
	for _, k := range []struct {
		col string
		v   *string
	}{{"identifier", in.Identifier}, {"email", in.Email}} {
		if k.v == nil || *k.v == "" {
			continue
		}
		c, err := tx.FindContactBy(accountID, k.col, *k.v)
		if err == nil {
			return c, nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
	}
	return nil, nil
}

// UpdateVisitor changes the visitor's contact (contact_updated).
func (s *Service) UpdateVisitor(ctx context.Context, v *Visitor, in ContactInput) (*Contact, error) {
	c, err := s.UpdateContact(ctx, v.actor(), v.Contact.ID, in)
	if err == nil {
		v.Contact = c
	}
	return c, err
}

// IdentifyVisitor is the widget's set_user: the visitor says who they are.
// When another contact of the account already has the identifier (or,
// without one, the email), the visitor's contact inbox and conversations
// move to that contact and the anonymous contact goes, as Chatwoot's
// ContactIdentifyAction merges them. Then the input is applied to the
// contact. verified marks the contact inbox identity-proven (it is never
// unmarked).
func (s *Service) IdentifyVisitor(ctx context.Context, v *Visitor, in ContactInput, verified bool) (*Visitor, error) {
	out := *v
	err := s.update(ctx, func(o *op) error {
		if err := out.load(o.tx, v.ContactInbox.SourceID); err != nil {
			return err
		}
		other, err := existingContact(o.tx, v.Inbox.AccountID, in)
		if err != nil {
			return err
		}
		if other != nil && other.ID != out.Contact.ID {
			if err := moveContactInbox(o, out.ContactInbox, out.Contact, other); err != nil {
				return err
			}
			out.Contact = other
		}
		if out.Contact, err = s.updateContactIn(o, out.Contact.AccountID, out.Contact.ID, in); err != nil {
			return err
		}
		if verified && !out.ContactInbox.HMACVerified {
			out.ContactInbox.HMACVerified, out.ContactInbox.UpdatedAt = true, o.now
			return o.tx.UpdateContactInbox(out.ContactInbox)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// moveContactInbox gives ci and its conversations to contact to, and
// deletes from when nothing else is left of it.
func moveContactInbox(o *op, ci *ContactInbox, from, to *Contact) error {
	if err := o.tx.MoveContactInbox(ci.ID, to.ID); err != nil {
		return err
	}
	ci.ContactID = to.ID
	left, err := o.tx.ListContactInboxes(from.ID)
	if err != nil || len(left) > 0 {
		return err
	}
	return o.tx.DeleteContact(from.AccountID, from.ID)
}

// haikuName makes a visitor's display name from two words and a number.
func haikuName() string {
	adjectives := []string{"autumn", "hidden", "bitter", "misty", "silent", "empty", "dry", "dark", "summer", "icy",
		"delicate", "quiet", "white", "cool", "spring", "winter", "patient", "twilight", "dawn", "crimson",
		"wispy", "weathered", "blue", "billowing", "broken", "cold", "damp", "falling", "frosty", "green", "long",
		"late", "lingering", "bold", "little", "morning", "muddy", "old", "red", "rough", "still", "small", "sparkling"}
	nouns := []string{"waterfall", "river", "breeze", "moon", "rain", "wind", "sea", "morning", "snow", "lake",
		"sunset", "pine", "shadow", "leaf", "dawn", "glitter", "forest", "hill", "cloud", "meadow", "sun", "glade",
		"bird", "brook", "butterfly", "bush", "dew", "dust", "field", "fire", "flower", "firefly", "feather", "grass",
		"haze", "mountain", "night", "pond", "darkness", "snowflake", "silence", "sound", "sky", "shape", "surf"}
	pick := func(n int) int {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		return int(v.Int64())
	}
	return adjectives[pick(len(adjectives))] + "-" + nouns[pick(len(nouns))] + "-" + itoa(pick(1000))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// InstallationSecret returns the installation secret called name, made
// (32 random bytes, hex) and stored by the first caller.
func (s *Service) InstallationSecret(ctx context.Context, name string) (string, error) {
	var v string
	err := s.update(ctx, func(o *op) (err error) {
		v, err = o.tx.Secret(name, RandomHex(32), o.now)
		return err
	})
	return v, err
}
