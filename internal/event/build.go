package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/parleyhq/parley/internal/chat"
)

// Build returns the webhook payload of ev as Chatwoot sends it, read in tx:
// the state the event's transaction leaves behind (snapshot at commit).
func Build(tx chat.Tx, ev *chat.Event) ([]byte, error) {
	p, err := build(tx, ev)
	if err != nil {
		return nil, err
	}
	return Marshal(p)
}

// Marshal encodes a payload as ActiveSupport does: compact, with < > &
// escaped (Go's default), and no trailing newline.
func Marshal(v any) ([]byte, error) {
	// Payload types assemble their own bytes from encoded parts; handing
	// them to the encoder would only validate and compact them again.
	if m, ok := v.(json.Marshaler); ok {
		return m.MarshalJSON()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func build(tx chat.Tx, ev *chat.Event) (any, error) {
	switch ev.Name {
	case chat.EventConversationCreated, chat.EventConversationUpdated, chat.EventConversationStatusChanged:
		d, err := conversation(tx, ev)
		if err != nil {
			return nil, err
		}
		p := conversationPayload{ConversationData: NewConversationData(d), Event: ev.Name}
		if ev.Name != chat.EventConversationCreated {
			p.ChangedAttributes = newChanges(ev.Changes)
			p.withChanges = true
		}
		return p, nil
	case chat.EventMessageCreated, chat.EventMessageUpdated:
		d, err := conversation(tx, ev)
		if err != nil {
			return nil, err
		}
		md := ev.Message
		if md == nil || md.Message.ID != ev.MessageID {
			m, err := tx.FindMessage(d.Conversation.ID, ev.MessageID)
			if err != nil {
				return nil, err
			}
			if md, err = chat.LoadMessage(tx, m, d.Contact); err != nil {
				return nil, err
			}
		}
		return messagePayload{MessageData: NewMessageData(md, d), Event: ev.Name}, nil
	case chat.EventContactCreated, chat.EventContactUpdated:
		c, err := tx.FindContact(ev.AccountID, ev.ContactID)
		if err != nil {
			return nil, err
		}
		a, err := tx.FindAccount(ev.AccountID)
		if err != nil {
			return nil, err
		}
		p := contactPayload{ContactData: NewContactData(c, a), Event: ev.Name}
		if ev.Name == chat.EventContactUpdated {
			p.ChangedAttributes, p.withChanges = newChanges(ev.Changes), true
		}
		return p, nil
	case chat.EventConversationTypingOn, chat.EventConversationTypingOff:
		return typing(tx, ev)
	case chat.EventInboxCreated, chat.EventInboxUpdated:
		return inboxEvent(tx, ev)
	case chat.EventWebwidgetTriggered:
		return webwidgetTriggered(tx, ev)
	}
	return nil, fmt.Errorf("no payload builder for event %q", ev.Name)
}

// conversation returns the event's conversation detail: the one the
// operation already loaded, or a fresh read in the same transaction.
func conversation(tx chat.Tx, ev *chat.Event) (*chat.ConversationDetail, error) {
	if d := ev.Conversation; d != nil && d.Conversation.ID == ev.ConversationID {
		return d, nil
	}
	c, err := tx.FindConversationByID(ev.ConversationID)
	if err != nil {
		return nil, err
	}
	return chat.LoadConversation(tx, c)
}

type conversationPayload struct {
	ConversationData
	Event             string
	ChangedAttributes changes
	withChanges       bool
}

// MarshalJSON appends event (and changed_attributes) after the
// conversation's keys, as Chatwoot's merge does.
func (p conversationPayload) MarshalJSON() ([]byte, error) {
	extra := []kv{{"event", p.Event}}
	if p.withChanges {
		extra = append(extra, kv{"changed_attributes", p.ChangedAttributes})
	}
	return appendKeys(p.ConversationData, extra...)
}

type messagePayload struct {
	MessageData
	Event string
}

func (p messagePayload) MarshalJSON() ([]byte, error) {
	return appendKeys(p.MessageData, kv{"event", p.Event})
}

type contactPayload struct {
	ContactData
	Event             string
	ChangedAttributes changes
	withChanges       bool
}

func (p contactPayload) MarshalJSON() ([]byte, error) {
	extra := []kv{{"event", p.Event}}
	if p.withChanges {
		extra = append(extra, kv{"changed_attributes", p.ChangedAttributes})
	}
	return appendKeys(p.ContactData, extra...)
}

type kv struct {
	key   string
	value any
}

// appendKeys encodes obj (a JSON object) and appends more keys at its end.
func appendKeys(obj any, extra ...kv) ([]byte, error) {
	b, err := Marshal(obj)
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1] // drop the closing brace
	for _, e := range extra {
		v, err := Marshal(e.value)
		if err != nil {
			return nil, err
		}
		k, _ := json.Marshal(e.key)
		b = append(b, ',')
		b = append(b, k...)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}'), nil
}

// changes is changed_attributes: an array of single-key objects in column
// order, each {"attr": {"previous_value": ..., "current_value": ...}}, or
// null when empty (Chatwoot sends nil then).
type changes []chat.Change

func newChanges(cs []chat.Change) changes { return changes(cs) }

func (cs changes) MarshalJSON() ([]byte, error) {
	if len(cs) == 0 {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, c := range cs {
		if i > 0 {
			buf.WriteByte(',')
		}
		prev, err := Marshal(changeValue(c.Previous))
		if err != nil {
			return nil, err
		}
		cur, err := Marshal(changeValue(c.Current))
		if err != nil {
			return nil, err
		}
		k, _ := json.Marshal(c.Attr)
		buf.WriteByte('{')
		buf.Write(k)
		buf.WriteString(`:{"previous_value":`)
		buf.Write(prev)
		buf.WriteString(`,"current_value":`)
		buf.Write(cur)
		buf.WriteString("}}")
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// changeValue encodes a changed value as Rails serialises attributes:
// times as ISO strings (nil when unset), JSON columns as objects.
func changeValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return ISOOrNull(t)
	case chat.JSON:
		return Object(t)
	case []string:
		if t == nil {
			return []string{}
		}
		return t
	}
	return v
}
