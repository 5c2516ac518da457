package api

// STUB: helper A replaces this file with agents.go, inboxes.go, profile.go
// and platform.go. Signatures here are the contract other files rely on.

import "github.com/parleyhq/parley/internal/chat"

type accountBody struct{}
type accountJSON struct{}
type userBody struct{}
type platformUserJSON struct{}
type accountUserBody struct{}
type accountUserJSON struct{}
type profileJSON struct{}
type agentBody struct{}
type inboxList struct{}
type inboxBody struct{}

// agentJSON is Chatwoot's agent partial (models/_agent.json.jbuilder).
type agentJSON struct{}

// newAgentJSON renders a user as an agent of an account.
func newAgentJSON(u *chat.User, m *chat.AccountUser) agentJSON { return agentJSON{} }

// inboxJSON is Chatwoot's inbox partial (models/_inbox.json.jbuilder);
// secrets only when admin.
type inboxJSON struct{}

func newInboxJSON(in *chat.Inbox, admin bool) inboxJSON { return inboxJSON{} }

// rawInboxJSON is the inbox record as ActiveRecord's as_json dumps it
// (every column, schema order), used by contact create.
type rawInboxJSON struct{}

func newRawInboxJSON(in *chat.Inbox) rawInboxJSON { return rawInboxJSON{} }

func (s *Server) platformCreateAccount(c *call) (any, error)     { return nil, errTodo }
func (s *Server) platformShowAccount(c *call) (any, error)       { return nil, errTodo }
func (s *Server) platformUpdateAccount(c *call) (any, error)     { return nil, errTodo }
func (s *Server) platformDeleteAccount(c *call) (any, error)     { return nil, errTodo }
func (s *Server) platformCreateUser(c *call) (any, error)        { return nil, errTodo }
func (s *Server) platformShowUser(c *call) (any, error)          { return nil, errTodo }
func (s *Server) platformUpdateUser(c *call) (any, error)        { return nil, errTodo }
func (s *Server) platformDeleteUser(c *call) (any, error)        { return nil, errTodo }
func (s *Server) platformCreateAccountUser(c *call) (any, error) { return nil, errTodo }
func (s *Server) platformListAccountUsers(c *call) (any, error)  { return nil, errTodo }
func (s *Server) platformDeleteAccountUser(c *call) (any, error) { return nil, errTodo }
func (s *Server) showProfile(c *call) (any, error)               { return nil, errTodo }
func (s *Server) listAgents(c *call) (any, error)                { return nil, errTodo }
func (s *Server) createAgent(c *call) (any, error)               { return nil, errTodo }
func (s *Server) updateAgent(c *call) (any, error)               { return nil, errTodo }
func (s *Server) deleteAgent(c *call) (any, error)               { return nil, errTodo }
func (s *Server) listInboxes(c *call) (any, error)               { return nil, errTodo }
func (s *Server) showInbox(c *call) (any, error)                 { return nil, errTodo }
func (s *Server) createInbox(c *call) (any, error)               { return nil, errTodo }
func (s *Server) updateInbox(c *call) (any, error)               { return nil, errTodo }
func (s *Server) deleteInbox(c *call) (any, error)               { return nil, errTodo }

var errTodo = &chat.Error{Code: chat.EINTERNAL, Message: "not implemented"}
