package api

// STUB: being replaced by contacts.go, conversations.go, messages.go.

import "github.com/parleyhq/parley/internal/chat"

type conversationList struct{}
type conversationMeta struct{}
type conversationBody struct{}
type conversationJSON struct{}
type toggleStatusBody struct{}
type toggleStatusReply struct{}
type togglePriorityBody struct{}
type assignmentBody struct{}
type customAttributesBody struct{}
type customAttributesReply struct{}
type labelsReply struct{}
type labelsBody struct{}
type typingBody struct{}
type messageList struct{}
type messageBody struct{}
type messageJSON struct{}
type messageStatusBody struct{}

var conversationListQuery, messageListQuery []queryParam

func (s *Server) listConversations(c *call) (any, error)               { return nil, errTodo }
func (s *Server) conversationsMeta(c *call) (any, error)               { return nil, errTodo }
func (s *Server) createConversation(c *call) (any, error)              { return nil, errTodo }
func (s *Server) showConversation(c *call) (any, error)                { return nil, errTodo }
func (s *Server) toggleStatus(c *call) (any, error)                    { return nil, errTodo }
func (s *Server) togglePriority(c *call) (any, error)                  { return nil, errTodo }
func (s *Server) assignConversation(c *call) (any, error)              { return nil, errTodo }
func (s *Server) setConversationCustomAttributes(c *call) (any, error) { return nil, errTodo }
func (s *Server) listLabels(c *call) (any, error)                      { return nil, errTodo }
func (s *Server) setLabels(c *call) (any, error)                       { return nil, errTodo }
func (s *Server) updateLastSeen(c *call) (any, error)                  { return nil, errTodo }
func (s *Server) toggleTyping(c *call) (any, error)                    { return nil, errTodo }
func (s *Server) listMessages(c *call) (any, error)                    { return nil, errTodo }
func (s *Server) createMessage(c *call) (any, error)                   { return nil, errTodo }
func (s *Server) updateMessage(c *call) (any, error)                   { return nil, errTodo }
func (s *Server) deleteMessage(c *call) (any, error)                   { return nil, errTodo }

var _ = chat.EINVALID
