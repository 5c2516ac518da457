package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/sqlite"
)

// eventLog is an EventSink that keeps the events it sees.
type eventLog struct{ events []chat.Event }

func (l *eventLog) Prepare(tx chat.Tx, ev *chat.Event) error { return nil }
func (l *eventLog) Recorded(tx chat.Tx, ev *chat.Event) error {
	l.events = append(l.events, *ev)
	return nil
}

func newService(t *testing.T) (*chat.Service, *eventLog, *chat.Actor) {
	t.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "p.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	now := time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	log := &eventLog{}
	svc := &chat.Service{Store: store, Events: log, Now: func() time.Time { now = now.Add(time.Second); return now }}
	admin, _, err := svc.Bootstrap(context.Background(), "token", "")
	if err != nil {
		t.Fatal(err)
	}
	return svc, log, &chat.Actor{User: admin, AccountID: 1, Role: chat.RoleAdministrator}
}

func ptr[T any](v T) *T { return &v }

// describe renders changes as "attr:previous>current".
func describe(changes []chat.Change) string {
	var out []string
	for _, c := range changes {
		f := func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return t.Format("15:04:05")
			case chat.JSON:
				return string(t)
			}
			return fmt.Sprint(v)
		}
		out = append(out, fmt.Sprintf("%s:%s>%s", c.Attr, f(c.Previous), f(c.Current)))
	}
	return strings.Join(out, " ")
}

func TestInboxEvents(t *testing.T) {
	ctx := context.Background()
	svc, log, admin := newService(t)
	in, err := svc.CreateInbox(ctx, admin, chat.InboxInput{Name: ptr("Support"), Channel: &chat.ChannelInput{Type: chat.ChannelTypeAPI}})
	if err != nil {
		t.Fatal(err)
	}
	if len(log.events) != 1 || log.events[0].Name != chat.EventInboxCreated || log.events[0].InboxID != in.ID || log.events[0].AccountID != 1 {
		t.Fatalf("create events: %+v", log.events)
	}

	// Inbox columns change in Chatwoot's column order, whatever the input order.
	_, err = svc.UpdateInbox(ctx, admin, in.ID, chat.InboxInput{BusinessName: ptr("Acme"), SenderNameType: ptr("professional"),
		Timezone: ptr("Asia/Tokyo"), GreetingMessage: ptr("Hi"), Name: ptr("Help"), EnableAutoAssignment: ptr(false),
		AutoAssignmentConfig: chat.JSON(`{"max_assignment_limit":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	ev := log.events[len(log.events)-1]
	want := "name:Support>Help updated_at:10:00:02>10:00:03 enable_auto_assignment:true>false greeting_message:<nil>>Hi " +
		`timezone:UTC>Asia/Tokyo auto_assignment_config:{}>{"max_assignment_limit":2} sender_name_type:friendly>professional business_name:<nil>>Acme`
	if ev.Name != chat.EventInboxUpdated || ev.InboxID != in.ID || describe(ev.Changes) != want {
		t.Fatalf("update event %s %d\n got %s\nwant %s", ev.Name, ev.InboxID, describe(ev.Changes), want)
	}

	// A channel-only change touches the inbox: only updated_at changed.
	if _, err := svc.UpdateInbox(ctx, admin, in.ID, chat.InboxInput{Channel: &chat.ChannelInput{WebhookURL: ptr("https://x.example")}}); err != nil {
		t.Fatal(err)
	}
	ev = log.events[len(log.events)-1]
	if got := describe(ev.Changes); got != "updated_at:10:00:03>10:00:04" {
		t.Fatalf("channel-only change: %s", got)
	}

	// No change, and a refused change: no event.
	n := len(log.events)
	if _, err := svc.UpdateInbox(ctx, admin, in.ID, chat.InboxInput{Name: ptr("Help"), Channel: &chat.ChannelInput{WebhookURL: ptr("https://x.example")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateInbox(ctx, admin, in.ID, chat.InboxInput{Name: ptr("Fine"), Timezone: ptr("Nowhere/Else")}); chat.ErrorCode(err) != chat.EINVALID {
		t.Fatalf("bad timezone: %v", err)
	}
	if len(log.events) != n {
		t.Fatalf("events without a committed change: %+v", log.events[n:])
	}
	got, err := svc.Inbox(ctx, admin, in.ID)
	if err != nil || got.Name != "Help" || got.API.WebhookURL != "https://x.example" {
		t.Fatalf("stored inbox %+v, %v", got, err)
	}

	// Agents may not change inboxes.
	agent := &chat.Actor{User: admin.User, AccountID: 1, Role: chat.RoleAgent}
	if _, err := svc.UpdateInbox(ctx, agent, in.ID, chat.InboxInput{Name: ptr("Mine")}); chat.ErrorCode(err) != chat.EUNAUTHORIZED {
		t.Fatalf("agent update: %v", err)
	}
}

func TestWidgetFeatureFlags(t *testing.T) {
	ctx := context.Background()
	svc, _, admin := newService(t)
	in, err := svc.CreateInbox(ctx, admin, chat.InboxInput{Name: ptr("Web"), Channel: &chat.ChannelInput{Type: chat.ChannelTypeWebWidget,
		WebsiteURL: ptr("https://a.example"), SelectedFeatureFlags: &[]string{"end_conversation", "", "emoji_picker"}}})
	if err != nil {
		t.Fatal(err)
	}
	if in.WebWidget.FeatureFlags != 6 || fmt.Sprint(in.WebWidget.SelectedFeatureFlags()) != "[emoji_picker end_conversation]" {
		t.Fatalf("flags %d %v", in.WebWidget.FeatureFlags, in.WebWidget.SelectedFeatureFlags())
	}
	_, err = svc.UpdateInbox(ctx, admin, in.ID, chat.InboxInput{Channel: &chat.ChannelInput{SelectedFeatureFlags: &[]string{"fireworks"}}})
	if e := chat.AsError(err); e.Code != chat.EINVALID || e.Message != "Selected feature flags is not included in the list" {
		t.Fatalf("unknown flag: %v", err)
	}
}
