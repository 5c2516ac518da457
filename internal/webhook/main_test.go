package webhook_test

import (
	"os"
	"testing"

	"github.com/parleyhq/parley/internal/storetest"
)

// TestMain runs the package's tests on SQLite, then again on PostgreSQL
// when PARLEY_TEST_POSTGRES_URL is set.
func TestMain(m *testing.M) { os.Exit(storetest.RunAll(m)) }
