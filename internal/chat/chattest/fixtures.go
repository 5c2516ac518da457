package chattest

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// base is the suite's clock. It has a microsecond part so that a store
// keeping less precision fails, and no nanoseconds, which no store keeps.
var base = time.Date(2026, 6, 17, 10, 30, 0, 123456000, time.UTC)

// at returns the time sec seconds after base.
func at(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }

// seq makes names unique across a run (tokens, source ids, UUIDs).
var seq atomic.Int64

func uniq(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

func ptr[T any](v T) *T { return &v }

// The constructors below return unsaved rows with every field set to a
// value other than its zero, so that a column a store forgets to write or
// read shows up in a comparison. JSON objects that Chatwoot keeps in jsonb
// columns are given in canonical form (chat.MarshalJSONB), which is what the
// domain writes; stores must return those bytes unchanged.

func newAccount(name string) *chat.Account {
	return &chat.Account{
		Name:             name,
		Locale:           "pt_BR",
		Domain:           name + ".example",
		SupportEmail:     "support@" + name + ".example",
		Status:           chat.AccountActive,
		CustomAttributes: chat.JSON(`{"plan":"pro","seats":3}`),
		Features:         chat.JSON(`{"help_center":true,"inbound_emails":false}`),
		Limits:           chat.JSON(`{"agents":10,"inboxes":3}`),
		CreatedAt:        at(0),
		UpdatedAt:        at(1),
	}
}

func newUser(name string) *chat.User {
	return &chat.User{
		Name:             name,
		DisplayName:      name + " (display)",
		Email:            strings.ToLower(uniq(strings.ReplaceAll(name, " ", "."))) + "@example.com",
		AccessToken:      uniq("token"),
		AvatarURL:        "https://avatars.example/" + strings.ReplaceAll(name, " ", "-") + ".png",
		CustomAttributes: chat.JSON(`{"team":"red"}`),
		PubsubToken:      uniq("user-pubsub"),
		CreatedAt:        at(2),
		UpdatedAt:        at(3),
	}
}

func newMembership(accountID, userID int64) *chat.AccountUser {
	return &chat.AccountUser{
		AccountID:    accountID,
		UserID:       userID,
		Role:         chat.RoleAdministrator,
		Availability: chat.AvailabilityBusy,
		AutoOffline:  true,
		CreatedAt:    at(4),
		UpdatedAt:    at(5),
	}
}

// newAPIInbox returns an API inbox with every boolean true.
func newAPIInbox(accountID int64, name string) *chat.Inbox {
	in := newInboxBase(accountID, name)
	in.API = &chat.APIChannel{
		WebhookURL:           "https://hooks.example/" + uniq("h"),
		Identifier:           uniq("api-identifier"),
		HMACToken:            uniq("api-hmac"),
		HMACMandatory:        true,
		AdditionalAttributes: chat.JSON(`{"k":"v"}`),
		Secret:               uniq("secret"),
		CreatedAt:            at(6),
		UpdatedAt:            at(7),
	}
	return in
}

// newWidgetInbox returns a website inbox with every boolean true.
func newWidgetInbox(accountID int64, name string) *chat.Inbox {
	in := newInboxBase(accountID, name)
	in.WebWidget = &chat.WebWidgetChannel{
		WebsiteURL:         "https://shop.example",
		WebsiteToken:       uniq("website-token"),
		WidgetColor:        "#ff0000",
		WelcomeTitle:       "Hi there",
		WelcomeTagline:     "We reply fast",
		FeatureFlags:       5,
		ReplyTime:          "in_a_day",
		HMACToken:          uniq("widget-hmac"),
		PreChatFormEnabled: true,
		PreChatFormOptions: chat.JSON(`{"pre_chat_fields":[{"name":"email","required":true}],"pre_chat_message":"Hello"}`),
		HMACMandatory:      true,
		ContinuityViaEmail: true,
		AllowedDomains:     "shop.example,*.shop.example",
		CreatedAt:          at(6),
		UpdatedAt:          at(7),
	}
	return in
}

func newInboxBase(accountID int64, name string) *chat.Inbox {
	return &chat.Inbox{
		AccountID:                  accountID,
		Name:                       name,
		EnableAutoAssignment:       true,
		GreetingEnabled:            true,
		GreetingMessage:            "Welcome!",
		WorkingHoursEnabled:        true,
		OutOfOfficeMessage:         "We are away",
		Timezone:                   "Europe/Lisbon",
		EnableEmailCollect:         true,
		CSATSurveyEnabled:          true,
		AllowMessagesAfterResolved: true,
		AutoAssignmentConfig:       chat.JSON(`{"max_assignment_limit":5}`),
		LockToSingleConversation:   true,
		SenderNameType:             chat.SenderNameProfessional,
		BusinessName:               "Acme Ltd",
		CreatedAt:                  at(8),
		UpdatedAt:                  at(9),
	}
}

// newContact returns a contact with a unique email, phone number and
// identifier.
func newContact(accountID int64, name string) *chat.Contact {
	n := seq.Add(1)
	return &chat.Contact{
		AccountID:            accountID,
		Name:                 name,
		Email:                fmt.Sprintf("contact%d@example.com", n),
		PhoneNumber:          fmt.Sprintf("+1555%07d", n),
		Identifier:           fmt.Sprintf("ext-%d", n),
		AvatarURL:            "https://avatars.example/contact.png",
		AdditionalAttributes: chat.JSON(`{"city":"Porto","company_name":"Acme"}`),
		CustomAttributes:     chat.JSON(`{"vip":true}`),
		Blocked:              true,
		LastActivityAt:       at(10),
		CreatedAt:            at(11),
		UpdatedAt:            at(12),
	}
}

func newContactInbox(contactID, inboxID int64) *chat.ContactInbox {
	return &chat.ContactInbox{
		ContactID:    contactID,
		InboxID:      inboxID,
		SourceID:     uniq("source"),
		HMACVerified: true,
		PubsubToken:  uniq("pubsub"),
		CreatedAt:    at(13),
		UpdatedAt:    at(14),
	}
}

// newConversation returns an open conversation of ci's contact in ci's
// inbox with only the required fields set. insertConversation gives it a
// display id.
func newConversation(accountID int64, ci *chat.ContactInbox) *chat.Conversation {
	return &chat.Conversation{
		AccountID:            accountID,
		InboxID:              ci.InboxID,
		Status:               chat.StatusOpen,
		CreatedAt:            at(15),
		UpdatedAt:            at(16),
		ContactID:            ci.ContactID,
		ContactInboxID:       ci.ID,
		AdditionalAttributes: chat.EmptyObject,
		CustomAttributes:     chat.EmptyObject,
		UUID:                 uniq("00000000-0000-4000-8000"),
		LastActivityAt:       at(17),
		Labels:               []string{},
	}
}

// insertConversation takes the account's next display id and writes c.
func insertConversation(tx chat.Tx, c *chat.Conversation) error {
	n, err := tx.NextDisplayID(c.AccountID)
	if err != nil {
		return err
	}
	c.DisplayID = n
	return tx.CreateConversation(c)
}

// newMessage returns a public message of conversation c with every field
// set.
func newMessage(c *chat.Conversation, typ, content string) *chat.Message {
	return &chat.Message{
		Content:        ptr(content),
		AccountID:      c.AccountID,
		InboxID:        c.InboxID,
		ConversationID: c.ID,
		MessageType:    typ,
		CreatedAt:      at(18),
		UpdatedAt:      at(19),
		Status:         chat.MessageDelivered,
		SourceID:       uniq("wamid"),
		ContentType:    "input_select",
		// A json (not jsonb) column in Chatwoot: kept in the order given.
		ContentAttributes:       chat.JSON(`{"z":1,"a":{"y":[true,null],"b":"\u00e9"}}`),
		SenderType:              chat.SenderContact,
		SenderID:                c.ContactID,
		ExternalSourceIDs:       chat.JSON(`{"slack":"C1.1700000000"}`),
		AdditionalAttributes:    chat.JSON(`{"campaign_id":5}`),
		ProcessedMessageContent: ptr(content),
		Sentiment:               chat.JSON(`{"label":"positive"}`),
	}
}

// scene is an account with what most tests need in it: an administrator,
// an API inbox and a contact in that inbox.
type scene struct {
	Account      *chat.Account
	Agent        *chat.User
	Inbox        *chat.Inbox
	Contact      *chat.Contact
	ContactInbox *chat.ContactInbox
}

func newScene(t *testing.T, s chat.Store, name string) *scene {
	t.Helper()
	sc := &scene{Account: newAccount(name), Agent: newUser(name + " agent")}
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateAccount(sc.Account); err != nil {
			return err
		}
		if err := tx.CreateUser(sc.Agent); err != nil {
			return err
		}
		if err := tx.CreateAccountUser(newMembership(sc.Account.ID, sc.Agent.ID)); err != nil {
			return err
		}
		sc.Inbox = newAPIInbox(sc.Account.ID, name+" inbox")
		if err := tx.CreateInbox(sc.Inbox); err != nil {
			return err
		}
		sc.Contact = newContact(sc.Account.ID, name+" contact")
		if err := tx.CreateContact(sc.Contact); err != nil {
			return err
		}
		sc.ContactInbox = newContactInbox(sc.Contact.ID, sc.Inbox.ID)
		return tx.CreateContactInbox(sc.ContactInbox)
	})
	return sc
}

