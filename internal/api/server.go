// Package api serves Parley's HTTP API: Chatwoot's Application and Platform
// APIs over the chat service.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// Config configures the API server.
type Config struct {
	Service *chat.Service
	Logger  *slog.Logger
	// PlatformToken enables the Platform API; empty disables it.
	PlatformToken string
	// Version is reported by /healthz and the OpenAPI document.
	Version string
	// Metrics, when set, writes the Prometheus text exposition served at
	// /metrics.
	Metrics func(w io.Writer)
	// Visitors limits the widget and public client routes.
	Visitors VisitorLimits
	// Broker carries live updates to open widgets. Defaults to an
	// in-process hub, which New also plugs into the service (Service.Live)
	// when the service has no live sink yet.
	Broker widget.Broker
}

// Server is the HTTP handler of the API.
type Server struct {
	svc           *chat.Service
	log           *slog.Logger
	platformToken string
	version       string
	metrics       func(w io.Writer)
	mux           *http.ServeMux
	routes        []route
	// documented are the routes of the OpenAPI document: every route of
	// routes, then the public client API's.
	documented  []route
	openapiOnce sync.Once
	openapiDoc  []byte

	guard   *visitorGuard
	broker  widget.Broker
	closing chan struct{} // closed by CloseStreams
	closeMu sync.Once
	tokenState
}

// New returns a Server with every route registered.
func New(cfg Config) *Server {
	s := &Server{
		svc:           cfg.Service,
		log:           cfg.Logger,
		platformToken: cfg.PlatformToken,
		version:       cfg.Version,
		metrics:       cfg.Metrics,
		mux:           http.NewServeMux(),
		guard:         newVisitorGuard(cfg.Visitors),
		broker:        cfg.Broker,
		closing:       make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.broker == nil {
		s.broker = widget.NewHub()
	}
	if s.svc.Live == nil {
		s.svc.Live = &widget.Live{Broker: s.broker}
	}
	s.routes = s.routeTable()
	s.documented = append([]route(nil), s.routes...)
	for _, rt := range s.routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.handler(rt))
	}
	// The visitor routes are Parley's public face. The public client API's
	// (those with a tag) are in the OpenAPI document, as in Chatwoot's; the
	// widget's are the widget's own business.
	for _, rt := range s.visitorRouteTable() {
		s.mux.Handle(rt.Method+" "+rt.Path, s.handler(rt))
		if rt.Tag != "" {
			s.documented = append(s.documented, rt)
		}
	}
	s.registerAssets()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, plainError{Error: "Resource could not be found"})
	})
	return s
}

// ServeHTTP logs each request and turns panics into 500s.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			if !sw.wrote {
				writeJSON(sw, http.StatusInternalServerError, plainError{Error: "Internal server error"})
			}
		}
		level := slog.LevelDebug
		if sw.status >= 500 && sw.status != statusClientClosed {
			level = slog.LevelWarn
		}
		// The path only: query strings can carry tokens.
		s.log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", time.Since(start))
	}()
	if strings.HasPrefix(r.URL.Path, "/public/api/") && allowPublicCORS(sw, r) {
		return
	}
	s.mux.ServeHTTP(sw, r)
}

// allowPublicCORS lets browser apps on any site call the public client API,
// as Chatwoot's CORS settings do (its routes authenticate by inbox
// identifier and source_id, never by cookie). It answers a preflight itself
// and reports so.
func allowPublicCORS(w http.ResponseWriter, r *http.Request) bool {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	}
	h.Set("Access-Control-Max-Age", "7200")
	w.WriteHeader(http.StatusNoContent)
	return true
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection (to flush
// the widget's event stream).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// handler adapts a route: authentication, authorisation, the handler, and
// the response or error envelope.
func (s *Server) handler(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s, w: w, r: r, status: http.StatusOK, wrapper: rt.Wrapper}
		if err := s.authorize(c, rt.Auth); err != nil {
			s.fail(c, err)
			return
		}
		out, err := rt.Handle(c)
		if err != nil {
			s.fail(c, err)
			return
		}
		switch v := out.(type) {
		case streamed:
			// The handler wrote its answer itself.
		case emptyBody:
			w.WriteHeader(c.status)
		case rawJSON:
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(c.status)
			w.Write(v)
		case metricsText:
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			w.WriteHeader(c.status)
			w.Write(v)
		default:
			writeJSON(w, c.status, out)
		}
	})
}

