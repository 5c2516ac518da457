package chattest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

func findContact(t *testing.T, s chat.Store, accountID, id int64) *chat.Contact {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Contact, error) { return tx.FindContact(accountID, id) })
}

func createContacts(t *testing.T, s chat.Store, cs ...*chat.Contact) {
	t.Helper()
	update(t, s, func(tx chat.Tx) error {
		for _, c := range cs {
			if err := tx.CreateContact(c); err != nil {
				return err
			}
		}
		return nil
	})
}

func testContacts(t *testing.T, s chat.Store) {
	a, b := createAccount(t, s, "a"), createAccount(t, s, "b")
	c := newContact(a.ID, "Jane Roe")
	// Email, phone number, identifier and last activity unset are NULL.
	bare := &chat.Contact{AccountID: a.ID, CreatedAt: at(1), UpdatedAt: at(1)}
	createContacts(t, s, c, bare)
	if c.ID == 0 || bare.ID == 0 || c.ID == bare.ID {
		t.Fatalf("CreateContact set ids %d and %d", c.ID, bare.ID)
	}
	check(t, "contact", c, findContact(t, s, a.ID, c.ID))
	wantBare := *bare
	wantBare.AdditionalAttributes, wantBare.CustomAttributes = chat.EmptyObject, chat.EmptyObject
	check(t, "bare contact", &wantBare, findContact(t, s, a.ID, bare.ID))

	check(t, "FindContactBy(email, other case)", c,
		get(t, s, func(tx chat.Tx) (*chat.Contact, error) {
			return tx.FindContactBy(a.ID, "email", strings.ToUpper(c.Email))
		}))
	check(t, "FindContactBy(identifier)", c,
		get(t, s, func(tx chat.Tx) (*chat.Contact, error) { return tx.FindContactBy(a.ID, "identifier", c.Identifier) }))
	wantNotFound(t, s, "FindContactBy(email, other account)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(b.ID, "email", c.Email)
		return err
	})
	wantNotFound(t, s, "FindContactBy(identifier, other account)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(b.ID, "identifier", c.Identifier)
		return err
	})
	wantNotFound(t, s, "FindContactBy(email, missing)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(a.ID, "email", "nobody@example.com")
		return err
	})
	wantNotFound(t, s, "FindContactBy(identifier, missing)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(a.ID, "identifier", "no-such-identifier")
		return err
	})

	// Update sets every field, then clears the optional ones back to NULL.
	upd := *c
	upd.Name = "Jane Doe"
	upd.Email = "jane.doe@example.com"
	upd.PhoneNumber = "+351910000000"
	upd.Identifier = "crm-42"
	upd.AvatarURL = ""
	upd.AdditionalAttributes = chat.JSON(`{"city":"Braga"}`)
	upd.CustomAttributes = chat.JSON(`{"vip":false,"score":9.75}`)
	upd.Blocked = false
	upd.LastActivityAt = at(50)
	upd.UpdatedAt = at(100)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateContact(&upd) })
	check(t, "updated contact", &upd, findContact(t, s, a.ID, c.ID))
	check(t, "other contact after update", &wantBare, findContact(t, s, a.ID, bare.ID))

	cleared := upd
	cleared.Email, cleared.PhoneNumber, cleared.Identifier = "", "", ""
	cleared.LastActivityAt = time.Time{}
	cleared.AdditionalAttributes = chat.EmptyObject
	cleared.UpdatedAt = at(101)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateContact(&cleared) })
	check(t, "cleared contact", &cleared, findContact(t, s, a.ID, c.ID))
	wantNotFound(t, s, "FindContactBy(old email)", func(tx chat.Tx) error {
		_, err := tx.FindContactBy(a.ID, "email", upd.Email)
		return err
	})

	wantNotFound(t, s, "FindContact(other account)", func(tx chat.Tx) error { _, err := tx.FindContact(b.ID, c.ID); return err })
	wantNotFound(t, s, "FindContact(missing)", func(tx chat.Tx) error { _, err := tx.FindContact(a.ID, c.ID+bare.ID+1000); return err })
	wantDeleteNotFound(t, s, "DeleteContact(other account)", func(tx chat.Tx) error { return tx.DeleteContact(b.ID, c.ID) })
	wantDeleteNotFound(t, s, "DeleteContact(missing)", func(tx chat.Tx) error { return tx.DeleteContact(a.ID, c.ID+bare.ID+1000) })
	check(t, "contact after a delete from another account", &cleared, findContact(t, s, a.ID, c.ID))

	update(t, s, func(tx chat.Tx) error { return tx.DeleteContact(a.ID, bare.ID) })
	wantNotFound(t, s, "FindContact(deleted)", func(tx chat.Tx) error { _, err := tx.FindContact(a.ID, bare.ID); return err })
	wantDeleteNotFound(t, s, "DeleteContact(deleted)", func(tx chat.Tx) error { return tx.DeleteContact(a.ID, bare.ID) })
}

