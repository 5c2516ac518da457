package chat

import (
	"sync"
	"time"
)

// authCache remembers recent sign-ins (token and account to actor), so that
// a busy client does not cost a database read per request before its real
// work. Every change to users, memberships or accounts made through the
// Service empties it at once, and other instances sharing the database hear
// of it (Service.AuthChanged, ForgetSignIns). The time limit bounds what a
// change could stay unseen if that news is lost (an instance reconnecting
// to the database, a change made by hand in SQL).
type authCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[authKey]authEntry
}

const (
	// DefaultAuthTTL is how long a sign-in is remembered unless
	// Service.AuthTTL says otherwise.
	DefaultAuthTTL = 5 * time.Second
	authMaxEntries = 10000
)

type authKey struct {
	token   string
	account int64
}

type authEntry struct {
	actor   *Actor
	expires time.Time
}

func (c *authCache) get(token string, account int64) *Actor {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[authKey{token, account}]
	if !ok || time.Now().After(e.expires) {
		return nil
	}
	return e.actor
}

// generation is read before a lookup; put stores the result only if no
// invalidation happened meanwhile, so a lookup racing a change cannot
// reinstate the old answer.
func (c *authCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *authCache) put(token string, account int64, a *Actor, gen uint64, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || ttl < 0 {
		return
	}
	if c.entries == nil || len(c.entries) >= authMaxEntries {
		c.entries = map[authKey]authEntry{}
	}
	c.entries[authKey{token, account}] = authEntry{actor: a, expires: time.Now().Add(ttl)}
}

func (c *authCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}
