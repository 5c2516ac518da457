package sqlstore

import (
	"sort"
	"strconv"

	"github.com/parleyhq/parley/internal/chat"
)

// conversationKey holds what never changes of a conversation: its ids and
// those of its account, inbox and contact inbox (its contact may change: a
// widget's identify merges contacts).
type conversationKey struct {
	id, accountID, displayID, inboxID, contactInboxID int64
}

// conversationKeys remembers conversationKeys for the writer's lookups. It
// needs no coherence: what it holds never changes, and ids are never
// reused.
type conversationKeys struct {
	byID      map[int64]conversationKey
	byDisplay map[[2]int64]conversationKey
}

func newConversationKeys() *conversationKeys {
	return &conversationKeys{byID: map[int64]conversationKey{}, byDisplay: map[[2]int64]conversationKey{}}
}

func (k *conversationKeys) put(c *chat.Conversation) {
	if len(k.byID) >= maxBusyRows {
		*k = *newConversationKeys()
	}
	key := conversationKey{id: c.ID, accountID: c.AccountID, displayID: c.DisplayID, inboxID: c.InboxID, contactInboxID: c.ContactInboxID}
	k.byID[c.ID], k.byDisplay[[2]int64{c.AccountID, c.DisplayID}] = key, key
}

// findConversationPrefetched looks a conversation up for a write together
// with the rows nearly every write of one reads next, to build the
// conversation's JSON and route its events: the contact (locked, as
// FindContact locks it in a write), the contact inbox, the inbox, the
// account, the account's webhooks and the unread count, and reserves ids for
// a message and an event. On a server the statements go in one round trip
// instead of one each; their rows wait in the transaction's cache (tx.wc),
// which the Tx methods keep in step with the transaction's own writes. Rows
// the cache holds already (an earlier request of the batch read them) are
// not read again, where k says which they are.
func (tx *Tx) findConversationPrefetched(k conversationKey) (*chat.Conversation, error) {
	p := tx.prefetchOf(k, nil, 1, false)
	if err := tx.q.Batch(tx.ctx, p.stmts); err != nil {
		return nil, tx.wrap(err, "find conversation")
	}
	return p.finish()
}

// prefetchConversations reads, as findConversationPrefetched does, the
// conversations with these (account, display id) keys that the cache does
// not hold, all in one round trip and locking them in key order: the
// writer does it for the requests of a batch that said which conversation
// they write to, which then find everything in the cache. A key with no
// conversation is passed over (its request will say so itself).
//
// Keys not in mustWait are not waited for: when another transaction holds
// the conversation or its contact (another instance's writer, in the
// middle of its batch), busy gets the key and nothing of it is cached, so
// that the writer can run that key's requests in its next batch rather
// than have the whole batch wait for the other's commit.
func (tx *Tx) prefetchConversations(keys [][2]int64, mustWait map[[2]int64]bool) (busy map[[2]int64]bool, err error) {
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0] < keys[j][0] || keys[i][0] == keys[j][0] && keys[i][1] < keys[j][1]
	})
	asked := map[string]bool{}
	var (
		ps  []*conversationPrefetch
		all []Stmt
	)
	for i := 0; i < len(keys); {
		key, n := keys[i], 1
		for i+n < len(keys) && keys[i+n] == key {
			n++
		}
		i += n
		if _, ok := tx.wc.byDisplay[key]; ok {
			continue
		}
		k, ok := tx.keys.byDisplay[key]
		if !ok {
			k = conversationKey{accountID: key[0], displayID: key[1]}
		}
		// Ids for each of the batch's requests to the conversation:
		// one reservation each would cost the second and later their
		// own round trip, as their conversation is in the cache.
		p := tx.prefetchOf(k, asked, n, !mustWait[key])
		ps, all = append(ps, p), append(all, p.stmts...)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	if err := tx.q.Batch(tx.ctx, all); err != nil {
		return nil, tx.wrap(err, "prefetch conversations")
	}
	for _, p := range ps {
		if p.skipLocked && p.exists && (!p.found || !p.contactFound) {
			if busy == nil {
				busy = map[[2]int64]bool{}
			}
			busy[[2]int64{p.k.accountID, p.k.displayID}] = true
			if !p.hooksCached && p.k.accountID != 0 {
				// Read by the account's id, so whether or not the
				// conversation came back: the account's other keys
				// count on them.
				tx.wc.webhooks[p.k.accountID] = p.hooks
			}
			continue
		}
		c, err := p.finish()
		if chat.ErrorCode(err) == chat.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		tx.wc.putConversation(c)
	}
	return busy, nil
}

