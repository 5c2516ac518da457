package chattest

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

func findConversation(t *testing.T, s chat.Store, id int64) *chat.Conversation {
	t.Helper()
	return get(t, s, func(tx chat.Tx) (*chat.Conversation, error) { return tx.FindConversationByID(id) })
}

func testConversations(t *testing.T, s chat.Store) {
	sc := newScene(t, s, "acme")
	agent2 := createUser(t, s, "Second agent")

	full := newConversation(sc.Account.ID, sc.ContactInbox)
	setConversationOptionals(full, sc.Agent.ID)
	// The bare conversation leaves every optional field unset: NULL columns.
	bare := newConversation(sc.Account.ID, sc.ContactInbox)
	bare.AdditionalAttributes, bare.CustomAttributes, bare.Labels = nil, nil, nil
	update(t, s, func(tx chat.Tx) error {
		if err := insertConversation(tx, full); err != nil {
			return err
		}
		return insertConversation(tx, bare)
	})
	if full.ID == 0 || bare.ID == 0 || full.ID == bare.ID {
		t.Fatalf("CreateConversation set ids %d and %d", full.ID, bare.ID)
	}
	if full.DisplayID != 1 || bare.DisplayID != 2 {
		t.Errorf("display ids %d and %d, want 1 and 2", full.DisplayID, bare.DisplayID)
	}
	check(t, "FindConversation", full,
		get(t, s, func(tx chat.Tx) (*chat.Conversation, error) {
			return tx.FindConversation(sc.Account.ID, full.DisplayID)
		}))
	check(t, "FindConversationByID", full, findConversation(t, s, full.ID))
	wantBare := *bare
	wantBare.AdditionalAttributes, wantBare.CustomAttributes, wantBare.Labels = chat.EmptyObject, chat.EmptyObject, []string{}
	check(t, "bare conversation", &wantBare, findConversation(t, s, bare.ID))

	// Update clears every optional field of one and sets those of the other.
	cleared := *full
	cleared.Status = chat.StatusResolved
	cleared.AssigneeID = 0
	cleared.UpdatedAt = at(100)
	cleared.ContactLastSeenAt, cleared.AgentLastSeenAt = time.Time{}, time.Time{}
	cleared.AdditionalAttributes = chat.EmptyObject
	cleared.Identifier = ""
	cleared.LastActivityAt = at(101)
	cleared.TeamID, cleared.CampaignID = 0, 0
	cleared.SnoozedUntil = time.Time{}
	cleared.CustomAttributes = chat.EmptyObject
	cleared.AssigneeLastSeenAt, cleared.FirstReplyCreatedAt = time.Time{}, time.Time{}
	cleared.Priority = ""
	cleared.SLAPolicyID = 0
	cleared.WaitingSince = time.Time{}
	cleared.Labels = []string{}
	cleared.AssigneeAgentBotID = 0
	set := wantBare
	setConversationOptionals(&set, agent2.ID)
	set.Labels = []string{"b", "a"}
	set.UpdatedAt = at(102)
	update(t, s, func(tx chat.Tx) error {
		if err := tx.UpdateConversation(&cleared); err != nil {
			return err
		}
		return tx.UpdateConversation(&set)
	})
	check(t, "cleared conversation", &cleared, findConversation(t, s, full.ID))
	check(t, "set conversation", &set, findConversation(t, s, bare.ID))
}

// setConversationOptionals sets every optional field of c.
func setConversationOptionals(c *chat.Conversation, assigneeID int64) {
	c.Status = chat.StatusSnoozed
	c.AssigneeID = assigneeID
	c.ContactLastSeenAt = at(20)
	c.AgentLastSeenAt = at(21)
	c.AdditionalAttributes = chat.JSON(`{"browser":{"name":"Firefox","version":"128"},"referer":"https://shop.example/cart"}`)
	c.Identifier = uniq("thread")
	c.TeamID = 7
	c.CampaignID = 8
	c.SnoozedUntil = at(22)
	c.CustomAttributes = chat.JSON(`{"tier":"gold","orders":[1,2]}`)
	c.AssigneeLastSeenAt = at(23)
	c.FirstReplyCreatedAt = at(24)
	c.Priority = "urgent"
	c.SLAPolicyID = 9
	c.WaitingSince = at(25)
	c.Labels = []string{"zeta", "alpha", "mid-tier"}
	c.AssigneeAgentBotID = 10
}

