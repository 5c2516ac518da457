package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// The widget API (/api/v1/widget), as Chatwoot's widget calls it.

// visitorContactBody is what a visitor may say about itself: never
// blocked, never another inbox.
type visitorContactBody struct {
	Name                 Opt[Str]    `json:"name"`
	Email                Opt[Str]    `json:"email"`
	PhoneNumber          Opt[Str]    `json:"phone_number"`
	Identifier           Opt[Str]    `json:"identifier"`
	IdentifierHash       Opt[Str]    `json:"identifier_hash" doc:"HMAC-SHA256 of identifier keyed by the inbox's hmac_token, hex"`
	AvatarURL            Opt[Str]    `json:"avatar_url"`
	AdditionalAttributes Opt[Object] `json:"additional_attributes"`
	CustomAttributes     Opt[Object] `json:"custom_attributes"`
	SourceID             Opt[Str]    `json:"source_id" doc:"public API create: the contact's id in the inbox (generated when absent)"`
}

func (b *visitorContactBody) input() chat.ContactInput {
	in := chat.ContactInput{Name: optStr(b.Name), Email: optStr(b.Email), PhoneNumber: optStr(b.PhoneNumber),
		Identifier: optStr(b.Identifier), AvatarURL: optStr(b.AvatarURL)}
	if b.AdditionalAttributes.Set {
		in.AdditionalAttributes = chat.JSON(orEmpty(b.AdditionalAttributes))
	}
	if b.CustomAttributes.Set {
		in.CustomAttributes = chat.JSON(orEmpty(b.CustomAttributes))
	}
	return in
}

// identity checks the body's identifier_hash against the inbox: whether it
// proves the identifier, or 401 when the inbox demands a proof.
func (b *visitorContactBody) identity(in *chat.Inbox) (bool, error) {
	if !b.Identifier.Set && !b.IdentifierHash.Set {
		return false, nil
	}
	return in.VerifyIdentity(strings.TrimSpace(string(b.Identifier.V)), strings.TrimSpace(string(b.IdentifierHash.V)))
}

// apiHost is this server's base URL as the browser reached it.
func apiHost(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// widgetConfig is POST /api/v1/widget/config: the widget's settings and
// its visitor, made on the first visit (contact_created), with the token
// the widget keeps.
func (s *Server) widgetConfig(c *call) (any, error) {
	if c.visitor == nil {
		v, err := s.svc.CreateVisitor(c.ctx(), c.inbox, c.account, chat.ContactInput{}, "", false)
		if err != nil {
			return nil, err
		}
		c.visitor = v
	}
	tok, err := s.issueToken(c)
	if err != nil {
		return nil, err
	}
	return newWidgetConfig(c.inbox, c.account, c.visitor, tok, apiHost(c.r)), nil
}

func (s *Server) widgetShowContact(c *call) (any, error) {
	v := c.visitor
	return widgetContactJSON{ID: v.Contact.ID, HasEmail: v.Contact.Email != "", HasName: v.Contact.Name != "",
		HasPhoneNumber: v.Contact.PhoneNumber != "", Identifier: optString(v.Contact.Identifier), SourceID: v.ContactInbox.SourceID}, nil
}

// widgetUpdateContact is PATCH /api/v1/widget/contact
// (setCustomAttributes, the pre-chat form). With an identifier it is
// set_user.
func (s *Server) widgetUpdateContact(c *call) (any, error) {
	var b visitorContactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if b.Identifier.Set {
		u, err := s.identify(c, &b)
		if err != nil {
			return nil, err
		}
		return widgetContactUpdated{ID: u.ID, Name: u.Name, Email: u.Email, PhoneNumber: u.PhoneNumber}, nil
	}
	ct, err := s.svc.UpdateVisitor(c.ctx(), c.visitor, b.input())
	if err != nil {
		return nil, err
	}
	return widgetContactUpdated{ID: ct.ID, Name: ct.Name, Email: optString(ct.Email), PhoneNumber: optString(ct.PhoneNumber)}, nil
}

// widgetSetUser is PATCH /api/v1/widget/contact/set_user ($chatwoot.setUser).
func (s *Server) widgetSetUser(c *call) (any, error) {
	var b visitorContactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(b.Identifier.V)) == "" {
		return nil, chat.Invalid([]string{"identifier"}, "Identifier can't be blank")
	}
	return s.identify(c, &b)
}

