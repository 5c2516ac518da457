package api_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
)

// apiInbox creates an API-channel inbox in account 1 straight in the store
// and returns its id.
func (e *testEnv) apiInbox(name string) int64 {
	e.t.Helper()
	now := e.Clock.Now()
	in := &chat.Inbox{AccountID: 1, Name: name, ChannelType: chat.ChannelAPI, Timezone: "UTC", SenderNameType: "friendly",
		AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true, EnableEmailCollect: true,
		CreatedAt: now, UpdatedAt: now,
		API: &chat.APIChannel{Identifier: chat.SecureToken(24), HMACToken: chat.SecureToken(24), Secret: chat.SecureToken(24),
			AdditionalAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateInbox(in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// webInbox creates a web-widget inbox in account 1 and returns its id.
func (e *testEnv) webInbox(name string) int64 {
	e.t.Helper()
	now := e.Clock.Now()
	in := &chat.Inbox{AccountID: 1, Name: name, ChannelType: chat.ChannelWebWidget, Timezone: "UTC", SenderNameType: "friendly",
		AutoAssignmentConfig: chat.EmptyObject, EnableAutoAssignment: true, AllowMessagesAfterResolved: true, EnableEmailCollect: true,
		CreatedAt: now, UpdatedAt: now,
		WebWidget: &chat.WebWidgetChannel{WebsiteURL: "https://example.com", WebsiteToken: chat.SecureToken(24), WidgetColor: "#1f93ff",
			FeatureFlags: 7, ReplyTime: "in_a_few_minutes", HMACToken: chat.SecureToken(24), PreChatFormOptions: chat.EmptyObject,
			ContinuityViaEmail: true, CreatedAt: now, UpdatedAt: now}}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error { return tx.CreateInbox(in) })
	if err != nil {
		e.t.Fatal(err)
	}
	return in.ID
}

// agent adds a user with role to account 1 and returns its id and token.
func (e *testEnv) agent(name, role string) (int64, string) {
	e.t.Helper()
	now := e.Clock.Now()
	u := &chat.User{Name: name, Email: fmt.Sprintf("%s@example.com", name), AccessToken: chat.SecureToken(24),
		CustomAttributes: chat.EmptyObject, CreatedAt: now, UpdatedAt: now}
	err := e.Store.Update(context.Background(), func(tx chat.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		return tx.CreateAccountUser(&chat.AccountUser{AccountID: 1, UserID: u.ID, Role: role, Availability: "online",
			AutoOffline: true, CreatedAt: now, UpdatedAt: now})
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u.ID, u.AccessToken
}

// events returns the names of account 1's events after an id.
func (e *testEnv) events(after int64) []chat.Event {
	e.t.Helper()
	var evs []chat.Event
	err := e.Store.View(context.Background(), func(tx chat.Tx) (err error) {
		evs, err = tx.ListEvents(1, after, 1000)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func eventNames(evs []chat.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Name)
	}
	return out
}

func lastEventID(t *testing.T, e *testEnv) int64 {
	evs := e.events(0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}