func testConversationScope(t *testing.T, s chat.Store) {
	a, b := newScene(t, s, "a"), newScene(t, s, "b")
	ca, cb := a.conversation(t, s, nil), b.conversation(t, s, nil)
	if ca.DisplayID != 1 || cb.DisplayID != 1 {
		t.Fatalf("display ids %d and %d, want 1 in each account", ca.DisplayID, cb.DisplayID)
	}
	check(t, "FindConversation(a, 1)", ca,
		get(t, s, func(tx chat.Tx) (*chat.Conversation, error) { return tx.FindConversation(a.Account.ID, 1) }))
	check(t, "FindConversation(b, 1)", cb,
		get(t, s, func(tx chat.Tx) (*chat.Conversation, error) { return tx.FindConversation(b.Account.ID, 1) }))
	wantNotFound(t, s, "FindConversation(missing display id)", func(tx chat.Tx) error {
		_, err := tx.FindConversation(a.Account.ID, 2)
		return err
	})
	wantNotFound(t, s, "FindConversation(missing account)", func(tx chat.Tx) error {
		_, err := tx.FindConversation(a.Account.ID+b.Account.ID+1000, 1)
		return err
	})
	wantNotFound(t, s, "FindConversationByID(missing)", func(tx chat.Tx) error {
		_, err := tx.FindConversationByID(ca.ID + cb.ID + 1000)
		return err
	})

	dup := newConversation(a.Account.ID, a.ContactInbox)
	dup.DisplayID = ca.DisplayID
	err := tryUpdate(t, s, func(tx chat.Tx) error { return tx.CreateConversation(dup) })
	wantCode(t, "CreateConversation with a taken display id", err, chat.ECONFLICT)
}

// conversationFixture is account a's conversations for the list tests:
//
//	    status    assignee  inbox  contact  labels          last activity
//	c1  open      me        1      1        billing, vip    10
//	c2  open      -         2      2        vip             30
//	c3  resolved  other     1      1        -               20
//	c4  pending   -         1      2        bug_fix         40
//	c5  open      other     1      1        billing         50
//	c6  snoozed   me        2      1        bugxfix          5
//
// and c7, open and unassigned in account b, which no list of a shows.
type conversationFixture struct {
	sc                     *scene
	me, other              int64
	inbox2, contact2       int64
	c1, c2, c3, c4, c5, c6 *chat.Conversation
}

