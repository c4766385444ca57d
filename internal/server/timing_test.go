package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/pipewell/pipewell/internal/crm"
)

// TestServerTiming: a page's response says how long it spent in the
// database (its tenant transactions and the identity lookup); a request without a
// session that reads nothing says 0.
func TestServerTiming(t *testing.T) {
	t.Parallel()
	app := newTestApp(t, Config{})
	admin := app.db.Tenant(t, "Timing Solar")
	rep := app.db.User(t, admin, crm.RoleSales, "Tim Ing")
	c := app.client()
	c.login(rep)
	dur := func(c *client, path string) float64 {
		t.Helper()
		res := c.get(path)
		if res.status != 200 {
			t.Fatalf("GET %s: %d", path, res.status)
		}
		v, ok := strings.CutPrefix(res.header.Get("Server-Timing"), "db;dur=")
		if !ok {
			t.Fatalf("GET %s: Server-Timing %q", path, res.header.Get("Server-Timing"))
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	if d := dur(c, "/?view=active"); d <= 0 {
		t.Errorf("Sales screen: database time %v ms, want > 0", d)
	}
	if d := dur(app.client(), "/healthz"); d != 0 {
		t.Errorf("healthz: database time %v ms, want 0", d)
	}
}
