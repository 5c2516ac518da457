package widget

import (
	"encoding/json"
	"log/slog"
)

// Bus carries updates between the instances that share a database.
type Bus interface {
	// Send hands an encoded update to every instance, this one included.
	Send(payload []byte) error
}

// Shared is the Broker of an instance among several: a widget's stream
// may be open on any instance, whichever one the change was made on. Updates
// go out over the Bus, and each instance's Hub hands what arrives (Deliver)
// to its own listeners.
type Shared struct {
	Hub *Hub
	Bus Bus
	Log *slog.Logger
}

// Publish sends u to every instance. Should the bus fail, this instance's
// listeners still hear of it; the others' see it at their next reload.
func (s *Shared) Publish(u Update) {
	b, _ := json.Marshal(u)
	if err := s.Bus.Send(b); err != nil {
		if s.Log != nil {
			s.Log.Warn("sending a widget update to the other instances", "error", err)
		}
		s.Hub.Publish(u)
	}
}

// Deliver hands an update that came over the bus to this instance's
// listeners.
func (s *Shared) Deliver(payload []byte) {
	var u Update
	if json.Unmarshal(payload, &u) == nil && u.ContactInboxID != 0 {
		s.Hub.Publish(u)
	}
}

// Subscribe listens on this instance.
func (s *Shared) Subscribe(contactInboxID int64) (<-chan Update, func()) {
	return s.Hub.Subscribe(contactInboxID)
}

// Listening is true: a listener may be on another instance.
func (s *Shared) Listening(int64) bool { return true }