func (s *Server) identify(c *call, b *visitorContactBody) (widgetUserJSON, error) {
	verified, err := b.identity(c.inbox)
	if err != nil {
		return widgetUserJSON{}, err
	}
	v, err := s.svc.IdentifyVisitor(c.ctx(), c.visitor, b.input(), verified)
	if err != nil {
		return widgetUserJSON{}, err
	}
	c.visitor = v
	return widgetUserJSON{ID: v.Contact.ID, Name: v.Contact.Name, Email: optString(v.Contact.Email),
		PhoneNumber: optString(v.Contact.PhoneNumber), PubsubToken: v.ContactInbox.PubsubToken}, nil
}

// widgetConversations is GET /api/v1/widget/conversations: the last
// conversation's id, inbox and status, or {} without one.
func (s *Server) widgetConversations(c *call) (any, error) {
	d, err := s.svc.VisitorConversation(c.ctx(), c.visitor, 0)
	if err != nil || d == nil {
		return struct{}{}, err
	}
	return struct {
		ID      int64  `json:"id"`
		InboxID int64  `json:"inbox_id"`
		Status  string `json:"status"`
	}{d.Conversation.DisplayID, d.Conversation.InboxID, d.Conversation.Status}, nil
}

// widgetMessageBody is the widget's message: content, with the page it was
// sent from and the browser's clock, which a first message records on the
// new conversation.
type widgetMessageBody struct {
	Content    Opt[Str]             `json:"content"`
	RefererURL Opt[Str]             `json:"referer_url"`
	Timestamp  Opt[Str]             `json:"timestamp" doc:"the browser's Date.toString() when the chat started"`
	EchoID     Opt[json.RawMessage] `json:"echo_id"`
}

type widgetConversationBody struct {
	Contact          Opt[visitorContactBody] `json:"contact"`
	Message          Opt[widgetMessageBody]  `json:"message"`
	CustomAttributes Opt[Object]             `json:"custom_attributes"`
}

// widgetAttributes are the additional attributes Chatwoot's widget records
// on a conversation it starts.
func widgetAttributes(r *http.Request, m widgetMessageBody) chat.JSON {
	attrs := map[string]any{
		"browser":          widget.ParseBrowser(r.UserAgent()),
		"referer":          string(m.RefererURL.V),
		"initiated_at":     map[string]string{"timestamp": string(m.Timestamp.V)},
		"browser_language": browserLanguage(r),
	}
	b, _ := json.Marshal(attrs)
	return b
}

// browserLanguage is the first language code of Accept-Language ("en"
// from "en-US,en;q=0.9"), or nil.
func browserLanguage(r *http.Request) any {
	first, _, _ := strings.Cut(r.Header.Get("Accept-Language"), ",")
	first, _, _ = strings.Cut(first, ";")
	first, _, _ = strings.Cut(strings.TrimSpace(first), "-")
	if first == "" || first == "*" {
		return nil
	}
	return strings.ToLower(first)
}

// widgetCreateConversation is POST /api/v1/widget/conversations (the
// pre-chat form): the contact's details, then a conversation with the
// first message.
func (s *Server) widgetCreateConversation(c *call) (any, error) {
	var b widgetConversationBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	var contact *chat.ContactInput
	if ct := b.Contact.Ptr(); ct != nil {
		in := ct.input()
		contact = &in
	}
	m := b.Message.V
	in := chat.ConversationInput{AdditionalAttributes: widgetAttributes(c.r, m)}
	if b.CustomAttributes.Set {
		in.CustomAttributes = chat.JSON(orEmpty(b.CustomAttributes))
	}
	if m.Content.Set {
		in.Message = &chat.MessageInput{Content: optStr(m.Content)}
	}
	d, err := s.svc.StartConversation(c.ctx(), c.visitor, contact, in)
	if err != nil {
		return nil, err
	}
	return newWidgetConversation(d), nil
}

type typingStatusBody struct {
	TypingStatus Opt[Str] `json:"typing_status" doc:"on or off"`
}

