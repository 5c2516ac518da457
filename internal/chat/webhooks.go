package chat

import (
	"context"
	"net/url"
	"regexp"
	"slices"
	"time"
	"unicode/utf8"
)

// WebhookInput holds the writable fields of a webhook; nil means not given.
// The secret is not among them: Parley makes it on create and changes it
// only through RotateWebhookSecret, as Chatwoot's API never sets it.
type WebhookInput struct {
	Name *string
	URL  *string
	// Subscriptions not given take Chatwoot's 8-name default on create and
	// stay as they are on update.
	Subscriptions *[]string
	// InboxID limits the webhook to one inbox of the account; 0 clears it.
	InboxID *int64
}

// WebhookDetail is a webhook with the inbox it is limited to: nil when it
// has none, or when that inbox has since been deleted (the webhook then
// receives nothing, and its JSON shows no inbox, as Chatwoot's does).
type WebhookDetail struct {
	Webhook
	Inbox *Inbox
}

// SecretRotationOverlap is how long a rotated-out secret keeps signing
// deliveries, so that receivers can switch without losing any.
const SecretRotationOverlap = 24 * time.Hour

// Webhooks lists the account's webhooks by id. Administrators only.
func (s *Service) Webhooks(ctx context.Context, a *Actor) ([]WebhookDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out []WebhookDetail
	err := s.view(ctx, func(tx Tx) error {
		list, err := tx.ListWebhooks(a.AccountID)
		if err != nil {
			return err
		}
		out, err = webhookDetails(tx, a.AccountID, list)
		return err
	})
	return out, err
}

// Webhook returns one webhook of the account. Administrators only.
func (s *Service) Webhook(ctx context.Context, a *Actor, id int64) (*WebhookDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *WebhookDetail
	err := s.view(ctx, func(tx Tx) error {
		w, err := tx.FindWebhook(a.AccountID, id)
		if err != nil {
			return err
		}
		out, err = webhookDetail(tx, w)
		return err
	})
	return out, err
}

// CreateWebhook adds a webhook with a new secret (24 base58 characters, as
// Rails' has_secure_token makes). Administrators only; records no event.
func (s *Service) CreateWebhook(ctx context.Context, a *Actor, x WebhookInput) (*WebhookDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *WebhookDetail
	err := s.update(ctx, func(o *op) error {
		w := &Webhook{AccountID: a.AccountID, Subscriptions: slices.Clone(DefaultSubscriptions), Secret: SecureToken(24),
			CreatedAt: o.now, UpdatedAt: o.now}
		if err := x.apply(o.tx, w); err != nil {
			return err
		}
		if err := o.tx.CreateWebhook(w); err != nil {
			return err
		}
		var err error
		out, err = webhookDetail(o.tx, w)
		return err
	})
	return out, err
}

// UpdateWebhook changes a webhook's name, url, subscriptions or inbox; its
// secret stays. Administrators only; records no event.
func (s *Service) UpdateWebhook(ctx context.Context, a *Actor, id int64, x WebhookInput) (*WebhookDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *WebhookDetail
	err := s.update(ctx, func(o *op) error {
		before, err := o.tx.FindWebhook(a.AccountID, id)
		if err != nil {
			return err
		}
		w := *before
		w.Subscriptions = slices.Clone(before.Subscriptions)
		if err := x.apply(o.tx, &w); err != nil {
			return err
		}
		// Like Rails, an update that changes nothing writes nothing.
		if w.Name != before.Name || w.URL != before.URL || w.InboxID != before.InboxID ||
			!slices.Equal(w.Subscriptions, before.Subscriptions) {
			w.UpdatedAt = o.now
			if err := o.tx.UpdateWebhook(&w); err != nil {
				return err
			}
		}
		out, err = webhookDetail(o.tx, &w)
		return err
	})
	return out, err
}

// DeleteWebhook removes a webhook. Administrators only.
func (s *Service) DeleteWebhook(ctx context.Context, a *Actor, id int64) error {
	if err := a.RequireAdmin(); err != nil {
		return err
	}
	return s.update(ctx, func(o *op) error { return o.tx.DeleteWebhook(a.AccountID, id) })
}

