package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"

	"github.com/parleyhq/parley/internal/chat"
)

// webhookJSON is Chatwoot's webhook partial (webhooks/_webhook.json.jbuilder)
// with Parley's standard_webhooks_secret after the secret.
type webhookJSON struct {
	ID            int64    `json:"id"`
	Name          *string  `json:"name"`
	URL           string   `json:"url"`
	AccountID     int64    `json:"account_id"`
	Subscriptions []string `json:"subscriptions"`
	Secret        string   `json:"secret" doc:"signs deliveries: X-Chatwoot-Signature is sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body))"`
	// The same key in the form Standard Webhooks libraries take.
	StandardWebhooksSecret string            `json:"standard_webhooks_secret" doc:"whsec_ + base64 of the secret's bytes, for Standard Webhooks libraries (webhook-signature)"`
	Inbox                  *webhookInboxJSON `json:"inbox,omitempty" doc:"present only when the webhook is limited to one inbox"`
}

type webhookInboxJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type webhookReply struct {
	Payload webhookPayload `json:"payload"`
}

type webhookPayload struct {
	Webhook webhookJSON `json:"webhook"`
}

type webhookListReply struct {
	Payload webhookListPayload `json:"payload"`
}

type webhookListPayload struct {
	Webhooks []webhookJSON `json:"webhooks"`
}

// standardWebhooksSecret is the Standard Webhooks form of a secret: both
// signature schemes use the secret's bytes as the key.
func standardWebhooksSecret(secret string) string {
	return "whsec_" + base64.StdEncoding.EncodeToString([]byte(secret))
}

func newWebhookJSON(d *chat.WebhookDetail) webhookJSON {
	j := webhookJSON{
		ID:                     d.ID,
		URL:                    d.URL,
		AccountID:              d.AccountID,
		Subscriptions:          d.Subscriptions,
		Secret:                 d.Secret,
		StandardWebhooksSecret: standardWebhooksSecret(d.Secret),
	}
	if d.Name != "" {
		j.Name = &d.Name
	}
	if j.Subscriptions == nil {
		j.Subscriptions = []string{}
	}
	if d.Inbox != nil {
		j.Inbox = &webhookInboxJSON{ID: d.Inbox.ID, Name: d.Inbox.Name}
	}
	return j
}

// webhookBody is read from the "webhook" wrapper or the top level: the keys
// Chatwoot's webhook_params permits.
type webhookBody struct {
	Name          Opt[Str]              `json:"name"`
	URL           Opt[Str]              `json:"url" doc:"an absolute http or https URL, unique in the account; required on create"`
	Subscriptions Opt[subscriptionList] `json:"subscriptions" doc:"event names; absent or null: the 8 defaults (create) or unchanged (update)"`
	InboxID       Opt[Int]              `json:"inbox_id" doc:"limit the webhook to this inbox's events; null clears"`
}

// subscriptionList is a list of event names. Whatever is not a list of
// strings is kept as its JSON text, which is never an event name, so that
// the service answers Chatwoot's "Subscriptions Invalid events" for it
// rather than a decoding error.
type subscriptionList []string

// UnmarshalJSON implements json.Unmarshaler; it never fails.
func (e *subscriptionList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	var items []json.RawMessage
	if err := json.Unmarshal(b, &items); err != nil {
		*e = subscriptionList{string(b)}
		return nil
	}
	out := make(subscriptionList, 0, len(items))
	for _, it := range items {
		var s string
		if json.Unmarshal(it, &s) != nil {
			s = string(bytes.TrimSpace(it))
		}
		out = append(out, s)
	}
	*e = out
	return nil
}

// bindWebhook reads a webhook body. Chatwoot's params.require(:webhook)
// fails when the request carries none of the webhook's keys.
func bindWebhook(c *call) (chat.WebhookInput, bool, error) {
	var b webhookBody
	if err := c.bind(&b); err != nil {
		return chat.WebhookInput{}, false, err
	}
	if !b.Name.Set && !b.URL.Set && !b.Subscriptions.Set && !b.InboxID.Set {
		return chat.WebhookInput{}, false, nil
	}
	in := chat.WebhookInput{Name: nullableStr(b.Name, false), URL: nullableStr(b.URL, false)}
	if b.Subscriptions.Set && !b.Subscriptions.Null {
		subs := []string(b.Subscriptions.V)
		in.Subscriptions = &subs
	}
	if b.InboxID.Set {
		id := int64(b.InboxID.V) // null reads as 0: no inbox
		in.InboxID = &id
	}
	return in, true, nil
}

var errWebhookParamMissing = &chat.Error{Code: chat.EREJECTED, Message: "param is missing or the value is empty: webhook"}

func (s *Server) listWebhooks(c *call) (any, error) {
	list, err := s.svc.Webhooks(c.ctx(), c.actor)
	if err != nil {
		return nil, err
	}
	out := webhookListReply{Payload: webhookListPayload{Webhooks: []webhookJSON{}}}
	for i := range list {
		out.Payload.Webhooks = append(out.Payload.Webhooks, newWebhookJSON(&list[i]))
	}
	return out, nil
}

func (s *Server) createWebhook(c *call) (any, error) {
	in, ok, err := bindWebhook(c)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errWebhookParamMissing
	}
	w, err := s.svc.CreateWebhook(c.ctx(), c.actor, in)
	if err != nil {
		return nil, err
	}
	return webhookReply{Payload: webhookPayload{Webhook: newWebhookJSON(w)}}, nil
}

func (s *Server) updateWebhook(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	in, ok, err := bindWebhook(c)
	if err == nil && !ok {
		err = errWebhookParamMissing
	}
	if err != nil {
		// Chatwoot finds the webhook before it reads the parameters.
		if _, ferr := s.svc.Webhook(c.ctx(), c.actor, id); ferr != nil {
			return nil, ferr
		}
		return nil, err
	}
	w, err := s.svc.UpdateWebhook(c.ctx(), c.actor, id, in)
	if err != nil {
		return nil, err
	}
	return webhookReply{Payload: webhookPayload{Webhook: newWebhookJSON(w)}}, nil
}

func (s *Server) deleteWebhook(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.DeleteWebhook(c.ctx(), c.actor, id)
}

func (s *Server) rotateWebhookSecret(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	w, err := s.svc.RotateWebhookSecret(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	return webhookReply{Payload: webhookPayload{Webhook: newWebhookJSON(w)}}, nil
}
