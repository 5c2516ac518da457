package chat

import (
	"fmt"
	"slices"
	"strings"
)

// Activity messages are the conversation's own log lines ("Conversation was
// marked resolved by Jane"), in Chatwoot's English wording. They appear in
// message lists but never in webhooks.

func statusActivity(status, userName string) string {
	if userName == "" {
		if status == StatusOpen {
			return "System reopened the conversation due to a new incoming message."
		}
		userName = "System"
	}
	switch status {
	case StatusResolved:
		return "Conversation was marked resolved by " + userName
	case StatusPending:
		return "Conversation was marked as pending by " + userName
	case StatusSnoozed:
		return "Conversation was snoozed by " + userName
	}
	return "Conversation was reopened by " + userName
}

func assigneeActivity(actor, assignee *User) string {
	switch {
	case assignee == nil:
		return "Conversation unassigned by " + actor.AvailableName()
	case assignee.ID == actor.ID:
		return actor.AvailableName() + " self-assigned this conversation"
	}
	return fmt.Sprintf("Assigned to %s by %s", assignee.AvailableName(), actor.AvailableName())
}

func priorityActivity(before, after, userName string) string {
	switch {
	case after == "":
		return userName + " removed the priority"
	case before == "":
		return userName + " set the priority to " + after
	}
	return fmt.Sprintf("%s changed the priority from %s to %s", userName, before, after)
}

// labelActivities describes labels added and removed.
func labelActivities(before, after []string, userName string) []string {
	var added, removed []string
	for _, l := range after {
		if !slices.Contains(before, l) {
			added = append(added, l)
		}
	}
	for _, l := range before {
		if !slices.Contains(after, l) {
			removed = append(removed, l)
		}
	}
	var out []string
	if len(added) > 0 {
		out = append(out, userName+" added "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		out = append(out, userName+" removed "+strings.Join(removed, ", "))
	}
	return out
}

// addActivity writes an activity message to c, which moves its last
// activity time as every message does.
func (o *op) addActivity(c *Conversation, content string) error {
	m := &Message{
		Content: &content, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID,
		MessageType: MessageActivity, CreatedAt: o.now, UpdatedAt: o.now, Status: MessageSent,
		ContentType: "text", ContentAttributes: EmptyObject, ExternalSourceIDs: EmptyObject,
		AdditionalAttributes: EmptyObject, Sentiment: EmptyObject,
	}
	m.processContent()
	if err := o.tx.CreateMessage(m); err != nil {
		return err
	}
	c.LastActivityAt = o.now
	return nil
}
