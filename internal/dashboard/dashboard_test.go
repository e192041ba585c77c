package dashboard_test

import (
	"context"
	"os"
	"testing"

	"guanai/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Run(m)) }

var ctx = context.Background()