// RotateWebhookSecret gives a webhook a new secret. The one it replaces
// keeps signing deliveries for SecretRotationOverlap; a secret rotated out
// earlier stops at once. Parley's own: Chatwoot has no route for it.
// Administrators only.
func (s *Service) RotateWebhookSecret(ctx context.Context, a *Actor, id int64) (*WebhookDetail, error) {
	if err := a.RequireAdmin(); err != nil {
		return nil, err
	}
	var out *WebhookDetail
	err := s.update(ctx, func(o *op) error {
		w, err := o.tx.FindWebhook(a.AccountID, id)
		if err != nil {
			return err
		}
		w.PreviousSecret, w.PreviousSecretExpiresAt = w.Secret, o.now.Add(SecretRotationOverlap)
		w.Secret = SecureToken(24)
		w.UpdatedAt = o.now
		if err := o.tx.UpdateWebhook(w); err != nil {
			return err
		}
		out, err = webhookDetail(o.tx, w)
		return err
	})
	return out, err
}

// apply sets the input's fields on w and validates w as Chatwoot's Webhook
// model does, in its order: inbox, url uniqueness, url format, then
// subscriptions. All failures are reported together.
func (x *WebhookInput) apply(tx Tx, w *Webhook) error {
	setString(&w.Name, x.Name)
	setString(&w.URL, x.URL)
	if x.Subscriptions != nil {
		w.Subscriptions = slices.Clone(*x.Subscriptions)
	}
	var v Validation
	if x.InboxID != nil {
		w.InboxID = *x.InboxID
		if w.InboxID != 0 {
			// Chatwoot's belongs_to :inbox is optional and stores any id;
			// Parley routes by it, so it must name an inbox of the account.
			if _, err := tx.FindInbox(w.AccountID, w.InboxID); ErrorCode(err) == ENOTFOUND {
				v.Add("inbox", "Inbox must exist")
			} else if err != nil {
				return err
			}
		}
	}
	others, err := tx.ListWebhooks(w.AccountID)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != w.ID && o.URL == w.URL {
			v.Add("url", "Url has already been taken")
			break
		}
	}
	if !validWebhookURL(w.URL) {
		v.Add("url", "Url is invalid")
	}
	if utf8.RuneCountInString(w.URL) > maxURLLength {
		v.Add("url", "Url is too long (maximum is 2048 characters)")
	}
	if !validSubscriptions(w.Subscriptions) {
		v.Add("subscriptions", "Subscriptions Invalid events")
	}
	return v.Err()
}

// chatwootURL is what Chatwoot's URI::DEFAULT_PARSER.make_regexp(%w[http
// https]) comes down to: that RFC 2396 pattern is not anchored, and its
// authority, path and query may all be empty, so a string passes when it
// contains "http:" or "https:" (any case) followed by one URI character.
var chatwootURL = regexp.MustCompile(`(?i)https?:(?:[-/;?:@&=+$,_.!~*'()a-zA-Z0-9]|%[0-9a-fA-F]{2})`)

// validWebhookURL applies Chatwoot's rule ("javascript:alert(1)" fails it)
// and Parley's stricter one, since Parley posts to the URL exactly as
// given: Go's net/url must read it as an absolute http or https URL with a
// host. Every URL Parley accepts, Chatwoot accepts too.
func validWebhookURL(s string) bool {
	if !chatwootURL.MatchString(s) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Opaque == "" && u.Hostname() != ""
}

// validSubscriptions is Chatwoot's rule: a non-empty list of allowed
// names. Duplicates are neither refused nor removed.
func validSubscriptions(subs []string) bool {
	if len(subs) == 0 {
		return false
	}
	for _, name := range subs {
		if !slices.Contains(EventNames, name) {
			return false
		}
	}
	return true
}

// webhookDetail adds w's inbox.
func webhookDetail(tx Tx, w *Webhook) (*WebhookDetail, error) {
	d := &WebhookDetail{Webhook: *w}
	if w.InboxID != 0 {
		in, err := tx.FindInbox(w.AccountID, w.InboxID)
		switch {
		case err == nil:
			d.Inbox = in
		case ErrorCode(err) != ENOTFOUND:
			return nil, err
		}
	}
	return d, nil
}

// webhookDetails adds the inboxes of a list of webhooks, reading the
// account's inboxes once.
func webhookDetails(tx Tx, accountID int64, list []Webhook) ([]WebhookDetail, error) {
	out := make([]WebhookDetail, 0, len(list))
	var inboxes map[int64]*Inbox
	for i := range list {
		w := &list[i]
		d := WebhookDetail{Webhook: *w}
		if w.InboxID != 0 {
			if inboxes == nil {
				all, err := tx.ListInboxes(accountID)
				if err != nil {
					return nil, err
				}
				inboxes = map[int64]*Inbox{}
				for j := range all {
					inboxes[all[j].ID] = &all[j]
				}
			}
			d.Inbox = inboxes[w.InboxID]
		}
		out = append(out, d)
	}
	return out, nil
}
