package bench

import (
	"context"

	"github.com/pipewell/pipewell/internal/crm"
	"github.com/pipewell/pipewell/internal/postgres"
)

// reportScenarios request each built report with its default filters as
// the tenant's admin, first at the big tenant and then at a 10,000-project
// one (small, smallCookie); the SQL of each is the report's read through
// postgres.BenchReport, every project evaluated by the engine.
func reportScenarios(ctx context.Context, db *postgres.DB, big crm.User, cookie string, small crm.User, smallCookie string) []scenario {
	read := func(u crm.User, name string) func() error {
		v := crm.Viewer{TenantID: u.TenantID, UserID: u.ID, Role: u.Role}
		return func() error {
			_, err := db.BenchReport(ctx, v, name)
			return err
		}
	}
	var out []scenario
	for _, t := range []struct {
		label string
		u     crm.User
		c     string
	}{{"", big, cookie}, {" 10k", small, smallCookie}} {
		out = append(out, scenario{name: "reports index" + t.label, path: "/reports", cookie: t.c, runs: 7, sql: func() error { return nil }})
		for _, r := range []struct{ name, path string }{
			{"pipeline", "/reports/pipeline"}, {"funnel", "/reports/funnel"}, {"steps", "/reports/steps"},
			{"late", "/reports/late"}, {"qualified", "/reports/qualified"}, {"load", "/reports/load"},
			{"forecast", "/reports/forecast"}, {"commission", "/reports/commission"}, {"referral", "/reports/referral"},
			{"performance", "/reports/performance"}, {"calibration", "/reports/calibration"},
		} {
			out = append(out, scenario{name: "reports " + r.name + t.label, path: r.path, cookie: t.c, runs: 7, sql: read(t.u, r.name)})
		}
	}
	return out
}
