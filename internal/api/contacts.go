package api

import (
	"encoding/json"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
)

// contactJSON is Chatwoot's contact partial (models/_contact.json.jbuilder).
type contactJSON struct {
	AdditionalAttributes json.RawMessage     `json:"additional_attributes"`
	AvailabilityStatus   string              `json:"availability_status"`
	Email                *string             `json:"email"`
	ID                   int64               `json:"id"`
	Name                 string              `json:"name"`
	PhoneNumber          *string             `json:"phone_number"`
	Blocked              bool                `json:"blocked"`
	Identifier           *string             `json:"identifier"`
	Thumbnail            string              `json:"thumbnail"`
	CustomAttributes     json.RawMessage     `json:"custom_attributes"`
	LastActivityAt       *int64              `json:"last_activity_at,omitempty" doc:"Unix seconds; absent when the contact was never active"`
	CreatedAt            int64               `json:"created_at"`
	ContactInboxes       *[]contactInboxJSON `json:"contact_inboxes,omitempty"`
}

// contactInboxJSON is Chatwoot's contact_inbox partial.
type contactInboxJSON struct {
	SourceID string    `json:"source_id"`
	Inbox    inboxJSON `json:"inbox"`
}

func newContactJSON(c *chat.Contact) contactJSON {
	j := contactJSON{
		AdditionalAttributes: rawObject(c.AdditionalAttributes),
		AvailabilityStatus:   "offline",
		Email:                optString(c.Email),
		ID:                   c.ID,
		Name:                 c.Name,
		PhoneNumber:          optString(c.PhoneNumber),
		Blocked:              c.Blocked,
		Identifier:           optString(c.Identifier),
		Thumbnail:            c.AvatarURL,
		CustomAttributes:     rawObject(c.CustomAttributes),
		CreatedAt:            c.CreatedAt.Unix(),
	}
	if !c.LastActivityAt.IsZero() {
		t := c.LastActivityAt.Unix()
		j.LastActivityAt = &t
	}
	return j
}

