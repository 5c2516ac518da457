package api

import (
	"net/http"
	"strings"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/widget"
)

// registerAssets serves the widget's browser files from the binary:
// /packs/js/sdk.js where Chatwoot's embed snippet looks for it, the widget
// page at /widget, and its script and styles.
func (s *Server) registerAssets() {
	s.mux.HandleFunc("GET /packs/js/sdk.js", s.asset("assets/sdk.js", "text/javascript; charset=utf-8"))
	s.mux.HandleFunc("GET /widget/widget.js", s.asset("assets/widget.js", "text/javascript; charset=utf-8"))
	s.mux.HandleFunc("GET /widget/widget.css", s.asset("assets/widget.css", "text/css; charset=utf-8"))
	page := s.asset("assets/widget.html", "text/html; charset=utf-8")
	s.mux.HandleFunc("GET /widget", func(w http.ResponseWriter, r *http.Request) {
		in, _, err := s.svc.WidgetInbox(r.Context(), r.URL.Query().Get("website_token"))
		if err != nil {
			status, _ := errorBody(err)
			http.Error(w, http.StatusText(status), status)
			return
		}
		// The browser enforces where the widget may be framed: only on
		// the inbox's website (and allowed domains) when it has one.
		w.Header().Set("Content-Security-Policy", "frame-ancestors "+frameAncestors(in))
		w.Header().Set("Referrer-Policy", "no-referrer") // the page URL holds the visitor token
		page(w, r)
	})
}

func (s *Server) asset(name, contentType string) http.HandlerFunc {
	b, err := widget.Assets.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: missing is a bug
	}
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		// Short: a new Parley version's assets reach visitors soon.
		w.Header().Set("Cache-Control", "public, max-age=300")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(b)
	}
}

func frameAncestors(in *chat.Inbox) string {
	if in.WebWidget == nil || in.WebWidget.WebsiteURL == "" {
		return "*"
	}
	out := []string{"'self'"}
	for _, o := range allowedOrigins(in.WebWidget) {
		// CSP source expressions take hosts or scheme://host; both forms
		// are listed, keep the ones without spaces or quotes.
		if !strings.ContainsAny(o, " ';") {
			out = append(out, o)
		}
	}
	return strings.Join(out, " ")
}
