package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/parleyhq/parley/internal/chat"
	"github.com/parleyhq/parley/internal/chat/chattest"
	"github.com/parleyhq/parley/internal/sqlite"
)

// TestStore runs the store conformance suite on a SQLite file opened the
// way Parley opens it: group commit, statement cache, reader pool.
func TestStore(t *testing.T) {
	chattest.Run(t, func(t *testing.T) chat.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "parley.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
