package chat

import (
	"context"
	"time"
)

// Store is a database. Every read and write of the domain goes through a Tx
// so that several steps compose into one atomic change.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction and commits it when fn
	// returns nil. A store may commit several Updates together (group
	// commit); each fn is still all-or-nothing: when it fails, none of its
	// writes persist and its AfterCommit functions never run.
	Update(ctx context.Context, fn func(Tx) error) error
	Close() error
}

// Tx is one transaction. Find methods return an ENOTFOUND *Error when the row
// does not exist. Methods that write set IDs and keep the times they are
// given: the service decides what time it is.
type Tx interface {
	// AfterCommit registers fn to run after the transaction commits.
	AfterCommit(fn func())

	CreateAccount(a *Account) error
	FindAccount(id int64) (*Account, error)
	UpdateAccount(a *Account) error
	DeleteAccount(id int64) error
	// NextDisplayID reserves the account's next conversation display id.
	// It is gap-free: a rolled-back transaction gives its number back.
	NextDisplayID(accountID int64) (int64, error)

	CreateUser(u *User) error
	FindUser(id int64) (*User, error)
	FindUserByToken(token string) (*User, error)
	FindUserByEmail(email string) (*User, error)
	UpdateUser(u *User) error
	DeleteUser(id int64) error
	CountUsers() (int, error)

	CreateAccountUser(m *AccountUser) error
	FindAccountUser(accountID, userID int64) (*AccountUser, error)
	UpdateAccountUser(m *AccountUser) error
	// DeleteAccountUser ends a membership and unassigns the user's
	// conversations in that account.
	DeleteAccountUser(accountID, userID int64) error
	// ListAgents returns an account's users with their memberships, by
	// lower(name) then id (Chatwoot's order_by_full_name).
	ListAgents(accountID int64) ([]Agent, error)
	// ListMemberships returns a user's memberships, by account id.
	ListMemberships(userID int64) ([]AccountUser, error)

	// CreateInbox writes the inbox and its channel, setting both ids.
	CreateInbox(in *Inbox) error
	FindInbox(accountID, id int64) (*Inbox, error)
	// FindInboxByWebsiteToken finds a web widget inbox by its channel's
	// website_token; FindInboxByIdentifier an API inbox by its channel's
	// public identifier. Both look across accounts.
	FindInboxByWebsiteToken(token string) (*Inbox, error)
	FindInboxByIdentifier(identifier string) (*Inbox, error)
	// ListInboxes returns an account's inboxes by lower(name) then id.
	ListInboxes(accountID int64) ([]Inbox, error)
	UpdateInbox(in *Inbox) error
	// DeleteInbox removes the inbox with its channel, contact inboxes,
	// conversations and messages.
	DeleteInbox(accountID, id int64) error

	CreateContact(c *Contact) error
	FindContact(accountID, id int64) (*Contact, error)
	// FindContactBy finds a contact of the account by a unique column:
	// "email" (case-insensitive) or "identifier".
	FindContactBy(accountID int64, column, value string) (*Contact, error)
	// ListContacts returns one page and the number of all matches.
	ListContacts(f ContactFilter) ([]Contact, int, error)
	UpdateContact(c *Contact) error
	// DeleteContact removes the contact with its contact inboxes,
	// conversations and messages.
	DeleteContact(accountID, id int64) error

	CreateContactInbox(ci *ContactInbox) error
	FindContactInbox(id int64) (*ContactInbox, error)
	FindContactInboxBySource(inboxID int64, sourceID string) (*ContactInbox, error)
	ListContactInboxes(contactID int64) ([]ContactInbox, error)
	UpdateContactInbox(ci *ContactInbox) error
	// MoveContactInbox gives a contact inbox, its conversations and the
	// messages its contact sent in them to another contact.
	MoveContactInbox(contactInboxID, toContactID int64) error

	CreateConversation(c *Conversation) error
	// FindConversation finds a conversation by its per-account display id.
	FindConversation(accountID, displayID int64) (*Conversation, error)
	FindConversationByID(id int64) (*Conversation, error)
	// ListConversations returns a page, most recent activity first.
	ListConversations(f ConversationFilter) ([]Conversation, error)
	// CountConversations counts what f selects, ignoring AssigneeType,
	// split by assignment.
	CountConversations(f ConversationFilter) (ConversationCounts, error)
	UpdateConversation(c *Conversation) error

	CreateMessage(m *Message) error
	FindMessage(conversationID, id int64) (*Message, error)
	// ListMessages returns messages in id order.
	ListMessages(f MessageFilter) ([]Message, error)
	UpdateMessage(m *Message) error
	// LastChatMessage returns the newest public, non-activity message, or nil.
	LastChatMessage(conversationID int64) (*Message, error)
	// LastMessage returns the newest message, private notes and activity
	// messages included as asked, or nil.
	LastMessage(conversationID int64, withPrivate, withActivity bool) (*Message, error)
	// CountIncomingSince counts incoming messages created after t (all when
	// t is zero), stopping at limit.
	CountIncomingSince(conversationID int64, t time.Time, limit int) (int, error)

	CreateWebhook(w *Webhook) error
	FindWebhook(accountID, id int64) (*Webhook, error)
	// ListWebhooks returns an account's webhooks by id.
	ListWebhooks(accountID int64) ([]Webhook, error)
	UpdateWebhook(w *Webhook) error
	DeleteWebhook(accountID, id int64) error

	// InsertDeliveries writes deliveries and sets their ids by the time the
	// transaction commits (a server database sends the insert with the
	// transaction's next statement, so not necessarily before it returns).
	InsertDeliveries(ds []Delivery) error
	// PendingDeliveries returns up to limit pending deliveries due at or
	// before t, oldest first.
	PendingDeliveries(t time.Time, limit int) ([]Delivery, error)
	// DueOutbound returns up to limit pending deliveries due at or before
	// now, after the cursor in (next_attempt_at, id) order, with what
	// sending them needs.
	DueOutbound(now time.Time, after DeliveryCursor, limit int) ([]Outbound, error)
	// LoadOutbound reads what sending a delivery needs.
	LoadOutbound(deliveryID int64) (*Outbound, error)
	// RecordOutcome stores a delivery's status (after a decision that made
	// no attempt, such as a refusal) and releases its lease. It writes
	// nothing unless the delivery's lease is still d.LeaseOwner's (no
	// lease when that is ""), so that an instance whose lease ran out does
	// not overwrite the work of the one that took it over.
	RecordOutcome(d *Delivery) error
	// RecordAttempt stores a delivery's status after an attempt and logs
	// the attempt, in one go, under RecordOutcome's lease rule.
	RecordAttempt(d *Delivery, a *Attempt) error
	// RecordOutcomes records outcomes in bulk: for each delivery, the
	// attempt it made (RecordAttempt) or nil (RecordOutcome).
	RecordOutcomes(ds []Delivery, as []*Attempt) error
	// ClaimOutbound leases to owner, until until, up to limit pending
	// deliveries due at or before now that no lease holds (or whose lease
	// ran out), and returns them in due order with what sending them needs.
	ClaimOutbound(now time.Time, owner string, until time.Time, limit int) ([]Outbound, error)
	// RenewLeases moves to until owner's leases on pending deliveries that
	// end before endingBefore and that held reports the owner still holds
	// (in memory, to send); it releases the others of those, so that any
	// instance may take them. It returns how many it moved and released.
	RenewLeases(owner string, endingBefore, until time.Time, held func(id int64) bool) (renewed, released int, err error)
	// ReleaseLeases gives up all of owner's leases.
	ReleaseLeases(owner string) error
	// InsertAttempt logs an attempt as it is, setting its id.
	InsertAttempt(a *Attempt) error
	// SetHealth stores an endpoint's failure record.
	SetHealth(accountID int64, ep Endpoint, h Health) error
	// ListDeliveries returns an account's deliveries after an id, oldest first.
	ListDeliveries(accountID, afterID int64, limit int) ([]Delivery, error)
	// FindDelivery finds a delivery of an account.
	FindDelivery(accountID, id int64) (*Delivery, error)
	// ListEndpointDeliveries returns an endpoint's deliveries, newest first.
	ListEndpointDeliveries(f DeliveryFilter) ([]Delivery, error)
	// ListAttempts returns a delivery's attempts, oldest first (the latest
	// one recorded by RecordAttempt last).
	ListAttempts(deliveryID int64) ([]Attempt, error)
	// Requeue makes an endpoint's delivery with id (never a notice)
	// pending again, due at t. It keeps its uuid and attempts, loses its
	// completion time and any lease that has run out (a live one stays: its
	// holder may be attempting it), and takes the endpoint's current URL
	// (kept when an API inbox has none). It returns how many it requeued
	// (0 or 1).
	Requeue(accountID int64, ep Endpoint, id int64, t time.Time) (int, error)
	// RequeueFailed requeues, as Requeue does, up to limit of an
	// endpoint's deliveries that failed (completed) at or after
	// failedSince, taking them in id order after afterID. It returns how
	// many it requeued and the last id taken, so that a large recovery runs
	// as many short transactions.
	RequeueFailed(accountID int64, ep Endpoint, failedSince time.Time, afterID int64, limit int, t time.Time) (n int, lastID int64, err error)
	// Prune deletes, up to limit rows of each: attempts made before t,
	// deliveries finished (delivered, failed or notice) before t, and events
	// created before t that no delivery refers to. It never deletes a
	// pending delivery nor the event it sends. Deliveries and events are
	// taken in id order up to the first one created at or after t (ids grow
	// with time), so a row written out of time order may wait for a later
	// call. It returns how many rows went; call it again until that is
	// less than limit.
	Prune(t time.Time, limit int) (int, error)

	// Secret returns the installation secret called name, storing fresh
	// as its value when it has none yet (the first caller wins).
	Secret(name, fresh string, now time.Time) (string, error)

	InsertEvent(ev *Event) error
	// ListEvents returns an account's events after an id, oldest first.
	ListEvents(accountID, afterID int64, limit int) ([]Event, error)
}
