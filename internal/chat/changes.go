package chat

import (
	"bytes"
	"slices"
	"strings"
	"time"
)

// changeList builds a changed_attributes list in column order.
type changeList []Change

func (l *changeList) str(attr, a, b string) {
	if a != b {
		*l = append(*l, Change{Attr: attr, Previous: nullIfEmpty(a), Current: nullIfEmpty(b)})
	}
}

// text is for string columns that are never null ("" is a value).
func (l *changeList) text(attr, a, b string) {
	if a != b {
		*l = append(*l, Change{Attr: attr, Previous: a, Current: b})
	}
}

func (l *changeList) id(attr string, a, b int64) {
	if a != b {
		*l = append(*l, Change{Attr: attr, Previous: nullIfZero(a), Current: nullIfZero(b)})
	}
}

func (l *changeList) boolean(attr string, a, b bool) {
	if a != b {
		*l = append(*l, Change{Attr: attr, Previous: a, Current: b})
	}
}

func (l *changeList) time(attr string, a, b time.Time) {
	if !a.Equal(b) {
		*l = append(*l, Change{Attr: attr, Previous: a, Current: b})
	}
}

func (l *changeList) json(attr string, a, b JSON) {
	if !bytes.Equal(a, b) {
		*l = append(*l, Change{Attr: attr, Previous: a, Current: b})
	}
}

func (l *changeList) strings(attr string, a, b []string) {
	if !slices.Equal(a, b) {
		*l = append(*l, Change{Attr: attr, Previous: a, Current: b})
	}
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

// contactChanges lists what changed between two versions of a contact, in
// Chatwoot's column order.
func contactChanges(a, b *Contact) []Change {
	var l changeList
	l.text("name", a.Name, b.Name)
	l.str("email", a.Email, b.Email)
	l.str("phone_number", a.PhoneNumber, b.PhoneNumber)
	l.time("updated_at", a.UpdatedAt, b.UpdatedAt)
	l.json("additional_attributes", a.AdditionalAttributes, b.AdditionalAttributes)
	l.str("identifier", a.Identifier, b.Identifier)
	l.json("custom_attributes", a.CustomAttributes, b.CustomAttributes)
	l.time("last_activity_at", a.LastActivityAt, b.LastActivityAt)
	l.boolean("blocked", a.Blocked, b.Blocked)
	return l
}

// conversationChanges lists what changed between two versions of a
// conversation, in Chatwoot's column order.
func conversationChanges(a, b *Conversation) []Change {
	var l changeList
	l.text("status", a.Status, b.Status)
	l.id("assignee_id", a.AssigneeID, b.AssigneeID)
	l.time("updated_at", a.UpdatedAt, b.UpdatedAt)
	l.time("contact_last_seen_at", a.ContactLastSeenAt, b.ContactLastSeenAt)
	l.time("agent_last_seen_at", a.AgentLastSeenAt, b.AgentLastSeenAt)
	l.json("additional_attributes", a.AdditionalAttributes, b.AdditionalAttributes)
	l.str("identifier", a.Identifier, b.Identifier)
	l.time("last_activity_at", a.LastActivityAt, b.LastActivityAt)
	l.id("team_id", a.TeamID, b.TeamID)
	l.time("snoozed_until", a.SnoozedUntil, b.SnoozedUntil)
	l.json("custom_attributes", a.CustomAttributes, b.CustomAttributes)
	l.time("assignee_last_seen_at", a.AssigneeLastSeenAt, b.AssigneeLastSeenAt)
	l.time("first_reply_created_at", a.FirstReplyCreatedAt, b.FirstReplyCreatedAt)
	l.str("priority", a.Priority, b.Priority)
	l.time("waiting_since", a.WaitingSince, b.WaitingSince)
	// The labels' cached column (a string, as acts-as-taggable stores it),
	// then the virtual label_list after the columns, as Rails lists them.
	l.text("cached_label_list", strings.Join(a.Labels, ", "), strings.Join(b.Labels, ", "))
	l.id("assignee_agent_bot_id", a.AssigneeAgentBotID, b.AssigneeAgentBotID)
	l.strings("label_list", a.Labels, b.Labels)
	return l
}

// messageChanges lists what changed between two versions of a message, in
// Chatwoot's column order.
func messageChanges(a, b *Message) []Change {
	var l changeList
	l.str("content", deref(a.Content), deref(b.Content))
	l.time("updated_at", a.UpdatedAt, b.UpdatedAt)
	l.boolean("private", a.Private, b.Private)
	l.text("status", a.Status, b.Status)
	l.str("source_id", a.SourceID, b.SourceID)
	l.text("content_type", a.ContentType, b.ContentType)
	l.json("content_attributes", a.ContentAttributes, b.ContentAttributes)
	return l
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// conversationUpdateTriggers are the attributes whose change makes Chatwoot
// fire conversation_updated (its list, plus label changes).
var conversationUpdateTriggers = []string{
	"team_id", "assignee_id", "assignee_agent_bot_id", "status", "snoozed_until", "custom_attributes",
	"label_list", "waiting_since", "first_reply_created_at", "priority",
}

// triggersConversationUpdated reports whether a change list warrants a
// conversation_updated event.
func triggersConversationUpdated(changes []Change) bool {
	for _, c := range changes {
		if slices.Contains(conversationUpdateTriggers, c.Attr) {
			return true
		}
	}
	return false
}