// conversation writes a conversation of the scene's contact, changed by
// mod first when it is not nil.
func (sc *scene) conversation(t *testing.T, s chat.Store, mod func(c *chat.Conversation)) *chat.Conversation {
	t.Helper()
	c := newConversation(sc.Account.ID, sc.ContactInbox)
	if mod != nil {
		mod(c)
	}
	update(t, s, func(tx chat.Tx) error { return insertConversation(tx, c) })
	return c
}

// messages writes msgs in order, in one Update.
func messages(t *testing.T, s chat.Store, msgs ...*chat.Message) {
	t.Helper()
	update(t, s, func(tx chat.Tx) error {
		for _, m := range msgs {
			if err := tx.CreateMessage(m); err != nil {
				return err
			}
		}
		return nil
	})
}

// createAccount writes a new account.
func createAccount(t *testing.T, s chat.Store, name string) *chat.Account {
	t.Helper()
	a := newAccount(name)
	update(t, s, func(tx chat.Tx) error { return tx.CreateAccount(a) })
	return a
}

// createUser writes a new user.
func createUser(t *testing.T, s chat.Store, name string) *chat.User {
	t.Helper()
	u := newUser(name)
	update(t, s, func(tx chat.Tx) error { return tx.CreateUser(u) })
	return u
}

// NewConversation writes an account with an agent, an inbox, a contact and
// one conversation, for engine-specific tests outside this suite.
func NewConversation(t *testing.T, s chat.Store, name string) *chat.Conversation {
	t.Helper()
	return newScene(t, s, name).conversation(t, s, nil)
}
