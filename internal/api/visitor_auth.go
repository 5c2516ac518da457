package api

import (
	"strings"
	"sync"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// Authentication of the visitor routes. The widget names its inbox by
// website_token and its visitor by the X-Auth-Token the config call issued;
// the public client API names its inbox by inbox_identifier and its visitor
// by source_id in the path (as Chatwoot's does), with the visitor token
// accepted on top.

// Visitor route auth kinds (the authKind values of routes.go continue here).
const (
	authWidgetInbox   authKind = iota + 100 // website_token; a visitor token when sent
	authWidget                              // website_token and a valid visitor token
	authClientInbox                         // an API inbox's public identifier
	authClientVisitor                       // that, and a source_id of the inbox
)

func isVisitorAuth(a authKind) bool { return a >= authWidgetInbox }

// errVisitorToken is the answer to a missing, forged or foreign token.
func errVisitorToken() error {
	return &chat.Error{Code: chat.EUNAUTHENTICATED, Message: "Invalid or missing X-Auth-Token"}
}

// tokens returns the visitor token signer, reading the installation secret
// on first use (and again after a failure).
func (s *Server) tokens(c *call) (*widget.Tokens, error) {
	s.tokensMu.Lock()
	defer s.tokensMu.Unlock()
	if s.tokenSigner == nil {
		secret, err := s.svc.InstallationSecret(c.ctx(), "visitor_token")
		if err != nil {
			return nil, err
		}
		s.tokenSigner = widget.NewTokens(secret)
	}
	return s.tokenSigner, nil
}

type tokenState struct {
	tokensMu    sync.Mutex
	tokenSigner *widget.Tokens
}

func (s *Server) authorizeVisitor(c *call, a authKind) error {
	if err := s.guard.admit(c); err != nil {
		return err
	}
	switch a {
	case authClientInbox, authClientVisitor:
		in, acc, err := s.svc.PublicInbox(c.ctx(), c.r.PathValue("inbox_identifier"))
		if err != nil {
			return err
		}
		c.inbox, c.account = in, acc
		if a == authClientInbox {
			return nil
		}
		sourceID := c.r.PathValue("source_id")
		if err := s.guard.admitVisitor(c, "source:"+sourceID); err != nil {
			return err
		}
		if c.visitor, err = s.svc.FindVisitor(c.ctx(), in, acc, sourceID); err != nil {
			if chat.ErrorCode(err) == chat.ENOTFOUND {
				return &chat.Error{Code: chat.EUNAUTHENTICATED, Message: "Invalid source_id"}
			}
			return err
		}
		if tok := visitorToken(c); tok != "" {
			claims, err := s.verifyToken(c, tok)
			if err != nil || claims.SourceID != sourceID {
				return errVisitorToken()
			}
		}
		return nil
	}

	wt, err := websiteToken(c)
	if err != nil {
		return err
	}
	in, acc, err := s.svc.WidgetInbox(c.ctx(), wt)
	if err != nil {
		return err
	}
	c.inbox, c.account = in, acc
	if err := checkOrigin(c.r, in); err != nil {
		return err
	}
	tok := visitorToken(c)
	if tok == "" {
		if a == authWidget {
			return errVisitorToken()
		}
		return nil
	}
	if err := s.guard.admitVisitor(c, "token:"+tok); err != nil {
		return err
	}
	claims, err := s.verifyToken(c, tok)
	if err == nil && claims.InboxID == in.ID {
		c.visitor, err = s.svc.FindVisitor(c.ctx(), in, acc, claims.SourceID)
	}
	switch {
	case err == nil && c.visitor != nil:
		c.visitorToken = tok
		return nil
	case err != nil && chat.ErrorCode(err) != chat.ENOTFOUND && chat.ErrorCode(err) != chat.EUNAUTHENTICATED:
		return err
	case a == authWidget:
		return errVisitorToken()
	}
	// config with a stale token (its contact was deleted): a new visitor.
	c.visitor = nil
	return nil
}

func (s *Server) verifyToken(c *call, tok string) (widget.Claims, error) {
	t, err := s.tokens(c)
	if err != nil {
		return widget.Claims{}, err
	}
	claims, err := t.Verify(tok)
	if err != nil {
		return claims, errVisitorToken()
	}
	return claims, nil
}

// issueToken signs a token for the call's visitor. A visitor who came with
// a valid token of its own keeps it, as Chatwoot's widget does.
func (s *Server) issueToken(c *call) (string, error) {
	t, err := s.tokens(c)
	if err != nil {
		return "", err
	}
	if c.visitorToken != "" {
		if claims, err := t.Verify(c.visitorToken); err == nil && claims.SourceID == c.visitor.ContactInbox.SourceID && claims.InboxID == c.inbox.ID {
			return c.visitorToken, nil
		}
	}
	return t.Sign(c.visitor.ContactInbox.SourceID, c.inbox.ID, s.guard.limits.Now()), nil
}

// websiteToken reads website_token from the query string (where
// Chatwoot's widget puts it) or the body.
func websiteToken(c *call) (string, error) {
	if t := c.r.URL.Query().Get("website_token"); t != "" {
		return t, nil
	}
	var b struct {
		WebsiteToken Opt[Str] `json:"website_token"`
	}
	if err := c.bind(&b); err != nil {
		if chat.ErrorCode(err) == chat.ETOOLARGE {
			return "", err
		}
		return "", nil // unreadable: no token, so not found
	}
	return strings.TrimSpace(string(b.WebsiteToken.V)), nil
}

// visitorToken reads X-Auth-Token, or auth_token in the query string for
// the event stream (an EventSource cannot set headers).
func visitorToken(c *call) string {
	if t := c.r.Header.Get("X-Auth-Token"); t != "" {
		return t
	}
	return c.r.URL.Query().Get("auth_token")
}