func (s *Server) fail(c *call, err error) {
	status, body := errorBody(err)
	if status >= 500 && status != statusClientClosed {
		s.log.Error("request failed", "method", c.r.Method, "path", c.r.URL.Path, "error", err)
	}
	writeJSON(c.w, status, body)
}

func (s *Server) authorize(c *call, a authKind) error {
	if isVisitorAuth(a) {
		return s.authorizeVisitor(c, a)
	}
	switch a {
	case authPublic:
		return nil
	case authPlatform:
		token := c.r.Header.Get("api_access_token")
		if s.platformToken == "" || subtle.ConstantTimeCompare([]byte(token), []byte(s.platformToken)) != 1 {
			// Chatwoot's PlatformController spells it this way.
			return &chat.Error{Code: chat.EUNAUTHENTICATED, Message: "Invalid access_token"}
		}
		return nil
	}
	if a == authUser {
		u, err := s.svc.Authenticate(c.ctx(), accessToken(c.r))
		c.user = u
		return err
	}
	accountID, err := strconv.ParseInt(c.r.PathValue("account_id"), 10, 64)
	if err != nil {
		// Still tell a caller without a valid token that first.
		if _, err := s.svc.Authenticate(c.ctx(), accessToken(c.r)); err != nil {
			return err
		}
		return chat.NotFound()
	}
	if c.actor, err = s.svc.Actor(c.ctx(), accessToken(c.r), accountID); err != nil {
		return err
	}
	c.user = c.actor.User
	if a == authAdmin {
		return c.actor.RequireAdmin()
	}
	return nil
}

// accessToken reads the api_access_token header (Chatwoot's), also accepted
// as a query parameter by some Chatwoot clients.
func accessToken(r *http.Request) string {
	if t := r.Header.Get("api_access_token"); t != "" {
		return t
	}
	return r.Header.Get("Api-Access-Token")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal server error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// call is one request being handled.
type call struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	user    *chat.User
	actor   *chat.Actor
	status  int
	wrapper string
	params  map[string]json.RawMessage

	// The visitor routes': the inbox, its account and, once known, the
	// visitor and the token it came with.
	inbox        *chat.Inbox
	account      *chat.Account
	visitor      *chat.Visitor
	visitorToken string
}

func (c *call) ctx() context.Context { return c.r.Context() }

// id reads an integer path parameter; anything else is not found.
func (c *call) id(name string) (int64, error) {
	v, err := strconv.ParseInt(c.r.PathValue(name), 10, 64)
	if err != nil || v <= 0 {
		return 0, chat.NotFound()
	}
	return v, nil
}

// bind decodes the request's parameters into dst (a pointer to a struct).
func (c *call) bind(dst any) error {
	if c.params == nil {
		p, err := readParams(c.r, c.wrapper)
		if err != nil {
			return err
		}
		c.params = p
	}
	return decodeParams(c.params, dst)
}

// has reports whether the request carried a parameter.
func (c *call) has(key string) bool {
	if c.params == nil {
		if p, err := readParams(c.r, c.wrapper); err == nil {
			c.params = p
		}
	}
	_, ok := c.params[key]
	return ok
}

// queryInt reads an integer query parameter; absent or invalid is def.
func (c *call) queryInt(name string, def int) int {
	v, err := strconv.Atoi(c.r.URL.Query().Get(name))
	if err != nil {
		return def
	}
	return v
}

// emptyBody answers with the status and no body (Rails' head :ok).
type emptyBody struct{}

// streamed marks a response the handler wrote itself (the event stream).
type streamed struct{}

// CloseStreams ends the widgets' event streams, which would otherwise keep
// a graceful shutdown waiting: register it with http.Server.RegisterOnShutdown.
func (s *Server) CloseStreams() { s.closeMu.Do(func() { close(s.closing) }) }

// rawJSON is a response already encoded.
type rawJSON []byte