func testContactUnique(t *testing.T, s chat.Store) {
	a, b := createAccount(t, s, "a"), createAccount(t, s, "b")
	jane := newContact(a.ID, "Jane")
	jane.Email, jane.Identifier = "jane@example.com", "jane-1"
	createContacts(t, s, jane)

	dup := newContact(a.ID, "Jane again")
	dup.Email = "JANE@Example.COM"
	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateContact(dup) })
	wantConflict(t, "CreateContact with a taken email in another case", err, "email", "Email has already been taken")

	dup = newContact(a.ID, "Jane again")
	dup.Identifier = jane.Identifier
	err = tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateContact(dup) })
	wantConflict(t, "CreateContact with a taken identifier", err, "identifier", "Identifier has already been taken")

	// Another account may hold the same email and identifier, and contacts
	// without them do not collide (NULL is not a value).
	other := newContact(b.ID, "Jane elsewhere")
	other.Email, other.Identifier = jane.Email, jane.Identifier
	anon1 := &chat.Contact{AccountID: a.ID, Name: "anon", CreatedAt: at(1), UpdatedAt: at(1)}
	anon2 := &chat.Contact{AccountID: a.ID, Name: "anon", CreatedAt: at(1), UpdatedAt: at(1)}
	createContacts(t, s, other, anon1, anon2)

	anon1.Email = "Jane@example.com"
	err = tryUpdate(t, s, func(tx chat.Tx) error { return tx.UpdateContact(anon1) })
	wantConflict(t, "UpdateContact to a taken email", err, "email", "Email has already been taken")
	anon1.Email, anon1.Identifier = "", jane.Identifier
	err = tryUpdate(t, s, func(tx chat.Tx) error { return tx.UpdateContact(anon1) })
	wantConflict(t, "UpdateContact to a taken identifier", err, "identifier", "Identifier has already been taken")

	_, total := listContacts(t, s, chat.ContactFilter{AccountID: a.ID, Limit: 100})
	if total != 3 {
		t.Errorf("account a has %d contacts, want 3", total)
	}
}

func testContactInboxes(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	in2 := newWidgetInbox(sc.Account.ID, "second")
	update(t, s, func(tx chat.Tx) error { return tx.CreateInbox(in2) })
	ci := sc.ContactInbox
	if ci.ID == 0 {
		t.Fatal("CreateContactInbox did not set the id")
	}
	check(t, "FindContactInbox", ci, get(t, s, func(tx chat.Tx) (*chat.ContactInbox, error) { return tx.FindContactInbox(ci.ID) }))
	check(t, "FindContactInboxBySource", ci, get(t, s, func(tx chat.Tx) (*chat.ContactInbox, error) {
		return tx.FindContactInboxBySource(ci.InboxID, ci.SourceID)
	}))

	// The same source id in another inbox is another contact inbox.
	ci2 := newContactInbox(sc.Contact.ID, in2.ID)
	ci2.SourceID = ci.SourceID
	ci2.HMACVerified = false
	update(t, s, func(tx chat.Tx) error { return tx.CreateContactInbox(ci2) })
	check(t, "ListContactInboxes", []chat.ContactInbox{*ci, *ci2},
		get(t, s, func(tx chat.Tx) ([]chat.ContactInbox, error) { return tx.ListContactInboxes(sc.Contact.ID) }))

	dup := newContactInbox(sc.Contact.ID, sc.Inbox.ID)
	dup.SourceID = ci.SourceID
	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateContactInbox(dup) })
	wantConflict(t, "CreateContactInbox with a taken source id", err, "source_id", "Source has already been taken")

	upd := *ci
	upd.SourceID = "new-source"
	upd.HMACVerified = false
	upd.UpdatedAt = at(100)
	update(t, s, func(tx chat.Tx) error { return tx.UpdateContactInbox(&upd) })
	check(t, "updated contact inbox", &upd, get(t, s, func(tx chat.Tx) (*chat.ContactInbox, error) { return tx.FindContactInbox(ci.ID) }))
	check(t, "other contact inbox after update", ci2, get(t, s, func(tx chat.Tx) (*chat.ContactInbox, error) { return tx.FindContactInbox(ci2.ID) }))
	check(t, "FindContactInboxBySource(new source)", &upd, get(t, s, func(tx chat.Tx) (*chat.ContactInbox, error) {
		return tx.FindContactInboxBySource(sc.Inbox.ID, "new-source")
	}))
	wantNotFound(t, s, "FindContactInboxBySource(old source)", func(tx chat.Tx) error {
		_, err := tx.FindContactInboxBySource(sc.Inbox.ID, ci.SourceID)
		return err
	})
	wantNotFound(t, s, "FindContactInboxBySource(source of another inbox)", func(tx chat.Tx) error {
		_, err := tx.FindContactInboxBySource(sc.Inbox.ID+in2.ID+1000, "new-source")
		return err
	})
	wantNotFound(t, s, "FindContactInbox(missing)", func(tx chat.Tx) error {
		_, err := tx.FindContactInbox(ci.ID + ci2.ID + 1000)
		return err
	})
	other := newContact(sc.Account.ID, "no inboxes")
	createContacts(t, s, other)
	check(t, "ListContactInboxes(contact without any)", []chat.ContactInbox(nil),
		get(t, s, func(tx chat.Tx) ([]chat.ContactInbox, error) { return tx.ListContactInboxes(other.ID) }))
}

