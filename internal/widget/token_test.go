package widget

import (
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	now := time.Date(2026, 6, 17, 10, 0, 0, 0, time.UTC)
	a, b := NewTokens("secret-a"), NewTokens("secret-b")
	tok := a.Sign("visitor-1", 7, now)
	c, err := a.Verify(tok)
	if err != nil || c != (Claims{SourceID: "visitor-1", InboxID: 7, IssuedAt: now.Unix()}) {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	// Another installation's key, a changed claim or signature, garbage: refused.
	for name, bad := range map[string]string{
		"other key": b.Sign("visitor-1", 7, now),
		"tampered":  tok[:len(tok)-2] + "xx",
		"garbage":   "not.a.token",
		"empty":     "",
	} {
		if _, err := a.Verify(bad); err != ErrBadToken {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestHub(t *testing.T) {
	h := NewHub()
	ch, cancel := h.Subscribe(1)
	if !h.Listening(1) || h.Listening(2) {
		t.Fatal("Listening wrong")
	}
	h.Publish(Update{ContactInboxID: 2, Kind: "x"}) // nobody: dropped
	h.Publish(Update{ContactInboxID: 1, Kind: "message.created", MessageID: 5})
	if u := <-ch; u.MessageID != 5 {
		t.Fatalf("got %+v", u)
	}
	// A listener that falls behind is dropped, its channel closed.
	for range hubBuffer + 1 {
		h.Publish(Update{ContactInboxID: 1})
	}
	n := 0
	for range ch {
		n++
	}
	if n != hubBuffer || h.Listening(1) {
		t.Fatalf("lagging listener: %d updates, still listening %v", n, h.Listening(1))
	}
	cancel() // after the drop: harmless
}
