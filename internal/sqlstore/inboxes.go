package sqlstore

import (
	"database/sql"

	"github.com/parleyhq/parley/internal/chat"
)

const inboxCols = `i.id, i.account_id, i.channel_id, i.name, i.channel_type, i.enable_auto_assignment, i.greeting_enabled,
	i.greeting_message, i.working_hours_enabled, i.out_of_office_message, i.timezone, i.enable_email_collect,
	i.csat_survey_enabled, i.allow_messages_after_resolved, i.auto_assignment_config, i.lock_to_single_conversation,
	i.sender_name_type, i.business_name, i.created_at, i.updated_at,
	a.id, a.account_id, a.webhook_url, a.identifier, a.hmac_token, a.hmac_mandatory, a.additional_attributes, a.secret,
	a.failing_since, a.disabled_at, a.created_at, a.updated_at,
	w.id, w.account_id, w.website_url, w.website_token, w.widget_color, w.welcome_title, w.welcome_tagline, w.feature_flags,
	w.reply_time, w.hmac_token, w.pre_chat_form_enabled, w.pre_chat_form_options, w.hmac_mandatory, w.continuity_via_email,
	w.allowed_domains, w.created_at, w.updated_at`

const inboxFrom = ` FROM inboxes i
	LEFT JOIN channel_api a ON i.channel_type = 'Channel::Api' AND a.id = i.channel_id
	LEFT JOIN channel_web_widgets w ON i.channel_type = 'Channel::WebWidget' AND w.id = i.channel_id`

func scanInbox(r interface{ Scan(...any) error }, in *chat.Inbox) error {
	var (
		a                              chat.APIChannel
		w                              chat.WebWidgetChannel
		aID, wID                       sql.NullInt64
		aAcc, wAcc, wFlags             sql.NullInt64
		aHM, wPre, wHM, wCont          sql.NullBool
		aURL, aIdent, aHT, aSecret     sql.NullString
		wURL, wTok, wCol, wTitle, wTag sql.NullString
		wReply, wHT, wDomains          sql.NullString
	)
	err := r.Scan(&in.ID, &in.AccountID, &in.ChannelID, &in.Name, &in.ChannelType, &in.EnableAutoAssignment, &in.GreetingEnabled,
		&in.GreetingMessage, &in.WorkingHoursEnabled, &in.OutOfOfficeMessage, &in.Timezone, &in.EnableEmailCollect,
		&in.CSATSurveyEnabled, &in.AllowMessagesAfterResolved, js{&in.AutoAssignmentConfig}, &in.LockToSingleConversation,
		&in.SenderNameType, &in.BusinessName, nt{&in.CreatedAt}, nt{&in.UpdatedAt},
		&aID, &aAcc, &aURL, &aIdent, &aHT, &aHM, js{&a.AdditionalAttributes}, &aSecret,
		nt{&a.Health.FailingSince}, nt{&a.Health.DisabledAt}, nt{&a.CreatedAt}, nt{&a.UpdatedAt},
		&wID, &wAcc, &wURL, &wTok, &wCol, &wTitle, &wTag, &wFlags,
		&wReply, &wHT, &wPre, js{&w.PreChatFormOptions}, &wHM, &wCont,
		&wDomains, nt{&w.CreatedAt}, nt{&w.UpdatedAt})
	if err != nil {
		return err
	}
	in.API, in.WebWidget = nil, nil
	if aID.Valid {
		a.ID, a.AccountID, a.WebhookURL, a.Identifier = aID.Int64, aAcc.Int64, aURL.String, aIdent.String
		a.HMACToken, a.HMACMandatory, a.Secret = aHT.String, aHM.Bool, aSecret.String
		in.API = &a
	}
	if wID.Valid {
		w.ID, w.AccountID, w.WebsiteURL, w.WebsiteToken, w.WidgetColor = wID.Int64, wAcc.Int64, wURL.String, wTok.String, wCol.String
		w.WelcomeTitle, w.WelcomeTagline, w.FeatureFlags, w.ReplyTime = wTitle.String, wTag.String, wFlags.Int64, wReply.String
		w.HMACToken, w.PreChatFormEnabled, w.HMACMandatory, w.ContinuityViaEmail = wHT.String, wPre.Bool, wHM.Bool, wCont.Bool
		w.AllowedDomains = wDomains.String
		in.WebWidget = &w
	}
	return nil
}

