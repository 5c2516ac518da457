package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// streamHeartbeat keeps idle streams open through proxies that close
// silent connections.
const streamHeartbeat = 25 * time.Second

// widgetStream is GET /api/v1/widget/stream: Server-Sent Events with the
// visitor's live updates (agent messages, agent typing, status changes),
// in place of Chatwoot's ActionCable. Each event's data is what the
// widget shows: a message in the widget's message shape, or the
// conversation's id and state. A widget that reconnects reloads its
// messages, so nothing is lost while it was away.
func (s *Server) widgetStream(c *call) (any, error) {
	rc := http.NewResponseController(c.w)
	updates, cancel := s.broker.Subscribe(c.visitor.ContactInbox.ID)
	defer cancel()
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.w.WriteHeader(http.StatusOK)
	fmt.Fprint(c.w, "retry: 2000\n: connected\n\n")
	if err := rc.Flush(); err != nil {
		return streamed{}, nil
	}
	beat := time.NewTicker(streamHeartbeat)
	defer beat.Stop()
	for {
		select {
		case <-c.ctx().Done():
			return streamed{}, nil
		case <-s.closing:
			return streamed{}, nil
		case <-beat.C:
			fmt.Fprint(c.w, ": heartbeat\n\n")
		case u, ok := <-updates:
			if !ok {
				return streamed{}, nil // dropped for lagging: the widget reconnects
			}
			data, err := s.streamData(c, u)
			if err != nil {
				s.log.Warn("widget stream: reading an update", "kind", u.Kind, "error", err)
				continue
			}
			if data == nil {
				continue
			}
			fmt.Fprintf(c.w, "event: %s\ndata: %s\n\n", u.Kind, data)
		}
		if err := rc.Flush(); err != nil {
			return streamed{}, nil
		}
	}
}

// streamData renders an update, or nil when the visitor may not see it
// (a private note).
func (s *Server) streamData(c *call, u widget.Update) ([]byte, error) {
	switch u.Kind {
	case "message.created", "message.updated":
		m, d, err := s.svc.VisitorMessage(c.ctx(), c.visitor, u.ConversationID, u.MessageID)
		if chat.ErrorCode(err) == chat.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return json.Marshal(newVisitorMessage(m, d))
	}
	return json.Marshal(struct {
		ConversationID int64  `json:"conversation_id"`
		Status         string `json:"status"`
	}{u.ConversationID, u.Status})
}