// conversationPrefetch is one conversation's part of a prefetch: its
// statements, and what they read until finish files it in the cache.
type conversationPrefetch struct {
	tx    *Tx
	k     conversationKey
	stmts []Stmt
	c     chat.Conversation
	// skipLocked: the conversation and contact rows are not waited for;
	// found and contactFound say whether they came back (locked), exists
	// whether the conversation is there at all.
	skipLocked, found, contactFound, exists bool
	hooksCached                             bool
	hooks                                   []chat.Webhook
	n                                       int
	ids                                     reservedIDs
}

// prefetchOf builds the statements that read conversation k and its rows.
// asked, when not nil, holds the rows that statements built before (in the
// same round trip) read already; prefetchOf adds its own. It reserves ids
// for n messages and n events. With skipLocked, a conversation or contact
// another transaction holds is passed over instead of waited for.
func (tx *Tx) prefetchOf(k conversationKey, asked map[string]bool, n int, skipLocked bool) *conversationPrefetch {
	p := &conversationPrefetch{tx: tx, k: k, skipLocked: skipLocked}
	lock := tx.forUpdate()
	if skipLocked {
		lock = tx.d.SkipLocked()
	}
	where, args := `id = ?`, []any{k.id}
	if k.id == 0 {
		where, args = `account_id = ? AND display_id = ?`, []any{k.accountID, k.displayID}
	}
	one := func(scan func(Rows) error) func(Rows) error {
		return func(r Rows) error {
			if r.Next() {
				if err := scan(r); err != nil {
					return err
				}
			}
			return r.Err()
		}
	}
	sub := func(col string) string { return `(SELECT ` + col + ` FROM conversations WHERE ` + where + `)` }
	// cached reports a row the cache holds or a statement already reads.
	cached := func(kind string, id int64, inCache bool) bool {
		if inCache || id == 0 {
			return inCache
		}
		key := kind + strconv.FormatInt(id, 10)
		if asked[key] {
			return true
		}
		if asked != nil {
			asked[key] = true
		}
		return false
	}
	// by reads the row of table whose id the conversation's column col
	// holds: given when k knows it (and skipped when the cache has it),
	// else read from the conversation in the same statement.
	by := func(known int64, cached bool, col, query string, scan func(Rows) error) {
		switch {
		case known != 0 && cached:
		case known != 0:
			p.stmts = append(p.stmts, Stmt{query + `?`, []any{known}, one(scan)})
		default:
			p.stmts = append(p.stmts, Stmt{query + sub(col), args, one(scan)})
		}
	}
	if skipLocked {
		// A row passed over and a row that is not there look the
		// same: a request to a conversation that does not exist must
		// get its answer now, not wait to be passed over again.
		p.stmts = append(p.stmts, Stmt{`SELECT 1 FROM conversations WHERE ` + where, args, one(func(Rows) error {
			p.exists = true
			return nil
		})})
	}
	p.stmts = append(p.stmts, Stmt{`SELECT ` + conversationCols + ` FROM conversations WHERE ` + where + lock, args, one(func(r Rows) error {
		p.found = true
		return scanConversation(r, &p.c)
	})})
	p.stmts = append(p.stmts, Stmt{`SELECT ` + contactCols + ` FROM contacts WHERE id = ` + sub("contact_id") + lock, args, one(func(r Rows) error {
		p.contactFound = true
		var v chat.Contact
		if err := scanContact(r, &v); err != nil {
			return err
		}
		tx.wc.putContact(&v)
		return nil
	})})
	_, inCache := tx.wc.contactInbox[k.contactInboxID]
	by(k.contactInboxID, cached("ci", k.contactInboxID, inCache), "contact_inbox_id", `SELECT `+contactInboxCols+` FROM contact_inboxes WHERE id = `, func(r Rows) error {
		var v chat.ContactInbox
		if err := scanContactInbox(r, &v); err != nil {
			return err
		}
		tx.wc.putContactInbox(&v)
		return nil
	})
	_, inCache = tx.wc.inboxes[k.inboxID]
	by(k.inboxID, cached("inbox", k.inboxID, inCache), "inbox_id", `SELECT `+inboxCols+inboxFrom+` WHERE i.id = `, func(r Rows) error {
		var v chat.Inbox
		if err := scanInbox(r, &v); err != nil {
			return err
		}
		tx.wc.inboxes[v.ID] = v
		return nil
	})
	_, inCache = tx.wc.accounts[k.accountID]
	by(k.accountID, cached("account", k.accountID, inCache), "account_id", `SELECT `+accountCols+` FROM accounts WHERE id = `, func(r Rows) error {
		var v chat.Account
		if err := scanAccount(r, &v); err != nil {
			return err
		}
		tx.wc.accounts[v.ID] = v
		return nil
	})
	_, inCache = tx.wc.webhooks[k.accountID]
	p.hooksCached = cached("webhooks", k.accountID, inCache)
	if !p.hooksCached {
		account, accountArgs := sub("account_id"), args
		if k.accountID != 0 {
			account, accountArgs = `?`, []any{k.accountID}
		}
		p.stmts = append(p.stmts, Stmt{`SELECT ` + webhookCols + ` FROM webhooks WHERE account_id = ` + account + ` ORDER BY id`, accountArgs, func(r Rows) error {
			var err error
			p.hooks, err = collect(r, nil, func(r Rows, w *chat.Webhook) error { return scanWebhook(r, w) })
			return err
		}})
	}
	conv, convArgs := sub("id"), args
	if k.id != 0 {
		conv, convArgs = `?`, []any{k.id}
	}
	p.stmts = append(p.stmts, Stmt{`SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation_id = ` + conv +
		` AND message_type = 'incoming' AND created_at > COALESCE(` + sub("agent_last_seen_at") + `, 0) LIMIT ?) x`,
		append(append(append([]any{}, convArgs...), args...), chat.UnreadCap), one(func(r Rows) error { return r.Scan(&p.n) })})
	if next := tx.d.NextID("messages"); next != "" {
		// Taken after the lock, so that ids follow the order in which
		// the conversation's writers commit: the message and event rows
		// can then go with the next statement instead of costing a round
		// trip each for their ids (see CreateMessage, InsertEvent).
		// No parameter: PostgreSQL plans a statement with one afresh at
		// every call here (a generic plan of generate_series looks dear),
		// and a constant lets it plan once per count.
		q := `SELECT ` + next + `, ` + tx.d.NextID("events")
		if n > 1 {
			q += ` FROM generate_series(1, ` + strconv.Itoa(n) + `)`
		}
		p.stmts = append(p.stmts, Stmt{q, nil, func(r Rows) error {
			for r.Next() {
				var m, e int64
				if err := r.Scan(&m, &e); err != nil {
					return err
				}
				p.ids.message, p.ids.event = append(p.ids.message, m), append(p.ids.event, e)
			}
			return r.Err()
		}})
	}
	for i := range p.stmts {
		p.stmts[i].Query = tx.d.Rebind(p.stmts[i].Query)
	}
	return p
}

// finish files what the statements read in the cache and returns the
// conversation.
func (p *conversationPrefetch) finish() (*chat.Conversation, error) {
	if !p.found {
		return nil, chat.NotFound()
	}
	tx, c := p.tx, &p.c
	if !p.hooksCached {
		tx.wc.webhooks[c.AccountID] = p.hooks
	}
	tx.keys.put(c)
	tx.wc.unread[c.ID] = unreadCount{since: c.AgentLastSeenAt, limit: chat.UnreadCap, n: p.n}
	if len(p.ids.message) > 0 {
		tx.wc.reserved[c.ID] = p.ids
	}
	return c, nil
}
