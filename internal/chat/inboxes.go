package chat

import "context"

// Inbox returns an inbox of the actor's account. Parley has no inbox
// membership, so every member of the account sees every inbox.
func (s *Service) Inbox(ctx context.Context, a *Actor, id int64) (*Inbox, error) {
	var in *Inbox
	err := s.view(ctx, func(tx Tx) (err error) {
		in, err = tx.FindInbox(a.AccountID, id)
		return err
	})
	return in, err
}

// Inboxes lists the inboxes of the actor's account by name.
func (s *Service) Inboxes(ctx context.Context, a *Actor) ([]Inbox, error) {
	var list []Inbox
	err := s.view(ctx, func(tx Tx) (err error) {
		list, err = tx.ListInboxes(a.AccountID)
		return err
	})
	return list, err
}

// CreateInbox creates an inbox with its channel (channel.type "api" or
// "web_widget") and fires inbox_created. Administrators only.
func (s *Service) CreateInbox(ctx context.Context, a *Actor, x InboxInput) (*Inbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	in := &Inbox{AccountID: a.AccountID, EnableAutoAssignment: true, Timezone: "UTC", EnableEmailCollect: true,
		AllowMessagesAfterResolved: true, AutoAssignmentConfig: EmptyObject, SenderNameType: SenderNameFriendly}
	// Chatwoot creates the channel first, so its errors come alone; an
	// unknown type makes no channel and the inbox fails "Channel must exist".
	if ch := x.Channel; ch != nil {
		switch ch.Type {
		case ChannelTypeAPI:
			in.ChannelType = ChannelAPI
			in.API = &APIChannel{AccountID: a.AccountID, AdditionalAttributes: EmptyObject,
				Identifier: SecureToken(24), HMACToken: SecureToken(24), Secret: SecureToken(24)}
			if err := ch.applyAPI(in.API); err != nil {
				return nil, err
			}
		case ChannelTypeWebWidget:
			in.ChannelType = ChannelWebWidget
			in.WebWidget = &WebWidgetChannel{AccountID: a.AccountID, WidgetColor: "#1f93ff", FeatureFlags: 7,
				ReplyTime: ReplyTimes[0], ContinuityViaEmail: true, PreChatFormOptions: EmptyObject,
				WebsiteToken: SecureToken(24), HMACToken: SecureToken(24)}
			if err := ch.applyWebWidget(in.WebWidget); err != nil {
				return nil, err
			}
		}
	}
	if err := x.apply(in); err != nil {
		return nil, err
	}
	err := s.update(ctx, func(o *op) error {
		in.CreatedAt, in.UpdatedAt = o.now, o.now
		if in.API != nil {
			in.API.CreatedAt, in.API.UpdatedAt = o.now, o.now
		}
		if in.WebWidget != nil {
			in.WebWidget.CreatedAt, in.WebWidget.UpdatedAt = o.now, o.now
		}
		if err := o.tx.CreateInbox(in); err != nil {
			return err
		}
		o.emit(Event{Name: EventInboxCreated, AccountID: in.AccountID, InboxID: in.ID})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return in, nil
}

// UpdateInbox changes an inbox and its channel's settings, and fires
// inbox_updated when something changed. A channel-only change still
// touches the inbox (Chatwoot's touch: true), so its changes then list just
// updated_at. Unlike Chatwoot, which saves the inbox before validating the
// channel, the update is all or nothing. Administrators only.
func (s *Service) UpdateInbox(ctx context.Context, a *Actor, id int64, x InboxInput) (*Inbox, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *Inbox
	err := s.update(ctx, func(o *op) error {
		before, err := o.tx.FindInbox(a.AccountID, id)
		if err != nil {
			return err
		}
		after := before.clone()
		if err := x.apply(after); err != nil {
			return err
		}
		if ch := x.Channel; ch != nil {
			if after.API != nil {
				err = ch.applyAPI(after.API)
			} else if after.WebWidget != nil {
				err = ch.applyWebWidget(after.WebWidget)
			}
			if err != nil {
				return err
			}
		}
		out = after
		channelChanged := len(channelChanges(before, after)) > 0
		if len(inboxChanges(before, after)) == 0 && !channelChanged {
			return nil
		}
		after.UpdatedAt = o.now
		if channelChanged && after.API != nil {
			after.API.UpdatedAt = o.now
		}
		if channelChanged && after.WebWidget != nil {
			after.WebWidget.UpdatedAt = o.now
		}
		if err := o.tx.UpdateInbox(after); err != nil {
			return err
		}
		o.emit(Event{Name: EventInboxUpdated, AccountID: after.AccountID, InboxID: after.ID, Changes: inboxChanges(before, after)})
		return nil
	})
	return out, err
}

// DeleteInbox removes an inbox with its conversations at once (Chatwoot
// deletes in a background job). Administrators only.
func (s *Service) DeleteInbox(ctx context.Context, a *Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.update(ctx, func(o *op) error { return o.tx.DeleteInbox(a.AccountID, id) })
}

// clone copies an inbox with its channel.
func (in *Inbox) clone() *Inbox {
	c := *in
	if in.API != nil {
		api := *in.API
		c.API = &api
	}
	if in.WebWidget != nil {
		w := *in.WebWidget
		c.WebWidget = &w
	}
	return &c
}

// inboxChanges lists what changed between two versions of an inbox, in
// Chatwoot's inboxes column order.
func inboxChanges(a, b *Inbox) []Change {
	var l changeList
	l.text("name", a.Name, b.Name)
	l.time("updated_at", a.UpdatedAt, b.UpdatedAt)
	l.boolean("enable_auto_assignment", a.EnableAutoAssignment, b.EnableAutoAssignment)
	l.boolean("greeting_enabled", a.GreetingEnabled, b.GreetingEnabled)
	l.str("greeting_message", a.GreetingMessage, b.GreetingMessage)
	l.boolean("working_hours_enabled", a.WorkingHoursEnabled, b.WorkingHoursEnabled)
	l.str("out_of_office_message", a.OutOfOfficeMessage, b.OutOfOfficeMessage)
	l.text("timezone", a.Timezone, b.Timezone)
	l.boolean("enable_email_collect", a.EnableEmailCollect, b.EnableEmailCollect)
	l.boolean("csat_survey_enabled", a.CSATSurveyEnabled, b.CSATSurveyEnabled)
	l.boolean("allow_messages_after_resolved", a.AllowMessagesAfterResolved, b.AllowMessagesAfterResolved)
	l.json("auto_assignment_config", a.AutoAssignmentConfig, b.AutoAssignmentConfig)
	l.boolean("lock_to_single_conversation", a.LockToSingleConversation, b.LockToSingleConversation)
	l.text("sender_name_type", a.SenderNameType, b.SenderNameType)
	l.str("business_name", a.BusinessName, b.BusinessName)
	return l
}

// channelChanges lists what changed in an inbox's channel settings.
func channelChanges(a, b *Inbox) []Change {
	var l changeList
	if a.API != nil && b.API != nil {
		x, y := a.API, b.API
		l.str("webhook_url", x.WebhookURL, y.WebhookURL)
		l.boolean("hmac_mandatory", x.HMACMandatory, y.HMACMandatory)
		l.json("additional_attributes", x.AdditionalAttributes, y.AdditionalAttributes)
	}
	if a.WebWidget != nil && b.WebWidget != nil {
		x, y := a.WebWidget, b.WebWidget
		l.str("website_url", x.WebsiteURL, y.WebsiteURL)
		l.str("widget_color", x.WidgetColor, y.WidgetColor)
		l.str("welcome_title", x.WelcomeTitle, y.WelcomeTitle)
		l.str("welcome_tagline", x.WelcomeTagline, y.WelcomeTagline)
		l.id("feature_flags", x.FeatureFlags, y.FeatureFlags)
		l.str("reply_time", x.ReplyTime, y.ReplyTime)
		l.boolean("pre_chat_form_enabled", x.PreChatFormEnabled, y.PreChatFormEnabled)
		l.json("pre_chat_form_options", x.PreChatFormOptions, y.PreChatFormOptions)
		l.boolean("hmac_mandatory", x.HMACMandatory, y.HMACMandatory)
		l.boolean("continuity_via_email", x.ContinuityViaEmail, y.ContinuityViaEmail)
	}
	return l
}
