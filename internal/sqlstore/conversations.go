package sqlstore

import (
	"database/sql"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

const conversationCols = `id, account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, display_id,
	contact_last_seen_at, agent_last_seen_at, additional_attributes, contact_inbox_id, uuid, identifier, last_activity_at,
	team_id, campaign_id, snoozed_until, custom_attributes, assignee_last_seen_at, first_reply_created_at, priority,
	sla_policy_id, waiting_since, cached_label_list, assignee_agent_bot_id`

func scanConversation(r interface{ Scan(...any) error }, c *chat.Conversation) error {
	var labels string
	err := r.Scan(&c.ID, &c.AccountID, &c.InboxID, &c.Status, ni{&c.AssigneeID}, nt{&c.CreatedAt}, nt{&c.UpdatedAt}, &c.ContactID, &c.DisplayID,
		nt{&c.ContactLastSeenAt}, nt{&c.AgentLastSeenAt}, js{&c.AdditionalAttributes}, ni{&c.ContactInboxID}, &c.UUID, ns{&c.Identifier}, nt{&c.LastActivityAt},
		ni{&c.TeamID}, ni{&c.CampaignID}, nt{&c.SnoozedUntil}, js{&c.CustomAttributes}, nt{&c.AssigneeLastSeenAt}, nt{&c.FirstReplyCreatedAt}, ns{&c.Priority},
		ni{&c.SLAPolicyID}, nt{&c.WaitingSince}, &labels, ni{&c.AssigneeAgentBotID})
	c.Labels = splitLabels(labels)
	return err
}

// Labels are stored comma-separated; label names cannot contain commas.
func splitLabels(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func (tx *Tx) CreateConversation(c *chat.Conversation) error {
	id, err := tx.insert(`INSERT INTO conversations (account_id, inbox_id, status, assignee_id, created_at, updated_at, contact_id, display_id,
		contact_last_seen_at, agent_last_seen_at, additional_attributes, contact_inbox_id, uuid, identifier, last_activity_at,
		team_id, campaign_id, snoozed_until, custom_attributes, assignee_last_seen_at, first_reply_created_at, priority,
		sla_policy_id, waiting_since, cached_label_list, assignee_agent_bot_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.InboxID, c.Status, nullID(c.AssigneeID), tsNotNull(c.CreatedAt), tsNotNull(c.UpdatedAt), c.ContactID, c.DisplayID,
		ts(c.ContactLastSeenAt), ts(c.AgentLastSeenAt), jsonText(c.AdditionalAttributes), nullID(c.ContactInboxID), c.UUID, nullStr(c.Identifier), tsNotNull(c.LastActivityAt),
		nullID(c.TeamID), nullID(c.CampaignID), ts(c.SnoozedUntil), jsonText(c.CustomAttributes), ts(c.AssigneeLastSeenAt), ts(c.FirstReplyCreatedAt), nullStr(c.Priority),
		nullID(c.SLAPolicyID), ts(c.WaitingSince), strings.Join(c.Labels, ","), nullID(c.AssigneeAgentBotID))
	c.ID = id
	if err == nil && tx.wc != nil {
		tx.wc.putConversation(c)
	}
	return err
}

func (tx *Tx) findConversation(where string, args ...any) (*chat.Conversation, error) {
	var c chat.Conversation
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+conversationCols+` FROM conversations WHERE `+where+tx.forUpdate()), args...)
	if err := scanConversation(row, &c); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find conversation")
	}
	return &c, nil
}

func (tx *Tx) FindConversation(accountID, displayID int64) (*chat.Conversation, error) {
	if tx.wc != nil {
		if id, ok := tx.wc.byDisplay[[2]int64{accountID, displayID}]; ok {
			if c, ok := tx.wc.conversations[id]; ok {
				return cloneConversation(c), nil
			}
		}
	}
	var c *chat.Conversation
	var err error
	if tx.prefetch {
		k, ok := tx.keys.byDisplay[[2]int64{accountID, displayID}]
		if !ok {
			k = conversationKey{accountID: accountID, displayID: displayID}
		}
		c, err = tx.findConversationPrefetched(k)
	} else {
		c, err = tx.findConversation(`account_id = ? AND display_id = ?`, accountID, displayID)
	}
	if err == nil && tx.wc != nil {
		tx.wc.putConversation(c)
	}
	return c, err
}

func (tx *Tx) FindConversationByID(id int64) (*chat.Conversation, error) {
	if tx.wc != nil {
		if c, ok := tx.wc.conversations[id]; ok {
			return cloneConversation(c), nil
		}
	}
	var c *chat.Conversation
	var err error
	if tx.prefetch {
		k, ok := tx.keys.byID[id]
		if !ok {
			k = conversationKey{id: id}
		}
		c, err = tx.findConversationPrefetched(k)
	} else {
		c, err = tx.findConversation(`id = ?`, id)
	}
	if err == nil && tx.wc != nil {
		tx.wc.putConversation(c)
	}
	return c, err
}

// conversationWhere builds the filter shared by listing and counting.
func conversationWhere(f chat.ConversationFilter) (string, []any) {
	where := []string{`account_id = ?`}
	args := []any{f.AccountID}
	switch f.Status {
	case "all":
	case "":
		where = append(where, `status = ?`)
		args = append(args, chat.StatusOpen)
	default:
		where = append(where, `status = ?`)
		args = append(args, f.Status)
	}
	if f.InboxID != 0 {
		where = append(where, `inbox_id = ?`)
		args = append(args, f.InboxID)
	}
	if f.ContactID != 0 {
		where = append(where, `contact_id = ?`)
		args = append(args, f.ContactID)
	}
	if len(f.Labels) > 0 {
		var any []string
		for _, l := range f.Labels {
			any = append(any, `(',' || cached_label_list || ',') LIKE ? ESCAPE '\'`)
			args = append(args, "%,"+escapeLike(l)+",%")
		}
		where = append(where, "("+strings.Join(any, " OR ")+")")
	}
	return strings.Join(where, " AND "), args
}

func (tx *Tx) ListConversations(f chat.ConversationFilter) ([]chat.Conversation, error) {
	where, args := conversationWhere(f)
	switch f.AssigneeType {
	case "me":
		where += ` AND assignee_id = ?`
		args = append(args, f.UserID)
	case "unassigned":
		where += ` AND assignee_id IS NULL`
	case "assigned":
		where += ` AND assignee_id IS NOT NULL`
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 25
	}
	rows, err := tx.query(`SELECT `+conversationCols+` FROM conversations WHERE `+where+
		` ORDER BY last_activity_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, f.Offset)...)
	return collect(rows, err, func(r Rows, c *chat.Conversation) error { return scanConversation(r, c) })
}

func (tx *Tx) CountConversations(f chat.ConversationFilter) (chat.ConversationCounts, error) {
	where, args := conversationWhere(f)
	var c chat.ConversationCounts
	err := tx.get(`SELECT count(*),
		COALESCE(SUM(CASE WHEN assignee_id = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN assignee_id IS NOT NULL THEN 1 ELSE 0 END), 0)
		FROM conversations WHERE `+where, append([]any{f.UserID}, args...), &c.All, &c.Mine, &c.Assigned)
	c.Unassigned = c.All - c.Assigned
	return c, err
}

func (tx *Tx) UpdateConversation(c *chat.Conversation) error {
	// The row is locked (read FOR UPDATE) and no unique index covers what
	// changes, so nothing the caller could act on comes back: the update
	// can travel with the next statement.
	err := tx.later(`UPDATE conversations SET status = ?, assignee_id = ?, updated_at = ?, contact_last_seen_at = ?, agent_last_seen_at = ?,
		additional_attributes = ?, identifier = ?, last_activity_at = ?, team_id = ?, campaign_id = ?, snoozed_until = ?, custom_attributes = ?,
		assignee_last_seen_at = ?, first_reply_created_at = ?, priority = ?, sla_policy_id = ?, waiting_since = ?, cached_label_list = ?,
		assignee_agent_bot_id = ? WHERE id = ?`,
		c.Status, nullID(c.AssigneeID), tsNotNull(c.UpdatedAt), ts(c.ContactLastSeenAt), ts(c.AgentLastSeenAt),
		jsonText(c.AdditionalAttributes), nullStr(c.Identifier), tsNotNull(c.LastActivityAt), nullID(c.TeamID), nullID(c.CampaignID), ts(c.SnoozedUntil), jsonText(c.CustomAttributes),
		ts(c.AssigneeLastSeenAt), ts(c.FirstReplyCreatedAt), nullStr(c.Priority), nullID(c.SLAPolicyID), ts(c.WaitingSince), strings.Join(c.Labels, ","),
		nullID(c.AssigneeAgentBotID), c.ID)
	if tx.wc != nil {
		if err == nil {
			tx.wc.putConversation(c)
		} else {
			delete(tx.wc.conversations, c.ID)
		}
	}
	return err
}
