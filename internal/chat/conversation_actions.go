package chat

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The actions on an existing conversation: status, priority, assignment,
// attributes, labels, last seen and typing.

// changeConversation runs fn on a copy of a conversation and saves it.
func (s *Service) changeConversation(ctx context.Context, a *Actor, displayID int64, fn func(o *op, before, after *Conversation) error) (*Conversation, error) {
	var out *Conversation
	err := s.update(WritesTo(ctx, a.AccountID, displayID), func(o *op) error {
		before, err := findConversation(o.tx, a, displayID)
		if err != nil {
			return err
		}
		after := *before
		after.Labels = slices.Clone(before.Labels)
		if err := fn(o, before, &after); err != nil {
			return err
		}
		out = &after
		return o.saveConversation(before, &after)
	})
	return out, err
}

// ToggleStatus sets the status, or without one toggles open and resolved
// (pending and snoozed go to open). snoozedUntil applies to snoozed only.
func (s *Service) ToggleStatus(ctx context.Context, a *Actor, displayID int64, status string, snoozedUntil time.Time) (*Conversation, error) {
	if status != "" && !slices.Contains(Statuses, status) {
		return nil, Invalid([]string{"status"}, "Status is not included in the list")
	}
	return s.changeConversation(ctx, a, displayID, func(o *op, before, after *Conversation) error {
		switch {
		case status != "":
			after.Status = status
		case before.Status == StatusOpen:
			after.Status = StatusResolved
		default:
			after.Status = StatusOpen
		}
		after.SnoozedUntil = time.Time{}
		if after.Status == StatusSnoozed {
			after.SnoozedUntil = snoozedUntil
		}
		if after.Status != before.Status {
			return o.addActivity(after, statusActivity(after.Status, a.User.AvailableName()))
		}
		return nil
	})
}

// SetPriority sets the priority; "" removes it.
func (s *Service) SetPriority(ctx context.Context, a *Actor, displayID int64, priority string) (*Conversation, error) {
	if priority != "" && !slices.Contains(Priorities, priority) {
		return nil, Invalid([]string{"priority"}, "Priority is not included in the list")
	}
	return s.changeConversation(ctx, a, displayID, func(o *op, before, after *Conversation) error {
		after.Priority = priority
		if before.Priority != priority {
			return o.addActivity(after, priorityActivity(before.Priority, priority, a.User.AvailableName()))
		}
		return nil
	})
}

// Assign gives the conversation to an agent of the account; 0 unassigns.
// Like Chatwoot's account.users.find_by(id:), an id that is not an agent
// of the account unassigns too. It returns the new assignee and their
// membership (nil when unassigned).
func (s *Service) Assign(ctx context.Context, a *Actor, displayID, assigneeID int64) (*Agent, error) {
	var agent *Agent
	_, err := s.changeConversation(ctx, a, displayID, func(o *op, before, after *Conversation) error {
		var assignee *User
		if assigneeID != 0 {
			m, err := o.tx.FindAccountUser(a.AccountID, assigneeID)
			switch {
			case ErrorCode(err) == ENOTFOUND:
				assigneeID = 0
			case err != nil:
				return err
			default:
				u, err := o.tx.FindUser(assigneeID)
				if err != nil {
					return err
				}
				assignee, agent = u, &Agent{User: *u, Membership: *m}
			}
		}
		after.AssigneeID = assigneeID
		if before.AssigneeID != assigneeID {
			return o.addActivity(after, assigneeActivity(a.User, assignee))
		}
		return nil
	})
	return agent, err
}

// SetCustomAttributes replaces the conversation's custom attributes.
func (s *Service) SetCustomAttributes(ctx context.Context, a *Actor, displayID int64, attrs JSON) (*Conversation, error) {
	obj, err := CanonicalObject("custom_attributes", attrs)
	if err != nil {
		return nil, err
	}
	return s.changeConversation(ctx, a, displayID, func(o *op, before, after *Conversation) error {
		after.CustomAttributes = obj
		return nil
	})
}

// labelFormat is Chatwoot's rule for label titles.
var labelFormat = regexp.MustCompile(`^[\p{L}\p{N}_-]+$`)

// SetLabels replaces the conversation's labels. Labels are lower-cased and
// de-duplicated, keeping their order.
func (s *Service) SetLabels(ctx context.Context, a *Actor, displayID int64, labels []string) ([]string, error) {
	clean := []string{}
	for _, l := range labels {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" || slices.Contains(clean, l) {
			continue
		}
		if !labelFormat.MatchString(l) || len(l) > 255 {
			return nil, Invalid([]string{"labels"}, "Labels may contain only letters, numbers, hyphens and underscores")
		}
		clean = append(clean, l)
	}
	c, err := s.changeConversation(ctx, a, displayID, func(o *op, before, after *Conversation) error {
		// Keep labels that stay in their old order, then the new ones.
		next := []string{}
		for _, l := range before.Labels {
			if slices.Contains(clean, l) {
				next = append(next, l)
			}
		}
		for _, l := range clean {
			if !slices.Contains(next, l) {
				next = append(next, l)
			}
		}
		after.Labels = next
		for _, text := range labelActivities(before.Labels, next, a.User.AvailableName()) {
			if err := o.addActivity(after, text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c.Labels, nil
}

// MarkSeen records that the agent has seen the conversation. Like Chatwoot's
// update_columns, it changes neither updated_at nor fires an event.
func (s *Service) MarkSeen(ctx context.Context, a *Actor, displayID int64) (*ConversationDetail, error) {
	var d *ConversationDetail
	err := s.update(WritesTo(ctx, a.AccountID, displayID), func(o *op) error {
		c, err := findConversation(o.tx, a, displayID)
		if err != nil {
			return err
		}
		c.AgentLastSeenAt = o.now
		if c.AssigneeID == a.User.ID {
			c.AssigneeLastSeenAt = o.now
		}
		if err := o.tx.UpdateConversation(c); err != nil {
			return err
		}
		d, err = LoadConversation(o.tx, c)
		return err
	})
	return d, err
}

// Typing reports an agent typing in a conversation: typing_on or
// typing_off. It changes nothing but is delivered like any event.
func (s *Service) Typing(ctx context.Context, a *Actor, displayID int64, on, private bool) error {
	return s.update(WritesTo(ctx, a.AccountID, displayID), func(o *op) error {
		c, err := findConversation(o.tx, a, displayID)
		if err != nil {
			return err
		}
		name := EventConversationTypingOff
		if on {
			name = EventConversationTypingOn
		}
		o.emit(Event{Name: name, AccountID: c.AccountID, InboxID: c.InboxID, ConversationID: c.ID,
			ActorType: SenderUser, ActorID: a.User.ID, IsPrivate: private})
		return nil
	})
}