func (b typingStatusBody) on() (bool, error) {
	switch b.TypingStatus.V {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, chat.Invalid([]string{"typing_status"}, "Typing status must be on or off")
}

func (s *Server) widgetToggleTyping(c *call) (any, error) {
	var b typingStatusBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	on, err := b.on()
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.VisitorTyping(c.ctx(), c.visitor, 0, on)
}

func (s *Server) widgetUpdateLastSeen(c *call) (any, error) {
	_, err := s.svc.VisitorSeen(c.ctx(), c.visitor, 0)
	return emptyBody{}, err
}

// widgetToggleStatus ends the chat: the last conversation is resolved.
func (s *Server) widgetToggleStatus(c *call) (any, error) {
	_, err := s.svc.VisitorResolve(c.ctx(), c.visitor, 0)
	return emptyBody{}, err
}

// widgetMessages is GET /api/v1/widget/messages: the last conversation's
// newest messages (older ones with before), oldest first.
func (s *Server) widgetMessages(c *call) (any, error) {
	list, d, err := s.svc.VisitorMessages(c.ctx(), c.visitor, 0, int64(c.queryInt("before", 0)))
	if err != nil || d == nil {
		return []visitorMessageJSON{}, err
	}
	return newVisitorMessages(list, d), nil
}

// widgetCreateMessage is POST /api/v1/widget/messages: the visitor's
// message, which starts a conversation when there is none.
func (s *Server) widgetCreateMessage(c *call) (any, error) {
	var b widgetMessageBody
	if err := c.bind(&b); err != nil {
		return nil, rejectedFrom(err)
	}
	m, d, err := s.svc.SendVisitorMessage(c.ctx(), c.visitor, 0, chat.MessageInput{Content: optStr(b.Content)}, widgetAttributes(c.r, b))
	if err != nil {
		return nil, err
	}
	return newVisitorMessage(m, d).echoing(b.EchoID), nil
}

// submitBody answers an input message (form, options, email request).
type submitBody struct {
	SubmittedValues Opt[json.RawMessage] `json:"submitted_values"`
	SubmittedEmail  Opt[Str]             `json:"submitted_email"`
}

func (s *Server) submit(c *call, displayID int64) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b submitBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	var values chat.JSON
	if b.SubmittedValues.Set && !b.SubmittedValues.Null {
		values = chat.JSON(b.SubmittedValues.V)
	}
	m, d, err := s.svc.SubmitForm(c.ctx(), c.visitor, displayID, id, values, strings.TrimSpace(string(b.SubmittedEmail.V)))
	if err != nil {
		return nil, err
	}
	return newVisitorMessage(m, d), nil
}

func (s *Server) widgetUpdateMessage(c *call) (any, error) { return s.submit(c, 0) }

// widgetEventBody is POST /api/v1/widget/events.
type widgetEventBody struct {
	Name      Opt[Str]    `json:"name" doc:"webwidget.triggered"`
	EventInfo Opt[Object] `json:"event_info"`
}

// widgetEvent records webwidget.triggered: the widget's event_info, then
// what the server knows (facts §5): widget_language from ?locale,
// browser_language from Accept-Language, browser from the User-Agent.
// Other event names (campaign.triggered) are accepted and ignored, as
// Parley has no campaigns.
func (s *Server) widgetEvent(c *call) (any, error) {
	var b widgetEventBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	c.status = http.StatusNoContent
	if b.Name.V != "webwidget.triggered" {
		return emptyBody{}, nil
	}
	info, err := eventInfo(c.r, json.RawMessage(orEmpty(b.EventInfo)))
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.WidgetTriggered(c.ctx(), c.visitor, info)
}

// eventInfo merges the server's keys into the client's event_info as
// Ruby's Hash#merge does: a key the client sent keeps its place and takes
// the server's value; new keys go last.
func eventInfo(r *http.Request, client json.RawMessage) (chat.JSON, error) {
	obj, err := chat.CompactObject("event_info", client)
	if err != nil {
		return nil, err
	}
	var locale any
	if l := r.URL.Query().Get("locale"); l != "" {
		locale = l
	}
	type member struct {
		k string
		v json.RawMessage
	}
	var ms []member
	dec := json.NewDecoder(strings.NewReader(string(obj)))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, chat.Invalid([]string{"event_info"}, "Event info is not valid JSON")
		}
		ms = append(ms, member{k.(string), v})
	}
	for _, kv := range []struct {
		k string
		v any
	}{{"widget_language", locale}, {"browser_language", browserLanguage(r)}, {"browser", widget.ParseBrowser(r.UserAgent())}} {
		v, _ := json.Marshal(kv.v)
		i := slices.IndexFunc(ms, func(m member) bool { return m.k == kv.k })
		if i >= 0 {
			ms[i].v = v
		} else {
			ms = append(ms, member{kv.k, v})
		}
	}
	out := []byte{'{'}
	for i, m := range ms {
		if i > 0 {
			out = append(out, ',')
		}
		k, _ := json.Marshal(m.k)
		out = append(append(append(out, k...), ':'), m.v...)
	}
	return append(out, '}'), nil
}
