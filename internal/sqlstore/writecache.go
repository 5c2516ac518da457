package sqlstore

import (
	"bytes"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// writeCache keeps rows that nearly every write reads (accounts, inboxes,
// users, memberships, webhooks, and the conversations, contacts and contact
// inboxes being written to), for the writer only. It is coherent by
// construction. On SQLite every write goes through that one writer, whose
// Tx methods drop an entry whenever they change its row. On PostgreSQL other
// instances write too, so the cache lives for one batch's transaction,
// where the rows that change often were read locked. Entries filled by a
// request that then rolls back could hold what never committed, so the
// writer empties the cache on every rollback. Only the writer goroutine
// touches it: no locks.
type writeCache struct {
	accounts map[int64]chat.Account
	inboxes  map[int64]chat.Inbox
	users    map[int64]chat.User
	members  map[[2]int64]chat.AccountUser
	webhooks map[int64][]chat.Webhook

	// Rows that change often are kept written-through: every write of one
	// goes through this writer, which stores the new row as it writes it.
	conversations map[int64]chat.Conversation
	byDisplay     map[[2]int64]int64 // (account, display id) -> id
	contacts      map[int64]chat.Contact
	contactInbox  map[int64]chat.ContactInbox
	// unread keeps each conversation's last count of incoming messages
	// after a time; an incoming message written here adds to it.
	unread map[int64]unreadCount
	// reserved holds ids taken from the sequences right after a
	// conversation was locked (see prefetchOf), one message and one event
	// id for each of the batch's requests to it, taken in turn.
	reserved map[int64]reservedIDs
}

// reservedIDs are taken in order: the sequence gave them in the order the
// conversation's writes of the batch run.
type reservedIDs struct{ message, event []int64 }

type unreadCount struct {
	since time.Time
	limit int
	n     int
}

// maxBusyRows bounds each written-through map; past it the map starts over.
const maxBusyRows = 20000

func newWriteCache() *writeCache {
	c := &writeCache{}
	c.clear()
	return c
}

func (c *writeCache) clear() {
	c.accounts = map[int64]chat.Account{}
	c.inboxes = map[int64]chat.Inbox{}
	c.users = map[int64]chat.User{}
	c.members = map[[2]int64]chat.AccountUser{}
	c.webhooks = map[int64][]chat.Webhook{}
	c.forgetBusy()
}

// forgetBusy drops the written-through rows, for writes that change many
// at once (cascading deletes, bulk updates).
func (c *writeCache) forgetBusy() {
	c.conversations = map[int64]chat.Conversation{}
	c.byDisplay = map[[2]int64]int64{}
	c.contacts = map[int64]chat.Contact{}
	c.contactInbox = map[int64]chat.ContactInbox{}
	c.unread = map[int64]unreadCount{}
	c.reserved = map[int64]reservedIDs{}
}

func (c *writeCache) putConversation(v *chat.Conversation) {
	if len(c.conversations) >= maxBusyRows {
		c.conversations, c.byDisplay = map[int64]chat.Conversation{}, map[[2]int64]int64{}
	}
	c.conversations[v.ID] = *cloneConversation(*v)
	c.byDisplay[[2]int64{v.AccountID, v.DisplayID}] = v.ID
}

func (c *writeCache) putContact(v *chat.Contact) {
	if len(c.contacts) >= maxBusyRows {
		c.contacts = map[int64]chat.Contact{}
	}
	c.contacts[v.ID] = *cloneContact(*v)
}

func (c *writeCache) putContactInbox(v *chat.ContactInbox) {
	if len(c.contactInbox) >= maxBusyRows {
		c.contactInbox = map[int64]chat.ContactInbox{}
	}
	c.contactInbox[v.ID] = *v
}

// Copies go in and out, so that callers editing what they got (the service
// edits copies of rows it then saves) never change the cache.

func cloneJSON(j chat.JSON) chat.JSON {
	if j == nil {
		return nil
	}
	return bytes.Clone(j)
}

func cloneAccount(a chat.Account) *chat.Account {
	a.CustomAttributes, a.Features, a.Limits = cloneJSON(a.CustomAttributes), cloneJSON(a.Features), cloneJSON(a.Limits)
	return &a
}

func cloneInbox(in chat.Inbox) *chat.Inbox {
	in.AutoAssignmentConfig = cloneJSON(in.AutoAssignmentConfig)
	if in.API != nil {
		api := *in.API
		api.AdditionalAttributes = cloneJSON(api.AdditionalAttributes)
		in.API = &api
	}
	if in.WebWidget != nil {
		w := *in.WebWidget
		w.PreChatFormOptions = cloneJSON(w.PreChatFormOptions)
		in.WebWidget = &w
	}
	return &in
}

func cloneUser(u chat.User) *chat.User {
	u.CustomAttributes = cloneJSON(u.CustomAttributes)
	return &u
}

func cloneWebhooks(ws []chat.Webhook) []chat.Webhook {
	out := make([]chat.Webhook, len(ws))
	for i, w := range ws {
		w.Subscriptions = append([]string(nil), w.Subscriptions...)
		out[i] = w
	}
	return out
}

func cloneConversation(v chat.Conversation) *chat.Conversation {
	v.AdditionalAttributes, v.CustomAttributes = cloneJSON(v.AdditionalAttributes), cloneJSON(v.CustomAttributes)
	v.Labels = append([]string{}, v.Labels...)
	return &v
}

func cloneContact(v chat.Contact) *chat.Contact {
	v.AdditionalAttributes, v.CustomAttributes = cloneJSON(v.AdditionalAttributes), cloneJSON(v.CustomAttributes)
	return &v
}
