package chat

import (
	"sync"
	"time"
)

// authCache remembers recent sign-ins (token and account to actor), so that
// a busy client does not cost a database read per request before its real
// work. Every change to users, memberships or accounts made through the
// Service empties it at once. The time limit bounds what another process
// sharing the database (several instances on PostgreSQL) could change
// unseen: such a change takes effect within authTTL.
type authCache struct {
	mu      sync.Mutex
	gen     uint64
	entries map[authKey]authEntry
}

const (
	authTTL        = 5 * time.Second
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

func (c *authCache) put(token string, account int64, a *Actor, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.entries == nil || len(c.entries) >= authMaxEntries {
		c.entries = map[authKey]authEntry{}
	}
	c.entries[authKey{token, account}] = authEntry{actor: a, expires: time.Now().Add(authTTL)}
}

func (c *authCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.entries = nil
}
