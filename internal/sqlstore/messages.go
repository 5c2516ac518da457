package sqlstore

import (
	"database/sql"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

const messageCols = `id, content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, private, status,
	source_id, content_type, content_attributes, sender_type, sender_id, external_source_ids, additional_attributes,
	processed_message_content, sentiment`

func scanMessage(r interface{ Scan(...any) error }, m *chat.Message) error {
	return r.Scan(&m.ID, nsp{&m.Content}, &m.AccountID, &m.InboxID, &m.ConversationID, &m.MessageType, nt{&m.CreatedAt}, nt{&m.UpdatedAt},
		&m.Private, &m.Status, ns{&m.SourceID}, &m.ContentType, js{&m.ContentAttributes}, ns{&m.SenderType}, ni{&m.SenderID},
		js{&m.ExternalSourceIDs}, js{&m.AdditionalAttributes}, nsp{&m.ProcessedMessageContent}, js{&m.Sentiment})
}

func (tx *Tx) CreateMessage(m *chat.Message) error {
	const cols = `content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, private, status,
		source_id, content_type, content_attributes, sender_type, sender_id, external_source_ids, additional_attributes,
		processed_message_content, sentiment`
	args := []any{nullStrPtr(m.Content), m.AccountID, m.InboxID, m.ConversationID, m.MessageType, tsNotNull(m.CreatedAt), tsNotNull(m.UpdatedAt), m.Private, m.Status,
		nullStr(m.SourceID), m.ContentType, jsonText(m.ContentAttributes), nullStr(m.SenderType), nullID(m.SenderID), jsonText(m.ExternalSourceIDs), jsonText(m.AdditionalAttributes),
		nullStrPtr(m.ProcessedMessageContent), jsonText(m.Sentiment)}
	var err error
	if id := tx.reservedID(m.ConversationID, true); id != 0 {
		// The id is known: nothing needs this insert's answer.
		m.ID = id
		err = tx.later(`INSERT INTO messages (id, `+cols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append([]any{id}, args...)...)
	} else {
		m.ID, err = tx.insert(`INSERT INTO messages (`+cols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	}
	if err == nil && tx.wc != nil && m.MessageType == chat.MessageIncoming {
		// Keep the unread count of the conversation in step.
		if u, ok := tx.wc.unread[m.ConversationID]; ok {
			if m.CreatedAt.After(u.since) {
				u.n = min(u.n+1, u.limit)
				tx.wc.unread[m.ConversationID] = u
			}
		}
	}
	return err
}

func (tx *Tx) FindMessage(conversationID, id int64) (*chat.Message, error) {
	var m chat.Message
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+messageCols+` FROM messages WHERE conversation_id = ? AND id = ?`+tx.forUpdate()), conversationID, id)
	if err := scanMessage(row, &m); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find message")
	}
	return &m, nil
}

func (tx *Tx) ListMessages(f chat.MessageFilter) ([]chat.Message, error) {
	where := `conversation_id = ?`
	args := []any{f.ConversationID}
	if f.Before != 0 {
		where += ` AND id < ?`
		args = append(args, f.Before)
	}
	if f.After != 0 {
		where += ` AND id > ?`
		args = append(args, f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	// Forward from "after" when only it is given; otherwise the newest page.
	if f.After != 0 && f.Before == 0 {
		rows, err := tx.query(`SELECT `+messageCols+` FROM messages WHERE `+where+` ORDER BY id ASC LIMIT ?`, append(args, limit)...)
		return collect(rows, err, func(r Rows, m *chat.Message) error { return scanMessage(r, m) })
	}
	rows, err := tx.query(`SELECT `+messageCols+` FROM messages WHERE `+where+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	list, err := collect(rows, err, func(r Rows, m *chat.Message) error { return scanMessage(r, m) })
	for i, j := 0, len(list)-1; i < j; i, j = i+1, j-1 {
		list[i], list[j] = list[j], list[i]
	}
	return list, err
}

func (tx *Tx) UpdateMessage(m *chat.Message) error {
	_, err := tx.exec(`UPDATE messages SET content = ?, updated_at = ?, private = ?, status = ?, source_id = ?, content_type = ?,
		content_attributes = ?, external_source_ids = ?, additional_attributes = ?, processed_message_content = ?, sentiment = ? WHERE id = ?`,
		nullStrPtr(m.Content), tsNotNull(m.UpdatedAt), m.Private, m.Status, nullStr(m.SourceID), m.ContentType,
		jsonText(m.ContentAttributes), jsonText(m.ExternalSourceIDs), jsonText(m.AdditionalAttributes), nullStrPtr(m.ProcessedMessageContent), jsonText(m.Sentiment), m.ID)
	return err
}

func (tx *Tx) LastChatMessage(conversationID int64) (*chat.Message, error) {
	return tx.LastMessage(conversationID, false, false)
}

func (tx *Tx) LastMessage(conversationID int64, withPrivate, withActivity bool) (*chat.Message, error) {
	where := `conversation_id = ?`
	args := []any{conversationID}
	if !withActivity {
		where += ` AND message_type <> 'activity'`
	}
	if !withPrivate {
		where += ` AND private = ?`
		args = append(args, false)
	}
	var m chat.Message
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+messageCols+` FROM messages WHERE `+where+` ORDER BY id DESC LIMIT 1`), args...)
	if err := scanMessage(row, &m); err != nil {
		if err == sql.ErrNoRows {
			return nil, nil
		}
		return nil, tx.wrap(err, "last message")
	}
	return &m, nil
}

func (tx *Tx) CountIncomingSince(conversationID int64, t time.Time, limit int) (int, error) {
	if tx.wc != nil {
		if u, ok := tx.wc.unread[conversationID]; ok && u.since.Equal(t) && u.limit == limit {
			return u.n, nil
		}
	}
	n, err := tx.countIncomingSince(conversationID, t, limit)
	if err == nil && tx.wc != nil {
		if len(tx.wc.unread) >= maxBusyRows {
			tx.wc.unread = map[int64]unreadCount{}
		}
		tx.wc.unread[conversationID] = unreadCount{since: t, limit: limit, n: n}
	}
	return n, err
}

func (tx *Tx) countIncomingSince(conversationID int64, t time.Time, limit int) (int, error) {
	var n int
	err := tx.get(`SELECT count(*) FROM (SELECT 1 FROM messages WHERE conversation_id = ? AND message_type = 'incoming' AND created_at > ? LIMIT ?) x`,
		[]any{conversationID, ts0(t), limit}, &n)
	return n, err
}

func ts0(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// reservedID takes the id reserved for the conversation's next message (or
// event), or returns 0.
func (tx *Tx) reservedID(conversationID int64, message bool) int64 {
	if tx.wc == nil || conversationID == 0 {
		return 0
	}
	r, ok := tx.wc.reserved[conversationID]
	if !ok {
		return 0
	}
	ids := &r.event
	if message {
		ids = &r.message
	}
	if len(*ids) == 0 {
		return 0
	}
	id := (*ids)[0]
	*ids = (*ids)[1:]
	tx.wc.reserved[conversationID] = r
	return id
}
