package sqlstore

import "github.com/parleyhq/parley/internal/chat"

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
	where, args := `id = ?`, []any{k.id}
	if k.id == 0 {
		where, args = `account_id = ? AND display_id = ?`, []any{k.accountID, k.displayID}
	}
	var (
		c     chat.Conversation
		found bool
		hooks []chat.Webhook
		n     int
	)
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
	// by reads the row of table whose id the conversation's column col
	// holds: given when k knows it (and skipped when the cache has it),
	// else read from the conversation in the same statement.
	var stmts []Stmt
	by := func(known int64, cached bool, col, query string, scan func(Rows) error) {
		switch {
		case known != 0 && cached:
		case known != 0:
			stmts = append(stmts, Stmt{query + `?`, []any{known}, one(scan)})
		default:
			stmts = append(stmts, Stmt{query + sub(col), args, one(scan)})
		}
	}
	stmts = append(stmts, Stmt{`SELECT ` + conversationCols + ` FROM conversations WHERE ` + where + tx.forUpdate(), args, one(func(r Rows) error {
		found = true
		return scanConversation(r, &c)
	})})
	stmts = append(stmts, Stmt{`SELECT ` + contactCols + ` FROM contacts WHERE id = ` + sub("contact_id") + tx.forUpdate(), args, one(func(r Rows) error {
		var v chat.Contact
		if err := scanContact(r, &v); err != nil {
			return err
		}
		tx.wc.putContact(&v)
		return nil
	})})
	_, cached := tx.wc.contactInbox[k.contactInboxID]
	by(k.contactInboxID, cached, "contact_inbox_id", `SELECT `+contactInboxCols+` FROM contact_inboxes WHERE id = `, func(r Rows) error {
		var v chat.ContactInbox
		if err := scanContactInbox(r, &v); err != nil {
			return err
		}
		tx.wc.putContactInbox(&v)
		return nil
	})
	_, cached = tx.wc.inboxes[k.inboxID]
	by(k.inboxID, cached, "inbox_id", `SELECT `+inboxCols+inboxFrom+` WHERE i.id = `, func(r Rows) error {
		var v chat.Inbox
		if err := scanInbox(r, &v); err != nil {
			return err
		}
		tx.wc.inboxes[v.ID] = v
		return nil
	})
	_, cached = tx.wc.accounts[k.accountID]
	by(k.accountID, cached, "account_id", `SELECT `+accountCols+` FROM accounts WHERE id = `, func(r Rows) error {
		var v chat.Account
		if err := scanAccount(r, &v); err != nil {
			return err
		}
		tx.wc.accounts[v.ID] = v
		return nil
	})
	_, hooksCached := tx.wc.webhooks[k.accountID]
	if !hooksCached {
		account, accountArgs := sub("account_id"), args
		if k.accountID != 0 {
			account, accountArgs = `?`, []any{k.accountID}
		}
		stmts = append(stmts, Stmt{`SELECT ` + webhookCols + ` FROM webhooks WHERE account_id = ` + account + ` ORDER BY id`, accountArgs, func(r Rows) error {
			var err error
			hooks, err = collect(r, nil, func(r Rows, w *chat.Webhook) error { return scanWebhook(r, w) })
			return err
		}})
	}
	conv, convArgs := sub("id"), args
	if k.id != 0 {
		conv, convArgs = `?`, []any{k.id}
	}
	stmts = append(stmts, Stmt{`SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation_id = ` + conv +
		` AND message_type = 'incoming' AND created_at > COALESCE(` + sub("agent_last_seen_at") + `, 0) LIMIT ?) x`,
		append(append(append([]any{}, convArgs...), args...), chat.UnreadCap), one(func(r Rows) error { return r.Scan(&n) })})
	var ids reservedIDs
	if next := tx.d.NextID("messages"); next != "" {
		// Taken after the lock, so that ids follow the order in which
		// the conversation's writers commit: the message and event rows
		// can then go with the next statement instead of costing a round
		// trip each for their ids (see CreateMessage, InsertEvent).
		stmts = append(stmts, Stmt{`SELECT ` + next + `, ` + tx.d.NextID("events"), nil, one(func(r Rows) error {
			return r.Scan(&ids.message, &ids.event)
		})})
	}
	for i := range stmts {
		stmts[i].Query = tx.d.Rebind(stmts[i].Query)
	}
	if err := tx.q.Batch(tx.ctx, stmts); err != nil {
		return nil, tx.wrap(err, "find conversation")
	}
	if !found {
		return nil, chat.NotFound()
	}
	if !hooksCached {
		tx.wc.webhooks[c.AccountID] = hooks
	}
	tx.keys.put(&c)
	tx.wc.unread[c.ID] = unreadCount{since: c.AgentLastSeenAt, limit: chat.UnreadCap, n: n}
	if ids.message != 0 {
		tx.wc.reserved[c.ID] = ids
	}
	return &c, nil
}
