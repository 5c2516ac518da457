package sqlstore

import "github.com/parleyhq/parley/internal/chat"

// findConversationPrefetched looks a conversation up for a write together
// with the rows nearly every write of one reads next, to build the
// conversation's JSON and route its events: the contact (locked, as
// FindContact locks it in a write), the contact inbox, the inbox, the
// account, the account's webhooks and the unread count, and reserves ids for
// a message and an event. On a server the
// seven statements go in one round trip instead of seven; their rows wait
// in the transaction's cache (tx.wc), which the Tx methods keep in step
// with the transaction's own writes.
func (tx *Tx) findConversationPrefetched(where string, args ...any) (*chat.Conversation, error) {
	sub := func(col string) string { return `(SELECT ` + col + ` FROM conversations WHERE ` + where + `)` }
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
	stmts := []Stmt{
		{`SELECT ` + conversationCols + ` FROM conversations WHERE ` + where + tx.forUpdate(), args, one(func(r Rows) error {
			found = true
			return scanConversation(r, &c)
		})},
		{`SELECT ` + contactCols + ` FROM contacts WHERE id = ` + sub("contact_id") + tx.forUpdate(), args, one(func(r Rows) error {
			var v chat.Contact
			if err := scanContact(r, &v); err != nil {
				return err
			}
			tx.wc.putContact(&v)
			return nil
		})},
		{`SELECT ` + contactInboxCols + ` FROM contact_inboxes WHERE id = ` + sub("contact_inbox_id"), args, one(func(r Rows) error {
			var v chat.ContactInbox
			if err := scanContactInbox(r, &v); err != nil {
				return err
			}
			tx.wc.putContactInbox(&v)
			return nil
		})},
		{`SELECT ` + inboxCols + inboxFrom + ` WHERE i.id = ` + sub("inbox_id"), args, one(func(r Rows) error {
			var v chat.Inbox
			if err := scanInbox(r, &v); err != nil {
				return err
			}
			tx.wc.inboxes[v.ID] = v
			return nil
		})},
		{`SELECT ` + accountCols + ` FROM accounts WHERE id = ` + sub("account_id"), args, one(func(r Rows) error {
			var v chat.Account
			if err := scanAccount(r, &v); err != nil {
				return err
			}
			tx.wc.accounts[v.ID] = v
			return nil
		})},
		{`SELECT ` + webhookCols + ` FROM webhooks WHERE account_id = ` + sub("account_id") + ` ORDER BY id`, args, func(r Rows) error {
			var err error
			hooks, err = collect(r, nil, func(r Rows, w *chat.Webhook) error { return scanWebhook(r, w) })
			return err
		}},
		{`SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation_id = ` + sub("id") +
			` AND message_type = 'incoming' AND created_at > COALESCE(` + sub("agent_last_seen_at") + `, 0) LIMIT ?) x`,
			append(append(append([]any{}, args...), args...), chat.UnreadCap), one(func(r Rows) error { return r.Scan(&n) })},
	}
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
	tx.wc.webhooks[c.AccountID] = hooks
	tx.wc.unread[c.ID] = unreadCount{since: c.AgentLastSeenAt, limit: chat.UnreadCap, n: n}
	if ids.message != 0 {
		tx.wc.reserved[c.ID] = ids
	}
	return &c, nil
}