// withInboxes adds the contact_inboxes list, which needs each inbox.
func (s *Server) contactWithInboxes(c *call, contact *chat.Contact, cis []chat.ContactInbox) (contactJSON, error) {
	j := newContactJSON(contact)
	list := []contactInboxJSON{}
	for _, ci := range cis {
		in, err := s.svc.Inbox(c.ctx(), c.actor, ci.InboxID)
		if err != nil {
			return j, err
		}
		list = append(list, contactInboxJSON{SourceID: ci.SourceID, Inbox: newInboxJSON(in, c.actor.IsAdmin(), c.baseURL())})
	}
	j.ContactInboxes = &list
	return j, nil
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func rawObject(j chat.JSON) json.RawMessage {
	if len(j) == 0 {
		return json.RawMessage(`{}`)
	}
	return json.RawMessage(j)
}

type contactList struct {
	Meta    contactListMeta `json:"meta"`
	Payload []contactJSON   `json:"payload"`
}

type contactListMeta struct {
	Count int `json:"count"`
	// CurrentPage echoes the page parameter as given (a string, as Rails
	// passes it through), or the integer 1 without one.
	CurrentPage any   `json:"current_page"`
	HasMore     *bool `json:"has_more,omitempty" doc:"search only"`
}

type contactShow struct {
	Payload contactJSON `json:"payload"`
}

type contactCreated struct {
	Payload struct {
		Contact      contactJSON `json:"contact"`
		ContactInbox struct {
			Inbox    *rawInboxJSON `json:"inbox"`
			SourceID *string       `json:"source_id"`
		} `json:"contact_inbox"`
	} `json:"payload"`
}

type contactBody struct {
	Name                 Opt[Str]    `json:"name"`
	Email                Opt[Str]    `json:"email"`
	PhoneNumber          Opt[Str]    `json:"phone_number"`
	Identifier           Opt[Str]    `json:"identifier"`
	Blocked              Opt[Bool]   `json:"blocked"`
	AvatarURL            Opt[Str]    `json:"avatar_url"`
	AdditionalAttributes Opt[Object] `json:"additional_attributes"`
	CustomAttributes     Opt[Object] `json:"custom_attributes"`
	InboxID              Opt[Int]    `json:"inbox_id" doc:"create only: also link the contact to this inbox"`
	SourceID             Opt[Str]    `json:"source_id" doc:"create only: the contact's id in that inbox (generated when absent)"`
}

func (b *contactBody) input() chat.ContactInput {
	in := chat.ContactInput{
		Name:        optStr(b.Name),
		Email:       optStr(b.Email),
		PhoneNumber: optStr(b.PhoneNumber),
		Identifier:  optStr(b.Identifier),
		AvatarURL:   optStr(b.AvatarURL),
	}
	if b.Blocked.Set {
		v := bool(b.Blocked.V)
		in.Blocked = &v
	}
	if b.AdditionalAttributes.Set {
		in.AdditionalAttributes = chat.JSON(orEmpty(b.AdditionalAttributes))
	}
	if b.CustomAttributes.Set {
		in.CustomAttributes = chat.JSON(orEmpty(b.CustomAttributes))
	}
	return in
}

// optStr maps a sent string (null counts as "") to a pointer.
func optStr(o Opt[Str]) *string {
	if !o.Set {
		return nil
	}
	s := string(o.V)
	return &s
}

func orEmpty(o Opt[Object]) []byte {
	if o.Null || len(o.V) == 0 {
		return []byte(`{}`)
	}
	return o.V
}

const contactsPerPage = 15

var contactListQuery = []queryParam{
	{"page", "integer", "page number, 15 contacts a page"},
	{"sort", "string", "name, email, phone_number, last_activity_at or created_at; prefix - for descending"},
	{"include_contact_inboxes", "boolean", "false leaves out contact_inboxes"},
}

var contactSearchQuery = append([]queryParam{{"q", "string", "text to find in name, email, phone number or identifier"}}, contactListQuery...)

func (s *Server) contactPage(c *call, f chat.ContactFilter) (any, error) {
	page := max(c.queryInt("page", 1), 1)
	f.Offset, f.Limit = (page-1)*contactsPerPage, contactsPerPage
	f.Sort = c.r.URL.Query().Get("sort")
	if f.Query != "" {
		f.Limit++ // one more tells whether there is a next page
	}
	list, total, err := s.svc.Contacts(c.ctx(), c.actor, f)
	if err != nil {
		return nil, err
	}
	out := contactList{Meta: contactListMeta{Count: total, CurrentPage: 1}, Payload: []contactJSON{}}
	if p := c.r.URL.Query().Get("page"); p != "" {
		out.Meta.CurrentPage = p
	}
	if f.Query != "" {
		more := len(list) > contactsPerPage
		if more {
			list = list[:contactsPerPage]
		}
		out.Meta.Count, out.Meta.HasMore = len(list), &more
	}
	withInboxes := c.r.URL.Query().Get("include_contact_inboxes") != "false"
	for i := range list {
		if !withInboxes {
			out.Payload = append(out.Payload, newContactJSON(&list[i]))
			continue
		}
		_, cis, err := s.svc.Contact(c.ctx(), c.actor, list[i].ID)
		if err != nil {
			return nil, err
		}
		j, err := s.contactWithInboxes(c, &list[i], cis)
		if err != nil {
			return nil, err
		}
		out.Payload = append(out.Payload, j)
	}
	return out, nil
}

func (s *Server) listContacts(c *call) (any, error) {
	return s.contactPage(c, chat.ContactFilter{Resolved: true})
}

func (s *Server) searchContacts(c *call) (any, error) {
	q := strings.TrimSpace(c.r.URL.Query().Get("q"))
	if q == "" {
		return nil, &chat.Error{Code: chat.EREJECTED, Message: "Specify search string with parameter q"}
	}
	return s.contactPage(c, chat.ContactFilter{Query: q})
}

func (s *Server) showContact(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	contact, cis, err := s.svc.Contact(c.ctx(), c.actor, id)
	if err != nil {
		return nil, err
	}
	j, err := s.contactWithInboxes(c, contact, cis)
	return contactShow{Payload: j}, err
}

func (s *Server) createContact(c *call) (any, error) {
	var b contactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	created, err := s.svc.CreateContact(c.ctx(), c.actor, b.input(), int64(b.InboxID.V), string(b.SourceID.V))
	if err != nil {
		return nil, err
	}
	var cis []chat.ContactInbox
	if created.ContactInbox != nil {
		cis = []chat.ContactInbox{*created.ContactInbox}
	}
	var out contactCreated
	if out.Payload.Contact, err = s.contactWithInboxes(c, created.Contact, cis); err != nil {
		return nil, err
	}
	if ci := created.ContactInbox; ci != nil {
		raw := newRawInboxJSON(created.Inbox)
		out.Payload.ContactInbox.Inbox, out.Payload.ContactInbox.SourceID = &raw, &ci.SourceID
	}
	return out, nil
}

func (s *Server) updateContact(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b contactBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	if _, err := s.svc.UpdateContact(c.ctx(), c.actor, id, b.input()); err != nil {
		return nil, err
	}
	return s.showContact(c)
}

func (s *Server) deleteContact(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	return emptyBody{}, s.svc.DeleteContact(c.ctx(), c.actor, id)
}

type contactInboxBody struct {
	InboxID      Opt[Int]  `json:"inbox_id"`
	SourceID     Opt[Str]  `json:"source_id"`
	HMACVerified Opt[Bool] `json:"hmac_verified"`
}

func (s *Server) createContactInbox(c *call) (any, error) {
	id, err := c.id("id")
	if err != nil {
		return nil, err
	}
	var b contactInboxBody
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	ci, in, err := s.svc.CreateContactInbox(c.ctx(), c.actor, id, int64(b.InboxID.V), string(b.SourceID.V), bool(b.HMACVerified.V))
	if err != nil {
		return nil, err
	}
	return contactInboxJSON{SourceID: ci.SourceID, Inbox: newInboxJSON(in, c.actor.IsAdmin(), c.baseURL())}, nil
}
