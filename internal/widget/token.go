// Package widget is Parley's live-chat widget: the visitor token, the
// browser facts Chatwoot records, the live-update broker and the embedded
// assets (sdk.js and the widget page). The HTTP routes live in the api
// package, next to the rest of the API.
package widget

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Tokens signs and checks visitor tokens: a JWT (HS256) whose claims name
// the contact inbox (source_id) and its inbox, as Chatwoot's widget token
// does. Nothing is stored per token, so every instance that shares the
// key (derived from the installation secret in the database) verifies
// every token.
type Tokens struct {
	key []byte
}

// NewTokens derives the signing key from the installation secret, so the
// secret itself signs nothing and can key other things later.
func NewTokens(secret string) *Tokens {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("parley visitor token v1"))
	return &Tokens{key: m.Sum(nil)}
}

// Claims is what a visitor token carries.
type Claims struct {
	SourceID string `json:"source_id"`
	InboxID  int64  `json:"inbox_id"`
	IssuedAt int64  `json:"iat"`
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// ErrBadToken is any token that does not verify.
var ErrBadToken = errors.New("invalid visitor token")

// Sign issues a token for a contact inbox.
func (t *Tokens) Sign(sourceID string, inboxID int64, now time.Time) string {
	body, _ := json.Marshal(Claims{SourceID: sourceID, InboxID: inboxID, IssuedAt: now.Unix()})
	msg := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(body)
	return msg + "." + t.sign(msg)
}

func (t *Tokens) sign(msg string) string {
	m := hmac.New(sha256.New, t.key)
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Verify checks a token's signature and returns its claims. Tokens do not
// expire: like Chatwoot's, one lives in the visitor's cookie for as long
// as the conversation does.
func (t *Tokens) Verify(token string) (Claims, error) {
	var c Claims
	head, rest, ok := strings.Cut(token, ".")
	if !ok || head != jwtHeader {
		return c, ErrBadToken
	}
	body, sig, ok := strings.Cut(rest, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(t.sign(head+"."+body))) {
		return c, ErrBadToken
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.SourceID == "" || c.InboxID == 0 {
		return c, ErrBadToken
	}
	return c, nil
}