func (tx *Tx) CreateInbox(in *chat.Inbox) error {
	var err error
	switch {
	case in.API != nil:
		a := in.API
		a.AccountID = in.AccountID
		a.ID, err = tx.insert(`INSERT INTO channel_api (account_id, webhook_url, identifier, hmac_token, hmac_mandatory, additional_attributes, secret, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.AccountID, a.WebhookURL, a.Identifier, a.HMACToken, a.HMACMandatory, jsonText(a.AdditionalAttributes), a.Secret, tsNotNull(a.CreatedAt), tsNotNull(a.UpdatedAt))
		in.ChannelID, in.ChannelType = a.ID, chat.ChannelAPI
	case in.WebWidget != nil:
		w := in.WebWidget
		w.AccountID = in.AccountID
		w.ID, err = tx.insert(`INSERT INTO channel_web_widgets (account_id, website_url, website_token, widget_color, welcome_title, welcome_tagline,
			feature_flags, reply_time, hmac_token, pre_chat_form_enabled, pre_chat_form_options, hmac_mandatory, continuity_via_email, allowed_domains, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			w.AccountID, w.WebsiteURL, w.WebsiteToken, w.WidgetColor, w.WelcomeTitle, w.WelcomeTagline,
			w.FeatureFlags, w.ReplyTime, w.HMACToken, w.PreChatFormEnabled, jsonText(w.PreChatFormOptions), w.HMACMandatory, w.ContinuityViaEmail, w.AllowedDomains,
			tsNotNull(w.CreatedAt), tsNotNull(w.UpdatedAt))
		in.ChannelID, in.ChannelType = w.ID, chat.ChannelWebWidget
	default:
		return chat.Invalid([]string{"channel"}, "Channel can't be blank")
	}
	if err != nil {
		return err
	}
	in.ID, err = tx.insert(`INSERT INTO inboxes (account_id, channel_id, name, channel_type, enable_auto_assignment, greeting_enabled,
		greeting_message, working_hours_enabled, out_of_office_message, timezone, enable_email_collect, csat_survey_enabled,
		allow_messages_after_resolved, auto_assignment_config, lock_to_single_conversation, sender_name_type, business_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.AccountID, in.ChannelID, in.Name, in.ChannelType, in.EnableAutoAssignment, in.GreetingEnabled,
		in.GreetingMessage, in.WorkingHoursEnabled, in.OutOfOfficeMessage, in.Timezone, in.EnableEmailCollect, in.CSATSurveyEnabled,
		in.AllowMessagesAfterResolved, jsonText(in.AutoAssignmentConfig), in.LockToSingleConversation, in.SenderNameType, in.BusinessName,
		tsNotNull(in.CreatedAt), tsNotNull(in.UpdatedAt))
	return err
}

func (tx *Tx) FindInbox(accountID, id int64) (*chat.Inbox, error) {
	if tx.wc != nil {
		if in, ok := tx.wc.inboxes[id]; ok {
			if in.AccountID != accountID {
				return nil, chat.NotFound()
			}
			return cloneInbox(in), nil
		}
	}
	in, err := tx.findInbox(accountID, id)
	if err == nil && tx.wc != nil {
		tx.wc.inboxes[id] = *cloneInbox(*in)
	}
	return in, err
}

func (tx *Tx) findInbox(accountID, id int64) (*chat.Inbox, error) {
	var in chat.Inbox
	row := tx.q.QueryRowContext(tx.ctx, tx.d.Rebind(`SELECT `+inboxCols+inboxFrom+` WHERE i.account_id = ? AND i.id = ?`), accountID, id)
	if err := scanInbox(row, &in); err != nil {
		if err == sql.ErrNoRows {
			return nil, chat.NotFound()
		}
		return nil, tx.wrap(err, "find inbox")
	}
	return &in, nil
}

func (tx *Tx) ListInboxes(accountID int64) ([]chat.Inbox, error) {
	rows, err := tx.query(`SELECT `+inboxCols+inboxFrom+` WHERE i.account_id = ? ORDER BY lower(i.name), i.id`, accountID)
	return collect(rows, err, func(r Rows, in *chat.Inbox) error { return scanInbox(r, in) })
}

func (tx *Tx) UpdateInbox(in *chat.Inbox) error {
	if tx.wc != nil {
		delete(tx.wc.inboxes, in.ID)
	}
	_, err := tx.exec(`UPDATE inboxes SET name = ?, enable_auto_assignment = ?, greeting_enabled = ?, greeting_message = ?,
		working_hours_enabled = ?, out_of_office_message = ?, timezone = ?, enable_email_collect = ?, csat_survey_enabled = ?,
		allow_messages_after_resolved = ?, auto_assignment_config = ?, lock_to_single_conversation = ?, sender_name_type = ?,
		business_name = ?, updated_at = ? WHERE id = ?`,
		in.Name, in.EnableAutoAssignment, in.GreetingEnabled, in.GreetingMessage,
		in.WorkingHoursEnabled, in.OutOfOfficeMessage, in.Timezone, in.EnableEmailCollect, in.CSATSurveyEnabled,
		in.AllowMessagesAfterResolved, jsonText(in.AutoAssignmentConfig), in.LockToSingleConversation, in.SenderNameType,
		in.BusinessName, tsNotNull(in.UpdatedAt), in.ID)
	if err != nil {
		return err
	}
	if a := in.API; a != nil {
		_, err = tx.exec(`UPDATE channel_api SET webhook_url = ?, hmac_token = ?, hmac_mandatory = ?, additional_attributes = ?, secret = ?, updated_at = ? WHERE id = ?`,
			a.WebhookURL, a.HMACToken, a.HMACMandatory, jsonText(a.AdditionalAttributes), a.Secret, tsNotNull(a.UpdatedAt), a.ID)
	}
	if w := in.WebWidget; w != nil && err == nil {
		_, err = tx.exec(`UPDATE channel_web_widgets SET website_url = ?, widget_color = ?, welcome_title = ?, welcome_tagline = ?,
			feature_flags = ?, reply_time = ?, hmac_token = ?, pre_chat_form_enabled = ?, pre_chat_form_options = ?, hmac_mandatory = ?,
			continuity_via_email = ?, allowed_domains = ?, updated_at = ? WHERE id = ?`,
			w.WebsiteURL, w.WidgetColor, w.WelcomeTitle, w.WelcomeTagline,
			w.FeatureFlags, w.ReplyTime, w.HMACToken, w.PreChatFormEnabled, jsonText(w.PreChatFormOptions), w.HMACMandatory,
			w.ContinuityViaEmail, w.AllowedDomains, tsNotNull(w.UpdatedAt), w.ID)
	}
	return err
}

func (tx *Tx) DeleteInbox(accountID, id int64) error {
	if tx.wc != nil {
		delete(tx.wc.inboxes, id)
		tx.wc.forgetBusy() // the cascade takes conversations and contact inboxes
	}
	in, err := tx.FindInbox(accountID, id)
	if err != nil {
		return err
	}
	if err := tx.deleteOne(`DELETE FROM inboxes WHERE id = ?`, id); err != nil {
		return err
	}
	table := "channel_api"
	if in.ChannelType == chat.ChannelWebWidget {
		table = "channel_web_widgets"
	}
	_, err = tx.exec(`DELETE FROM `+table+` WHERE id = ?`, in.ChannelID)
	return err
}