func newConversationFixture(t *testing.T, s chat.Store) *conversationFixture {
	t.Helper()
	sc := newScene(t, s, "a")
	other := createUser(t, s, "Other agent")
	in2 := newAPIInbox(sc.Account.ID, "second")
	contact2 := newContact(sc.Account.ID, "second contact")
	var ci12, ci21, ci22 *chat.ContactInbox
	update(t, s, func(tx chat.Tx) error {
		if err := tx.CreateInbox(in2); err != nil {
			return err
		}
		if err := tx.CreateContact(contact2); err != nil {
			return err
		}
		ci12 = newContactInbox(sc.Contact.ID, in2.ID)
		ci21 = newContactInbox(contact2.ID, sc.Inbox.ID)
		ci22 = newContactInbox(contact2.ID, in2.ID)
		for _, ci := range []*chat.ContactInbox{ci12, ci21, ci22} {
			if err := tx.CreateContactInbox(ci); err != nil {
				return err
			}
		}
		return nil
	})
	f := &conversationFixture{sc: sc, me: sc.Agent.ID, other: other.ID, inbox2: in2.ID, contact2: contact2.ID}
	mk := func(ci *chat.ContactInbox, status string, assignee int64, activity int, labels ...string) *chat.Conversation {
		c := newConversation(sc.Account.ID, ci)
		c.Status, c.AssigneeID, c.LastActivityAt, c.Labels = status, assignee, at(activity), labels
		if labels == nil {
			c.Labels = []string{}
		}
		return c
	}
	f.c1 = mk(sc.ContactInbox, chat.StatusOpen, f.me, 10, "billing", "vip")
	f.c2 = mk(ci22, chat.StatusOpen, 0, 30, "vip")
	f.c3 = mk(sc.ContactInbox, chat.StatusResolved, f.other, 20)
	f.c4 = mk(ci21, chat.StatusPending, 0, 40, "bug_fix")
	f.c5 = mk(sc.ContactInbox, chat.StatusOpen, f.other, 50, "billing")
	f.c6 = mk(ci12, chat.StatusSnoozed, f.me, 5, "bugxfix")
	update(t, s, func(tx chat.Tx) error {
		for _, c := range []*chat.Conversation{f.c1, f.c2, f.c3, f.c4, f.c5, f.c6} {
			if err := insertConversation(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	b := newScene(t, s, "b")
	b.conversation(t, s, func(c *chat.Conversation) { c.LastActivityAt, c.Labels = at(60), []string{"vip", "billing"} })
	return f
}

func listConversations(t *testing.T, s chat.Store, f chat.ConversationFilter) []chat.Conversation {
	t.Helper()
	return get(t, s, func(tx chat.Tx) ([]chat.Conversation, error) { return tx.ListConversations(f) })
}

// displayIDs shortens conversation lists, for readable failures.
func displayIDs(cs []chat.Conversation) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("c%d", c.DisplayID)
	}
	return out
}

func conversationList(cs ...*chat.Conversation) []chat.Conversation {
	out := make([]chat.Conversation, len(cs))
	for i, c := range cs {
		out[i] = *c
	}
	return out
}

func testListConversations(t *testing.T, s chat.Store) {
	f := newConversationFixture(t, s)
	acc := f.sc.Account.ID
	c1, c2, c3, c4, c5, c6 := f.c1, f.c2, f.c3, f.c4, f.c5, f.c6

	// Every field comes back from a list, most recent activity first.
	check(t, "ListConversations(all)", conversationList(c5, c4, c2, c3, c1, c6),
		listConversations(t, s, chat.ConversationFilter{AccountID: acc, Status: "all", Limit: 100}))

	for _, tc := range []struct {
		name string
		f    chat.ConversationFilter
		want []*chat.Conversation
	}{
		{"default status is open", chat.ConversationFilter{}, []*chat.Conversation{c5, c2, c1}},
		{"open", chat.ConversationFilter{Status: chat.StatusOpen}, []*chat.Conversation{c5, c2, c1}},
		{"resolved", chat.ConversationFilter{Status: chat.StatusResolved}, []*chat.Conversation{c3}},
		{"pending", chat.ConversationFilter{Status: chat.StatusPending}, []*chat.Conversation{c4}},
		{"snoozed", chat.ConversationFilter{Status: chat.StatusSnoozed}, []*chat.Conversation{c6}},
		{"assignee all", chat.ConversationFilter{Status: "all", AssigneeType: "all", UserID: f.me}, []*chat.Conversation{c5, c4, c2, c3, c1, c6}},
		{"assignee me", chat.ConversationFilter{Status: "all", AssigneeType: "me", UserID: f.me}, []*chat.Conversation{c1, c6}},
		{"assignee me, other user", chat.ConversationFilter{Status: "all", AssigneeType: "me", UserID: f.other}, []*chat.Conversation{c5, c3}},
		{"unassigned", chat.ConversationFilter{Status: "all", AssigneeType: "unassigned"}, []*chat.Conversation{c4, c2}},
		{"assigned", chat.ConversationFilter{Status: "all", AssigneeType: "assigned"}, []*chat.Conversation{c5, c3, c1, c6}},
		{"open and mine", chat.ConversationFilter{AssigneeType: "me", UserID: f.me}, []*chat.Conversation{c1}},
		{"inbox", chat.ConversationFilter{Status: "all", InboxID: f.inbox2}, []*chat.Conversation{c2, c6}},
		{"contact", chat.ConversationFilter{Status: "all", ContactID: f.contact2}, []*chat.Conversation{c4, c2}},
		{"contact, open", chat.ConversationFilter{ContactID: f.contact2}, []*chat.Conversation{c2}},
		{"label", chat.ConversationFilter{Status: "all", Labels: []string{"vip"}}, []*chat.Conversation{c2, c1}},
		// Any of the labels; _ is no wildcard (c6 has bugxfix).
		{"labels any of", chat.ConversationFilter{Status: "all", Labels: []string{"billing", "bug_fix"}}, []*chat.Conversation{c5, c4, c1}},
		// A label matches whole, not as a prefix.
		{"label prefix", chat.ConversationFilter{Status: "all", Labels: []string{"bill"}}, nil},
		{"label and inbox", chat.ConversationFilter{Status: "all", Labels: []string{"vip"}, InboxID: f.sc.Inbox.ID}, []*chat.Conversation{c1}},
		{"page 1", chat.ConversationFilter{Status: "all", Limit: 2}, []*chat.Conversation{c5, c4}},
		{"page 2", chat.ConversationFilter{Status: "all", Offset: 2, Limit: 2}, []*chat.Conversation{c2, c3}},
		{"page 3", chat.ConversationFilter{Status: "all", Offset: 4, Limit: 2}, []*chat.Conversation{c1, c6}},
		{"page 4", chat.ConversationFilter{Status: "all", Offset: 6, Limit: 2}, nil},
	} {
		tc.f.AccountID = acc
		if tc.f.Limit == 0 {
			tc.f.Limit = 100
		}
		check(t, "ListConversations("+tc.name+")", displayIDs(conversationList(tc.want...)), displayIDs(listConversations(t, s, tc.f)))
	}
}

func testCountConversations(t *testing.T, s chat.Store) {
	f := newConversationFixture(t, s)
	acc := f.sc.Account.ID
	for _, tc := range []struct {
		name string
		f    chat.ConversationFilter
		want chat.ConversationCounts
	}{
		{"all", chat.ConversationFilter{Status: "all", UserID: f.me}, chat.ConversationCounts{Mine: 2, Assigned: 4, Unassigned: 2, All: 6}},
		// The counts ignore AssigneeType: they are the tabs' numbers.
		{"all, assignee me", chat.ConversationFilter{Status: "all", AssigneeType: "me", UserID: f.me}, chat.ConversationCounts{Mine: 2, Assigned: 4, Unassigned: 2, All: 6}},
		{"all, unassigned", chat.ConversationFilter{Status: "all", AssigneeType: "unassigned", UserID: f.me}, chat.ConversationCounts{Mine: 2, Assigned: 4, Unassigned: 2, All: 6}},
		{"default status", chat.ConversationFilter{UserID: f.me}, chat.ConversationCounts{Mine: 1, Assigned: 2, Unassigned: 1, All: 3}},
		{"other user", chat.ConversationFilter{Status: "all", UserID: f.other}, chat.ConversationCounts{Mine: 2, Assigned: 4, Unassigned: 2, All: 6}},
		{"no user", chat.ConversationFilter{Status: "all"}, chat.ConversationCounts{Mine: 0, Assigned: 4, Unassigned: 2, All: 6}},
		{"inbox", chat.ConversationFilter{Status: "all", InboxID: f.sc.Inbox.ID, UserID: f.me}, chat.ConversationCounts{Mine: 1, Assigned: 3, Unassigned: 1, All: 4}},
		{"contact", chat.ConversationFilter{Status: "all", ContactID: f.contact2, UserID: f.me}, chat.ConversationCounts{Mine: 0, Assigned: 0, Unassigned: 2, All: 2}},
		{"label", chat.ConversationFilter{Status: "all", Labels: []string{"billing"}, UserID: f.me}, chat.ConversationCounts{Mine: 1, Assigned: 2, Unassigned: 0, All: 2}},
		{"resolved", chat.ConversationFilter{Status: chat.StatusResolved, UserID: f.me}, chat.ConversationCounts{Mine: 0, Assigned: 1, Unassigned: 0, All: 1}},
		{"empty account", chat.ConversationFilter{AccountID: acc + 1000, Status: "all"}, chat.ConversationCounts{}},
	} {
		if tc.f.AccountID == 0 {
			tc.f.AccountID = acc
		}
		got := get(t, s, func(tx chat.Tx) (chat.ConversationCounts, error) { return tx.CountConversations(tc.f) })
		check(t, "CountConversations("+tc.name+")", tc.want, got)
	}
}