// listFixture is account a's contacts for the list tests, in creation
// order, and a contact of account b that must never show.
type listFixture struct {
	alice, bob, carol, dave, eve, frank, gina *chat.Contact
	all                                       []*chat.Contact
	accountID                                 int64
}

func newListFixture(t *testing.T, s chat.Store) *listFixture {
	t.Helper()
	a, b := createAccount(t, s, "a"), createAccount(t, s, "b")
	n := 0
	mk := func(accountID int64, name, email, phone, identifier string, lastActivity time.Time) *chat.Contact {
		n++
		c := newContact(accountID, name)
		c.Email, c.PhoneNumber, c.Identifier, c.LastActivityAt = email, phone, identifier, lastActivity
		c.CreatedAt, c.UpdatedAt = at(n), at(n)
		return c
	}
	f := &listFixture{accountID: a.ID}
	f.alice = mk(a.ID, "alice", "alice@example.com", "+15550001", "", at(30))
	f.bob = mk(a.ID, "Bob", "", "", "bob-1", time.Time{})
	f.carol = mk(a.ID, "carol", "carol@example.org", "+15550003", "", at(10))
	f.dave = mk(a.ID, "dave", "", "", "", at(20))
	f.eve = mk(a.ID, "100% eve", "eve@example.com", "", "", time.Time{})
	f.frank = mk(a.ID, "frank_x", "", "+15550006", "f_x", at(40))
	f.gina = mk(a.ID, "Gina", "gina@example.net", "", "GINA-ID", at(5))
	f.all = []*chat.Contact{f.alice, f.bob, f.carol, f.dave, f.eve, f.frank, f.gina}
	createContacts(t, s, f.all...)
	createContacts(t, s, mk(b.ID, "alice", "alice@example.com", "+15550001", "bob-1", at(30)))
	return f
}

func listContacts(t *testing.T, s chat.Store, f chat.ContactFilter) ([]chat.Contact, int) {
	t.Helper()
	var list []chat.Contact
	var total int
	view(t, s, func(tx chat.Tx) (err error) {
		list, total, err = tx.ListContacts(f)
		return err
	})
	return list, total
}

func contactList(cs ...*chat.Contact) []chat.Contact {
	out := make([]chat.Contact, len(cs))
	for i, c := range cs {
		out[i] = *c
	}
	return out
}

