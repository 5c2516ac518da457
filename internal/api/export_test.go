package api

import "net/http/httptest"

// RoutesForTest lists the routes of s's OpenAPI document (all it registers
// on its mux but the widget's), as "METHOD /path/{param}" patterns.
func RoutesForTest(s *Server) []string {
	out := make([]string, 0, len(s.documented))
	for _, rt := range s.documented {
		out = append(out, rt.Method+" "+rt.Path)
	}
	return out
}

// MatchForTest returns the pattern of the handler s's mux chooses for a
// request: a route's "METHOD /path", "/" for the not-found fallback, or ""
// when the mux itself answers (405 Method Not Allowed).
func MatchForTest(s *Server, method, target string) string {
	r := httptest.NewRequest(method, target, nil)
	_, pattern := s.mux.Handler(r)
	return pattern
}