func testListContactsQuery(t *testing.T, s chat.Store) {
	f := newListFixture(t, s)
	for _, tc := range []struct {
		query    string
		resolved bool
		want     []*chat.Contact
	}{
		{"", false, f.all},
		{"ALICE", false, []*chat.Contact{f.alice}},                                   // name, any case
		{"example.com", false, []*chat.Contact{f.alice, f.eve}},                      // email
		{"EXAMPLE", false, []*chat.Contact{f.alice, f.carol, f.eve, f.gina}},         // email, any case
		{"5550003", false, []*chat.Contact{f.carol}},                                 // phone number
		{"BOB-1", false, []*chat.Contact{f.bob}},                                     // identifier, any case
		{"gina-id", false, []*chat.Contact{f.gina}},                                  // identifier, any case
		{"%", false, []*chat.Contact{f.eve}},                                         // % is literal
		{"0% e", false, []*chat.Contact{f.eve}},                                      // % is literal
		{"_", false, []*chat.Contact{f.frank}},                                       // _ is literal
		{"f_x", false, []*chat.Contact{f.frank}},                                     // _ is literal
		{`\`, false, nil},                                                            // so is the escape character
		{"nobody", false, nil},                                                       // no match
		{"", true, []*chat.Contact{f.alice, f.bob, f.carol, f.eve, f.frank, f.gina}}, // email, phone or identifier
		{"a", true, []*chat.Contact{f.alice, f.carol, f.eve, f.frank, f.gina}},       // both filters
	} {
		list, total := listContacts(t, s, chat.ContactFilter{AccountID: f.accountID, Query: tc.query, Resolved: tc.resolved, Limit: 100})
		check(t, fmt.Sprintf("ListContacts(query %q, resolved %v)", tc.query, tc.resolved), contactList(tc.want...), list)
		if total != len(tc.want) {
			t.Errorf("ListContacts(query %q, resolved %v): total %d, want %d", tc.query, tc.resolved, total, len(tc.want))
		}
	}
}

func testListContactsSort(t *testing.T, s chat.Store) {
	f := newListFixture(t, s)
	alice, bob, carol, dave, eve, frank, gina := f.alice, f.bob, f.carol, f.dave, f.eve, f.frank, f.gina
	// Contacts without the sorted value come last in either direction.
	for _, tc := range []struct {
		sort string
		want []*chat.Contact
	}{
		{"", []*chat.Contact{alice, bob, carol, dave, eve, frank, gina}},
		{"name", []*chat.Contact{eve, alice, bob, carol, dave, frank, gina}},
		{"-name", []*chat.Contact{gina, frank, dave, carol, bob, alice, eve}},
		{"email", []*chat.Contact{alice, carol, eve, gina, bob, dave, frank}},
		{"-email", []*chat.Contact{gina, eve, carol, alice, frank, dave, bob}},
		{"phone_number", []*chat.Contact{alice, carol, frank, bob, dave, eve, gina}},
		{"-phone_number", []*chat.Contact{frank, carol, alice, gina, eve, dave, bob}},
		{"last_activity_at", []*chat.Contact{gina, carol, dave, alice, frank, bob, eve}},
		{"-last_activity_at", []*chat.Contact{frank, alice, dave, carol, gina, eve, bob}},
		{"created_at", []*chat.Contact{alice, bob, carol, dave, eve, frank, gina}},
		{"-created_at", []*chat.Contact{gina, frank, eve, dave, carol, bob, alice}},
	} {
		list, _ := listContacts(t, s, chat.ContactFilter{AccountID: f.accountID, Sort: tc.sort, Limit: 100})
		check(t, "ListContacts(sort "+tc.sort+")", names(contactList(tc.want...)), names(list))
	}
}

// names shortens contact lists to names, for readable sort failures.
func names(cs []chat.Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return out
}

func testListContactsPaging(t *testing.T, s chat.Store) {
	f := newListFixture(t, s)
	for _, tc := range []struct {
		query         string
		offset, limit int
		want          []*chat.Contact
		total         int
	}{
		{"", 0, 3, []*chat.Contact{f.alice, f.bob, f.carol}, 7},
		{"", 3, 3, []*chat.Contact{f.dave, f.eve, f.frank}, 7},
		{"", 6, 3, []*chat.Contact{f.gina}, 7},
		{"", 9, 3, nil, 7},
		{"example", 2, 2, []*chat.Contact{f.eve, f.gina}, 4},
		{"example", 0, 1, []*chat.Contact{f.alice}, 4},
	} {
		list, total := listContacts(t, s, chat.ContactFilter{AccountID: f.accountID, Query: tc.query, Offset: tc.offset, Limit: tc.limit})
		check(t, "ListContacts page", contactList(tc.want...), list)
		if total != tc.total {
			t.Errorf("ListContacts(query %q, offset %d, limit %d): total %d, want %d", tc.query, tc.offset, tc.limit, total, tc.total)
		}
	}
}
